"""签收 and 办理 time limits, counted in working hours or working days on the holiday calendar.

A limit comes from the most specific ``TimeLimit`` rule that matches the ticket's urgency, category
and type (urgency outranks category, which outranks type); without any rule the defaults below
apply. Working-day limits end at the close of office on the last day, so "3 working days" from a
Friday-afternoon dispatch before a holiday ends at 18:00 on the third working day after it.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings

from pengcheng.hotline.models import Category, LimitUnit, RequestType, TimeLimit, Urgency
from pengcheng.workdays.selectors import add_working_days, add_working_time


@dataclass(frozen=True)
class Limit:
    accept_minutes: int
    handle_amount: int
    handle_unit: str

    def describe(self) -> str:
        from django.utils.translation import gettext as _

        unit = LimitUnit(self.handle_unit).label
        return _("accept within %(m)s working minutes, handle within %(n)s %(unit)s") % {
            "m": self.accept_minutes,
            "n": self.handle_amount,
            "unit": unit,
        }


# Used when no rule matches: the national 12345 norms for a city platform.
DEFAULT_LIMITS = {
    RequestType.CONSULTATION: Limit(120, 1, LimitUnit.WORKING_DAYS),
    RequestType.HELP: Limit(120, 3, LimitUnit.WORKING_DAYS),
    RequestType.COMPLAINT: Limit(120, 5, LimitUnit.WORKING_DAYS),
    RequestType.REPORT: Limit(120, 10, LimitUnit.WORKING_DAYS),
    RequestType.SUGGESTION: Limit(240, 10, LimitUnit.WORKING_DAYS),
    RequestType.PRAISE: Limit(240, 5, LimitUnit.WORKING_DAYS),
}
URGENT_DEFAULTS = {
    Urgency.URGENT: Limit(60, 1, LimitUnit.WORKING_DAYS),
    Urgency.CRITICAL: Limit(30, 4, LimitUnit.WORKING_HOURS),
}

_CACHE_SECONDS = 30.0
_lock = threading.Lock()
_rules: dict[str, object] = {"loaded": 0.0, "rules": []}


@dataclass(frozen=True)
class _Rule:
    request_type: str
    category_code: str
    category_level: int
    urgency: str
    limit: Limit

    def matches(self, request_type: str, category_code: str, urgency: str) -> bool:
        return (
            (not self.request_type or self.request_type == request_type)
            and (not self.category_code or category_code.startswith(self.category_code))
            and (not self.urgency or self.urgency == urgency)
        )

    @property
    def rank(self) -> tuple[int, int, int]:
        return (1 if self.urgency else 0, self.category_level, 1 if self.request_type else 0)


def _load_rules() -> list[_Rule]:
    now = time.monotonic()
    if now - float(_rules["loaded"]) < _CACHE_SECONDS:  # type: ignore[arg-type]
        return _rules["rules"]  # type: ignore[return-value]
    with _lock:
        rules = [
            _Rule(
                rule.request_type,
                rule.category.code if rule.category else "",
                rule.category.level if rule.category else 0,
                rule.urgency,
                Limit(rule.accept_minutes, rule.handle_amount, rule.handle_unit),
            )
            for rule in TimeLimit.objects.select_related("category")
        ]
        rules.sort(key=lambda rule: rule.rank, reverse=True)
        _rules["rules"] = rules
        _rules["loaded"] = now
    return rules


def forget_rules() -> None:
    """Reload the rules on next use (called when a rule changes)."""
    _rules["loaded"] = 0.0


def limit_for(request_type: str, category: Category | None, urgency: str) -> Limit:
    code = category.code if category else ""
    for rule in _load_rules():
        if rule.matches(request_type, code, urgency):
            return rule.limit
    if urgency in URGENT_DEFAULTS:
        return URGENT_DEFAULTS[Urgency(urgency)]
    return DEFAULT_LIMITS.get(RequestType(request_type), DEFAULT_LIMITS[RequestType.COMPLAINT])


def _close_of_business(day: dt.date) -> dt.datetime:
    tz = ZoneInfo(settings.TIME_ZONE)
    closing = max(dt.time.fromisoformat(end) for _, end in settings.PENGCHENG_OFFICE_HOURS)
    return dt.datetime.combine(day, closing, tz)


def accept_due(start: dt.datetime, limit: Limit) -> dt.datetime:
    return add_working_time(start, dt.timedelta(minutes=limit.accept_minutes))


def handle_due(start: dt.datetime, limit: Limit) -> dt.datetime:
    if limit.handle_unit == LimitUnit.WORKING_HOURS:
        return add_working_time(start, dt.timedelta(hours=limit.handle_amount))
    return _close_of_business(add_working_days(start, limit.handle_amount))


def extend(due: dt.datetime, days: int) -> dt.datetime:
    """A deadline moved ``days`` working days later (an approved extension)."""
    return _close_of_business(add_working_days(due, days))
