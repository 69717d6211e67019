"""Pre-fill with consent: what is fetched, locking, the fetch log, expiry and revocation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from pengcheng.applications import hooks
from pengcheng.applications import services as applications
from pengcheng.applications.models import Application
from pengcheng.audit.models import AuditRecord
from pengcheng.catalog.models import ServiceItem
from pengcheng.core.errors import AccessDenied, Conflict, ValidationFailed
from pengcheng.core.models import Company, User
from pengcheng.prefill import selectors, services
from pengcheng.prefill.models import Consent, DataUse
from pengcheng.prefill.tests.conftest import FOOD_LICENCE, PERMIT_RENEWAL
from pengcheng.registries.models import PopulationRecord, VehicleRecord
from pengcheng.registries.selectors import facts_for_person
from pengcheng.testing import make_citizen


def test_the_plan_names_each_registry_its_owner_and_the_purpose(draft: Application) -> None:
    plan = selectors.plan_for(draft)
    owners = {source.registry: source.owner.code for source in plan.sources}
    assert owners == {"population": "440300-GAJ", "social_insurance": "440300-RSJ"}
    population = next(s for s in plan.sources if s.registry == "population")
    assert {f.name for f in population.fields} == {
        "applicant_name",
        "id_number",
        "permit_number",
        "residence_address",
    }
    assert "population.residence_permit_number" in plan.attributes
    assert [f.name for f in plan.account_fields] == ["phone"]
    assert "深圳经济特区居住证签注" in plan.purpose and "深圳市公安局" in plan.purpose
    assert services.gate(draft) == f"/my/applications/{draft.number}/prefill/"


def test_agreeing_fills_in_locks_verified_values_and_logs_every_fetch(draft: Application, citizen: User) -> None:
    result = services.grant_and_fill(citizen, draft)
    draft.refresh_from_db()
    facts = facts_for_person(citizen.id_number or "")
    assert draft.form_data["applicant_name"] == citizen.full_name
    assert draft.form_data["permit_number"] == facts["population"]["residence_permit_number"]
    assert draft.form_data["employer"] == facts["social_insurance"]["employer"]
    assert draft.form_data["phone"] == citizen.phone  # from the account: filled, not locked
    assert set(result.locked) == {"applicant_name", "id_number", "permit_number", "residence_address", "employer"}
    assert "phone" not in result.locked and result.notes["phone"]["reason"] == "account"
    consent = result.consent
    assert consent.is_active and consent.expires_at - consent.granted_at == dt.timedelta(days=services.CONSENT_DAYS)
    uses = DataUse.objects.filter(consent=consent).order_by("registry")
    assert [(u.registry, u.owner.code, u.found) for u in uses] == [
        ("population", "440300-GAJ", True),
        ("social_insurance", "440300-RSJ", True),
    ]
    assert all(u.application_id == draft.pk and u.used_by_id == draft.item.department_id for u in uses)
    assert all(u.subject_id == citizen.id_number and u.purpose == consent.purpose for u in uses)
    assert AuditRecord.objects.filter(action="prefill.consent_granted", object_id=str(consent.pk)).exists()
    fetched = AuditRecord.objects.get(action="prefill.fetched", object_id=str(draft.pk))
    assert fetched.data["consent"] == consent.pk and sorted(fetched.data["uses"]) == sorted(u.pk for u in uses)
    assert services.gate(draft) is None  # decided: the form comes next
    notes = hooks.form_notes(draft)
    assert "深圳市公安局" in notes.verified["applicant_name"]
    # A second draft for the same item reuses the consent in force.
    applications.withdraw(citizen, draft)
    again = applications.start(citizen, draft.item)
    assert services.grant_and_fill(citizen, again).consent.pk == consent.pk
    assert Consent.objects.filter(user=citizen).count() == 1


def test_a_changed_verified_value_is_refused_and_an_absent_one_put_back(draft: Application, citizen: User) -> None:
    services.grant_and_fill(citizen, draft)
    draft.refresh_from_db()
    data = dict(draft.form_data)
    tampered = {**data, "applicant_name": "冒名顶替"}
    with pytest.raises(ValidationFailed) as refused:
        applications.save_form(citizen, draft, tampered)
    assert "applicant_name" in refused.value.field_errors
    assert "深圳市公安局" in refused.value.field_errors["applicant_name"][0]
    with pytest.raises(ValidationFailed):
        applications.submit(citizen, draft, form_data={**data, "employer": "别的公司有限公司"})
    draft.refresh_from_db()
    assert draft.form_data["applicant_name"] == citizen.full_name and draft.state == "draft"
    # Leaving verified fields out keeps them; editable fields change freely.
    partial = {"delivery": "post", "phone": "13800138000"}
    saved = applications.save_form(citizen, draft, partial)
    assert saved.form_data["applicant_name"] == citizen.full_name and saved.form_data["delivery"] == "post"
    assert saved.form_data["phone"] == "13800138000"


def test_expired_or_revoked_consent_fills_nothing(draft: Application, citizen: User) -> None:
    consent = services.grant(citizen, draft)
    Consent.objects.filter(pk=consent.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(Conflict) as expired:
        services.fill(citizen, draft, consent)
    assert expired.value.code == "consent_inactive"
    assert selectors.usable_consent(draft, selectors.plan_for(draft).attributes) is None
    with pytest.raises(Conflict):
        services.fill(citizen, draft)  # no consent in force
    draft.refresh_from_db()
    assert "applicant_name" not in draft.form_data and not DataUse.objects.filter(consent=consent).exists()
    fresh = services.grant(citizen, draft, days=1)
    services.revoke(citizen, fresh)
    with pytest.raises(Conflict):
        services.fill(citizen, draft, fresh)
    assert not DataUse.objects.filter(application=draft).exists()


def test_revoking_withdraws_fetched_values_from_unsubmitted_drafts(draft: Application, citizen: User) -> None:
    result = services.grant_and_fill(citizen, draft)
    services.revoke(citizen, result.consent)
    draft.refresh_from_db()
    assert "applicant_name" not in draft.form_data and "employer" not in draft.form_data
    assert services.state_of(draft)["state"] == "withdrawn"
    assert services.gate(draft) is not None  # asked again
    applications.save_form(citizen, draft, {"applicant_name": "陈小明"})  # nothing locked any more
    record = AuditRecord.objects.get(action="prefill.consent_revoked", object_id=str(result.consent.pk))
    assert record.data["drafts_cleared"] == [draft.number]
    assert services.revoke(citizen, result.consent).revoked_at is not None  # twice is harmless


def test_no_record_leaves_fields_empty_and_editable_with_a_note(demo_city: None) -> None:
    newcomer = make_citizen(assurance_level=2)
    draft = applications.start(newcomer, ServiceItem.objects.get(code=PERMIT_RENEWAL))
    result = services.grant_and_fill(newcomer, draft)
    assert result.locked == []
    assert result.notes["applicant_name"]["reason"] == "no_record"
    assert {u.registry: u.found for u in result.uses} == {"population": False, "social_insurance": False}
    assert (
        "没有" in hooks.form_notes(draft).notes["applicant_name"]
        or "no record" in (hooks.form_notes(draft).notes["applicant_name"])
    )
    applications.save_form(newcomer, draft, {"applicant_name": "自己填写"})


def test_several_vehicles_fill_the_latest_but_leave_it_editable(demo_city: None) -> None:
    owner = make_citizen(assurance_level=2)
    assert owner.id_number
    PopulationRecord.objects.create(id_number=owner.id_number, name=owner.full_name, sex="M", birth_date="1990-01-01")
    for plate, year in (("粤B11111", 2015), ("粤B22222", 2021)):
        VehicleRecord.objects.create(
            plate_number=plate,
            id_number=owner.id_number,
            owner_name=owner.full_name,
            vehicle_type="K33",
            brand="丰田 凯美瑞",
            vin=f"LVGBE40K{year}00000"[:17].ljust(17, "1"),
            registered_on=dt.date(year, 5, 1),
            inspection_valid_until=dt.date(2027, 5, 1),
        )
    draft = applications.start(owner, ServiceItem.objects.get(code="440300GA0007"))
    result = services.grant_and_fill(owner, draft)
    assert result.filled["vehicle_plate"] == "粤B22222"
    assert "vehicle_plate" not in result.locked and result.notes["vehicle_plate"]["count"] == 2
    assert "applicant_name" in result.locked


def test_a_company_applicant_prefills_from_the_legal_entity_registry(demo_city: None) -> None:
    representative = User.objects.get(username="company")
    company = Company.objects.get(name="深圳市鹏城示范科技有限公司")
    draft = applications.start(representative, ServiceItem.objects.get(code=FOOD_LICENCE), company=company)
    plan = selectors.plan_for(draft)
    assert [(s.registry, s.owner.code, s.subject_kind) for s in plan.sources] == [
        ("legal_entity", "440300-SCJGJ", "company")
    ]
    result = services.grant_and_fill(representative, draft)
    draft.refresh_from_db()
    assert draft.form_data["credit_code"] == company.credit_code
    assert draft.form_data["legal_representative"] == representative.full_name
    assert {"company_name", "credit_code", "legal_representative", "registered_address"} <= set(result.locked)
    assert result.consent.company_id == company.pk
    use = result.uses[0]
    assert use.subject_kind == "company" and use.subject_id == company.credit_code
    assert list(selectors.uses_about(representative)) == [use]


def test_only_the_applicant_may_agree_fill_or_revoke(draft: Application, citizen: User) -> None:
    stranger = make_citizen()
    with pytest.raises(AccessDenied):
        services.grant_and_fill(stranger, draft)
    consent = services.grant(citizen, draft)
    with pytest.raises(AccessDenied):
        services.revoke(stranger, consent)
    own = applications.start(stranger, draft.item)
    with pytest.raises(AccessDenied):
        services.fill(stranger, own, consent)  # someone else's consent
    assert not DataUse.objects.exists()


def test_declining_fetches_nothing_and_an_ordinary_item_is_not_prefilled(draft: Application, citizen: User) -> None:
    services.decline(citizen, draft)
    draft.refresh_from_db()
    assert services.gate(draft) is None and not DataUse.objects.exists()
    applications.save_form(citizen, draft, {"applicant_name": "陈小明"})
    ordinary = applications.start(citizen, ServiceItem.objects.get(code="440300GA0005"))  # 养犬登记
    assert services.gate(ordinary) is None
    with pytest.raises(Conflict) as refused:
        services.grant(citizen, ordinary)
    assert refused.value.code == "not_instant_fill"


def test_an_unverified_account_gets_no_registry_data(demo_city: None) -> None:
    """A self-registered (L1) identity number could be someone else's: nothing is fetched for it."""
    unverified = make_citizen()
    draft = applications.start(unverified, ServiceItem.objects.get(code=PERMIT_RENEWAL))
    plan = selectors.plan_for(draft)
    assert plan.empty and plan.needs_verification
    assert services.gate(draft) is not None  # the screen explains and offers verification
    with pytest.raises(Conflict) as refused:
        services.grant(unverified, draft)
    assert refused.value.code == "nothing_to_fetch"
    services.decline(unverified, draft)
    assert services.gate(draft) is None and not DataUse.objects.exists()


def test_whatever_is_posted_a_verified_value_never_changes(draft: Application, citizen: User) -> None:
    """Property: for any posted text, the guard either keeps the verified value or refuses the post."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    services.grant_and_fill(citizen, draft)
    draft.refresh_from_db()
    locked = services.state_of(draft)["locked"]

    @settings(max_examples=200, deadline=None)
    @given(
        field=st.sampled_from(sorted(locked)),
        posted=st.one_of(st.none(), st.text(max_size=40), st.sampled_from([" 陈小明 ", "陈小明", ""])),
    )
    def check(field: str, posted: str | None) -> None:
        raw = {} if posted is None else {field: posted}
        try:
            kept = services.guard(draft, raw)
        except ValidationFailed as refused:
            assert field in refused.field_errors
            return
        assert all(kept[name] == value for name, value in locked.items())

    check()


def test_only_the_legal_representative_or_a_mandated_agent_may_agree_for_the_company(demo_city: None) -> None:
    from pengcheng.core import services as core
    from pengcheng.core.models import AssuranceLevel

    representative = User.objects.get(username="company")
    company = Company.objects.get(name="深圳市鹏城示范科技有限公司")
    agent = make_citizen(assurance_level=AssuranceLevel.L2)
    grant = core.grant_agent(representative, company, agent)
    draft = applications.start(agent, ServiceItem.objects.get(code=FOOD_LICENCE), company=company)
    plan = selectors.plan_for(draft)
    assert plan.reads_company_data and not selectors.may_consent_for_company(agent, company)
    assert company.name in selectors.company_consent_refusal(agent, draft, plan)
    assert selectors.company_consent_refusal(representative, draft, plan) == ""
    with pytest.raises(AccessDenied) as refused:
        services.grant_and_fill(agent, draft)
    assert "法定代表人" in refused.value.reason
    assert not Consent.objects.exists() and not DataUse.objects.exists()
    with pytest.raises(AccessDenied):
        services.mandate_data_consent(agent, grant)  # an agent cannot extend their own authorisation
    with pytest.raises(AccessDenied):
        services.mandate_data_consent(make_citizen(), grant)

    services.mandate_data_consent(representative, grant)
    assert AuditRecord.objects.filter(action="prefill.mandate_granted", object_id=str(company.pk)).exists()
    result = services.grant_and_fill(agent, draft)
    assert result.consent.company_id == company.pk and result.consent.user_id == agent.pk
    assert [(u.subject_kind, u.subject_id) for u in result.uses] == [("company", company.credit_code)]

    services.withdraw_data_mandate(representative, grant)
    with pytest.raises(AccessDenied):
        services.fill(agent, draft, result.consent)  # the consent they gave no longer fills
    assert DataUse.objects.count() == 1

    services.mandate_data_consent(representative, grant)
    core.revoke_agent(representative, grant)
    assert not selectors.may_consent_for_company(agent, company)  # no authorisation in force
    core.grant_agent(representative, company, agent)  # granted again: the old mandate does not count
    assert not selectors.may_consent_for_company(agent, company)
