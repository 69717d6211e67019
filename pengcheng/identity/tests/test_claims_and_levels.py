"""Pairwise subjects, the Pengcheng claims, and the real-name levels (L1 → L2 upgrade, L3 at a counter)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import AccessDenied, ValidationFailed
from pengcheng.core.models import AgentRole, AssuranceLevel, Company, CompanyAgent, Role, User
from pengcheng.core.seed import demo_credit_code
from pengcheng.identity import selectors, services
from pengcheng.identity.tests.helpers import query, signed_in_session
from pengcheng.registries.models import PopulationRecord, Sex
from pengcheng.testing import login_client, make_citizen, make_staff


def _registered(person: User, name: str | None = None) -> PopulationRecord:
    assert person.id_number
    return PopulationRecord.objects.create(
        id_number=person.id_number,
        name=name or person.full_name,
        sex=Sex.MALE if int(person.id_number[16]) % 2 else Sex.FEMALE,
        birth_date=dt.date(int(person.id_number[6:10]), int(person.id_number[10:12]), int(person.id_number[12:14])),
    )


def _client(name: str, uri: str, sector: str = "") -> Any:
    return services.register_client(SYSTEM, name=name, redirect_uris=[uri], sector_identifier=sector).client


def test_pairwise_sub_is_shared_within_a_sector_and_differs_across(demo_city: None) -> None:
    person = make_citizen()
    housing = _client("Housing", "https://housing.sz.gov.cn/cb")
    housing_app = _client("Housing app", "https://housing.sz.gov.cn/app/cb")
    tax = _client("Tax", "https://tax.sz.gov.cn/cb")
    grouped = _client("Tax mobile", "https://m.example.cn/cb", sector="tax.sz.gov.cn")
    sub = selectors.pairwise_sub(person, housing)
    assert sub == selectors.pairwise_sub(person, housing_app)
    assert sub != selectors.pairwise_sub(person, tax)
    assert selectors.pairwise_sub(person, tax) == selectors.pairwise_sub(person, grouped)
    assert sub != str(person.pk) and len(sub) == 32  # random, not derived from the account id
    assert selectors.pairwise_sub(make_citizen(), housing) != sub
    assert selectors.user_for_sub(housing, sub) == person


def test_company_and_staff_claims(relying_party: Any) -> None:
    rp = relying_party(scopes="openid profile pengcheng:company pengcheng:staff pengcheng:realname")
    agent = make_citizen()
    company = Company.objects.create(
        credit_code=demo_credit_code(9_555_000), name="测试科技有限公司", legal_representative=agent.full_name
    )
    CompanyAgent.objects.create(company=company, user=agent, role=AgentRole.AGENT)
    browser = signed_in_session(rp.base_url, agent.username)
    # Act for the company, as the account page lets one do.
    browser.post(
        f"{rp.base_url}/me/acting-company/",
        data={"company": company.pk, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        headers={"Referer": rp.base_url},
    )
    claims = rp.verify_id_token(rp.exchange(rp.authorize(browser))["id_token"])
    assert claims["pengcheng:company"] == {
        "name": "测试科技有限公司",
        "credit_code": company.credit_code,
        "role": AgentRole.AGENT,
    }
    assert "pengcheng:staff" not in claims  # a citizen holds no position

    clerk = make_staff(Role.CLERK, "440304-ZSJ")
    staff_browser = signed_in_session(rp.base_url, clerk.username)
    token = rp.exchange(rp.authorize(staff_browser))
    staff_claims = rp.verify_id_token(token["id_token"])
    assert staff_claims["pengcheng:staff"] == [
        {"department": "440304-ZSJ", "department_name": "深圳市福田区政务服务数据管理局", "role": "clerk"}
    ]
    assert staff_claims["pengcheng:assurance_level"] == "L1"

    # A revoked agent grant no longer releases the company.
    CompanyAgent.objects.filter(user=agent).update(revoked_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    again = rp.exchange(rp.authorize(browser))
    assert "pengcheng:company" not in rp.verify_id_token(again["id_token"])


def test_l1_user_is_sent_to_verify_before_an_l2_client(relying_party: Any) -> None:
    rp = relying_party(level=2)
    person = make_citizen(assurance_level=AssuranceLevel.L1, full_name="钱测试")
    _registered(person)
    browser = signed_in_session(rp.base_url, person.username)
    response = browser.get(rp.authorization_url(), allow_redirects=False)
    assert response.status_code == 302 and response.headers["Location"].startswith("/me/verify/?next=")
    verify_url = rp.base_url + response.headers["Location"]
    page = browser.get(verify_url)
    assert "人口库" in page.text or "population registry" in page.text
    done = browser.post(
        verify_url,
        data={
            "full_name": "钱测试",
            "id_number": person.id_number,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            "next": query(verify_url)["next"],
        },
        headers={"Referer": verify_url},
        allow_redirects=False,
    )
    assert done.status_code == 302 and done.headers["Location"].startswith("/oauth/authorize/")
    person.refresh_from_db()
    assert person.assurance_level == AssuranceLevel.L2 and person.assurance_method == "population_registry"
    # Back at the authorization endpoint the consent screen now shows.
    assert browser.get(rp.base_url + done.headers["Location"], allow_redirects=False).status_code == 200


def test_upgrade_refuses_a_mismatch_without_saying_which_part(demo_city: None) -> None:
    person = make_citizen(full_name="孙测试")
    _registered(person)
    with pytest.raises(ValidationFailed) as wrong_name:
        services.upgrade_to_l2(person, full_name="孙别人", id_number=person.id_number or "")
    stranger = make_citizen()
    with pytest.raises(ValidationFailed) as unknown_number:
        services.upgrade_to_l2(person, full_name="孙测试", id_number=stranger.id_number or "")
    assert wrong_name.value.field_errors == unknown_number.value.field_errors
    with pytest.raises(ValidationFailed) as bad_checksum:
        services.upgrade_to_l2(person, full_name="孙测试", id_number="440399199001011230")
    assert "id_number" in bad_checksum.value.field_errors
    person.refresh_from_db()
    assert person.assurance_level == AssuranceLevel.L1


def test_clerk_verifies_in_person_to_l3(demo_city: None) -> None:
    person = make_citizen(full_name="李测试")
    _registered(person)
    clerk = login_client("clerk")
    page = clerk.get("/console/identity/realname/", {"q": person.username})
    assert page.status_code == 200 and person.username in page.content.decode()
    response = clerk.post(
        f"/console/identity/realname/{person.pk}/",
        {"full_name": "李测试", "id_number": person.id_number, "method": "counter"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.assurance_level == AssuranceLevel.L3 and person.assurance_method == "counter"
    with pytest.raises(AccessDenied):
        services.verify_in_person(make_citizen(), person, id_number=person.id_number or "", full_name="李测试")
    assert login_client("citizen").get("/console/identity/realname/").status_code == 403


def test_console_registers_a_client_and_shows_the_secret_once(demo_city: None) -> None:
    operator = login_client("operator")
    response = operator.post(
        "/console/identity/clients/",
        {
            "name": "不动产登记系统",
            "redirect_uris": "https://bdc.sz.gov.cn/oidc/callback",
            "allowed_scopes": ["openid", "profile", "pengcheng:realname"],
            "required_level": "2",
        },
    )
    assert response.status_code == 200
    client = response.context["client"]
    assert client.required_level == 2 and response.context["secret"] in response.content.decode()
    assert client.client_secret != response.context["secret"]  # only a hash is stored
    listing = operator.get("/console/identity/clients/").content.decode()
    assert "不动产登记系统" in listing and response.context["secret"] not in listing
    bad = operator.post(
        "/console/identity/clients/",
        {"name": "x", "redirect_uris": "http://evil.example/cb", "allowed_scopes": ["profile"], "required_level": "1"},
    )
    errors = bad.context["form"].errors
    assert "redirect_uris" in errors and "allowed_scopes" in errors
    assert login_client("clerk").get("/console/identity/clients/").status_code == 403
    assert Client().get("/console/identity/clients/").status_code == 302


def test_an_operator_edits_a_clients_redirect_uris_and_its_users_keep_their_sub(demo_city: None) -> None:
    from pengcheng.audit.models import AuditRecord

    issued = services.register_client(SYSTEM, name="公积金系统", redirect_uris=["https://gjj.sz.gov.cn/cb"])
    person = make_citizen()
    before = selectors.pairwise_sub(person, issued.client)
    operator = login_client("operator")
    page = f"/console/identity/clients/{issued.client.pk}/"
    form = {"allowed_scopes": ["openid", "profile"], "required_level": "1", "is_active": "on"}
    bad = operator.post(page, {**form, "redirect_uris": "https://gjj.sz.gov.cn/cb\nhttp://evil.example/cb"})
    assert bad.status_code == 200 and "redirect_uris" in bad.context["form"].errors
    issued.client.refresh_from_db()
    assert issued.client.redirect_uris == "https://gjj.sz.gov.cn/cb"  # nothing half-written

    moved = "https://new-gjj.sz.gov.cn/oidc/cb\nhttps://new-gjj.sz.gov.cn/oidc/cb2"
    response = operator.post(
        page, {**form, "redirect_uris": moved, "post_logout_redirect_uris": "https://new-gjj.sz.gov.cn/"}
    )
    assert response.status_code == 302
    issued.client.refresh_from_db()
    assert issued.client.redirect_uris.split() == moved.split()
    assert issued.client.post_logout_redirect_uris == "https://new-gjj.sz.gov.cn/"
    assert selectors.pairwise_sub(person, issued.client) == before  # the sector did not move with the host
    record = AuditRecord.objects.filter(action="identity.client_updated", object_id=str(issued.client.pk)).latest("id")
    assert record.data["redirect_uris"]["to"] == moved.split()
    assert login_client("clerk").post(page, {**form, "redirect_uris": moved}).status_code == 403
