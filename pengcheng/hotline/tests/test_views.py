"""Citizen and staff pages: intake, privacy, escaping, tracking, rating and the console actions."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pengcheng.core.actors import SYSTEM
from pengcheng.core.models import User
from pengcheng.hotline import services
from pengcheng.hotline.models import Attachment, Channel, Rating, Status, Ticket
from pengcheng.hotline.tests.conftest import LEAD, category, department, new_ticket, ticket_in
from pengcheng.notifications.models import Notification
from pengcheng.testing import login_client, make_citizen, make_staff

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_a_citizen_reports_with_a_map_pin_and_a_photo(demo_city: None) -> None:
    citizen = make_citizen(phone="19900004001")
    client = login_client(citizen.username)
    assert client.get("/hotline/new/").status_code == 200
    response = client.post(
        "/hotline/new/",
        {
            "request_type": "help",
            "category": "城市公共设施 — 城乡建设 / 城市建设和市政管理 / 城市公共设施 (0102004)",
            "description": "路灯不亮",
            "address": "",
            "lat": "22.538",  # GCJ-02, as the map gives it
            "lng": "114.059",
            "coord_system": "gcj02",
            "photos": [SimpleUploadedFile("light.png", PNG, content_type="image/png")],
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/hotline/mine/{ticket.number}/"
    assert ticket.channel == Channel.PORTAL and ticket.caller is not None and ticket.caller.user == citizen
    assert ticket.district_code == "440304" and ticket.category is not None and ticket.category.code == "0102004"
    assert Attachment.objects.get(ticket=ticket).content_type == "image/png"
    assert Notification.objects.filter(address="19900004001", body__contains=ticket.number).exists()
    page = client.get(f"/hotline/mine/{ticket.number}/")
    assert ticket.number in page.content.decode() and "路灯不亮" in page.content.decode()
    photo = Attachment.objects.get(ticket=ticket)
    assert client.get(f"/hotline/files/{photo.pk}/").status_code == 200
    assert login_client(make_citizen().username).get(f"/hotline/files/{photo.pk}/").status_code == 403


def test_bad_uploads_and_missing_fields_write_nothing(demo_city: None) -> None:
    client = login_client(make_citizen().username)
    response = client.post(
        "/hotline/new/",
        {
            "request_type": "help",
            "description": "x",
            "coord_system": "gcj02",
            "photos": [SimpleUploadedFile("evil.png", b"<?php echo 1; ?>", content_type="image/png")],
        },
    )
    assert response.status_code == 200 and "evil.png" in response.content.decode()
    response = client.post("/hotline/new/", {"request_type": "help", "description": "", "coord_system": "gcj02"})
    assert response.status_code == 200
    assert Ticket.objects.count() == 0


def test_html_and_script_are_stored_but_always_shown_escaped(demo_city: None) -> None:
    agent = make_staff("hotline_agent", "440300-RX12345")
    ticket = new_ticket(agent, title=SCRIPT[:60], description=SCRIPT, address=SCRIPT)
    assert Ticket.objects.get(pk=ticket.pk).description == SCRIPT  # stored as given
    services.dispatch(SYSTEM, ticket, department(LEAD))
    services.accept(SYSTEM, ticket)
    services.reply(SYSTEM, ticket, SCRIPT)
    services.close(SYSTEM, ticket, SCRIPT)
    client = login_client(agent.username)
    pages = [
        client.get(f"/console/hotline/t/{ticket.number}/"),
        client.get("/console/hotline/?queue=all"),
        client.get("/hotline/rate/" + services.rating_token(ticket) + "/"),
        Client().get(f"/open311/v2/requests/{ticket.number}.xml"),
    ]
    for page in pages:
        assert page.status_code == 200
        body = page.content.decode()
        assert "<script>" not in body and "<img src=x" not in body
    assert "&lt;script&gt;" in pages[0].content.decode()
    # JSON is data, not markup: it carries the text as given, typed as JSON for clients to escape.
    api = client.get(f"/api/v1/hotline/tickets/{ticket.number}")
    assert api["Content-Type"].startswith("application/json") and api.json()["description"] == SCRIPT


def test_callers_are_masked_outside_the_handling_chain(demo_city: None) -> None:
    ticket = ticket_in(Status.HANDLING, caller_phone="19900005001", caller_name="王小二")
    anonymous = ticket_in(Status.HANDLING, caller_phone="19900005002", caller_name="李匿名", anonymous=True)
    agent = make_staff("hotline_agent", "440300-RX12345")
    lead_clerk = make_staff("clerk", LEAD)
    operator = User.objects.get(username="operator")

    def caller_shown(user: User, t: Ticket) -> str:
        return login_client(user.username).get(f"/console/hotline/t/{t.number}/").content.decode()

    assert "19900005001" in caller_shown(agent, ticket) and "王小二" in caller_shown(agent, ticket)
    assert "19900005001" in caller_shown(lead_clerk, ticket)
    operator_view = caller_shown(operator, ticket)
    assert "19900005001" not in operator_view and "199****5001" in operator_view and "王**" in operator_view
    assert "19900005002" in caller_shown(agent, anonymous)  # the 12345 centre always sees the caller
    clerk_view = caller_shown(lead_clerk, anonymous)
    assert "19900005002" not in clerk_view and "199****5002" in clerk_view
    outsider = make_staff("clerk", "440300-JYJ")
    assert login_client(outsider.username).get(f"/console/hotline/t/{ticket.number}/").status_code == 403


def test_tracking_needs_the_code_texted_to_the_callers_phone(demo_city: None) -> None:
    ticket = ticket_in(Status.HANDLING, caller_phone="19900006001")
    client = Client()
    response = client.post("/hotline/track/", {"number": ticket.number, "phone": "19900009999"})
    assert response.status_code == 200
    assert not Notification.objects.filter(category="hotline.tracking").exists()  # wrong phone: no SMS, no hint
    client.post("/hotline/track/", {"number": ticket.number, "phone": "199-0000-6001"})
    sms = Notification.objects.get(category="hotline.tracking")
    assert sms.address == "19900006001" and sms.channel == "sms"
    code = re.search(r"(?<!\d)\d{6}(?!\d)", sms.body).group(0)  # type: ignore[union-attr]
    wrong = client.post(
        "/hotline/track/",
        {"number": ticket.number, "phone": "19900006001", "code": "000000" if code != "000000" else "111111"},
    )
    assert wrong.status_code == 200 and client.get(f"/hotline/track/{ticket.number}/").status_code == 302
    right = client.post("/hotline/track/", {"number": ticket.number, "phone": "19900006001", "code": code})
    assert right.status_code == 302
    page = client.get(f"/hotline/track/{ticket.number}/")
    assert page.status_code == 200 and ticket.number in page.content.decode()
    # A code is good once.
    again = Client().post("/hotline/track/", {"number": ticket.number, "phone": "19900006001", "code": code})
    assert again.status_code == 200


def test_the_return_visit_link_lets_the_caller_rate(demo_city: None) -> None:
    ticket = ticket_in(Status.CLOSED, caller_phone="19900007001")
    sms = Notification.objects.filter(address="19900007001", url__startswith="/hotline/rate/").get()
    assert "/hotline/rate/" in sms.body  # the SMS carries the full link
    client = Client()
    page = client.get(sms.url)
    assert page.status_code == 200 and 'name="rating"' in page.content.decode()
    client.post(sms.url, {"rating": Rating.BASICALLY_SATISFIED, "comment": "还行"})
    ticket.refresh_from_db()
    assert ticket.status == Status.RATED and ticket.rating == Rating.BASICALLY_SATISFIED
    assert client.post(sms.url, {"rating": Rating.SATISFIED}).status_code == 409  # rated once
    assert Client().get("/hotline/rate/forged-token/").status_code == 404


def test_an_agent_takes_a_call_and_dispatches_it_per_routing(demo_city: None) -> None:
    agent = make_staff("hotline_agent", "440300-RX12345")
    client = login_client(agent.username)
    earlier = new_ticket(caller_phone="19900008001", caller_name="赵老师")
    page = client.get("/console/hotline/call/?phone=19900008001")
    assert earlier.number in page.content.decode() and "赵老师" in page.content.decode()
    lookup = client.get("/console/hotline/callers/?phone=19900008001").json()
    assert lookup["found"] and lookup["tickets"][0]["number"] == earlier.number
    response = client.post(
        "/console/hotline/call/",
        {
            "caller_phone": "19900008001",
            "caller_name": "赵老师",
            "request_type": "complaint",
            "category": "0102004",
            "urgency": "normal",
            "address": "福田区园岭街道",
            "description": "路灯坏了一周",
            "dispatch_now": "on",
        },
    )
    ticket = Ticket.objects.exclude(pk=earlier.pk).get()
    assert response.status_code == 302 and ticket.channel == Channel.PHONE
    assert ticket.status == Status.DISPATCHED and ticket.lead_department is not None
    assert ticket.lead_department.code == "440304-GOV"
    client.post(
        "/console/hotline/call/",
        {
            "caller_phone": "19900008001",
            "request_type": "consultation",
            "urgency": "normal",
            "description": "社保怎么转移？",
            "answer": "可在i深圳办理。",
        },
    )
    answered = Ticket.objects.get(description="社保怎么转移？")
    assert answered.status == Status.CLOSED and answered.public_reply == "可在i深圳办理。"


def test_console_actions_and_illegal_transitions(demo_city: None) -> None:
    ticket = ticket_in(Status.DISPATCHED)
    clerk = make_staff("clerk", LEAD)
    client = login_client(clerk.username)
    assert client.post(f"/console/hotline/t/{ticket.number}/accept/").status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.HANDLING
    assert client.post(f"/console/hotline/t/{ticket.number}/accept/").status_code == 409
    response = client.post(f"/console/hotline/t/{ticket.number}/reply/", {"text": ""})
    assert response.status_code == 302 and Ticket.objects.get(pk=ticket.pk).status == Status.HANDLING
    client.post(f"/console/hotline/t/{ticket.number}/reply/", {"text": "已处理"})
    assert Ticket.objects.get(pk=ticket.pk).status == Status.REPLIED
    # A clerk cannot close: that is the dispatcher's review.
    assert client.post(f"/console/hotline/t/{ticket.number}/close/").status_code == 403


def test_the_json_api_uses_the_same_rules(demo_city: None) -> None:
    ticket = ticket_in(Status.RECEIVED)
    agent = make_staff("hotline_agent", "440300-RX12345")
    client = login_client(agent.username)
    listed = client.get("/api/v1/hotline/tickets?queue=dispatch").json()
    assert [t["number"] for t in listed["items"]] == [ticket.number]
    refused = client.post(f"/api/v1/hotline/tickets/{ticket.number}/close", {}, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "illegal_transition"
    done = client.post(
        f"/api/v1/hotline/tickets/{ticket.number}/dispatch", {"department": LEAD}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["status"] == "dispatched"
    created = client.post(
        "/api/v1/hotline/tickets",
        {"request_type": "help", "description": "井盖丢失", "category": "0102004", "address": "罗湖区"},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["caller"] is None
    citizen = login_client(make_citizen().username)
    assert citizen.get(f"/api/v1/hotline/tickets/{ticket.number}").status_code == 403
    assert category("0102004").name == "城市公共设施"


def test_the_routing_table_is_edited_by_centre_supervisors_only(demo_city: None) -> None:
    from pengcheng.audit.models import AuditRecord
    from pengcheng.core.errors import AccessDenied
    from pengcheng.hotline.models import RoutingRule, TimeLimit
    from pengcheng.hotline.routing import route

    chief = make_staff("supervisor", "440300-RX12345")
    agent = make_staff("hotline_agent", "440300-RX12345")
    lead = department(LEAD)
    rule = {
        "form": "rule",
        "rule-category": "0102004",
        "rule-division_prefix": "440304",
        "rule-department": lead.pk,
        "rule-note": "路灯归市场监管（测试）",
    }
    # An agent sees the table but cannot change it, on the page or through the service.
    assert login_client(agent.username).post("/console/hotline/routing/", rule).status_code == 403
    with pytest.raises(AccessDenied):
        services.delete_routing_entry(agent, RoutingRule, 1)
    assert not RoutingRule.objects.filter(note=rule["rule-note"]).exists()

    client = login_client(chief.username)
    response = client.post("/console/hotline/routing/", rule)
    assert response.status_code == 302, response.content.decode()[:500]
    saved = RoutingRule.objects.get(note=rule["rule-note"])
    assert saved.category is not None and saved.category.code == "0102004" and saved.department == lead
    found = route(category("0102004"), "440304001001")
    assert found is not None and found.rule_id == saved.pk  # the new rule is used at once in this process
    assert AuditRecord.objects.filter(action="hotline.routingrule_saved", object_id=str(saved.pk)).exists()

    limit = {"form": "limit", "limit-request_type": "help", "limit-accept_minutes": "x"}
    response = client.post("/console/hotline/routing/", limit)
    assert response.status_code == 200 and not TimeLimit.objects.filter(note="").exists()  # the form shows its errors

    assert client.post("/console/hotline/routing/", {"delete_rule": saved.pk}).status_code == 302
    assert not RoutingRule.objects.filter(pk=saved.pk).exists()
    assert AuditRecord.objects.filter(action="hotline.routingrule_deleted", object_id=str(saved.pk)).exists()
    assert client.post("/console/hotline/routing/", {"delete_rule": saved.pk}).status_code == 404
