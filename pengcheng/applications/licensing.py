"""Where applications meet electronic licences (电子证照).

- **免证办**: a material of kind ``licence`` is satisfied by the applicant's licence of that type once
  the applicant authorises its use with one click. The licence is verified at that moment, the use is
  logged in the holder's wallet, and the clerk sees the verified data; nothing is uploaded. A missing,
  expired, revoked or suspended licence falls back to an upload, with the reason shown.
- **Issued on approval**: an item version whose ``extensions["issue_licence"]`` names a licence type
  issues that licence to the applicant (or the company) in the approving transaction. ``data`` maps
  each licence field to a source: ``form.<field>``, ``applicant.<attribute>``, ``company.<attribute>``,
  ``application.number`` or ``today``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pengcheng.applications.models import Application
from pengcheng.applications.services import _locked, require_applicant
from pengcheng.audit.services import record as audit
from pengcheng.catalog.models import Material, MaterialKind
from pengcheng.core.actors import SYSTEM, MaybeActor
from pengcheng.core.errors import Conflict, NotFound, ValidationFailed
from pengcheng.core.models import Company, User
from pengcheng.licences import selectors as licence_selectors
from pengcheng.licences import services as licence_services
from pengcheng.licences.models import IssueSource, Licence, LicenceState, LicenceUse, UseKind


def holder_of(application: Application) -> User | Company:
    return application.company or application.applicant


def reference(application: Application, material: Material) -> str:
    """How a use of a licence names the application material it satisfies."""
    return f"application:{application.number}/{material.key}"


def authorised_use(application: Application, material: Material) -> LicenceUse | None:
    """The applicant's authorisation for this material, if its licence is still in force."""
    now = timezone.now()
    return (
        LicenceUse.objects.filter(kind=UseKind.AUTHORISED, reference=reference(application, material))
        .filter(licence__state=LicenceState.ACTIVE, licence__licence_type__code=material.licence_type)
        .filter(Q(licence__valid_until__isnull=True) | Q(licence__valid_until__gt=now))
        .select_related("licence", "licence__licence_type", "licence__issuer_department")
        .order_by("-occurred_at")
        .first()
    )


@dataclass(frozen=True)
class LicenceChoice:
    """What the application page shows for a licence material."""

    material: Material
    use: LicenceUse | None  # authorised already
    licence: Licence | None  # one the applicant could authorise now
    reason: str  # why there is none to use (``licences.selectors.USABLE_REASONS``)

    @property
    def message(self) -> str:
        return str(licence_selectors.USABLE_REASONS.get(self.reason, ""))

    @property
    def verified_data(self) -> list[tuple[str, Any]]:
        """The licence's data as the clerk sees it, under the type's field titles."""
        if self.use is None:
            return []
        licence = self.use.licence
        titles = licence.licence_type.field_titles()
        return [(titles.get(name, name), value) for name, value in licence.data.items()]


def licence_choices(application: Application) -> dict[int, LicenceChoice]:
    """For each licence material of the application: its authorisation, or the licence that could be
    used, or why there is none. Keyed by material id."""
    choices: dict[int, LicenceChoice] = {}
    holder = holder_of(application)
    for material in application.item_version.materials.filter(kind=MaterialKind.LICENCE):
        use = authorised_use(application, material)
        if use is not None:
            choices[material.pk] = LicenceChoice(material, use, use.licence, "ok")
            continue
        licence, reason = licence_selectors.usable_licence(holder, material.licence_type)
        choices[material.pk] = LicenceChoice(material, None, licence, reason)
    return choices


@transaction.atomic
def use_licence(actor: MaybeActor, application: Application, material_key: str) -> LicenceUse:
    """The applicant authorises the handling department to use their licence for this material."""
    application = _locked(application)
    require_applicant(actor, application, "use_licence")
    if not application.is_editable:
        raise Conflict(_("Licences can be added only while the application is a draft or being corrected."))
    material = application.item_version.materials.filter(key=material_key, kind=MaterialKind.LICENCE).first()
    if material is None:
        raise NotFound(_("This application asks for no such licence."))
    licence, reason = licence_selectors.usable_licence(holder_of(application), material.licence_type)
    if licence is None:
        raise ValidationFailed(
            {f"material:{material.key}": [str(licence_selectors.USABLE_REASONS.get(reason, reason))]}
        )
    department = application.handling_department
    authorised = licence_services.authorise_use(
        actor,
        licence,
        purpose=f"{application.item_version.name}（{application.number}）",
        used_by=department.name if department else application.item_version.name,
        reference=reference(application, material),
    )
    audit(
        actor,
        "applications.licence_used",
        application,
        summary=f"{material.name}: {licence.number}"[:300],
        data={"material": material.key, "licence": str(licence.pk), "use": authorised.use.pk},
    )
    return authorised.use


def resolve(application: Application, material: Material) -> str | None:
    """``applications.hooks`` licence resolver: the licence number satisfying the material."""
    use = authorised_use(application, material)
    return use.licence.number if use else None


# Issued on approval ---------------------------------------------------------------------------------


def _value(application: Application, source: str) -> Any:
    kind, _, name = source.partition(".")
    if kind == "form":
        return application.form_data.get(name)
    if kind == "applicant":
        return getattr(application.applicant, name, None)
    if kind == "company":
        return getattr(application.company, name, None) if application.company else None
    if source == "application.number":
        return application.number
    if source == "today":
        return timezone.localdate().isoformat()
    raise ValueError(f"unknown licence data source {source!r}")


def licence_data(application: Application, mapping: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field, source in mapping.items():
        value = _value(application, source)
        if isinstance(value, dt.date):
            value = value.isoformat()
        if value not in (None, ""):
            data[field] = value
    return data


def issue_on_approval(application: Application) -> None:
    """``applications.hooks`` approval hook. Runs in the approving transaction: a licence that cannot
    be issued (e.g. its data does not fit the type) stops the approval with the reason."""
    config = application.item_version.extensions.get("issue_licence")
    if not config:
        return
    licence_type = licence_selectors.type_by_code(config.get("type", ""))
    if licence_type is None:
        raise Conflict(
            _("This item is set to issue licence type %(code)s, which does not exist.") % {"code": config.get("type")}
        )
    try:
        licence = licence_services.issue_licence(
            SYSTEM,
            licence_type,
            holder_of(application),
            licence_data(application, config.get("data", {})),
            source=IssueSource.APPLICATION,
            source_reference=application.number,
        )
    except ValidationFailed as exc:
        problems = [f"{field}: {message}" for field, messages in exc.field_errors.items() for message in messages]
        raise ValidationFailed(
            {"licence": problems},
            message=_("The licence %(name)s cannot be issued from this application.") % {"name": licence_type.name},
        ) from None
    application.extensions = {
        **application.extensions,
        "licence": {
            "id": str(licence.pk),
            "number": licence.number,
            "type": licence_type.code,
            "name": licence_type.name,
        },
    }
    application.result = (application.result + "\n" if application.result else "") + _(
        "Electronic licence issued: %(name)s No. %(number)s. It is in your wallet."
    ) % {"name": licence_type.name, "number": licence.number}
    application.save(update_fields=["extensions", "result"])
