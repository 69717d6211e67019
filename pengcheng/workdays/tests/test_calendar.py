import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest

from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import AccessDenied, ValidationFailed
from pengcheng.testing import make_citizen
from pengcheng.workdays import selectors as cal
from pengcheng.workdays import services
from pengcheng.workdays.models import CalendarDay, CalendarYear
from pengcheng.workdays.notice import NoticeError, parse_notice

SHANGHAI = ZoneInfo("Asia/Shanghai")

NOTICE_2026 = """国务院办公厅关于2026年部分节假日安排的通知
经国务院批准，现将2026年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
"""

# A made-up arrangement for 2027, shaped like a real notice (the real one is not out yet).
NOTICE_2027_TEST = """国务院办公厅关于2027年部分节假日安排的通知（测试用）
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日至11日放假调休，共7天。2月14日（周日）上班。
三、国庆节：10月1日至7日放假调休，共7天。9月26日（周日）、10月9日（周六）上班。
"""


def test_notice_parser_reads_the_2026_notice_exactly_as_the_library_has_it(db: None) -> None:
    from chinese_calendar import constants

    parsed = parse_notice(NOTICE_2026)
    assert parsed.year == 2026
    assert {d for d, _ in parsed.holidays} == {d for d in constants.holidays if d.year == 2026}
    assert {d for d, _ in parsed.workdays} == {d for d in constants.workdays if d.year == 2026}
    assert dict(parsed.holidays)[dt.date(2026, 2, 15)] == "春节"


def test_notice_crossing_the_new_year() -> None:
    parsed = parse_notice("2024年\n一、元旦：12月30日至1月1日放假调休，共3天。\n")
    assert [d for d, _ in parsed.holidays] == [dt.date(2023, 12, 30), dt.date(2023, 12, 31), dt.date(2024, 1, 1)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("没有年份", "names no year"),
        ("2027年 放假", "no numbered holiday paragraphs"),
        ("2027年\n一、元旦：1月1日至3日放假，共4天。", "says 4 days but the dates span 3"),
        ("2027年\n一、元旦：2月30日放假。", "is not a date in 2027"),
        ("2027年\n一、元旦：放假。", "cannot read the dates"),
    ],
)
def test_notice_parser_reports_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(NoticeError, match=message):
        parse_notice(text)


def test_working_days_skip_holidays_and_count_make_up_days(db: None) -> None:
    # Friday 30 Sep 2026: 1-7 Oct are off, Saturday 10 Oct is a make-up working day.
    assert cal.add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)
    assert cal.add_working_days(dt.date(2026, 9, 30), 3) == dt.date(2026, 10, 10)
    # Sunday 20 Sep 2026 is a working day.
    assert cal.is_working_day(dt.date(2026, 9, 20))
    assert not cal.is_working_day(dt.date(2026, 10, 5))
    # Spring Festival 2026: 15-23 Feb off; Saturday 14 Feb and Saturday 28 Feb are working days.
    assert cal.add_working_days(dt.date(2026, 2, 13), 1) == dt.date(2026, 2, 14)
    assert cal.add_working_days(dt.date(2026, 2, 14), 1) == dt.date(2026, 2, 24)
    # Counting back.
    assert cal.add_working_days(dt.date(2026, 10, 8), -1) == dt.date(2026, 9, 30)
    assert cal.add_working_days(dt.date(2026, 10, 8), 0) == dt.date(2026, 10, 8)


def test_working_days_between_is_signed(db: None) -> None:
    assert cal.working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 10)) == 3
    assert cal.working_days_between(dt.date(2026, 10, 10), dt.date(2026, 9, 30)) == -3
    assert cal.working_days_between(dt.date(2026, 10, 9), dt.date(2026, 10, 9)) == 0


def test_year_without_data_falls_back_to_weekends_and_warns(db: None, caplog: pytest.LogCaptureFixture) -> None:
    assert not CalendarYear.objects.filter(year=2027).exists()
    with caplog.at_level(logging.WARNING):
        # Thursday 31 Dec 2026 + 1 = Friday 1 Jan 2027: with no 2027 data New Year's Day counts as working.
        assert cal.add_working_days(dt.date(2026, 12, 31), 1) == dt.date(2027, 1, 1)
    assert "2027" in caplog.text
    warnings = cal.coverage_warnings(today=dt.date(2026, 11, 26))
    assert len(warnings) == 1 and "2027" in warnings[0]


def test_importing_the_notice_changes_deadlines_at_once(db: None, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        result = services.import_notice(SYSTEM, NOTICE_2027_TEST, reference="测试")
    assert (result.year, result.holidays, result.workdays) == (2027, 17, 3)
    assert cal.add_working_days(dt.date(2026, 12, 31), 1) == dt.date(2027, 1, 4)
    assert cal.is_working_day(dt.date(2027, 2, 14))  # a Sunday make-up day
    assert cal.coverage_warnings(today=dt.date(2026, 11, 26)) == []
    assert CalendarYear.objects.get(year=2027).source == "notice"


def test_import_replaces_the_year_and_is_audited(db: None, django_capture_on_commit_callbacks) -> None:
    from pengcheng.audit.models import AuditRecord

    with django_capture_on_commit_callbacks(execute=True):
        services.import_notice(SYSTEM, NOTICE_2027_TEST)
        services.import_notice(SYSTEM, "2027年\n一、元旦：1月1日放假，共1天。")
    assert CalendarDay.objects.filter(notice_year=2027).count() == 1
    assert AuditRecord.objects.filter(action="workdays.notice_imported").count() == 2


def test_bad_notice_imports_nothing(db: None) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.import_notice(SYSTEM, "2027年\n一、元旦：1月1日至3日放假，共5天。")
    assert "says 5 days" in caught.value.field_errors["notice"][0]
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_csv_import_reports_every_bad_row(db: None) -> None:
    text = "date,kind,name\n2027-01-01,holiday,元旦\n2027-13-01,holiday,x\n2027-02-14,rest,春节\n"
    with pytest.raises(ValidationFailed) as caught:
        services.import_csv(SYSTEM, text, year=2027)
    errors = caught.value.field_errors["file"]
    assert errors == [
        "row 3: date '2027-13-01' is not YYYY-MM-DD",
        "row 4: kind must be 'holiday' or 'workday', got 'rest'",
    ]
    assert not CalendarDay.objects.filter(notice_year=2027).exists()


def test_only_operators_import(db: None) -> None:
    with pytest.raises(AccessDenied):
        services.import_notice(make_citizen(), NOTICE_2027_TEST)


def test_working_time_between_counts_office_hours_on_working_days(db: None) -> None:
    friday_5pm = dt.datetime(2026, 9, 18, 17, 0, tzinfo=SHANGHAI)
    # Friday 17:00-18:00, then Sunday 20 Sep is a make-up working day: 9-12 and 14-18.
    sunday_10am = dt.datetime(2026, 9, 20, 10, 0, tzinfo=SHANGHAI)
    assert cal.working_time_between(friday_5pm, sunday_10am) == dt.timedelta(hours=2)
    assert cal.working_time_between(sunday_10am, friday_5pm) == dt.timedelta(0)


def test_add_working_time_skips_lunch_nights_and_holidays(db: None) -> None:
    start = dt.datetime(2026, 9, 30, 11, 0, tzinfo=SHANGHAI)  # Wednesday before National Day
    # 1 h to 12:00, 4 h to 18:00 (5 h), then the next working day is Thursday 8 Oct.
    assert cal.add_working_time(start, dt.timedelta(hours=6)) == dt.datetime(2026, 10, 8, 10, 0, tzinfo=SHANGHAI)
    assert cal.add_working_time(start, dt.timedelta(hours=1)) == dt.datetime(2026, 9, 30, 12, 0, tzinfo=SHANGHAI)
    assert cal.add_working_time(start, dt.timedelta(hours=2)) == dt.datetime(2026, 9, 30, 15, 0, tzinfo=SHANGHAI)
