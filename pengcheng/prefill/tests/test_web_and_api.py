"""The consent screen, the pre-filled form, my consents and who used my data; the same through the API."""

from __future__ import annotations

from django.test import Client

from pengcheng.applications.models import Application
from pengcheng.core.models import ApiKey, User
from pengcheng.prefill.models import Consent, DataUse
from pengcheng.prefill.tests.conftest import PERMIT_RENEWAL
from pengcheng.testing import make_citizen


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_consent_screen_then_a_verified_form_that_refuses_tampering(citizen: User) -> None:
    client = _client(citizen)
    started = client.post(f"/services/{PERMIT_RENEWAL}/apply/")
    edit_url = started["Location"]
    gate = client.get(edit_url)
    number = edit_url.rstrip("/").split("/")[-2]
    assert gate.status_code == 302 and gate["Location"] == f"/my/applications/{number}/prefill/"
    screen = client.get(gate["Location"]).content.decode()
    for text in ("深圳市公安局", "深圳市人力资源和社会保障局", "人口库", "社保库", "用于填写", "同意并自动填写"):
        assert text in screen
    agreed = client.post(gate["Location"], {"decision": "agree"})
    assert agreed["Location"] == edit_url
    form = client.get(edit_url).content.decode()
    assert 'id="f-applicant_name" name="applicant_name" value="陈小明" readonly' in form
    assert "已核验" in form and 'aria-describedby="f-applicant_name-verified' in form
    assert 'id="f-delivery-1"' in form and "readonly" not in form.split('id="f-delivery-1"')[1][:80]
    application = Application.objects.get(number=number)
    posted = {**{k: str(v) for k, v in application.form_data.items()}, "applicant_name": "李四", "save": "1"}
    refused = client.post(edit_url, posted)
    assert refused.status_code == 422 and "不能在此修改" in refused.content.decode()
    application.refresh_from_db()
    assert application.form_data["applicant_name"] == "陈小明"
    detail = client.get(f"/my/applications/{number}/").content.decode()
    assert "已通过基础库核验" in detail and "来源：深圳市人力资源和社会保障局 · 社保库" in detail


def test_my_consents_and_who_used_my_data_pages(citizen: User) -> None:
    client = _client(citizen)
    edit_url = client.post(f"/services/{PERMIT_RENEWAL}/apply/")["Location"]
    number = edit_url.rstrip("/").split("/")[-2]
    client.post(f"/my/applications/{number}/prefill/", {"decision": "agree"})
    account = client.get("/me/").content.decode()
    assert "数据授权" in account and "谁用了我的数据" in account
    uses = client.get("/my/data-uses/").content.decode()
    assert "深圳市公安局" in uses and number in uses and "population.name" in uses
    consent = Consent.objects.get(user=citizen)
    listing = client.get("/my/consents/").content.decode()
    assert f"撤回授权 #{consent.pk}" in listing and "有效" in listing
    client.post(f"/my/consents/{consent.pk}/revoke/")
    consent.refresh_from_db()
    assert consent.revoked_at is not None
    assert client.get(edit_url)["Location"] == f"/my/applications/{number}/prefill/"  # asked again
    stranger = _client(make_citizen())
    assert stranger.post(f"/my/consents/{consent.pk}/revoke/").status_code == 404
    assert "population.name" not in stranger.get("/my/data-uses/").content.decode()
    assert stranger.get(f"/my/applications/{number}/prefill/").status_code == 404


def test_decline_on_the_consent_screen(citizen: User) -> None:
    client = _client(citizen)
    edit_url = client.post(f"/services/{PERMIT_RENEWAL}/apply/")["Location"]
    number = edit_url.rstrip("/").split("/")[-2]
    assert client.post(f"/my/applications/{number}/prefill/", {"decision": "decline"})["Location"] == edit_url
    form = client.get(edit_url)
    assert form.status_code == 200 and "readonly" not in form.content.decode()
    assert not DataUse.objects.exists()
    # Changing one's mind: the form links back to the consent screen, and agreeing fills it in.
    assert f'href="/my/applications/{number}/prefill/">改为使用政务数据自动填写' in form.content.decode()
    client.post(f"/my/applications/{number}/prefill/", {"decision": "agree"})
    refilled = client.get(edit_url).content.decode()
    assert "readonly" in refilled and "从基础库重新获取" in refilled
    assert DataUse.objects.filter(application__number=number).count() == 2


def test_the_api_plans_agrees_lists_revokes_and_logs(citizen: User) -> None:
    client = _client(citizen)
    created = client.post("/api/v1/applications", {"item": PERMIT_RENEWAL}, content_type="application/json")
    number = created.json()["number"]
    plan = client.get(f"/api/v1/prefill/applications/{number}/plan").json()
    assert [s["owner"] for s in plan["sources"]] == ["440300-GAJ", "440300-RSJ"]
    assert plan["consent_in_force"] is None and plan["state"] == ""
    agreed = client.post(
        f"/api/v1/prefill/applications/{number}/consent", {"days": 30}, content_type="application/json"
    )
    body = agreed.json()
    assert agreed.status_code == 200 and "applicant_name" in body["locked"] and len(body["uses"]) == 2
    assert body["consent"]["status"] == "active"
    tampered = client.put(
        f"/api/v1/applications/{number}/form",
        {"form_data": {"applicant_name": "别人"}},
        content_type="application/json",
    )
    assert tampered.status_code == 422 and "applicant_name" in str(tampered.json())
    consents = client.get("/api/v1/prefill/consents").json()
    assert [c["id"] for c in consents] == [body["consent"]["id"]]
    uses = client.get("/api/v1/prefill/uses").json()
    assert {u["registry"] for u in uses} == {"population", "social_insurance"}
    assert all(u["consent"] == body["consent"]["id"] and u["application"] == number for u in uses)
    revoked = client.post(f"/api/v1/prefill/consents/{body['consent']['id']}/revoke")
    assert revoked.json()["status"] == "revoked"
    assert client.post(f"/api/v1/prefill/consents/{body['consent']['id']}/revoke").status_code == 200
    other = _client(make_citizen())
    assert other.get(f"/api/v1/prefill/applications/{number}/plan").status_code == 404
    assert other.post(f"/api/v1/prefill/consents/{body['consent']['id']}/revoke").status_code == 404


def test_api_keys_need_the_applications_scope(citizen: User) -> None:
    from pengcheng.core.services import create_api_key

    narrow = create_api_key(citizen, name="no scope", scopes=["opendata"], owner=citizen)
    denied = Client().get("/api/v1/prefill/consents", HTTP_X_API_KEY=narrow.raw)
    assert denied.status_code == 403
    applicant = create_api_key(citizen, name="applicant", scopes=["applications"], owner=citizen)
    assert Client().get("/api/v1/prefill/consents", HTTP_X_API_KEY=applicant.raw).status_code == 200
    assert ApiKey.objects.filter(owner=citizen).count() == 2


def test_an_unverified_applicant_is_sent_to_verify_first(demo_city: None) -> None:
    client = _client(make_citizen())
    edit_url = client.post(f"/services/{PERMIT_RENEWAL}/apply/")["Location"]
    screen = client.get(client.get(edit_url)["Location"]).content.decode()
    assert "/me/verify/?next=" in screen and "同意并自动填写" not in screen and "不同意，我自己填写" in screen


def test_registry_owners_see_the_use_of_their_own_registry_only(citizen: User) -> None:
    from pengcheng.core.errors import AccessDenied
    from pengcheng.core.models import Role
    from pengcheng.prefill import selectors
    from pengcheng.testing import make_staff

    client = _client(citizen)
    edit_url = client.post(f"/services/{PERMIT_RENEWAL}/apply/")["Location"]
    number = edit_url.rstrip("/").split("/")[-2]
    client.post(f"/my/applications/{number}/prefill/", {"decision": "agree"})
    police = make_staff(Role.DATA_OFFICER, "440300-GAJ")
    assert [u.registry for u in selectors.uses_of_registries(police)] == ["population"]
    page = _client(police).get("/console/registry-uses/").content.decode().split("<table", 1)[1]
    assert "人口库" in page and "社保库" not in page and (citizen.id_number or "-") not in page  # masked
    assert "4403**********" in page
    rsj = make_staff(Role.DATA_OFFICER, "440300-RSJ")
    assert [u.registry for u in selectors.uses_of_registries(rsj, "social_insurance")] == ["social_insurance"]
    assert list(selectors.uses_of_registries(rsj, "population")) == []
    clerk = make_staff(Role.CLERK, "440300-GAJ")
    try:
        selectors.uses_of_registries(clerk)
        raise AssertionError("a clerk may not see registry data use")
    except AccessDenied:
        pass
    assert _client(clerk).get("/console/registry-uses/").status_code == 403
    assert _client(clerk).get("/api/v1/prefill/registry-uses").status_code == 403
    listed = _client(police).get("/api/v1/prefill/registry-uses").json()
    assert [(u["registry"], u["subject"][:4], u["application"]) for u in listed] == [("population", "4403", number)]


def test_an_agent_without_a_data_consent_mandate_is_told_why_on_the_page_and_the_api(demo_city: None) -> None:
    from pengcheng.applications import services as applications
    from pengcheng.audit.models import AuditRecord
    from pengcheng.catalog.models import ServiceItem
    from pengcheng.core import services as core
    from pengcheng.core.models import AssuranceLevel, Company
    from pengcheng.prefill import services
    from pengcheng.prefill.tests.conftest import FOOD_LICENCE

    representative = User.objects.get(username="company")
    company = Company.objects.get(name="深圳市鹏城示范科技有限公司")
    agent = make_citizen(assurance_level=AssuranceLevel.L2)
    grant = core.grant_agent(representative, company, agent)
    draft = applications.start(agent, ServiceItem.objects.get(code=FOOD_LICENCE), company=company)
    client = _client(agent)
    screen_url = f"/my/applications/{draft.number}/prefill/"
    screen = client.get(screen_url).content.decode()
    assert "只有" in screen and "法定代表人" in screen and company.name in screen
    assert 'value="agree"' not in screen and 'value="decline"' in screen
    refused = client.post(screen_url, {"decision": "agree"})
    assert refused.status_code == 403 and "法定代表人" in refused.content.decode()
    assert AuditRecord.objects.filter(action="permission.denied", summary__startswith="prefill.grant").exists()
    plan = client.get(f"/api/v1/prefill/applications/{draft.number}/plan").json()
    assert plan["may_consent"] is False and "法定代表人" in plan["refusal"]
    api = client.post(f"/api/v1/prefill/applications/{draft.number}/consent", {}, content_type="application/json")
    assert api.status_code == 403 and "法定代表人" in api.json()["error"]["message"]
    assert not Consent.objects.exists() and not DataUse.objects.exists()

    services.mandate_data_consent(representative, grant)  # the legal representative extends the authorisation
    assert client.get(f"/api/v1/prefill/applications/{draft.number}/plan").json()["may_consent"] is True
    assert 'value="agree"' in client.get(screen_url).content.decode()
    assert client.post(screen_url, {"decision": "agree"})["Location"] == f"/my/applications/{draft.number}/edit/"
    assert DataUse.objects.get(application=draft).subject_id == company.credit_code
