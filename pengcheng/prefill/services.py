"""Pre-fill with consent (秒报): grant, fill, decline, revoke, and the guard on verified values.

The state of pre-fill for one application lives in ``application.extensions["prefill"]``::

    {"state": "filled" | "declined" | "withdrawn", "consent": 12, "at": "…",
     "locked": {field: value}, "sources": {field: {"registry", "attribute", "owner"}},
     "notes": {field: {"reason": "no_record" | "unfit" | "several" | "account", "registry": key, "count": n}}}

Locked values came from a registry (authoritative): the form shows them as verified and read-only,
and ``guard`` refuses any save or submission that changes one (``ValidationFailed``, code
``prefill_locked``). An absent locked value is put back. Revoking a consent withdraws the values it
filled from drafts that have not been submitted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pengcheng.applications.hooks import FormNotes
from pengcheng.applications.models import EDITABLE_STATES, Application, State
from pengcheng.applications.services import require_applicant
from pengcheng.audit.services import record as audit
from pengcheng.catalog import forms
from pengcheng.core.actors import MaybeActor
from pengcheng.core.errors import AccessDenied, Conflict, ValidationFailed
from pengcheng.core.models import AgentRole, CompanyAgent, Department, User
from pengcheng.core.permissions import require_company_manager
from pengcheng.prefill import selectors
from pengcheng.prefill.models import AgentDataMandate, Consent, DataUse, SubjectKind
from pengcheng.registries.models import REGISTRIES
from pengcheng.registries.selectors import attribute_schema, facts_for_company, facts_for_person

CONSENT_DAYS = 90
KEY = "prefill"
# ``many`` registries whose first record (latest) is the one a form means: the latest degree is the
# highest. For the others (vehicles, properties) a person with several records chooses.
FIRST_RECORD_IS_THE_ONE = {"education"}


@dataclass
class FillResult:
    consent: Consent
    filled: dict[str, Any] = field(default_factory=dict)
    locked: list[str] = field(default_factory=list)
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)
    uses: list[DataUse] = field(default_factory=list)


def state_of(application: Application) -> dict[str, Any]:
    value = (application.extensions or {}).get(KEY)
    return value if isinstance(value, dict) else {}


def _require_draft(actor: MaybeActor, application: Application, action: str) -> User:
    user = require_applicant(actor, application, action)
    if application.state not in EDITABLE_STATES:
        raise Conflict(
            _("Only a draft or an application returned for correction can be filled in."), code="not_editable"
        )
    if not selectors.is_instant_fill(application.item_version):
        raise Conflict(_("This item is not pre-filled from government data."), code="not_instant_fill")
    return user


def _require_consent_authority(user: User, application: Application, plan: selectors.Plan, action: str) -> None:
    """A company's data is fetched only with the consent of its legal representative, or of an agent
    whose authorisation covers data consent."""
    refusal = selectors.company_consent_refusal(user, application, plan)
    if refusal:
        raise AccessDenied(action, target=application.company, reason=refusal)


def _lock(application: Application) -> Application:
    list(Application.objects.select_for_update().filter(pk=application.pk).values_list("pk"))
    application.refresh_from_db()
    return application


@transaction.atomic
def grant(actor: MaybeActor, application: Application, *, days: int = CONSENT_DAYS) -> Consent:
    """Record the applicant's consent to fetch what ``plan_for(application)`` lists, for ``days``."""
    user = _require_draft(actor, application, "prefill.grant")
    plan = selectors.plan_for(application)
    if plan.empty:
        raise Conflict(_("This form has nothing to fetch from the registries."), code="nothing_to_fetch")
    _require_consent_authority(user, application, plan, "prefill.grant")
    if not 1 <= days <= 365:
        raise ValidationFailed({"days": [_("A consent lasts from 1 to 365 days.")]})
    now = timezone.now()
    consent = Consent.objects.create(
        user=user,
        company=application.company,
        item=application.item,
        registries=plan.registries,
        attributes=plan.attributes,
        purpose=plan.purpose[:300],
        granted_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    audit(
        user,
        "prefill.consent_granted",
        consent,
        summary=f"{application.item.code}: {', '.join(plan.registries)}",
        data={"attributes": plan.attributes, "expires_at": consent.expires_at.isoformat(), "purpose": consent.purpose},
    )
    return consent


def _form_value(value: Any, spec: dict[str, Any]) -> Any:
    """A registry value as the form holds it (dates as ISO text, decimals as numbers)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    kind = spec.get("type")
    if kind in ("number", "integer") and isinstance(value, str | Decimal):
        try:
            number = Decimal(value)
        except ArithmeticError:
            return value
        return int(number) if kind == "integer" or number == number.to_integral_value() else float(number)
    if kind == "string" and not isinstance(value, str):
        return str(value)
    return value


def _fits(name: str, value: Any, schema: dict[str, Any], ui: dict[str, Any]) -> bool:
    spec = schema.get("properties", {}).get(name, {})
    single = {"type": "object", "properties": {name: spec}}
    return not forms.validation_errors(single, ui, {name: value})


@transaction.atomic
def fill(actor: MaybeActor, application: Application, consent: Consent | None = None) -> FillResult:
    """Fetch the registry data the consent allows and fill in the form; log every fetch.

    Without ``consent`` the applicant's consent in force is used. An expired, revoked or foreign
    consent fills nothing (``Conflict``)."""
    application = _lock(application)
    user = _require_draft(actor, application, "prefill.fill")
    plan = selectors.plan_for(application)
    _require_consent_authority(user, application, plan, "prefill.fill")
    if consent is None:
        consent = selectors.usable_consent(application, plan.attributes)
        if consent is None:
            raise Conflict(_("There is no consent in force for this data; agree first."), code="no_consent")
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if (
        consent.user_id != user.pk
        or consent.item_id != application.item_id
        or (consent.company_id != application.company_id)
    ):
        raise AccessDenied("prefill.fill", target=consent, reason="the consent is for another person, company or item")
    if not consent.is_active:
        raise Conflict(
            _("Your consent has expired or was revoked; agree again to fill in the form."), code="consent_inactive"
        )
    if not set(plan.attributes) <= set(consent.attributes):
        raise Conflict(_("Your consent does not cover all the data this form needs; agree again."), code="no_consent")
    version = application.item_version
    schema, ui = version.form_schema or {}, version.form_ui or {}
    properties = schema.get("properties", {})
    now = timezone.now()
    facts_by_subject: dict[tuple[str, str], dict[str, Any]] = {}
    result = FillResult(consent=consent)
    sources: dict[str, dict[str, str]] = {}
    locked: dict[str, Any] = {}
    for source in plan.sources:
        subject = (source.subject_kind, source.subject_id)
        if subject not in facts_by_subject:
            reader = facts_for_company if source.subject_kind == "company" else facts_for_person
            facts_by_subject[subject] = reader(source.subject_id)
        found = facts_by_subject[subject].get(source.registry)
        records = found if isinstance(found, list) else ([found] if found else [])
        several = len(records) > 1 and source.registry not in FIRST_RECORD_IS_THE_ONE
        for planned in source.fields:
            if not records:
                result.notes[planned.name] = {"reason": "no_record", "registry": source.registry}
                continue
            attribute = planned.attribute.split(".", 1)[1]
            value = _form_value(records[0].get(attribute), properties.get(planned.name, {}))
            if value in (None, "") or not _fits(planned.name, value, schema, ui):
                result.notes[planned.name] = {"reason": "unfit", "registry": source.registry}
                continue
            result.filled[planned.name] = value
            if several:
                result.notes[planned.name] = {"reason": "several", "registry": source.registry, "count": len(records)}
                continue
            locked[planned.name] = value
            sources[planned.name] = {
                "registry": source.registry,
                "attribute": planned.attribute,
                "owner": source.owner.name,
            }
        use = DataUse.objects.create(
            at=now,
            consent=consent,
            application=application,
            registry=source.registry,
            owner=source.owner,
            used_by=application.item.department,
            fetched_by=user,
            fetched_by_label=user.username,
            subject_kind=source.subject_kind,
            subject_id=source.subject_id,
            attributes=source.attributes,
            found=bool(records),
            purpose=consent.purpose,
        )
        result.uses.append(use)
    for planned in plan.account_fields:
        value = getattr(user, planned.attribute.split(".", 1)[1], None)
        if value and _fits(planned.name, value, schema, ui) and planned.name not in application.form_data:
            result.filled[planned.name] = value
            result.notes[planned.name] = {"reason": "account", "registry": "account"}
    result.locked = sorted(locked)
    data = dict(application.form_data or {})
    for name in list(state_of(application).get("locked", {})):
        data.pop(name, None)  # values an earlier fill locked make way for this fill's
    data.update(result.filled)
    application.form_data = forms.coerce(schema, data)
    application.extensions = {
        **(application.extensions or {}),
        KEY: {
            "state": "filled",
            "consent": consent.pk,
            "at": now.isoformat(),
            "locked": locked,
            "sources": sources,
            "notes": result.notes,
        },
    }
    application.updated_at = now
    application.save(update_fields=["form_data", "extensions", "updated_at"])
    audit(
        user,
        "prefill.fetched",
        application,
        summary=f"consent #{consent.pk}: {', '.join(u.registry for u in result.uses)}",
        data={
            "consent": consent.pk,
            "uses": [u.pk for u in result.uses],
            "registries": {u.registry: u.found for u in result.uses},
            "locked": result.locked,
            "purpose": consent.purpose,
        },
    )
    return result


def grant_and_fill(actor: MaybeActor, application: Application, *, days: int = CONSENT_DAYS) -> FillResult:
    """Agree (reusing a consent in force that covers the form) and fill the form in, atomically."""
    with transaction.atomic():
        consent = selectors.usable_consent(application, selectors.plan_for(application).attributes)
        if consent is None:
            consent = grant(actor, application, days=days)
        return fill(actor, application, consent)


@transaction.atomic
def decline(actor: MaybeActor, application: Application) -> Application:
    """The applicant types everything: nothing is fetched, and they are not asked again."""
    application = _lock(application)
    user = _require_draft(actor, application, "prefill.decline")
    if state_of(application).get("state") == "filled":
        raise Conflict(_("The form is already filled in from the registries."), code="already_filled")
    application.extensions = {
        **(application.extensions or {}),
        KEY: {"state": "declined", "at": timezone.now().isoformat()},
    }
    application.save(update_fields=["extensions"])
    audit(user, "prefill.declined", application, summary=application.item.code)
    return application


@transaction.atomic
def revoke(actor: MaybeActor, consent: Consent) -> Consent:
    """Withdraw a consent: no more fetches under it, and drafts it filled lose the fetched values."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if not isinstance(actor, User) or actor.pk != consent.user_id:
        raise AccessDenied("prefill.revoke", target=consent, reason="only the person who agreed may revoke")
    if consent.revoked_at is not None:
        return consent
    now = timezone.now()
    consent.revoked_at = now
    consent.save(update_fields=["revoked_at"])
    withdrawn = []
    drafts = Application.objects.select_for_update().filter(
        applicant_id=consent.user_id, item_id=consent.item_id, state__in=[State.DRAFT, State.CORRECTION]
    )
    for application in drafts:
        state = state_of(application)
        if state.get("consent") != consent.pk or state.get("state") != "filled":
            continue
        data = dict(application.form_data or {})
        for name in state.get("locked", {}):
            data.pop(name, None)
        application.form_data = data
        application.extensions = {**application.extensions, KEY: {"state": "withdrawn", "at": now.isoformat()}}
        application.save(update_fields=["form_data", "extensions"])
        withdrawn.append(application.number)
    audit(
        actor,
        "prefill.consent_revoked",
        consent,
        summary=f"{consent.item_id}: {', '.join(consent.registries)}",
        data={"drafts_cleared": withdrawn},
    )
    return consent


# Company data consent mandates -------------------------------------------------------------------


@transaction.atomic
def mandate_data_consent(actor: MaybeActor, grant: CompanyAgent) -> AgentDataMandate:
    """Extend an agent's authorisation to agreeing, for the company, to its registry data being fetched."""
    require_company_manager(actor, grant.company, action="prefill.mandate_data_consent")
    grant = CompanyAgent.objects.select_for_update().select_related("company", "user").get(pk=grant.pk)
    if not grant.is_active_at():
        raise Conflict(_("This authorisation is no longer in force."), code="agent_inactive")
    if grant.role == AgentRole.LEGAL_REPRESENTATIVE:
        raise Conflict(_("The legal representative may always agree; no mandate is needed."), code="not_needed")
    mandate, _created = AgentDataMandate.objects.update_or_create(
        agent=grant,
        defaults={"granted_by": actor if isinstance(actor, User) else None, "granted_at": timezone.now()},
    )
    audit(actor, "prefill.mandate_granted", grant.company, summary=grant.user.username, data={"agent": grant.pk})
    return mandate


@transaction.atomic
def withdraw_data_mandate(actor: MaybeActor, grant: CompanyAgent) -> None:
    """The agent may no longer agree for the company; consents they gave stop filling forms."""
    require_company_manager(actor, grant.company, action="prefill.withdraw_data_mandate")
    deleted, _kinds = AgentDataMandate.objects.filter(agent=grant).delete()
    if deleted:
        audit(actor, "prefill.mandate_withdrawn", grant.company, summary=grant.user.username, data={"agent": grant.pk})


# Hooks into applications --------------------------------------------------------------------------


def guard(application: Application, raw: Any) -> dict[str, Any]:
    """Keep verified values as fetched: refuse a change, put back an absent one."""
    locked = state_of(application).get("locked") or {}
    if not locked or state_of(application).get("state") != "filled":
        return raw
    data = {key: raw.get(key) for key in raw.keys()}  # noqa: SIM118  (a QueryDict iterates its keys)
    schema = application.item_version.form_schema or {}
    sources = state_of(application).get("sources") or {}
    posted = forms.coerce(schema, {name: data.get(name) for name in locked})
    errors: dict[str, list[str]] = {}
    for name, value in locked.items():
        if name in posted and posted[name] != forms.coerce(schema, {name: value}).get(name):
            owner = sources.get(name, {}).get("owner", "")
            errors[name] = [
                _(
                    "This value was verified with %(owner)s and cannot be changed here. If it is wrong, "
                    "ask %(owner)s to correct its records."
                )
                % {"owner": owner or _("the registry owner")}
            ]
        data[name] = value
    if errors:
        raise ValidationFailed(errors, message=_("Verified values cannot be changed."))
    return data


def gate(application: Application, surface: str = "portal") -> str | None:
    """Before the first look at a 秒报 form, the applicant decides on pre-fill (on the portal's consent
    screen, or the kiosk's large-type one)."""
    if application.state != State.DRAFT or not selectors.is_instant_fill(application.item_version):
        return None
    if state_of(application).get("state") in ("filled", "declined"):
        return None
    if not any(registry != selectors.ACCOUNT for _, registry, _ in selectors.hints_of(application.item_version)):
        return None
    plan = selectors.plan_for(application)
    if plan.empty and not plan.needs_verification:
        return None  # nothing this applicant's form could fetch
    return reverse("prefill:kiosk-consent" if surface == "kiosk" else "prefill:consent", args=[application.number])


def annotate(application: Application) -> FormNotes | None:
    state = state_of(application)
    if not state:
        return None
    notes = FormNotes()
    if application.state in EDITABLE_STATES and selectors.is_instant_fill(application.item_version):
        label = (
            _("Fetch again from government data")
            if state.get("state") == "filled"
            else (_("Fill in from government data instead"))
        )
        notes.links.append((label, reverse("prefill:consent", args=[application.number])))
    for name, source in (state.get("sources") or {}).items():
        registry = REGISTRIES.get(source.get("registry", ""))
        label = str(registry.label) if registry else source.get("registry", "")
        notes.verified[name] = _("from %(owner)s, %(registry)s") % {"owner": source.get("owner", ""), "registry": label}
    for name, note in (state.get("notes") or {}).items():
        registry = REGISTRIES.get(note.get("registry", ""))
        label = str(registry.label) if registry else ""
        reason = note.get("reason")
        if reason == "no_record":
            text = _("%(registry)s holds no record of this; please fill it in.") % {"registry": label}
        elif reason == "unfit":
            text = _("The value in %(registry)s does not fit this form; please fill it in.") % {"registry": label}
        elif reason == "several":
            text = _(
                "%(registry)s holds %(count)s records; the latest is filled in. Change it if you mean another."
            ) % {
                "registry": label,
                "count": note.get("count", 2),
            }
        else:
            text = _("Filled in from your account; you may change it.")
        notes.notes[name] = text
    return notes


def record_decision_reads(application: Application, found: set[str], purpose: str) -> list[DataUse]:
    """用数记录 for an automatic decision (秒批): to decide ``application`` the rules read every registry
    about the applicant (and about the company they act for). Each read is logged like a pre-fill fetch
    but without a consent (it serves the application the person submitted), so it shows under "who
    used my data" and on the owning department's page. ``found`` names the registries that had a record.
    Runs inside the caller's (the submission's) transaction."""
    reads: list[SubjectRead] = []
    if application.applicant.id_number:
        reads.append(SubjectRead(SubjectKind.PERSON, application.applicant.id_number, application, found))
    if application.company_id and application.company and application.company.credit_code:
        reads.append(SubjectRead(SubjectKind.COMPANY, application.company.credit_code, application, found))
    return _record_reads(
        reads, used_by=application.item.department, fetched_by=None, label=_("Instant approval rules"), purpose=purpose
    )


@dataclass
class SubjectRead:
    """One subject whose registry data a batch read fetched: whose (``person`` or ``company`` and the
    identifier), for which application, and which registries held a record about them."""

    kind: str
    identifier: str
    application: Application | None
    found: set[str] = field(default_factory=set)


def record_simulation_reads(
    actor: MaybeActor, used_by: Department, reads: list[SubjectRead], purpose: str
) -> list[DataUse]:
    """用数记录 for a rule simulation (秒批): to replay past applications against a rule set, ``actor`` had the
    rules read every registry about each subject in ``reads``. Nothing was decided about anyone, but the
    data was read, so each read is logged (``simulated``), shows under "who used my data" with its own
    label and on the owning department's page. One insert for the whole simulation, inside the caller's
    transaction: a simulation that fails or rolls back leaves no record."""
    user = actor if isinstance(actor, User) else None
    label = user.username if user is not None else str(getattr(actor, "username", actor))
    return _record_reads(reads, used_by=used_by, fetched_by=user, label=label, purpose=purpose, simulated=True)


def _record_reads(
    reads: list[SubjectRead],
    *,
    used_by: Department,
    fetched_by: User | None,
    label: str,
    purpose: str,
    simulated: bool = False,
) -> list[DataUse]:
    """One DataUse per registry about each subject read without a consent (a decision or a simulation),
    in one insert (batches of 1,000 rows keep a very large simulation within the database's parameter
    limits)."""
    if not reads:
        return []
    owners = {
        department.code: department
        for department in Department.objects.filter(code__in={r.owner_code for r in REGISTRIES.values()})
    }
    schema = attribute_schema()
    now = timezone.now()
    uses = [
        DataUse(
            at=now,
            consent=None,
            application=read.application,
            registry=key,
            owner=owners[registry.owner_code],
            used_by=used_by,
            fetched_by=fetched_by,
            fetched_by_label=str(label)[:150],
            subject_kind=read.kind,
            subject_id=read.identifier.upper(),
            attributes=[f"{key}.{name}" for name in sorted(schema.get(key, {}))],
            found=key in read.found,
            purpose=purpose[:300],
            simulated=simulated,
        )
        # Registry by registry, as the decision's reads were always listed.
        for key, registry in REGISTRIES.items()
        for read in reads
        if registry.subject == read.kind and registry.owner_code in owners
    ]
    return DataUse.objects.bulk_create(uses, batch_size=1000)
