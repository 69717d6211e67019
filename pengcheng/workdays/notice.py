"""Parsing the State Council's annual holiday notice (国务院办公厅关于XXXX年部分节假日安排的通知).

The notice lists each holiday as a numbered paragraph, for example::

    一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。
    2月14日（周六）、2月28日（周六）上班。
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

_SECTION = re.compile(r"(?:^|\n|\s)[一二三四五六七八九十]+、\s*([^：:\n]{1,20})[：:]")
_PAREN = r"(?:[（(][^）)]*[）)])?"
_RANGE = re.compile(
    rf"(\d{{1,2}})月(\d{{1,2}})日{_PAREN}(?:\s*[至到-]\s*(?:(\d{{1,2}})月)?(\d{{1,2}})日{_PAREN})?[^。；;]*?放假"
)
_DATE = re.compile(r"(\d{1,2})月(\d{1,2})日")
_TOTAL = re.compile(r"共\s*(\d+)\s*天")
_YEAR = re.compile(r"(\d{4})\s*年")


class NoticeError(ValueError):
    """The notice text cannot be read; the message says where."""


@dataclass
class ParsedNotice:
    year: int
    holidays: list[tuple[dt.date, str]] = field(default_factory=list)
    workdays: list[tuple[dt.date, str]] = field(default_factory=list)


def _date(year: int, month: int, day: int, where: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise NoticeError(f"{where}: {month}月{day}日 is not a date in {year}") from None


def parse_notice(text: str, year: int | None = None) -> ParsedNotice:
    """Read the holiday arrangement from the notice text. ``year`` overrides the one in the title."""
    if year is None:
        match = _YEAR.search(text)
        if not match:
            raise NoticeError("the notice names no year (expected e.g. '2027年'); pass the year explicitly")
        year = int(match.group(1))
    sections = list(_SECTION.finditer(text))
    if not sections:
        raise NoticeError("no numbered holiday paragraphs found (expected e.g. '一、元旦：…')")
    parsed = ParsedNotice(year=year)
    for index, section in enumerate(sections):
        name = section.group(1).strip()
        end = sections[index + 1].start() if index + 1 < len(sections) else len(text)
        body = text[section.end() : end]
        where = f"paragraph {index + 1} ({name})"
        days_off: list[dt.date] = []
        for sentence in re.split(r"[。；;\n]", body):
            if "放假" in sentence:
                match = _RANGE.search(sentence)
                if not match:
                    raise NoticeError(f"{where}: cannot read the dates in {sentence.strip()!r}")
                start_month, start_day = int(match.group(1)), int(match.group(2))
                end_month = int(match.group(3)) if match.group(3) else start_month
                end_day = int(match.group(4)) if match.group(4) else start_day
                # "12月30日至1月1日" starts in the previous year.
                start_year = year - 1 if start_month > end_month else year
                start = _date(start_year, start_month, start_day, where)
                finish = _date(year, end_month, end_day, where)
                if finish < start:
                    raise NoticeError(f"{where}: the holiday ends before it starts")
                days_off.extend(start + dt.timedelta(days=n) for n in range((finish - start).days + 1))
                total = _TOTAL.search(sentence)
                if total and int(total.group(1)) != (finish - start).days + 1:
                    raise NoticeError(
                        f"{where}: says {total.group(1)} days but the dates span {(finish - start).days + 1}"
                    )
            elif "上班" in sentence:
                for month, day in _DATE.findall(sentence):
                    # A make-up day in late December before a January holiday belongs to the year before.
                    work_year = year - 1 if int(month) == 12 and name in {"元旦"} else year
                    parsed.workdays.append((_date(work_year, int(month), int(day), where), name))
        if not days_off:
            raise NoticeError(f"{where}: no days off found")
        parsed.holidays.extend((day, name) for day in days_off)
    seen: set[dt.date] = set()
    for day, _name in parsed.holidays + parsed.workdays:
        if day in seen:
            raise NoticeError(f"{day.isoformat()} appears twice in the notice")
        seen.add(day)
    return parsed
