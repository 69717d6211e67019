"""The seam for automatic classification and routing suggestions.

Dispatching works fully without a classifier. A later module (hotline intelligence) can set
``PENGCHENG_HOTLINE_CLASSIFIER`` to the dotted path of a callable ``(ticket, limit) -> iterable of
Suggestion``; the dispatcher's ticket page then shows its top three suggestions beside the routing
table's answer, and picking one fills the dispatch form. A failing classifier is logged and ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
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
