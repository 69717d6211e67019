"""Application pages: the form round trip, the queue, refusals, metrics and the kiosk."""

import datetime as dt
import hashlib
import hmac
import json
import time

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from pengcheng.applications import services
from pengcheng.applications.models import Application, State
from pengcheng.applications.tests.conftest import pdf, valid_form
from pengcheng.audit.models import AuditRecord
from pengcheng.catalog.models import ServiceItem
from pengcheng.core.models import Department, User
from pengcheng.testing import make_citizen, make_staff
from pengcheng.workdays.selectors import add_working_days


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_start_redirects_to_the_form_and_reuses_the_draft(item, applicant) -> None:
    client = logged_in(applicant)
    first = client.post(f"/services/{item.code}/apply/")
    second = client.post(f"/services/{item.code}/apply/")
    assert first.status_code == 302 and first["Location"] == second["Location"]
    page = client.get(first["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="f-applicant_name"' in text and 'aria-describedby="f-id_number-help"' in text
    assert 'name="file-letter"' in text and "<fieldset" in text


def test_a_failed_submission_reshows_the_form_with_messages(draft, applicant) -> None:
    client = logged_in(applicant)
    response = client.post(
        f"/my/applications/{draft.number}/edit/",
        {"submit": "1", "applicant_name": "陈", "phone": "12", "reason": "申请救助资金用于治疗"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert 'id="error-summary"' in text
    assert 'aria-invalid="true"' in text and 'aria-describedby="f-phone-error"' in text
    assert "请输入 11 位手机号码。" in text and "请至少输入 2 个字符。" in text
    assert 'value="申请救助资金用于治疗"' not in text  # a textarea keeps the value as its content
    assert "申请救助资金用于治疗" in text
    english = client.post(
        f"/my/applications/{draft.number}/edit/", {"submit": "1", "phone": "12"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Enter an 11-digit mobile number." in english.content.decode()


def test_the_form_uploads_and_submits_in_one_go(item, applicant) -> None:
    client = logged_in(applicant)
    edit_url = client.post(f"/services/{item.code}/apply/")["Location"]
    data = {**valid_form(applicant), "declaration": "true", "submit": "1"}
    data["file-letter"] = pdf()
    data["file-id_card"] = pdf("id.pdf")
    response = client.post(edit_url, data)
    assert response.status_code == 302
    application = Application.objects.get(applicant=applicant)
    assert application.state == State.SUBMITTED and application.attachments.count() == 2
    detail = client.get(response["Location"]).content.decode()
    assert "已提交" in detail and "福田区政务服务数据管理局" in detail
    attachment = application.attachments.get(material__key="letter")
    download = client.get(f"/applications/{application.number}/files/{attachment.pk}/")
    assert download.status_code == 200 and download.getvalue().startswith(b"%PDF")
    assert (
        logged_in(make_staff("clerk", "440300-GAJ"))
        .get(f"/applications/{application.number}/files/{attachment.pk}/")
        .status_code
        == 403
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("photo.exe", b"MZ\x90\x00", "不接受“exe”类型的文件"),
        ("scan.pdf", b"", "文件为空。"),
        ("scan.pdf", b"GIF89a fake", "文件内容不是真正的 PDF 文件。"),
        ("scan.pdf", b"%PDF-1.4 X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*", "病毒检查"),
    ],
)
def test_bad_files_are_refused_with_a_reason(draft, applicant, name, data, message) -> None:
    kept = draft.attachments.get(material__key="letter", superseded=False)
    response = logged_in(applicant).post(
        f"/my/applications/{draft.number}/edit/", {"save": "1", "file-letter": pdf(name, data)}
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert draft.attachments.get(material__key="letter", superseded=False) == kept


@override_settings(PENGCHENG_UPLOAD_MAX_BYTES=1000)
def test_oversized_files_are_refused(draft, applicant) -> None:
    response = logged_in(applicant).post(
        f"/my/applications/{draft.number}/edit/", {"save": "1", "file-letter": pdf(data=b"%PDF" + b"0" * 2000)}
    )
    assert response.status_code == 422 and "超过" in response.content.decode()


def test_eicar_refusals_are_audited(draft, applicant) -> None:
    eicar = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    logged_in(applicant).post(
        f"/my/applications/{draft.number}/edit/", {"save": "1", "file-letter": pdf(data=b"%PDF-" + eicar)}
    )
    record = AuditRecord.objects.get(action="applications.upload_refused")
    assert "EICAR" in record.summary


def test_queue_shows_time_left_and_highlights_due_soon_and_overdue(item, applicant, handler) -> None:
    numbers = []
    for offset in (1, -2, 10):
        application = services.start(applicant, item)
        services.attach(applicant, application, "letter", pdf())
        services.attach(applicant, application, "id_card", pdf())
        services.submit(applicant, application, form_data=valid_form(applicant))
        today = timezone.localdate()
        Application.objects.filter(pk=application.pk).update(deadline=add_working_days(today, offset))
        numbers.append(application.number)
    page = logged_in(handler).get("/console/applications/", {"sort": "deadline"})
    text = page.content.decode()
    assert page.status_code == 200
    assert text.index(numbers[1]) < text.index(numbers[0]) < text.index(numbers[2])  # soonest first
    assert '<tr class="overdue">' in text and '<tr class="due-soon">' in text
    assert "超期 2 天" in text and "临期" in text
    descending = logged_in(handler).get("/console/applications/", {"sort": "-deadline"}).content.decode()
    assert descending.index(numbers[2]) < descending.index(numbers[1])
    overdue = logged_in(handler).get("/console/applications/", {"view": "overdue"}).content.decode()
    assert numbers[1] in overdue and numbers[0] not in overdue
    searched = logged_in(handler).get("/console/applications/", {"q": numbers[2]}).content.decode()
    assert numbers[2] in searched and numbers[0] not in searched


def test_batch_accept_from_the_queue(submitted, handler) -> None:
    response = logged_in(handler).post(
        "/console/applications/batch/", {"numbers": [submitted.number], "action": "accept"}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == State.ACCEPTED


def test_clerk_actions_on_the_page(submitted, handler) -> None:
    client = logged_in(handler)
    page = client.get(f"/console/applications/{submitted.number}/").content.decode()
    assert "受理" in page and "退回补正" in page
    client.post(f"/console/applications/{submitted.number}/return/", {"corrections": "身份证不清晰\n申请书未签字"})
    submitted.refresh_from_db()
    assert submitted.corrections == ["身份证不清晰", "申请书未签字"]
    conflict = client.post(f"/console/applications/{submitted.number}/approve/", {"note": "x"})
    assert conflict.status_code == 409 and "不能进行" in conflict.content.decode()
    assert client.post(f"/console/applications/{submitted.number}/fly/").status_code == 404


def test_a_clerk_out_of_scope_gets_403_and_it_is_audited(submitted) -> None:
    outsider = make_staff("clerk", "440300-GAJ")
    client = logged_in(outsider)
    assert client.get(f"/console/applications/{submitted.number}/").status_code == 403
    assert client.post(f"/console/applications/{submitted.number}/accept/").status_code == 403
    refusals = AuditRecord.objects.filter(action="permission.denied", actor_id=outsider.pk)
    assert refusals.count() == 2
    assert submitted.number not in client.get("/console/applications/").content.decode()
    assert logged_in(submitted.applicant).get("/console/applications/").status_code == 403


def test_citywide_counter_lookup(submitted) -> None:
    nanshan = logged_in(make_staff("clerk", "440305-ZSJ"))
    found = nanshan.get("/console/applications/lookup/", {"number": submitted.number.lower()})
    assert found.status_code == 302 and found["Location"].endswith(f"/{submitted.number}/")
    assert nanshan.get(found["Location"]).status_code == 200
    missing = nanshan.get("/console/applications/lookup/", {"number": "SZ000"})
    assert missing.status_code == 302 and missing["Location"] == "/console/applications/"


def test_citizen_timeline_and_withdraw(submitted, applicant) -> None:
    client = logged_in(applicant)
    page = client.get(f"/my/applications/{submitted.number}/").content.decode()
    assert "办理进度" in page and "提交申请" in page and "剩余 5 天" in page
    assert logged_in(make_staff("clerk", "440305-ZSJ")).get(f"/my/applications/{submitted.number}/").status_code == 404
    client.post(f"/my/applications/{submitted.number}/withdraw/", {"reason": "不需要了"})
    submitted.refresh_from_db()
    assert submitted.state == State.WITHDRAWN
    assert "已撤回" in client.get("/my/applications/").content.decode()


def test_supervisor_overdue_view_and_operator_metrics(submitted, handler, client_for) -> None:
    Application.objects.filter(pk=submitted.pk).update(deadline=timezone.localdate() - dt.timedelta(days=5))
    supervisor = logged_in(make_staff("supervisor", "440300-MZJ"))
    page = supervisor.get("/console/applications/overdue/").content.decode()
    assert "深圳市民政局" in page and submitted.number in page
    assert logged_in(handler).get("/console/applications/overdue/").status_code == 403
    metrics = client_for("operator").get("/console/service-metrics/")
    text = metrics.content.decode()
    assert metrics.status_code == 200 and "上线事项" in text and "深圳市民政局" in text
    assert client_for("clerk").get("/console/service-metrics/").status_code == 403


def test_metrics_figures(submitted, handler) -> None:
    from pengcheng.applications.selectors import metrics
    from pengcheng.core.actors import SYSTEM

    services.accept(handler, submitted)
    services.start_review(handler, submitted)
    services.approve(handler, submitted)
    figures = metrics(SYSTEM)
    assert figures["decided"] == 1 and figures["on_time_rate"] == 100.0 and figures["avg_days"] == 0
    assert {code: n for _, code, n in figures["by_state"]}["approved"] == 1
    assert figures["items_online"] >= 190


# Kiosk ---------------------------------------------------------------------------------------------

SIMULATOR = "pengcheng.applications.kiosk.SimulatedCardReader"
AGENT = "pengcheng.applications.kiosk.AgentCardReader"


def test_kiosk_without_a_reader_has_no_card_login(client, demo_city) -> None:
    with override_settings(PENGCHENG_CARD_READER=""):
        home = client.get("/kiosk/").content.decode()
        assert "本终端未配置身份证读卡器" in home
        assert client.post("/kiosk/card/").status_code == 302
        assert "_auth_user_id" not in client.session


def test_kiosk_search_apply_and_track_with_the_simulated_reader(client, demo_city) -> None:
    citizen = User.objects.get(username="citizen")
    with override_settings(PENGCHENG_CARD_READER=SIMULATOR, PENGCHENG_KIOSK_HALL="440305-ZSJ"):
        assert "高龄老人津贴申领" in client.get("/kiosk/search/", {"q": "高龄"}).content.decode()
        login = client.post("/kiosk/card/", {"next": "/kiosk/services/440304MZ1001/"})
        assert login["Location"] == "/kiosk/services/440304MZ1001/"
        assert client.session["_auth_user_id"] == str(citizen.pk)
        assert client.session.get_expiry_age() <= 600
        started = client.post("/kiosk/services/440304MZ1001/apply/", {"start": "1"})
        assert started["Location"].endswith("/prefill/")  # a 秒报 item: the consent screen first
        client.post(started["Location"], {"decision": "decline"})
        form = client.get("/kiosk/services/440304MZ1001/apply/")
        assert form.status_code == 200 and 'name="file-household_register"' in form.content.decode()
        data = {
            "applicant_name": citizen.full_name, "id_number": citizen.id_number, "phone": citizen.phone,
            "birth_date": "1940-05-01", "household_address": "深圳市福田区福中三路1号", "bank_name": "示例银行",
            "bank_account": "6222020200112233445", "delivery": "online", "declaration": "true", "submit": "1",
        }  # fmt: skip
        keys = [m.key for m in Application.objects.get(applicant=citizen).item_version.materials.all()]
        data.update({f"file-{key}": pdf() for key in keys})
        done = client.post("/kiosk/services/440304MZ1001/apply/", data)
        assert done.status_code == 302, done.content.decode()[:2000]
        application = Application.objects.get(applicant=citizen)
        assert application.channel == "kiosk"
        assert application.intake_department_id == Department.objects.get(code="440305-ZSJ").pk
        assert application.handling_department_id == Department.objects.get(code="440304-ZSJ").pk
        assert "已提交" in client.get(done["Location"]).content.decode()
        assert application.number in client.get("/kiosk/applications/").content.decode()
        client.post("/kiosk/reset/")
        assert "_auth_user_id" not in client.session
        assert client.get("/kiosk/applications/").status_code == 302


def test_a_card_without_an_account_is_refused(client, demo_city) -> None:
    from pengcheng.core.identifiers import id_number_check_digit

    first17 = "44039919700101999"
    card = {"id_number": first17 + id_number_check_digit(first17), "name": "无名氏"}
    with override_settings(PENGCHENG_CARD_READER=SIMULATOR, PENGCHENG_SIMULATED_CARD=card):
        client.post("/kiosk/card/")
    assert "_auth_user_id" not in client.session
    assert AuditRecord.objects.filter(action="kiosk.card_refused").exists()


def _signed(secret: str, card: dict) -> dict:
    payload = json.dumps(card)
    return {"card": payload, "signature": hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()}


def test_the_agent_reader_checks_signature_and_freshness(client, demo_city) -> None:
    citizen = User.objects.get(username="citizen")
    card = {"id_number": citizen.id_number, "name": citizen.full_name, "ts": time.time()}
    with override_settings(PENGCHENG_CARD_READER=AGENT, PENGCHENG_KIOSK_AGENT_SECRET="kiosk-secret"):
        client.post("/kiosk/card/", _signed("wrong-secret", card))
        assert "_auth_user_id" not in client.session
        client.post("/kiosk/card/", _signed("kiosk-secret", {**card, "ts": time.time() - 600}))
        assert "_auth_user_id" not in client.session
        client.post("/kiosk/card/", _signed("kiosk-secret", card))
        assert client.session["_auth_user_id"] == str(citizen.pk)


# Kiosk pre-fill (秒报) -----------------------------------------------------------------------------

PERMIT_RENEWAL = "440300GA0001"  # 居住证签注: pre-filled from the population and social insurance registries


def _kiosk_draft(client: Client, citizen: User) -> tuple[Application, str]:
    """Sign in with the demo card and start the pre-fill item: the kiosk's consent screen comes first."""
    client.post("/kiosk/card/")
    started = client.post(f"/kiosk/services/{PERMIT_RENEWAL}/apply/", {"start": "1"})
    application = Application.objects.get(applicant=citizen, item__code=PERMIT_RENEWAL)
    consent_url = f"/kiosk/applications/{application.number}/prefill/"
    assert started.status_code == 302 and started["Location"] == consent_url
    assert client.get(f"/kiosk/services/{PERMIT_RENEWAL}/apply/")["Location"] == consent_url  # not yet decided
    return application, consent_url


def test_kiosk_prefill_consent_fills_the_form_with_verified_values(client, demo_city) -> None:
    from pengcheng.prefill.models import Consent, DataUse

    citizen = User.objects.get(username="citizen")
    with override_settings(PENGCHENG_CARD_READER=SIMULATOR):
        application, consent_url = _kiosk_draft(client, citizen)
        screen = client.get(consent_url).content.decode()
        assert 'class="kiosk-body"' in screen  # the kiosk's page, with its idle reset
        for text in (
            "深圳市公安局",
            "人口库",
            "社保库",
            "用于填写",
            "有效期",
            'value="agree"',
            "kiosk-button primary large",
        ):
            assert text in screen
        agreed = client.post(consent_url, {"decision": "agree"})
        assert agreed["Location"] == f"/kiosk/services/{PERMIT_RENEWAL}/apply/"
        form = client.get(agreed["Location"])
        page = form.content.decode()
        assert form.status_code == 200 and "kiosk-form" in page
        assert f'name="applicant_name" value="{citizen.full_name}" readonly' in page and "已核验" in page
    consent = Consent.objects.get(user=citizen)
    uses = DataUse.objects.filter(application=application, consent=consent)
    assert {use.registry for use in uses} == {"population", "social_insurance"}
    assert AuditRecord.objects.filter(action="prefill.fetched", object_id=str(application.pk)).exists()
    assert AuditRecord.objects.filter(action="prefill.consent_granted", object_id=str(consent.pk)).exists()
    application.refresh_from_db()
    assert application.form_data["applicant_name"] == citizen.full_name


def test_kiosk_prefill_decline_gives_the_empty_form_and_reads_nothing(client, demo_city) -> None:
    from pengcheng.prefill.models import Consent, DataUse

    citizen = User.objects.get(username="citizen")
    with override_settings(PENGCHENG_CARD_READER=SIMULATOR):
        application, consent_url = _kiosk_draft(client, citizen)
        declined = client.post(consent_url, {"decision": "decline"})
        assert declined["Location"] == f"/kiosk/services/{PERMIT_RENEWAL}/apply/"
        page = client.get(declined["Location"]).content.decode()
    assert 'name="applicant_name"' in page and "readonly" not in page and "已核验" not in page
    application.refresh_from_db()
    assert "applicant_name" not in application.form_data
    assert not DataUse.objects.exists() and not Consent.objects.exists()
    assert not AuditRecord.objects.filter(action="prefill.fetched").exists()
    assert AuditRecord.objects.filter(action="prefill.declined", object_id=str(application.pk)).exists()


def test_the_kiosk_consent_screen_needs_a_kiosk_card_session(client, demo_city) -> None:
    from pengcheng.prefill.models import DataUse

    citizen = User.objects.get(username="citizen")
    application = services.start(citizen, ServiceItem.objects.get(code=PERMIT_RENEWAL), channel="kiosk")
    consent_url = f"/kiosk/applications/{application.number}/prefill/"
    assert client.get(consent_url)["Location"] == "/kiosk/"  # nobody signed in
    assert client.post(consent_url, {"decision": "agree"})["Location"] == "/kiosk/"
    portal = logged_in(citizen)  # a portal session is not a kiosk (card) session
    assert portal.get(consent_url)["Location"] == "/kiosk/"
    assert portal.post(consent_url, {"decision": "agree"})["Location"] == "/kiosk/"
    assert not DataUse.objects.exists()
    stranger = make_citizen()
    with override_settings(PENGCHENG_SIMULATED_CARD_ACCOUNT=stranger.username, PENGCHENG_CARD_READER=SIMULATOR):
        other = Client()
        other.post("/kiosk/card/")
        assert other.session.get("_auth_user_id") == str(stranger.pk)
        assert other.get(consent_url).status_code == 404
        assert other.post(consent_url, {"decision": "agree"}).status_code == 404
    assert not DataUse.objects.exists()
