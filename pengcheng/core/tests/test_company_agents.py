"""The company agents page (经办人管理): the legal representative lists, adds and revokes agents and
gives or withdraws the data consent mandate; the server refuses everyone else."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from pengcheng.audit.models import AuditRecord
from pengcheng.core import services
from pengcheng.core.errors import AccessDenied, Conflict, ValidationFailed
from pengcheng.core.models import AgentRole, AssuranceLevel, Company, CompanyAgent, User
from pengcheng.prefill import selectors as prefill_selectors
from pengcheng.prefill.models import AgentDataMandate
from pengcheng.testing import login_client, make_citizen

DEMO_COMPANY = "深圳市鹏城示范科技有限公司"


@pytest.fixture
def company(demo_city: None) -> Company:
    return Company.objects.get(name=DEMO_COMPANY)


@pytest.fixture
def representative(demo_city: None) -> User:
    return User.objects.get(username="company")


def _url(company: Company, rest: str = "") -> str:
    return f"/me/companies/{company.pk}/agents/{rest}"


def _client(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _post(client: Client, url: str, data: dict[str, str] | None = None) -> Any:
    """POST the way a browser does: with the CSRF token of the page's cookie."""
    client.get("/me/")
    token = client.cookies["csrftoken"].value
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": token})


def _state(company: Company) -> list[tuple[str, str, bool, bool]]:
    return [
        (g.user.username, g.role, g.revoked_at is None, AgentDataMandate.objects.filter(agent=g).exists())
        for g in CompanyAgent.objects.filter(company=company).select_related("user").order_by("pk")
    ]


def test_the_account_page_leads_the_legal_representative_to_the_agents_page(
    company: Company, representative: User
) -> None:
    page = login_client("company").get("/me/").content.decode()
    assert _url(company) in page
    agent = make_citizen(assurance_level=AssuranceLevel.L2)
    services.grant_agent(representative, company, agent)
    assert _url(company) not in _client(agent).get("/me/").content.decode()  # an agent does not manage agents


def test_the_legal_representative_lists_adds_and_revokes_agents(company: Company, representative: User) -> None:
    person = make_citizen(full_name="王经办", assurance_level=AssuranceLevel.L2)
    assert person.id_number
    client = _client(representative)
    page = client.get(_url(company)).content.decode()
    assert "林晓燕" in page and "法定代表人" in page and "添加经办人" in page
    assert 'name="person"' in page and 'name="full_name"' in page and "csrfmiddlewaretoken" in page

    # Without the CSRF token nothing changes.
    assert client.post(_url(company), {"full_name": "王经办", "person": person.id_number}).status_code == 403
    assert not CompanyAgent.objects.filter(company=company, user=person).exists()

    # As typed: a space in the name, a lower-case x in the number.
    added = _post(client, _url(company), {"full_name": "王 经办", "person": person.id_number.lower()})
    assert added.status_code == 302 and added["Location"] == _url(company)
    grant = CompanyAgent.objects.get(company=company, user=person)
    assert grant.role == AgentRole.AGENT and grant.is_active_at()
    record = AuditRecord.objects.filter(action="company.agent_granted", object_id=str(company.pk)).latest("pk")
    assert record.actor_id == representative.pk and person.username in record.summary
    page = client.get(_url(company)).content.decode()
    assert "王经办" in page and person.masked_id_number in page and person.id_number not in page
    assert "经办人" in page and grant.granted_at.strftime("%Y-%m-%d") in page
    assert "王经办可以代表" in page  # the success message

    again = _post(client, _url(company), {"full_name": "王经办", "person": person.username})  # already an agent
    assert again.status_code == 422 and "已是" in again.content.decode()
    assert CompanyAgent.objects.filter(company=company, user=person).count() == 1

    confirm = client.get(_url(company, f"{grant.pk}/revoke/"))  # asks first; nothing changes on GET
    assert confirm.status_code == 200 and "王经办" in confirm.content.decode()
    grant.refresh_from_db()
    assert grant.revoked_at is None
    revoked = _post(client, _url(company, f"{grant.pk}/revoke/"))
    assert revoked.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert AuditRecord.objects.filter(action="company.agent_revoked", summary=person.username).exists()
    assert "王经办" not in client.get(_url(company)).content.decode().split("<table")[1].split("</table>")[0]


def test_an_unknown_person_is_reported_and_nothing_is_added(company: Company, representative: User) -> None:
    client = _client(representative)
    before = _state(company)
    response = _post(client, _url(company), {"full_name": "王经办", "person": "440399199001019999"})
    unknown = response.content.decode()
    assert response.status_code == 422 and "没有与该姓名和身份证号码或用户名相符的账号" in unknown
    assert _state(company) == before
    staff = User.objects.get(username="clerk")  # staff accounts are not found as persons
    assert _post(client, _url(company), {"full_name": staff.full_name, "person": staff.username}).status_code == 422
    assert _post(client, _url(company), {"person": "440399199001019999"}).status_code == 422  # the name is required
    assert _state(company) == before


def test_a_number_without_the_right_name_tells_nothing_about_the_account(
    company: Company, representative: User
) -> None:
    person = make_citizen(full_name="赵经办", assurance_level=AssuranceLevel.L2)
    client = _client(representative)
    unknown = _post(client, _url(company), {"full_name": "赵经办", "person": "440399199001019999"})
    wrong_name = _post(client, _url(company), {"full_name": "钱经办", "person": person.id_number or ""})
    assert wrong_name.status_code == unknown.status_code == 422

    def errors(response: Any) -> list[str]:
        return [str(error) for error in response.context["form"].errors["person"]]

    assert errors(wrong_name) == errors(unknown)  # the same answer as for a number with no account
    assert not CompanyAgent.objects.filter(company=company, user=person).exists()


def test_only_a_verified_person_may_act_for_a_company(company: Company, representative: User) -> None:
    person = make_citizen(full_name="孙经办")  # L1: registered, real name not verified
    before = _state(company)
    response = _post(_client(representative), _url(company), {"full_name": "孙经办", "person": person.id_number or ""})
    assert response.status_code == 422 and "尚未完成实名认证" in response.content.decode()
    assert _state(company) == before
    with pytest.raises(ValidationFailed):
        services.grant_agent(representative, company, person)


def test_the_legal_representative_cannot_revoke_themself(company: Company, representative: User) -> None:
    own = CompanyAgent.objects.get(company=company, user=representative)
    client = _client(representative)
    assert f"/agents/{own.pk}/revoke/" not in client.get(_url(company)).content.decode()
    response = _post(client, _url(company, f"{own.pk}/revoke/"))
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.revoked_at is None
    assert "不能在此撤销" in client.get(_url(company)).content.decode()
    with pytest.raises(Conflict):
        services.revoke_agent(representative, own)
    with pytest.raises(AccessDenied):  # nor make someone else a legal representative
        services.grant_agent(
            representative,
            company,
            make_citizen(assurance_level=AssuranceLevel.L2),
            role=AgentRole.LEGAL_REPRESENTATIVE,
        )


def test_the_data_consent_mandate_is_given_and_withdrawn_from_the_page(company: Company, representative: User) -> None:
    agent = make_citizen(full_name="李经办", assurance_level=AssuranceLevel.L2)
    grant = services.grant_agent(representative, company, agent)
    client = _client(representative)
    page = client.get(_url(company)).content.decode()
    assert "数据授权委托" in page and "授予数据授权委托" in page
    own = CompanyAgent.objects.get(company=company, user=representative)
    assert f"/agents/{own.pk}/powers/" not in page  # the legal representative needs no mandate

    given = _post(client, _url(company, f"{grant.pk}/powers/data-consent/"), {"action": "grant"})
    assert given.status_code == 302
    assert prefill_selectors.may_consent_for_company(agent, company)
    assert AuditRecord.objects.filter(action="prefill.mandate_granted", summary=agent.username).exists()
    page = client.get(_url(company)).content.decode()
    assert "撤回数据授权委托" in page and "已授予李经办" in page

    withdrawn = _post(client, _url(company, f"{grant.pk}/powers/data-consent/"), {"action": "withdraw"})
    assert withdrawn.status_code == 302
    assert not prefill_selectors.may_consent_for_company(agent, company)
    assert not AgentDataMandate.objects.filter(agent=grant).exists()
    assert AuditRecord.objects.filter(action="prefill.mandate_withdrawn", summary=agent.username).exists()

    refused = _post(client, _url(company, f"{own.pk}/powers/data-consent/"), {"action": "grant"})
    assert refused.status_code == 302  # not offered on their row; prefill's service says why
    assert not AgentDataMandate.objects.filter(agent=own).exists()
    assert "法定代表人本身即可同意" in client.get(_url(company)).content.decode()
    assert _post(client, _url(company, f"{grant.pk}/powers/unknown/"), {"action": "grant"}).status_code == 404


def test_everyone_but_the_legal_representative_is_refused_and_nothing_changes(
    company: Company, representative: User
) -> None:
    agent = make_citizen(assurance_level=AssuranceLevel.L2)
    grant = services.grant_agent(representative, company, agent)
    outsider = make_citizen()
    before = _state(company)
    denials = AuditRecord.objects.filter(action="permission.denied").count()
    for user in (agent, outsider):  # an agent of the company, and a stranger to it
        client = _client(user)
        assert client.get(_url(company)).status_code == 403
        assert client.get(_url(company, f"{grant.pk}/revoke/")).status_code == 403
        assert _post(client, _url(company), {"person": outsider.id_number or ""}).status_code == 403
        assert _post(client, _url(company, f"{grant.pk}/revoke/")).status_code == 403
        response = _post(client, _url(company, f"{grant.pk}/powers/data-consent/"), {"action": "grant"})
        assert response.status_code == 403
    assert _state(company) == before
    assert AuditRecord.objects.filter(action="permission.denied").count() == denials + 10
    assert Client().get(_url(company)).status_code == 302  # anonymous: to the login page

    # A clerk is not an operator; an operator may manage any company's agents.
    clerk = login_client("clerk")
    assert clerk.get(_url(company)).status_code == 403
    operator = login_client("operator")
    assert operator.get(_url(company)).status_code == 200
    response = operator.post(_url(company, f"{grant.pk}/revoke/"))
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert Client().get("/me/companies/999999/agents/").status_code == 302
    assert _client(representative).get("/me/companies/999999/agents/").status_code == 404


def test_the_json_api_lists_adds_and_revokes_agents_with_the_same_rules(company: Company, representative: User) -> None:
    from pengcheng.core.actors import SYSTEM

    person = make_citizen(full_name="周经办", assurance_level=AssuranceLevel.L2)
    url = f"/api/v1/companies/{company.pk}/agents"
    client = Client()
    client.force_login(representative)

    listed = client.get(url).json()
    assert [row["role"] for row in listed] == ["legal_rep"] and "*" in listed[0]["id_number"]

    unknown = client.post(url, {"full_name": "周经办", "person": "440399199001019999"}, content_type="application/json")
    wrong = client.post(url, {"full_name": "吴经办", "person": person.id_number}, content_type="application/json")
    assert unknown.status_code == wrong.status_code == 422
    assert unknown.json()["error"]["details"] == wrong.json()["error"]["details"]  # tells nothing more
    assert client.post(url, {"person": person.id_number}, content_type="application/json").status_code == 422

    added = client.post(url, {"full_name": "周经办", "person": person.id_number}, content_type="application/json")
    assert added.status_code == 201 and added.json()["full_name"] == "周经办" and added.json()["role"] == "agent"
    grant = CompanyAgent.objects.get(company=company, user=person)
    assert added.json()["id"] == grant.pk
    assert AuditRecord.objects.filter(action="company.agent_granted", summary__startswith=person.username).exists()
    again = client.post(url, {"full_name": "周经办", "person": person.username}, content_type="application/json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_agent"

    # An API key of the representative's, with the core scope, does the same; a key of no one does not.
    key = services.create_api_key(SYSTEM, name="erp", scopes=["core"], owner=representative).raw
    assert len(Client().get(url, HTTP_X_API_KEY=key).json()) == 2
    ownerless = services.create_api_key(SYSTEM, name="ownerless", scopes=["core"]).raw
    assert Client().get(url, HTTP_X_API_KEY=ownerless).status_code == 403

    revoked = Client().delete(f"{url}/{grant.pk}", HTTP_X_API_KEY=key)
    assert revoked.status_code == 200 and revoked.json()["id"] == grant.pk
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert Client().delete(f"{url}/{grant.pk}", HTTP_X_API_KEY=key).status_code == 404  # no longer in force
    own = CompanyAgent.objects.get(company=company, user=representative)
    assert client.delete(f"{url}/{own.pk}").status_code == 409  # nor their own, as on the page


def test_the_json_api_gives_and_withdraws_agent_powers_through_the_owning_app(
    company: Company, representative: User
) -> None:
    agent = make_citizen(full_name="郑经办", assurance_level=AssuranceLevel.L2)
    grant = services.grant_agent(representative, company, agent)
    own = CompanyAgent.objects.get(company=company, user=representative)
    url = f"/api/v1/companies/{company.pk}/agents"
    client = Client()
    client.force_login(representative)

    powers = client.get("/api/v1/agent-powers", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert [(p["key"], p["label"]) for p in powers] == [("data-consent", "数据授权委托")]
    assert {row["id"]: row["powers"] for row in client.get(url).json()} == {own.pk: [], grant.pk: []}

    given = client.put(f"{url}/{grant.pk}/powers/data-consent")
    assert given.status_code == 200 and given.json()["powers"] == ["data-consent"]
    assert prefill_selectors.may_consent_for_company(agent, company)
    assert AuditRecord.objects.filter(action="prefill.mandate_granted", summary=agent.username).exists()
    assert {row["id"]: row["powers"] for row in client.get(url).json()}[grant.pk] == ["data-consent"]

    # The legal representative needs no mandate: prefill's service says so, and nothing is written.
    refused = client.put(f"{url}/{own.pk}/powers/data-consent")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_needed"
    assert not AgentDataMandate.objects.filter(agent=own).exists()
    assert client.put(f"{url}/{grant.pk}/powers/no-such-power").status_code == 404

    # Someone else (the agent themself) may not give or withdraw it.
    other = Client()
    other.force_login(agent)
    assert other.delete(f"{url}/{grant.pk}/powers/data-consent").status_code == 403
    assert AgentDataMandate.objects.filter(agent=grant).exists()

    withdrawn = client.delete(f"{url}/{grant.pk}/powers/data-consent")
    assert withdrawn.status_code == 200 and withdrawn.json()["powers"] == []
    assert not prefill_selectors.may_consent_for_company(agent, company)
    assert AuditRecord.objects.filter(action="prefill.mandate_withdrawn", summary=agent.username).exists()

    # A revoked authorisation holds nothing more to give.
    services.revoke_agent(representative, grant)
    assert client.put(f"{url}/{grant.pk}/powers/data-consent").status_code == 404
    assert not AgentDataMandate.objects.filter(agent=grant).exists()


def test_the_json_api_refuses_everyone_else(company: Company, representative: User) -> None:
    agent = make_citizen(assurance_level=AssuranceLevel.L2)
    grant = services.grant_agent(representative, company, agent)
    before = _state(company)
    url = f"/api/v1/companies/{company.pk}/agents"
    for user in (agent, make_citizen()):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == 403
        body = {"full_name": agent.full_name, "person": agent.username}
        assert client.post(url, body, content_type="application/json").status_code == 403
        assert client.delete(f"{url}/{grant.pk}").status_code == 403
    assert Client().get(url).status_code == 401
    assert Client().get("/api/v1/companies/999999/agents").status_code in (401, 404)
    assert _state(company) == before
