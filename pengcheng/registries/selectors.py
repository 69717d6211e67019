"""Reads from the base registries."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import models

from pengcheng.registries.models import REGISTRIES, PopulationRecord, Registry

# Bookkeeping columns that are not facts about the subject.
_NOT_FACTS = {"id", "source", "created_at", "updated_at"}


def person_matching(id_number: str, name: str) -> PopulationRecord | None:
    """The population record with this identity number and exactly this name, or None."""
    record = PopulationRecord.objects.filter(id_number=id_number.strip().upper()).first()
    if record is None or record.name != name.strip():
        return None
    return record


def _fact_fields(registry: Registry) -> list[models.Field[Any, Any]]:
    return [
        field
        for field in registry.model._meta.concrete_fields
        if field.name not in _NOT_FACTS and not field.name.startswith("_")
    ]


def attribute_schema() -> dict[str, dict[str, str]]:
    """Every registry attribute by registry key: ``{"population": {"name": "string", ...}, ...}``.

    Types are ``string``, ``int``, ``decimal``, ``bool``, ``date`` or ``datetime``; a foreign key is given as
    the related object's code or key (``string``). Rule and form editors validate references against this.
    """
    kinds = {
        models.BooleanField: "bool",
        models.IntegerField: "int",
        models.BigIntegerField: "int",
        models.PositiveIntegerField: "int",
        models.PositiveSmallIntegerField: "int",
        models.SmallIntegerField: "int",
        models.DecimalField: "decimal",
        models.FloatField: "decimal",
        models.DateTimeField: "datetime",
        models.DateField: "date",
    }
    schema: dict[str, dict[str, str]] = {}
    for key, registry in REGISTRIES.items():
        schema[key] = {field.name: kinds.get(type(field), "string") for field in _fact_fields(registry)}
    return schema


def _facts(registry: Registry, record: models.Model) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for field in _fact_fields(registry):
        if isinstance(field, models.ForeignKey):
            related = getattr(record, field.name)
            value: Any = getattr(related, "code", None) or getattr(related, "pk", None) if related else None
        else:
            value = getattr(record, field.attname)
        if isinstance(value, Decimal):
            value = str(value)
        facts[field.name] = value
    return facts


def facts_for_many(subject: str, identifiers: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``{identifier: facts by registry key}`` for many people (``person``) or companies (``company``) at
    once, one query per registry: the path every facts read takes, and batch jobs (policy matching) call
    it directly. Identifiers are matched as given; rows come in the model's order (then by id), so a
    ``many`` registry lists vehicles, properties and degrees latest first."""
    found: dict[str, dict[str, Any]] = {identifier: {} for identifier in identifiers}
    if not identifiers:
        return found
    for key, registry in REGISTRIES.items():
        if registry.subject != subject:
            continue
        related = [field.name for field in _fact_fields(registry) if isinstance(field, models.ForeignKey)]
        rows = (
            registry.model._default_manager.filter(**{f"{registry.subject_field}__in": list(identifiers)})
            .select_related(*related)
            .order_by(*list(registry.model._meta.ordering or []), "pk")
        )
        for row in rows:
            facts = found.setdefault(getattr(row, registry.subject_field), {})
            if registry.many:  # like a one-record registry, no record means no key
                facts.setdefault(key, []).append(_facts(registry, row))
            elif key not in facts:
                facts[key] = _facts(registry, row)
    return found


def _facts_for(subject: str, identifier: str) -> dict[str, Any]:
    return facts_for_many(subject, [identifier])[identifier]


def facts_for_person(id_number: str) -> dict[str, Any]:
    """What the base registries hold about one person, by registry key (absent key: no record).

    Values are plain Python (str, int, bool, ``datetime.date``; decimals as strings); ``many`` registries
    give a non-empty list of such dicts in the model's order (vehicles, properties and degrees latest
    first). Pre-fill (秒报) and rules (秒批) both read through this.
    """
    return _facts_for("person", id_number.strip().upper())


def facts_for_company(credit_code: str) -> dict[str, Any]:
    """What the base registries hold about one company (legal entity), by registry key."""
    return _facts_for("company", credit_code.strip().upper())
