"""Registry facts for many subjects at once, for the policy-matching job.

``registries.selectors.facts_for_person``/``facts_for_company`` read one subject (a query per registry);
matching 100,000 profiles needs one query per registry per batch. This reads the same registries
(``registries.models.REGISTRIES``) and turns rows into facts with the selectors' own conversion, so the
result is exactly what ``facts_for_person`` gives (a test holds it to that).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models

from pengcheng.registries import selectors as registry_selectors
from pengcheng.registries.models import REGISTRIES


def bulk_facts(subject: str, identifiers: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``{identifier: facts by registry key}`` for a batch of people (``person``) or companies (``company``)."""
    found: dict[str, dict[str, Any]] = {identifier: {} for identifier in identifiers}
    if not identifiers:
        return found
    for key, registry in REGISTRIES.items():
        if registry.subject != subject:
            continue
        fields = registry_selectors._fact_fields(registry)
        related = [field.name for field in fields if isinstance(field, models.ForeignKey)]
        rows = registry.model._default_manager.filter(**{f"{registry.subject_field}__in": list(identifiers)})
        if related:
            rows = rows.select_related(*related)
        # The model's own order, as ``facts_for_person`` gives it (degrees, vehicles, properties latest first).
        for row in rows.order_by(*list(registry.model._meta.ordering or []), "pk"):
            identifier = getattr(row, registry.subject_field)
            facts = registry_selectors._facts(registry, row)
            if registry.many:
                found.setdefault(identifier, {}).setdefault(key, []).append(facts)
            else:
                found.setdefault(identifier, {}).setdefault(key, facts)
    return found
