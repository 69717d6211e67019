"""The hotline's classifier seam (``PENGCHENG_HOTLINE_CLASSIFIER``) and automatic dispatch at intake.

``suggest`` gives the dispatcher the top three (category, department) pairs with the model's
confidence; ``auto_route`` says whether a new ticket may be dispatched without a person. Neither
ever raises into the hotline: without a usable model there are simply no suggestions, and tickets
wait for a dispatcher.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from pengcheng.core.models import Department
from pengcheng.hotline.classifier import AutoDispatch, Suggestion
from pengcheng.hotline.models import Category, RequestType, Ticket
from pengcheng.nlp import store
from pengcheng.nlp.pipeline import Classified, Guess
from pengcheng.nlp.services import intake_settings, ticket_text
from pengcheng.nlp.text import Refusal

logger = logging.getLogger(__name__)

_LOOKUP_SECONDS = 60.0
_lookups: dict[str, Any] = {"loaded": 0.0, "categories": {}, "departments": {}}


def _objects() -> tuple[dict[str, Category], dict[str, Department]]:
    now = time.monotonic()
    if now - float(_lookups["loaded"]) > _LOOKUP_SECONDS:
        _lookups["categories"] = {c.code: c for c in Category.objects.filter(is_active=True)}
        _lookups["departments"] = {d.code: d for d in Department.objects.filter(is_active=True)}
        _lookups["loaded"] = now
    return _lookups["categories"], _lookups["departments"]


def forget_lookups() -> None:
    _lookups["loaded"] = 0.0


def classify_ticket(ticket: Ticket, k: int = 3) -> tuple[int, Classified | Refusal] | None:
    """(model version, result) for a ticket, or None when no model is usable."""
    loaded = store.active_model()
    if loaded is None:
        return None
    version, model = loaded
    return version.version, model.classify([ticket_text(ticket.title, ticket.description)], k=k)[0]


def pairs(result: Classified, limit: int) -> list[tuple[Guess | None, Guess | None, float]]:
    """The best (category, department) pairs, scored by the product of the two confidences."""
    categories: Sequence[Guess | None] = result.heads.get("category") or [None]
    departments: Sequence[Guess | None] = result.heads.get("department") or [None]
    combined = [
        (c, d, (c.score if c else 1.0) * (d.score if d else 1.0))
        for c in categories
        for d in departments
        if c is not None or d is not None
    ]
    combined.sort(key=lambda item: item[2], reverse=True)
    return combined[:limit]


def suggest(ticket: Ticket, limit: int = 3) -> list[Suggestion]:
    """The dispatcher's top suggestions (set as ``PENGCHENG_HOTLINE_CLASSIFIER``)."""
    found = classify_ticket(ticket, k=limit)
    if found is None:
        return []
    version, result = found
    if isinstance(result, Refusal):
        return []
    categories, departments = _objects()
    best_type = result.best("type")
    source = _("classifier v%(version)s") % {"version": version}
    if best_type is not None and best_type.label in RequestType.values:
        source += " · " + _("type: %(type)s %(score).2f") % {
            "type": RequestType(best_type.label).label,
            "score": best_type.score,
        }
    suggestions = []
    for category, department, score in pairs(result, limit):
        suggestions.append(
            Suggestion(
                category=categories.get(category.label) if category else None,
                department=departments.get(department.label) if department else None,
                score=round(score, 4),
                source=source,
            )
        )
    return suggestions


@dataclass(frozen=True)
class AutoRoute:
    department: Department
    confidence: float
    version: int


def auto_route(ticket: Ticket) -> AutoRoute | None:
    """The department to dispatch a new ticket to without a person, when automatic dispatch is on
    and the model's confidence in its best department is above the threshold; otherwise None."""
    try:
        config = intake_settings()
        if not config.auto_dispatch:
            return None
        found = classify_ticket(ticket, k=1)
        if found is None:
            return None
        version, result = found
        if isinstance(result, Refusal):
            return None
        best = result.best("department")
        if best is None or best.score <= config.threshold:  # strictly above: 1.0 means never
            return None
        department = _objects()[1].get(best.label)
        if department is None:
            return None
        return AutoRoute(department, best.score, version)
    except Exception:  # intake must never fail because of the classifier
        logger.exception("automatic dispatch check failed for ticket %s", ticket.pk)
        return None


def auto_dispatch(ticket: Ticket) -> AutoDispatch | None:
    """The hotline's automatic dispatcher (set as ``PENGCHENG_HOTLINE_AUTO_DISPATCHER``)."""
    decision = auto_route(ticket)
    if decision is None:
        return None
    note = _("Dispatched automatically by classifier v%(version)s (confidence %(score).2f).") % {
        "version": decision.version,
        "score": decision.confidence,
    }
    return AutoDispatch(decision.department, note)
