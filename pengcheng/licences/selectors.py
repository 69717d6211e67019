"""Reads: licence types, a holder's wallet, usable licences (免证办), the console's search, the
published keys, status lists and the offline trust bundle."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pengcheng.core.actors import MaybeActor
from pengcheng.core.models import Company, Department, User
from pengcheng.core.permissions import department_filter, require_role, scope_of
from pengcheng.licences import keys
from pengcheng.licences.models import (
    HolderKind,
    IssuerKey,
    Licence,
    LicenceState,
    LicenceType,
    LicenceUse,
    StatusPurpose,
)
from pengcheng.licences.services import ISSUER_ROLES, Holder, status_list_token, status_list_url


def active_types() -> QuerySet[LicenceType]:
    return LicenceType.objects.filter(is_active=True).select_related("department").order_by("code")


def type_by_code(code: str) -> LicenceType | None:
    return LicenceType.objects.select_related("department").filter(code=code).first()


def issuable_types(actor: MaybeActor) -> QuerySet[LicenceType]:
    """The types the actor's departments issue."""
    return active_types().filter(department_filter(actor, "department_id", *ISSUER_ROLES))


def holder_of(user: User, company: Company | None = None) -> Holder | None:
    """The wallet's holder: the acting company, or the person."""
    if company is not None:
        return Holder(HolderKind.ORGANISATION, company.credit_code, company.name)
    if user.id_number:
        return Holder(HolderKind.PERSON, user.id_number, user.display_name)
    return None


def wallet(holder: Holder) -> QuerySet[Licence]:
    return (
        Licence.objects.filter(holder_identifier=holder.identifier, holder_kind=holder.kind)
        .select_related("licence_type", "issuer_department")
        .order_by("licence_type__code", "-issued_at")
    )


def wallet_licence(holder: Holder, licence_id: Any) -> Licence | None:
    return wallet(holder).filter(pk=licence_id).first()


def uses_for_holder(holder: Holder) -> QuerySet[LicenceUse]:
    return LicenceUse.objects.filter(
        licence__holder_identifier=holder.identifier, licence__holder_kind=holder.kind
    ).select_related("licence__licence_type")


def usable_licence(holder: User | Company | Holder, licence_type_code: str) -> tuple[Licence | None, str]:
    """For 免证办: the holder's licence of this type that is in force, or None with the reason to fall
    back to an upload: ``unknown_type``, ``no_identity``, ``missing``, ``expired``, ``revoked`` or
    ``suspended``. ``ok`` when a licence is returned."""
    licence_type = type_by_code(licence_type_code)
    if licence_type is None:
        return None, "unknown_type"
    if isinstance(holder, User) and not holder.id_number:
        return None, "no_identity"
    party = Holder.of(holder)
    now = timezone.now()
    candidates = Licence.objects.filter(
        licence_type=licence_type, holder_identifier=party.identifier, holder_kind=party.kind
    ).select_related("licence_type", "issuer_department")
    in_force = (
        candidates.filter(state=LicenceState.ACTIVE, valid_from__lte=now)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .order_by("-issued_at")
        .first()
    )
    if in_force is not None:
        return in_force, "ok"
    latest = candidates.order_by("-issued_at").first()
    if latest is None:
        return None, "missing"
    if latest.state != LicenceState.ACTIVE:
        return None, str(latest.state)
    return None, "expired" if latest.is_expired(now) else "missing"


# What to tell the applicant when a material falls back to an upload (and when it does not).
USABLE_REASONS = {
    "ok": _("A valid licence was found."),
    "unknown_type": _("The licence type is not in the catalogue."),
    "no_identity": _("The account has no verified identity number."),
    "missing": _("No licence of this type has been issued to you."),
    "expired": _("Your licence of this type has expired."),
    "revoked": _("Your licence of this type has been revoked."),
    "suspended": _("Your licence of this type is suspended."),
}


def search_licences(
    actor: MaybeActor, *, text: str = "", type_code: str = "", state: str = "", sort: str = "-issued_at"
) -> QuerySet[Licence]:
    """Licences of the actor's departments, for the console."""
    require_role(actor, *ISSUER_ROLES, action="licences.search")
    licences = Licence.objects.filter(department_filter(actor, "issuer_department_id", *ISSUER_ROLES)).select_related(
        "licence_type", "issuer_department"
    )
    if text:
        licences = licences.filter(
            Q(number__icontains=text) | Q(holder_name__contains=text) | Q(holder_identifier=text.upper())
        )
    if type_code:
        licences = licences.filter(licence_type__code=type_code)
    if state == "expired":
        licences = licences.filter(state=LicenceState.ACTIVE, valid_until__lte=timezone.now())
    elif state in LicenceState.values:
        licences = licences.filter(state=state)
    allowed = {"issued_at", "-issued_at", "holder_name", "-holder_name", "valid_until", "-valid_until"}
    return licences.order_by(sort if sort in allowed else "-issued_at")


def managed_departments(actor: MaybeActor) -> QuerySet[Department]:
    """Departments whose keys the actor may rotate (supervisors; operators for all issuers)."""
    scope = scope_of(actor)
    issuing = Department.objects.filter(licence_types__isnull=False).distinct().order_by("code")
    if scope.platform_wide:
        return issuing
    from pengcheng.core.models import Role

    return issuing.filter(pk__in=scope.departments_with(Role.SUPERVISOR))


def issuer_keys(department: Department) -> QuerySet[IssuerKey]:
    return IssuerKey.objects.filter(department=department).order_by("-created_at")


def issuing_departments() -> QuerySet[Department]:
    return Department.objects.filter(issuer_keys__withdrawn_at__isnull=True).distinct().order_by("code")


def trust_bundle() -> dict[str, Any]:
    """The issuers' DID documents and current status lists: all an offline verifier needs."""
    departments = list(issuing_departments())
    lists = {
        status_list_url(department.code, purpose): status_list_token(department.code, purpose)
        for department in departments
        for purpose in StatusPurpose.values
    }
    return {
        "generatedAt": timezone.now().isoformat(),
        "issuers": [keys.did_document(department) for department in departments],
        "statusLists": lists,
    }
