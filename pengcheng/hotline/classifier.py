"""The seam for automatic classification and routing suggestions.

Dispatching works fully without a classifier. A later module (hotline intelligence) can set
``PENGCHENG_HOTLINE_CLASSIFIER`` to the dotted path of a callable ``(ticket, limit) -> iterable of
Suggestion``; the dispatcher's ticket page then shows its top three suggestions beside the routing
table's answer, and picking one fills the dispatch form. A failing classifier is logged and ignored.

``PENGCHENG_HOTLINE_AUTO_DISPATCHER`` may name a callable ``(ticket) -> AutoDispatch | None``: at intake,
when no routing rule dispatches the ticket, its answer dispatches it without a person. The
``feedback`` signal tells such a module about every dispatcher decision (派单, 转派, 退单), so that
corrections can become training data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.dispatch import Signal
from django.utils.module_loading import import_string

from pengcheng.core.models import Department
from pengcheng.hotline.models import Category, Ticket

logger = logging.getLogger(__name__)
TOP = 3


@dataclass(frozen=True)
class Suggestion:
    category: Category | None
    department: Department | None
    score: float  # 0..1, the classifier's confidence
    source: str = ""  # e.g. the model's name, shown to the dispatcher


Classifier = Callable[[Ticket, int], Iterable[Suggestion]]

# Sent after a dispatch, transfer or refusal, inside its transaction, with ``ticket``, ``actor``,
# ``kind`` ("dispatch", "transfer" or "refusal") and ``previous`` (what the ticket had before:
# "department", "category", "request_type"). Receivers must not raise; failures are logged.
feedback = Signal()


@dataclass(frozen=True)
class AutoDispatch:
    department: Department
    note: str  # shown on the timeline, e.g. which model and how confident


@lru_cache(maxsize=4)
def _load(path: str) -> Classifier:
    classifier: Classifier = import_string(path)
    return classifier


def suggestions(ticket: Ticket, limit: int = TOP) -> list[Suggestion]:
    path = getattr(settings, "PENGCHENG_HOTLINE_CLASSIFIER", "")
    if not path:
        return []
    try:
        found = list(_load(path)(ticket, limit))
    except Exception:
        logger.exception("hotline classifier %s failed for ticket %s", path, ticket.pk)
        return []
    return sorted(found, key=lambda s: s.score, reverse=True)[:limit]


def auto_dispatch(ticket: Ticket) -> AutoDispatch | None:
    """The automatic dispatcher's decision for a new ticket, or None (no dispatcher, no decision, or
    it failed: logged, and the ticket waits for a person)."""
    path = getattr(settings, "PENGCHENG_HOTLINE_AUTO_DISPATCHER", "")
    if not path:
        return None
    try:
        decide: Callable[[Ticket], AutoDispatch | None] = import_string(path)
        return decide(ticket)
    except Exception:
        logger.exception("hotline auto-dispatcher %s failed for ticket %s", path, ticket.pk)
        return None


def send_feedback(ticket: Ticket, actor: object, kind: str, previous: Mapping[str, object]) -> None:
    for receiver, result in feedback.send_robust(Ticket, ticket=ticket, actor=actor, kind=kind, previous=previous):
        if isinstance(result, Exception):
            logger.error("hotline feedback receiver %s failed for ticket %s: %r", receiver, ticket.pk, result)
