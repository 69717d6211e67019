"""Reads for pre-fill (秒报): which items pre-fill, what a form would fetch, consents and data uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pengcheng.applications.models import Application
from pengcheng.catalog.forms import PREFILL_ACCOUNT_ATTRIBUTES
from pengcheng.catalog.models import ItemVersion, ServiceItem
from pengcheng.core.actors import MaybeActor
from pengcheng.core.models import AgentRole, AssuranceLevel, Company, CompanyAgent, Department, Role, User
from pengcheng.core.permissions import require_role
from pengcheng.core.selectors import active_agent_grants
from pengcheng.prefill.models import AgentDataMandate, Consent, DataUse
from pengcheng.registries.models import REGISTRIES

# ``ItemVersion.extensions[INSTANT_FILL] = True`` makes an item 秒报: its form is pre-filled, with
# consent, from the registries its fields name in their ``prefill`` hints.
INSTANT_FILL = "instant_fill"
# Values from the applicant's own account (not a registry): filled in, editable, no consent needed.
ACCOUNT = "account"
ACCOUNT_ATTRIBUTES = PREFILL_ACCOUNT_ATTRIBUTES


def is_instant_fill(version: ItemVersion | None) -> bool:
    return bool(version is not None and (version.extensions or {}).get(INSTANT_FILL))


@dataclass
class PlannedField:
    name: str  # the form field
    label: str
    attribute: str  # "population.name"


@dataclass
class PlannedSource:
    """One registry the form would read: who keeps it, whose data, and which fields it fills."""

    registry: str
    label: str
    owner: Department
    subject_kind: str  # "person" or "company"
    subject_id: str
    subject_label: str
    fields: list[PlannedField] = field(default_factory=list)

    @property
    def attributes(self) -> list[str]:
        return sorted({f.attribute for f in self.fields})


@dataclass
class Plan:
    """What pre-filling an application's form would fetch."""

    sources: list[PlannedSource]
    account_fields: list[PlannedField]
    purpose: str
    unavailable: list[PlannedField]  # hints no subject can answer (e.g. company data for a person)
    # Registry data is fetched only for a real-name verified account (L2 or above): a self-registered
    # identity number could be someone else's.
    needs_verification: bool = False

    @property
    def attributes(self) -> list[str]:
        return sorted({a for source in self.sources for a in source.attributes})

    @property
    def registries(self) -> list[str]:
        return [source.registry for source in self.sources]

    @property
    def empty(self) -> bool:
        return not self.sources

    @property
    def reads_company_data(self) -> bool:
        return any(source.subject_kind == "company" for source in self.sources)


def _field_label(schema: dict[str, Any], hints: dict[str, Any], name: str) -> str:
    from pengcheng.catalog.forms import _localised

    return _localised(schema.get("properties", {}).get(name, {}), hints, "title") or name


def hints_of(version: ItemVersion) -> list[tuple[str, str, str]]:
    """(field, registry key or ``account``, attribute) for every field with a ``prefill`` hint."""
    properties = (version.form_schema or {}).get("properties", {})
    found = []
    for name, hints in ((version.form_ui or {}).get("fields") or {}).items():
        target = str((hints or {}).get("prefill") or "")
        if name not in properties or "." not in target:
            continue
        registry, attribute = target.split(".", 1)
        found.append((name, registry, attribute))
    return found


def purpose_for(item: ServiceItem, version: ItemVersion) -> str:
    return _("To fill in the application form for “%(item)s” (%(department)s)") % {
        "item": version.name,
        "department": item.department.name,
    }


def plan_for(application: Application) -> Plan:
    """What pre-fill would fetch for this application, grouped by registry."""
    from pengcheng.core.identifiers import mask_credit_code, mask_id_number
    from pengcheng.registries.selectors import attribute_schema

    version = application.item_version
    schema, ui = version.form_schema or {}, version.form_ui or {}
    known = attribute_schema()
    owners = {d.code: d for d in Department.objects.filter(code__in=[r.owner_code for r in REGISTRIES.values()])}
    applicant = application.applicant
    sources: dict[str, PlannedSource] = {}
    account_fields: list[PlannedField] = []
    unavailable: list[PlannedField] = []
    verified = applicant.assurance_level >= AssuranceLevel.L2
    needs_verification = False
    for name, registry_key, attribute in hints_of(version):
        planned = PlannedField(name, _field_label(schema, (ui.get("fields") or {}).get(name, {}), name), "")
        planned.attribute = f"{registry_key}.{attribute}"
        if registry_key == ACCOUNT:
            if attribute in ACCOUNT_ATTRIBUTES:
                account_fields.append(planned)
            continue
        registry = REGISTRIES.get(registry_key)
        if registry is None or attribute not in known.get(registry_key, {}) or registry.owner_code not in owners:
            unavailable.append(planned)  # a hint naming nothing the registries hold
            continue
        if not verified:
            unavailable.append(planned)
            needs_verification = True
            continue
        if registry.subject == "company":
            company = application.company
            if company is None:
                unavailable.append(planned)
                continue
            subject_id, subject_label = (
                company.credit_code,
                f"{company.name}（{mask_credit_code(company.credit_code)}）",
            )
        else:
            if not applicant.id_number:
                unavailable.append(planned)
                continue
            subject_id = applicant.id_number
            subject_label = f"{applicant.full_name}（{mask_id_number(applicant.id_number)}）"
        source = sources.setdefault(
            registry_key,
            PlannedSource(
                registry=registry_key,
                label=str(registry.label),
                owner=owners[registry.owner_code],
                subject_kind=registry.subject,
                subject_id=subject_id,
                subject_label=subject_label,
            ),
        )
        source.fields.append(planned)
    order = list(REGISTRIES)
    return Plan(
        sources=sorted(sources.values(), key=lambda s: order.index(s.registry)),
        account_fields=account_fields,
        purpose=purpose_for(application.item, version),
        unavailable=unavailable,
        needs_verification=needs_verification,
    )


def may_consent_for_company(user: User, company: Company) -> bool:
    """Whether ``user`` may agree to ``company``'s registry data being fetched: its legal representative,
    or an agent whose authorisation (in force) carries a data consent mandate granted since."""
    grant = active_agent_grants(user).filter(company=company).select_related("data_mandate").first()
    if grant is None:
        return False
    if grant.role == AgentRole.LEGAL_REPRESENTATIVE:
        return True
    mandate = getattr(grant, "data_mandate", None)
    return mandate is not None and mandate.granted_at >= grant.granted_at


def mandated_agents(grants: Sequence[CompanyAgent]) -> set[int]:
    """Which of ``grants`` carry a data consent mandate that counts (granted since the authorisation),
    by authorisation id: what the company agents page shows."""
    return set(
        AgentDataMandate.objects.filter(
            agent_id__in=[grant.pk for grant in grants], granted_at__gte=F("agent__granted_at")
        ).values_list("agent_id", flat=True)
    )


def company_consent_refusal(user: User, application: Application, plan: Plan) -> str:
    """Why ``user`` may not agree to what ``plan`` fetches about the company ("" when they may)."""
    company = application.company
    if company is None or not plan.reads_company_data or may_consent_for_company(user, company):
        return ""
    return _(
        "Only the legal representative of %(company)s, or an agent whose authorisation covers data consent, "
        "may agree to the company's data being fetched. Fill in the form yourself, or ask the legal "
        "representative to extend your authorisation."
    ) % {"company": company.name}


def usable_consent(application: Application, attributes: list[str]) -> Consent | None:
    """The applicant's consent in force for this item (and company) that covers ``attributes``."""
    now = timezone.now()
    wanted = set(attributes)
    candidates = Consent.objects.filter(
        user_id=application.applicant_id,
        company=application.company,
        item_id=application.item_id,
        revoked_at=None,
        expires_at__gt=now,
    ).order_by("-granted_at")
    for consent in candidates:
        if wanted <= set(consent.attributes):
            return consent
    return None


def consents_of(user: User) -> QuerySet[Consent]:
    return Consent.objects.filter(user=user).select_related("item", "company").order_by("-granted_at")


def represented_companies(user: User) -> list[Company]:
    """Companies whose data the user may see the use of: those they act for."""
    return [grant.company for grant in active_agent_grants(user).select_related("company")]


def uses_about(user: User) -> QuerySet[DataUse]:
    """Every fetch of data about this person, or about a company they act for (谁用了我的数据)."""
    codes = [company.credit_code for company in represented_companies(user)]
    query = Q(subject_kind="person", subject_id=user.id_number or "-") | Q(subject_kind="company", subject_id__in=codes)
    return DataUse.objects.filter(query).select_related("owner", "used_by", "application", "consent__item")


def uses_of_registries(actor: MaybeActor, registry: str = "") -> QuerySet[DataUse]:
    """Fetches from the registries the actor's departments keep (a data officer), or all (the platform)."""
    scope = require_role(actor, Role.DATA_OFFICER, action="prefill.registry_uses")
    uses = DataUse.objects.select_related("owner", "used_by", "application", "consent")
    if not scope.platform_wide:
        uses = uses.filter(owner_id__in=scope.departments_with(Role.DATA_OFFICER))
    if registry:
        uses = uses.filter(registry=registry)
    return uses
