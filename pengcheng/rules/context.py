"""What rules read: an application's (or a profile's) input, built from the registries' public selectors.

Keys: ``form`` (the form data), ``registry`` (facts by registry key, from
``registries.selectors.facts_for_person``/``facts_for_company``), ``licences`` (the holder's electronic
licences in force, by type code), ``today``; for policies also ``declared`` (self-declared data, only
with consent) and ``subject`` (``person`` or ``company``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.utils import timezone

from pengcheng.applications.models import Application
from pengcheng.licences.models import HolderKind, Licence, LicenceState
from pengcheng.registries import selectors as registry_selectors


class RegistryUnavailable(Exception):
    """The base registries could not be read (the case is referred, never approved)."""


def licence_facts(licence: Licence) -> dict[str, Any]:
    return {
        "number": licence.number,
        "issued_at": licence.issued_at,
        "valid_from": licence.valid_from,
        "valid_until": licence.valid_until,
        "issuer": licence.issuer_department.code if licence.issuer_department_id else "",
        "data": dict(licence.data),
    }


def licences_in_force(holders: Iterable[tuple[str, str]], now: dt.datetime | None = None) -> dict[str, dict[str, Any]]:
    """``{holder identifier: {type code: facts}}`` for licences in force (newest per type), in one query."""
    now = now or timezone.now()
    pairs = list(holders)
    found: dict[str, dict[str, Any]] = {identifier: {} for _, identifier in pairs}
    if not pairs:
        return found
    condition = Q()
    by_kind: dict[str, list[str]] = {}
    for kind, identifier in pairs:
        by_kind.setdefault(kind, []).append(identifier)
    for kind, identifiers in by_kind.items():
        condition |= Q(holder_kind=kind, holder_identifier__in=identifiers)
    rows = (
        Licence.objects.filter(condition, state=LicenceState.ACTIVE, valid_from__lte=now)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .select_related("licence_type", "issuer_department")
        .order_by("issued_at")
    )
    for licence in rows:
        found.setdefault(licence.holder_identifier, {})[licence.licence_type.code] = licence_facts(licence)
    return found


def registry_facts(id_number: str | None, credit_code: str | None) -> dict[str, Any]:
    """Person and company facts merged (registry keys do not overlap). Raises ``RegistryUnavailable``."""
    facts: dict[str, Any] = {}
    try:
        if id_number:
            facts.update(registry_selectors.facts_for_person(id_number))
        if credit_code:
            facts.update(registry_selectors.facts_for_company(credit_code))
    except Exception as exc:
        raise RegistryUnavailable(str(exc) or type(exc).__name__) from exc
    return facts


def for_application(application: Application, today: dt.date | None = None) -> dict[str, Any]:
    """The rules' input for an application. Raises ``RegistryUnavailable``."""
    applicant = application.applicant
    company = application.company
    holder = (
        (HolderKind.ORGANISATION, company.credit_code) if company else (HolderKind.PERSON, applicant.id_number or "")
    )
    licences = licences_in_force([holder])[holder[1]] if holder[1] else {}
    return {
        "form": dict(application.form_data or {}),
        "registry": registry_facts(applicant.id_number, company.credit_code if company else None),
        "licences": licences,
        "today": today or timezone.localdate(),
    }
