"""What rules read: an application's (or a profile's) input, built from the registries' public selectors.

Keys: ``form`` (the form data), ``registry`` (facts by registry key, from
``registries.selectors.facts_for_person``/``facts_for_company``), ``licences`` (the holder's electronic
licences in force, by type code), ``today``; for policies also ``declared`` (self-declared data, only
with consent) and ``subject`` (``person`` or ``company``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
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


@dataclass
class SubjectFacts:
    """What one batch read found about one person or company, and the (newest) application it served."""

    kind: str  # "person" or "company"
    identifier: str
    application: Application
    found: set[str] = field(default_factory=set)  # registry keys that held a record


@dataclass
class Batch:
    """The rules' input for many applications at once (``for_applications``)."""

    contexts: dict[int, dict[str, Any]] = field(default_factory=dict)  # by application id
    unavailable: dict[int, str] = field(default_factory=dict)  # application id → why its registries failed
    subjects: list[SubjectFacts] = field(default_factory=list)  # every subject whose facts were read


def _read_many(subject: str, identifiers: list[str]) -> tuple[dict[str, dict[str, Any]], str]:
    if not identifiers:
        return {}, ""
    try:
        return registry_selectors.facts_for_many(subject, identifiers), ""
    except Exception as exc:
        return {}, str(exc) or type(exc).__name__


def for_applications(applications: Sequence[Application], today: dt.date | None = None) -> Batch:
    """``for_application`` for many applications, reading the registries once per registry
    (``facts_for_many``) and licences in one query. An application whose registries could not be read
    is in ``unavailable`` instead of ``contexts``; ``subjects`` lists each person or company read, once,
    with the first (newest, in the order given) application it served."""
    today = today or timezone.localdate()
    keys: dict[int, tuple[str, str]] = {}
    for application in applications:
        company = application.company
        keys[application.pk] = (
            (application.applicant.id_number or "").strip().upper(),
            company.credit_code.strip().upper() if company else "",
        )
    people = sorted({person for person, _ in keys.values() if person})
    companies = sorted({company for _, company in keys.values() if company})
    person_facts, person_error = _read_many("person", people)
    company_facts, company_error = _read_many("company", companies)
    holders = [
        (HolderKind.ORGANISATION, application.company.credit_code)
        if application.company
        else (HolderKind.PERSON, application.applicant.id_number or "")
        for application in applications
    ]
    licences = licences_in_force([holder for holder in holders if holder[1]])
    batch = Batch()
    seen: dict[tuple[str, str], SubjectFacts] = {}
    for application, holder in zip(applications, holders, strict=True):
        person, credit_code = keys[application.pk]
        reads = [
            ("person", person, person_facts, person_error),
            ("company", credit_code, company_facts, company_error),
        ]
        for kind, identifier, facts, error in reads:
            if identifier and not error and (kind, identifier) not in seen:
                found = set(facts.get(identifier, {}))
                seen[kind, identifier] = SubjectFacts(kind, identifier, application, found)
        error = (person_error if person else "") or (company_error if credit_code else "")
        if error:
            batch.unavailable[application.pk] = error
            continue
        registry: dict[str, Any] = {}
        registry.update(person_facts.get(person, {}) if person else {})
        registry.update(company_facts.get(credit_code, {}) if credit_code else {})
        batch.contexts[application.pk] = {
            "form": dict(application.form_data or {}),
            "registry": registry,
            "licences": licences.get(holder[1], {}) if holder[1] else {},
            "today": today,
        }
    batch.subjects = list(seen.values())
    return batch
