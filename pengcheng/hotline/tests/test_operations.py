"""Bulk import, inbound messages, deadline jobs and the supervisor figures."""

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from openpyxl import Workbook

from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import ValidationFailed
from pengcheng.hotline import importer, services, stats, tasks
from pengcheng.hotline.inbound import process_spool
from pengcheng.hotline.models import (
    DailyTicketStat,
    EventKind,
    ImportBatch,
    InboundMessage,
    Rating,
    Status,
    Ticket,
)
from pengcheng.hotline.tests.conftest import LEAD, department, new_ticket, ticket_in
from pengcheng.notifications.models import Notification
from pengcheng.testing import login_client, make_staff

pytestmark = pytest.mark.django_db
HOTLINE_DATA = Path(settings.PENGCHENG_SHARED_DATA) / "hotline"


def test_import_the_fuzhou_appeals(demo_city: None) -> None:
    out = io.StringIO()
    call_command("hotline_import", str(HOTLINE_DATA / "fuzhou12345_appeals.csv"), stdout=out)
    assert "1203 rows, imported 1203, 0 bad" in out.getvalue()
    batch = ImportBatch.objects.get()
    assert batch.rows_imported == 1203
    tickets = Ticket.objects.filter(import_batch=batch)
    assert tickets.filter(request_type="complaint").count() == 1006
    assert tickets.filter(channel="phone").count() == 479
    sample = tickets.get(title="关于梅峰河（左海西门到博物院段）内河治理情况投诉")
    assert sample.status == Status.CLOSED and sample.public_reply.startswith("您好，您的诉求已收悉")
    assert sample.anonymous and sample.address == "鼓楼区 梅峰河"
    assert sample.events.filter(kind=EventKind.CREATED).exists()


def test_import_the_teddy_cup_files_and_report_bad_rows(demo_city: None, tmp_path: Path) -> None:
    result = importer.run_import(
        SYSTEM,
        "teddy2020_labeled_sample.csv",
        (HOTLINE_DATA / "teddy2020_labeled_sample.csv").open("rb"),
        importer.ImportOptions(
            mapping=importer.mapping_for(
                ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "一级分类"], "teddy2020"
            )
        ),
    )
    assert result.rows == 495 and result.bad == 0
    assert Ticket.objects.filter(category__name="城乡建设").exists()
    replies = HOTLINE_DATA / "teddy2020_messages_with_replies.csv"
    out = io.StringIO()
    call_command("hotline_import", str(replies), "--dry-run", stdout=out)
    assert "2816 rows, would import" in out.getvalue()

    broken = tmp_path / "broken.csv"
    broken.write_text(
        "留言编号,留言用户,留言主题,留言时间,留言详情,一级分类\n"
        "1,U1,好主题,2020/1/6 12:09:38,内容正常,城乡建设\n"
        "2,U2,没有时间,,内容,城乡建设\n"
        "3,U3,时间不对,2020-13-45,内容,城乡建设\n"
        "4,U4,分类不对,2020/1/6 12:09:38,内容,外星事务\n"
        "5,U5,空内容,2020/1/6 12:09:38,,城乡建设\n"
        "6,U6,列不够\n"
        "7,U7,未来,2099/1/1 00:00:00,内容,城乡建设\n",
        encoding="utf-8",
    )
    with broken.open("rb") as handle:
        result = importer.run_import(
            SYSTEM,
            str(broken),
            handle,
            importer.ImportOptions(
                mapping=importer.mapping_for(
                    ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "一级分类"], "teddy2020"
                )
            ),
        )
    assert (result.rows, result.imported) == (7, 1)
    assert [(e.file, e.row) for e in result.errors] == [("broken.csv", n) for n in (3, 4, 5, 6, 7, 8)]
    reasons = " ".join(e.reason for e in result.errors)
    assert "外星事务" in reasons and "2020-13-45" in reasons
    assert ImportBatch.objects.get(file_name="broken.csv").errors[0] == {
        "file": "broken.csv",
        "row": 3,
        "reason": result.errors[0].reason,
    }


def test_import_xlsx_with_a_custom_mapping_through_the_console(demo_city: None) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["编号", "内容", "日期", "类型", "地址"])
    sheet.append(["A1", "小区噪音扰民", dt.datetime(2024, 5, 1, 9, 30), "投诉", "南山区粤海街道科技园社区"])
    sheet.append(["A2", "咨询社保", "2024-05-02", "咨询", ""])
    sheet.append(["A3", "", "2024-05-02", "咨询", ""])
    data = io.BytesIO()
    workbook.save(data)
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login_client("operator")
    first = client.post("/console/hotline/import/", {"file": SimpleUploadedFile("history.xlsx", data.getvalue())})
    assert first.status_code == 200
    stored = first.context["stored"]
    response = client.post(
        "/console/hotline/import/",
        {
            "stored": stored,
            "run": "1",
            "map_external_id": "编号",
            "map_description": "内容",
            "map_created_at": "日期",
            "map_request_type": "类型",
            "map_address": "地址",
            "default_type": "complaint",
        },
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and (batch.rows_imported, batch.rows_bad) == (2, 1)
    noise = Ticket.objects.get(external_id="A1")
    assert noise.division_id == "440305007003" and noise.request_type == "complaint"
    assert "A3" not in Ticket.objects.values_list("external_id", flat=True)
    page = client.get(f"/console/hotline/import/{batch.pk}/?format=csv").content.decode()
    assert "history.xlsx,4," in page
    with pytest.raises(ValidationFailed):
        importer.check_mapping({"title": "内容"}, ["内容"])


def test_inbound_messages_from_the_spool_the_api_and_the_console(demo_city: None, tmp_path: Path) -> None:
    (tmp_path / "sms").mkdir()
    (tmp_path / "wechat").mkdir()
    (tmp_path / "email").mkdir()
    (tmp_path / "sms" / "1.json").write_text(
        json.dumps({"id": "s1", "from": "19900011001", "text": "楼下烧烤油烟很大"}), "utf-8"
    )
    (tmp_path / "sms" / "2.json").write_text("{not json", "utf-8")
    (tmp_path / "wechat" / "1.xml").write_text(
        "<xml><ToUserName>gh_12345</ToUserName><FromUserName>oABC123</FromUserName><CreateTime>1700000000</CreateTime>"
        "<MsgType>text</MsgType><Content>公园的灯不亮</Content><MsgId>987654</MsgId></xml>",
        "utf-8",
    )
    (tmp_path / "email" / "1.eml").write_text(
        "From: 张三 <zhang@example.com>\nTo: 12345@sz.gov.cn\nSubject: 道路破损\nMessage-ID: <m1@example.com>\n"
        "Date: Mon, 06 Jan 2025 10:00:00 +0800\nContent-Type: text/plain; charset=utf-8\n\n福中路有一个大坑。\n",
        "utf-8",
    )
    counts = process_spool(tmp_path)
    assert counts == {"stored": 3, "duplicates": 0, "failed": 1}
    assert (tmp_path / "sms" / "failed" / "2.json.error").exists() and (tmp_path / "sms" / "done" / "1.json").exists()
    email = InboundMessage.objects.get(channel="email")
    assert (email.sender, email.sender_name, email.subject) == ("zhang@example.com", "张三", "道路破损")
    assert InboundMessage.objects.get(channel="wechat").sender == "oABC123"

    out = io.StringIO()
    call_command("hotline_inbound", "--channel", "sms", "--sender", "19900011002", "--text", "噪音", stdout=out)
    assert "stored" in out.getvalue()

    from pengcheng.core.services import create_api_key

    key = create_api_key(SYSTEM, name="sms gateway", scopes=["hotline.inbound"]).raw
    from django.test import Client

    gateway = Client(HTTP_X_API_KEY=key)
    body = {"channel": "sms", "external_id": "g-1", "sender": "19900011003", "body": "路面塌陷"}
    assert gateway.post("/api/v1/hotline/inbound", body, content_type="application/json").status_code == 201
    assert gateway.post("/api/v1/hotline/inbound", body, content_type="application/json").status_code == 200
    assert (
        Client(HTTP_X_API_KEY=create_api_key(SYSTEM, name="other", scopes=["open311"]).raw)
        .post("/api/v1/hotline/inbound", body, content_type="application/json")
        .status_code
        == 403
    )

    agent = make_staff("hotline_agent", "440300-RX12345")
    client = login_client(agent.username)
    sms = InboundMessage.objects.get(external_id="s1")
    form = client.get(f"/console/hotline/inbound/{sms.pk}/")
    assert "19900011001" in form.content.decode()
    client.post(
        f"/console/hotline/inbound/{sms.pk}/",
        {
            "caller_phone": "19900011001",
            "request_type": "complaint",
            "urgency": "normal",
            "description": sms.body,
            "address": "福田区",
        },
    )
    sms.refresh_from_db()
    assert sms.status == "ticketed" and sms.ticket is not None and sms.ticket.channel == "sms"
    assert client.post(f"/console/hotline/inbound/{sms.pk}/", {"ignore": "1"}).status_code == 409


def test_deadline_jobs_warn_before_and_escalate_after(demo_city: None) -> None:
    clerk = make_staff("clerk", LEAD)
    chief = make_staff("supervisor", "440300-RX12345")
    soon = ticket_in(Status.DISPATCHED)
    late = ticket_in(Status.HANDLING)
    now = timezone.now()
    Ticket.objects.filter(pk=soon.pk).update(accept_due=now + dt.timedelta(minutes=10))
    Ticket.objects.filter(pk=late.pk).update(handle_due=now - dt.timedelta(hours=1))
    counts = tasks.check_deadlines()
    assert counts["accept_warned"] == 1 and counts["handle_escalated"] == 1
    late.refresh_from_db()
    assert late.supervised and late.escalated and late.supervised_reason
    assert late.events.filter(kind=EventKind.ESCALATED).exists()
    assert Notification.objects.filter(recipient=clerk, subject__contains=soon.number).exists()
    assert Notification.objects.filter(recipient=chief, subject__contains=late.number).exists()
    again = tasks.check_deadlines()
    assert again == {"accept_warned": 0, "handle_warned": 0, "accept_escalated": 0, "handle_escalated": 0}


def test_supervisor_figures_breaches_and_export(demo_city: None) -> None:
    agent = make_staff("hotline_agent", "440300-RX12345")
    satisfied = ticket_in(Status.CLOSED)
    services.rate(SYSTEM, satisfied, Rating.SATISFIED)
    ticket_in(Status.RATED)  # unsatisfied
    refused = new_ticket()
    services.dispatch(SYSTEM, refused, department(LEAD))
    services.refuse(SYSTEM, refused, "不是本单位")
    late = ticket_in(Status.HANDLING)
    Ticket.objects.filter(pk=late.pk).update(handle_due=timezone.now() - dt.timedelta(hours=3))
    result = stats.refresh()
    assert result["days"] >= 1
    today = timezone.localdate()
    data = stats.overview(agent, today - dt.timedelta(days=29), today, "department")
    assert data.total.get("received") == 4
    assert data.total.get("rated") == 2 and data.total.satisfaction == 50.0
    lead = next(row for row in data.rows if row.label == department(LEAD).name)
    assert lead.get("dispatches") == 4 and lead.get("refused") == 1 and lead.refusal_rate == 25.0
    assert lead.accept_rate == 100.0
    for by in stats.DIMENSIONS:
        assert stats.overview(agent, today, today, by).total.get("received") == 4
    assert [t.pk for t in stats.breaches(agent)] == [late.pk]
    client = login_client(agent.username)
    page = client.get("/console/hotline/overview/?by=type")
    assert page.status_code == 200
    csv_text = b"".join(client.get("/console/hotline/overview.csv?by=district").streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert csv_text.splitlines()[0].startswith("district,received,")
    assert csv_text.splitlines()[-1].startswith("合计") or "Total" in csv_text.splitlines()[-1]
    breaches = b"".join(client.get("/console/hotline/breaches/?format=csv").streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert late.number in breaches
    assert login_client("citizen").get("/console/hotline/overview/").status_code == 403
    # The figures for a day are rebuilt when a ticket received that day changes.
    services.reply(SYSTEM, late, "已处理")
    stats.refresh()
    assert DailyTicketStat.objects.filter(day=today).count() >= 1
    with pytest.raises(ValidationFailed):
        stats.overview(agent, today, today - dt.timedelta(days=1))


def suggest_two(ticket: Ticket, limit: int) -> list:
    from pengcheng.hotline.classifier import Suggestion

    return [
        Suggestion(ticket.category, department("440300-CGJ"), 0.61, "test model"),
        Suggestion(None, department(LEAD), 0.83, "test model"),
    ]


def test_a_classifier_can_suggest_to_the_dispatcher(demo_city: None, settings: object) -> None:
    ticket = new_ticket()
    agent = make_staff("hotline_agent", "440300-RX12345")
    page = login_client(agent.username).get(f"/console/hotline/t/{ticket.number}/").content.decode()
    assert 'class="suggestions"' not in page  # dispatch works without any classifier
    settings.PENGCHENG_HOTLINE_CLASSIFIER = "pengcheng.hotline.tests.test_operations.suggest_two"  # type: ignore[attr-defined]
    page = login_client(agent.username).get(f"/console/hotline/t/{ticket.number}/").content.decode()
    assert 'class="suggestions"' in page
    assert page.index("0.83") < page.index("0.61")  # best first
    settings.PENGCHENG_HOTLINE_CLASSIFIER = "pengcheng.hotline.tests.test_operations.no_such_function"  # type: ignore[attr-defined]
    assert login_client(agent.username).get(f"/console/hotline/t/{ticket.number}/").status_code == 200


def test_batch_submissions_become_tickets_in_bulk_with_an_intact_audit_chain(demo_city: None) -> None:
    from django.test import Client

    from pengcheng.audit.services import verify_chain
    from pengcheng.core.services import create_api_key
    from pengcheng.hotline.models import Category, Open311Submission, ServiceType

    Category.objects.filter(code="0102004").update(service_type=ServiceType.BATCH)
    key = create_api_key(SYSTEM, name="batch client", scopes=["open311"]).raw
    client = Client()
    for n in range(7):
        form = {"api_key": key, "service_code": "0102004", "address_string": "福田区", "description": f"路灯 {n}"}
        assert client.post("/open311/v2/requests.json", form).status_code == 200
    bad = Open311Submission.objects.order_by("pk").first()
    assert bad is not None
    bad.payload["service_code"] = ["9999999"]  # the service was withdrawn in the meantime
    bad.save()
    assert Ticket.objects.count() == 0
    assert tasks.process_open311_batches() == 7
    assert Ticket.objects.count() == 6
    bad.refresh_from_db()
    assert bad.ticket is None and "no longer offered" in bad.error
    from pengcheng.audit.models import AuditRecord

    record = AuditRecord.objects.get(action="hotline.tickets_created")
    assert len(record.data["tickets"]) == 6
    assert verify_chain().ok


def test_the_demo_seed_makes_tickets_and_figures(demo_city: None) -> None:
    from pengcheng.hotline import seed
    from pengcheng.seeding import SeedContext

    ctx = SeedContext(scale=1, quiet=True)
    seed.BASE_TICKETS, saved = 60, seed.BASE_TICKETS
    try:
        assert seed.load_tickets(ctx) == 60
        assert seed.load_tickets(ctx) == 0  # idempotent
    finally:
        seed.BASE_TICKETS = saved
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert {Status.RATED, Status.CLOSED} <= statuses
    stats.refresh(full=True)
    today = timezone.localdate()
    overview = stats.overview(SYSTEM, today - dt.timedelta(days=60), today)
    assert overview.total.get("received") == 60


def test_demo_tickets_say_what_their_category_is_about_and_replies_answer_them(demo_city: None) -> None:
    from pengcheng.hotline import demo_text, seed
    from pengcheng.seeding import SeedContext

    ctx = SeedContext(scale=1, quiet=True)
    seed.BASE_TICKETS, saved = 120, seed.BASE_TICKETS
    try:
        assert seed.load_tickets(ctx) == 120
        tickets = list(Ticket.objects.filter(external_id__startswith="demo-").select_related("category"))
        first = sorted((t.external_id, t.title, t.description, t.reply) for t in tickets)
        Ticket.objects.filter(external_id__startswith="demo-").delete()
        assert seed.load_tickets(ctx) == 120
    finally:
        seed.BASE_TICKETS = saved
    again = Ticket.objects.filter(external_id__startswith="demo-").values_list(
        "external_id", "title", "description", "reply"
    )
    assert sorted(again) == first  # seeded: the same text every time
    topics = {topic.path: topic for topic in demo_text.TOPICS}
    assert all(t.category is not None and t.category.path_name in topics for t in tickets)
    on_topic = [t for t in tickets if any(s in t.title + t.description for s in topics[t.category.path_name].subjects)]  # type: ignore[union-attr]
    assert len(on_topic) >= 0.8 * len(tickets)  # the rest are about a neighbouring topic, as real labels are arguable
    assert len({t.category_id for t in tickets}) >= 20
    replied = [t for t in tickets if t.reply]
    weak_texts = {*demo_text.WEAK_REPLIES, "已在电话中答复市民。"}
    weak = [t for t in replied if t.reply in weak_texts]
    assert 0 < len(weak) <= 0.25 * len(replied)
    dispatched = [t for t in replied if t.reply not in weak_texts and t.lead_department_id]
    assert dispatched and all(t.title in t.reply or t.request_type in ("consultation", "praise") for t in dispatched)


def test_imported_history_counts_on_time_by_its_reply_time(demo_city: None, tmp_path: Path) -> None:
    received = timezone.localtime() - dt.timedelta(days=40)
    stamp = received.strftime("%Y/%m/%d %H:%M:%S")
    soon = (received + dt.timedelta(days=1)).strftime("%Y/%m/%d %H:%M:%S")
    late = (received + dt.timedelta(days=30)).strftime("%Y/%m/%d %H:%M:%S")
    history = tmp_path / "history.csv"
    headers = ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "答复意见", "答复时间"]
    history.write_text(
        ",".join(headers) + "\n"
        f"1,U1,路灯不亮,{stamp},路灯坏了,已修复,{soon}\n"
        f"2,U2,噪音扰民,{stamp},夜间施工,已处罚,{late}\n"
        f"3,U3,垃圾清运,{stamp},垃圾没人收,已清运,\n"
        f"4,U4,井盖破损,{stamp},井盖松动,,\n",
        encoding="utf-8",
    )
    with history.open("rb") as handle:
        result = importer.run_import(
            SYSTEM,
            str(history),
            handle,
            importer.ImportOptions(mapping=importer.mapping_for(headers, "teddy2020")),
        )
    assert result.imported == 4 and result.bad == 0
    tickets = {t.external_id: t for t in Ticket.objects.filter(import_batch=result.batch)}
    assert tickets["1"].closed_on_time is True and tickets["2"].closed_on_time is False
    assert tickets["1"].handle_due is not None and tickets["1"].replied_at < tickets["1"].handle_due  # type: ignore[operator]
    # Without a reply time nobody knows whether it was on time: neither on time nor late.
    assert tickets["3"].closed_on_time is None and tickets["4"].closed_on_time is None
    stats.refresh(full=True)
    day = received.date()
    figures = stats.overview(make_staff("hotline_agent", "440300-RX12345"), day, day).total
    assert figures.get("closed") == 4 and figures.get("closed_timed") == 2
    assert figures.close_rate == 50.0  # was 0.0: the history's unknown outcomes counted as late


def test_batch_intake_dispatches_as_the_routing_table_says(demo_city: None) -> None:
    """Batch intake applies automatic dispatch before inserting (assignments and events in bulk), with
    the same outcome as dispatching one ticket; a rule whose lead is inactive leaves its ticket for a person."""
    from pengcheng.core.models import Department
    from pengcheng.hotline import routing
    from pengcheng.hotline.models import AssignmentRole, Category, EventKind, RoutingRule, TicketAssignment
    from pengcheng.hotline.services import TicketInput, create_tickets, prepare_ticket

    lights, roads = Category.objects.get(code="0102004"), Category.objects.exclude(code__startswith="0102").first()
    assert roads is not None
    lead, helper, closed = Department.objects.filter(is_active=True).order_by("pk")[:3]
    closed.is_active = False
    closed.save(update_fields=["is_active"])
    rule = RoutingRule.objects.create(category=lights, department=lead, auto_dispatch=True)
    rule.assisting.add(helper)
    RoutingRule.objects.create(category=roads, department=closed, auto_dispatch=True)
    routing.forget_rules()

    def report(category: Category, text: str) -> services.PreparedTicket:
        return prepare_ticket(
            TicketInput(
                request_type="complaint", category=category, description=text, address="福田区", channel="open311"
            )
        )

    dispatched, waiting = create_tickets(SYSTEM, [report(lights, "路灯不亮"), report(roads, "路面塌陷")])

    dispatched.refresh_from_db()
    assert dispatched.status == Status.DISPATCHED and dispatched.lead_department_id == lead.pk
    assert dispatched.accept_due is not None and dispatched.handle_due == dispatched.expected_at
    assert dispatched.dispatch_count == 1
    roles = dict(TicketAssignment.objects.filter(ticket=dispatched).values_list("department_id", "role"))
    assert roles == {lead.pk: AssignmentRole.LEAD, helper.pk: AssignmentRole.ASSIST}
    kinds = list(dispatched.events.order_by("at", "pk").values_list("kind", flat=True))
    assert kinds == [EventKind.CREATED, EventKind.DISPATCHED]
    waiting.refresh_from_db()
    assert waiting.status == Status.RECEIVED and waiting.lead_department_id is None
    assert not TicketAssignment.objects.filter(ticket=waiting).exists()
