"""The routing table (派单规则): category × division → lead and assisting departments.

The most specific active rule wins: a deeper category beats a shallower one, then a longer division
prefix beats a shorter one. The table is small and read on every intake, so each process keeps it
for a few seconds.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from pengcheng.hotline.models import Category, RoutingRule

_CACHE_SECONDS = 30.0
_lock = threading.Lock()
_state: dict[str, object] = {"loaded": 0.0, "rules": []}


@dataclass(frozen=True)
class Route:
    department_id: int
    assisting_ids: tuple[int, ...]
    auto_dispatch: bool
    rule_id: int
    category_code: str
    division_prefix: str

    @property
    def rank(self) -> tuple[int, int]:
        return (len(self.category_code), len(self.division_prefix))


def _rules() -> list[Route]:
    now = time.monotonic()
    if now - float(_state["loaded"]) < _CACHE_SECONDS:  # type: ignore[arg-type]
        return _state["rules"]  # type: ignore[return-value]
    with _lock:
        routes = [
            Route(
                rule.department_id,
                tuple(sorted(department.pk for department in rule.assisting.all())),
                rule.auto_dispatch,
                rule.pk,
                rule.category.code if rule.category else "",
                rule.division_prefix,
            )
            for rule in RoutingRule.objects.filter(is_active=True)
            .select_related("category")
            .prefetch_related("assisting")
        ]
        routes.sort(key=lambda route: route.rank, reverse=True)
        _state["rules"] = routes
        _state["loaded"] = now
    return routes


def forget_rules() -> None:
    _state["loaded"] = 0.0


def route(category: Category | None, division_code: str) -> Route | None:
    """The rule for a ticket of ``category`` located in ``division_code`` (either may be empty)."""
    code = category.code if category else ""
    for candidate in _rules():
        if candidate.category_code and not code.startswith(candidate.category_code):
            continue
        if candidate.division_prefix and not division_code.startswith(candidate.division_prefix):
            continue
        return candidate
    return None
