"""Working-day arithmetic under the Chinese public-holiday calendar (法定工作日).

Deadlines in working days follow the administrative-licensing rule that the starting day is not
counted: ``add_working_days(Monday, 1)`` is the next working day. Years without a loaded arrangement
fall back to weekends only, and are reported by ``coverage_warnings``.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from pengcheng.workdays.models import CalendarDay, CalendarYear, DayKind

logger = logging.getLogger(__name__)

_VERSION_KEY = "pengcheng:workdays:version"
_RECHECK_SECONDS = 5.0


@dataclass(frozen=True)
class CalendarSnapshot:
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    years: frozenset[int]
    names: dict[dt.date, str]

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5


_lock = threading.Lock()
_state: dict[str, Any] = {"snapshot": None, "version": None, "checked": 0.0}
_warned_years: set[int] = set()


def _load() -> CalendarSnapshot:
    holidays: set[dt.date] = set()
    workdays: set[dt.date] = set()
    names: dict[dt.date, str] = {}
    for day, kind, name in CalendarDay.objects.values_list("date", "kind", "name"):
        (holidays if kind == DayKind.HOLIDAY else workdays).add(day)
        names[day] = name
    years = frozenset(CalendarYear.objects.values_list("year", flat=True))
    return CalendarSnapshot(frozenset(holidays), frozenset(workdays), years, names)


def snapshot() -> CalendarSnapshot:
    """The calendar, cached per process and reloaded when another process changes it."""
    now = time.monotonic()
    state = _state
    if state["snapshot"] is not None and now - state["checked"] < _RECHECK_SECONDS:
        return state["snapshot"]
    with _lock:
        version = cache.get(_VERSION_KEY, 0)
        if state["snapshot"] is None or version != state["version"]:
            state["snapshot"] = _load()
            state["version"] = version
        state["checked"] = now
        return state["snapshot"]


def invalidate() -> None:
    """Make every process reload the calendar (called when holidays change)."""
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 1, timeout=None)
    _state["snapshot"] = None
    _warned_years.clear()


def on_calendar_changed(**kwargs: Any) -> None:
    invalidate()


def _note_uncovered(cal: CalendarSnapshot, year: int) -> None:
    if year not in cal.years and year not in _warned_years:
        _warned_years.add(year)
        logger.warning("no holiday arrangement loaded for %s; counting weekends only", year)


def is_working_day(day: dt.date) -> bool:
    cal = snapshot()
    _note_uncovered(cal, day.year)
    return cal.is_working_day(day)


def local_date(moment: dt.date | dt.datetime) -> dt.date:
    if isinstance(moment, dt.datetime):
        return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    return moment


def add_working_days(start: dt.date | dt.datetime, n: int) -> dt.date:
    """The date ``n`` working days after ``start`` (start itself not counted); negative goes back."""
    cal = snapshot()
    day = local_date(start)
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    while remaining:
        day += dt.timedelta(days=step)
        _note_uncovered(cal, day.year)
        if cal.is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: dt.date | dt.datetime, end: dt.date | dt.datetime) -> int:
    """Working days in (start, end]; negative when ``end`` is before ``start``.

    ``working_days_between(today, deadline)`` is the time left on a deadline: 0 means it is due
    today, -2 that it is two working days overdue."""
    cal = snapshot()
    first, last = local_date(start), local_date(end)
    sign = 1
    if last < first:
        first, last, sign = last, first, -1
    count = 0
    day = first
    while day < last:
        day += dt.timedelta(days=1)
        if cal.is_working_day(day):
            count += 1
    return sign * count


def _office_hours() -> list[tuple[dt.time, dt.time]]:
    return [
        (dt.time.fromisoformat(begin), dt.time.fromisoformat(end)) for begin, end in settings.PENGCHENG_OFFICE_HOURS
    ]


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def working_time_between(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Office time on working days between two moments (zero if ``end`` is not after ``start``)."""
    if end <= start:
        return dt.timedelta(0)
    cal = snapshot()
    tz = _tz()
    start_local, end_local = start.astimezone(tz), end.astimezone(tz)
    total = dt.timedelta(0)
    day = start_local.date()
    while day <= end_local.date():
        if cal.is_working_day(day):
            for begin, finish in _office_hours():
                window_start = dt.datetime.combine(day, begin, tz)
                window_end = dt.datetime.combine(day, finish, tz)
                overlap = min(window_end, end_local) - max(window_start, start_local)
                if overlap > dt.timedelta(0):
                    total += overlap
        day += dt.timedelta(days=1)
    return total


def add_working_time(start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
    """The moment when ``duration`` of office time on working days has passed after ``start``."""
    cal = snapshot()
    tz = _tz()
    moment = start.astimezone(tz)
    remaining = duration
    day = moment.date()
    for _guard in range(3660):  # ten years of days is far beyond any service deadline
        if cal.is_working_day(day):
            for begin, finish in _office_hours():
                window_start = max(dt.datetime.combine(day, begin, tz), moment)
                window_end = dt.datetime.combine(day, finish, tz)
                if window_end <= window_start:
                    continue
                available = window_end - window_start
                if remaining <= available:
                    return window_start + remaining
                remaining -= available
        day += dt.timedelta(days=1)
        moment = dt.datetime.combine(day, dt.time(0), tz)
    raise ValueError("duration too long for the working-time calendar")


def add_calendar_days(start: dt.date | dt.datetime, n: int) -> dt.date:
    """``n`` natural days (自然日) after ``start``."""
    return local_date(start) + dt.timedelta(days=n)


def uncovered_years(years: list[int]) -> list[int]:
    cal = snapshot()
    return [year for year in years if year not in cal.years]


def coverage_warnings(today: dt.date | None = None) -> list[str]:
    """Warnings for operators: this year or next has no holiday arrangement loaded."""
    today = today or timezone.localdate()
    return [
        _(
            "No holiday arrangement is loaded for %(year)s: deadlines in that year count weekends only. "
            "Import the State Council notice for %(year)s."
        )
        % {"year": year}
        for year in uncovered_years([today.year, today.year + 1])
    ]


def holiday_name(day: dt.date) -> str:
    return snapshot().names.get(day, "")


def days_in_year(year: int) -> list[CalendarDay]:
    return list(CalendarDay.objects.filter(date__year=year).order_by("date"))
