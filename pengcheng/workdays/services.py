"""Changing the working-day calendar: seeding from the library and importing the annual notice."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.db import transaction

from pengcheng.audit.services import record as audit
from pengcheng.core.actors import Actor
from pengcheng.core.errors import ValidationFailed
from pengcheng.core.permissions import require_platform_role
from pengcheng.workdays.models import CalendarDay, CalendarSource, CalendarYear, DayKind
from pengcheng.workdays.notice import NoticeError, ParsedNotice, parse_notice
from pengcheng.workdays.selectors import invalidate

LIBRARY_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@dataclass(frozen=True)
class CalendarImportResult:
    year: int
    holidays: int
    workdays: int


def _replace_year(
    year: int,
    holidays: list[tuple[dt.date, str]],
    workdays: list[tuple[dt.date, str]],
    source: str,
    reference: str,
) -> CalendarImportResult:
    CalendarDay.objects.filter(notice_year=year).delete()
    dates = [day for day, _ in holidays + workdays]
    # A date claimed by another year's arrangement (e.g. 31 Dec) is re-assigned to this one.
    CalendarDay.objects.filter(date__in=dates).delete()
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=d, kind=DayKind.HOLIDAY, name=n, notice_year=year) for d, n in holidays]
        + [CalendarDay(date=d, kind=DayKind.WORKDAY, name=n, notice_year=year) for d, n in workdays]
    )
    CalendarYear.objects.update_or_create(year=year, defaults={"source": source, "reference": reference[:200]})
    transaction.on_commit(invalidate)
    return CalendarImportResult(year, len(holidays), len(workdays))


def seed_from_library() -> list[CalendarImportResult]:
    """Load every year the ``chinese_calendar`` package knows. Years already loaded are kept."""
    from chinese_calendar import constants

    by_year: dict[int, tuple[list[tuple[dt.date, str]], list[tuple[dt.date, str]]]] = {}
    for day, label in constants.holidays.items():
        by_year.setdefault(day.year, ([], []))[0].append((day, LIBRARY_HOLIDAY_NAMES.get(label, label)))
    for day, label in constants.workdays.items():
        by_year.setdefault(day.year, ([], []))[1].append((day, LIBRARY_HOLIDAY_NAMES.get(label, label)))
    known = set(CalendarYear.objects.values_list("year", flat=True))
    results = []
    with transaction.atomic():
        for year in sorted(by_year):
            if year in known:
                continue
            holidays, workdays = by_year[year]
            results.append(_replace_year(year, holidays, workdays, CalendarSource.LIBRARY, "chinese_calendar"))
    return results


def import_notice(actor: Actor, text: str, *, year: int | None = None, reference: str = "") -> CalendarImportResult:
    """Replace one year's arrangement with the one in a State Council notice."""
    require_platform_role(actor, action="workdays.import_notice")
    try:
        parsed: ParsedNotice = parse_notice(text, year)
    except NoticeError as exc:
        raise ValidationFailed({"notice": [str(exc)]}) from None
    with transaction.atomic():
        result = _replace_year(
            parsed.year, parsed.holidays, parsed.workdays, CalendarSource.NOTICE, reference or "State Council notice"
        )
        audit(
            actor,
            "workdays.notice_imported",
            ("workdays.calendaryear", parsed.year),
            summary=f"{parsed.year}: {result.holidays} holidays, {result.workdays} make-up working days",
            data={
                "holidays": [d.isoformat() for d, _ in parsed.holidays],
                "workdays": [d.isoformat() for d, _ in parsed.workdays],
            },
        )
    return result


def import_csv(actor: Actor, text: str, *, year: int, reference: str = "") -> CalendarImportResult:
    """Replace one year's arrangement from CSV rows ``date,kind,name`` (kind: holiday or workday).
    Every bad row is reported and nothing is imported."""
    require_platform_role(actor, action="workdays.import_csv")
    reader = csv.DictReader(io.StringIO(text))
    missing = {"date", "kind", "name"} - set(reader.fieldnames or [])
    if missing:
        raise ValidationFailed({"file": [f"missing columns: {', '.join(sorted(missing))}"]})
    holidays: list[tuple[dt.date, str]] = []
    workdays: list[tuple[dt.date, str]] = []
    errors: list[str] = []
    for row_number, row in enumerate(reader, start=2):
        try:
            day = dt.date.fromisoformat((row["date"] or "").strip())
        except ValueError:
            errors.append(f"row {row_number}: date {row['date']!r} is not YYYY-MM-DD")
            continue
        kind = (row["kind"] or "").strip()
        if kind not in DayKind.values:
            errors.append(f"row {row_number}: kind must be 'holiday' or 'workday', got {kind!r}")
            continue
        (holidays if kind == DayKind.HOLIDAY else workdays).append((day, (row["name"] or "").strip()))
    if errors:
        raise ValidationFailed({"file": errors})
    with transaction.atomic():
        result = _replace_year(year, holidays, workdays, CalendarSource.MANUAL, reference or "CSV import")
        audit(
            actor,
            "workdays.csv_imported",
            ("workdays.calendaryear", year),
            summary=f"{year}: {result.holidays} holidays, {result.workdays} make-up working days",
        )
    return result
