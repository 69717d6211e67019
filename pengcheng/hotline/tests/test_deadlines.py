"""签收 and 办理 deadlines on the holiday calendar, across holidays and make-up working days.

2025's National Day and Mid-autumn holiday ran 1–8 October; Sunday 28 September and Saturday
11 October were make-up working days (调休上班). Office hours are 09:00–12:00 and 14:00–18:00.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from pengcheng.core.actors import SYSTEM
from pengcheng.hotline import deadlines, services
from pengcheng.hotline.models import LimitUnit, RequestType, Status, TimeLimit, Urgency
from pengcheng.hotline.tests.conftest import LEAD, category, department, new_ticket, ticket_in

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SH)


FIVE_DAYS = deadlines.Limit(120, 5, LimitUnit.WORKING_DAYS)


@pytest.mark.parametrize(
    ("start", "limit", "accept", "handle"),
    [
        # Tuesday afternoon before the holiday: 2 working hours fit the same day; the five working
        # days are 9, 10, 11 (a make-up Saturday), 13 and 14 October.
        (at(2025, 9, 30, 16, 0), FIVE_DAYS, at(2025, 9, 30, 18, 0), at(2025, 10, 14, 18, 0)),
        # One working hour left that day: acceptance runs into the first day after the holiday.
        (at(2025, 9, 30, 17, 0), FIVE_DAYS, at(2025, 10, 9, 10, 0), at(2025, 10, 14, 18, 0)),
        # Dispatched on a Saturday off: the clock starts on the make-up Sunday.
        (at(2025, 9, 27, 10, 0), FIVE_DAYS, at(2025, 9, 28, 11, 0), at(2025, 10, 10, 18, 0)),
        # Dispatched during the holiday: nothing runs until 9 October, the first of the five days.
        (at(2025, 10, 3, 9, 30), FIVE_DAYS, at(2025, 10, 9, 11, 0), at(2025, 10, 14, 18, 0)),
        # Over lunch: the hour from 12:00 to 14:00 does not count.
        (
            at(2025, 10, 9, 11, 30),
            deadlines.Limit(60, 1, LimitUnit.WORKING_DAYS),
            at(2025, 10, 9, 14, 30),
            at(2025, 10, 10, 18, 0),
        ),
        # Critical: 30 working minutes and 4 working hours, over the holiday.
        (
            at(2025, 9, 30, 17, 0),
            deadlines.Limit(30, 4, LimitUnit.WORKING_HOURS),
            at(2025, 9, 30, 17, 30),
            at(2025, 10, 9, 12, 0),
        ),
        # Spring Festival 2026: Saturday 14 February is a make-up working day, 15–23 February off.
        (
            at(2026, 2, 13, 17, 30),
            deadlines.Limit(120, 1, LimitUnit.WORKING_DAYS),
            at(2026, 2, 14, 10, 30),
            at(2026, 2, 14, 18, 0),
        ),
        (
            at(2026, 2, 14, 17, 0),
            deadlines.Limit(120, 1, LimitUnit.WORKING_DAYS),
            at(2026, 2, 24, 10, 0),
            at(2026, 2, 24, 18, 0),
        ),
    ],
)
def test_deadlines_across_holidays_and_make_up_days(
    demo_city: None, start: dt.datetime, limit: deadlines.Limit, accept: dt.datetime, handle: dt.datetime
) -> None:
    assert deadlines.accept_due(start, limit) == accept
    assert deadlines.handle_due(start, limit) == handle


def test_an_extension_counts_working_days_from_the_old_deadline(demo_city: None) -> None:
    # Due Tuesday 30 September: three more working days are 9, 10 and 11 October.
    assert deadlines.extend(at(2025, 9, 30, 18, 0), 3) == at(2025, 10, 11, 18, 0)


def test_the_most_specific_rule_applies(demo_city: None) -> None:
    noise = category("0102001")
    assert deadlines.limit_for(RequestType.CONSULTATION, noise, Urgency.NORMAL) == deadlines.Limit(
        120, 1, LimitUnit.WORKING_DAYS
    )
    assert deadlines.limit_for(RequestType.COMPLAINT, noise, Urgency.NORMAL).handle_amount == 5
    TimeLimit.objects.create(
        category=noise.parent, accept_minutes=90, handle_amount=7, handle_unit=LimitUnit.WORKING_DAYS
    )
    deadlines.forget_rules()
    # A category rule beats a type rule …
    assert deadlines.limit_for(RequestType.COMPLAINT, noise, Urgency.NORMAL) == deadlines.Limit(
        90, 7, LimitUnit.WORKING_DAYS
    )
    # … and urgency beats both.
    assert deadlines.limit_for(RequestType.COMPLAINT, noise, Urgency.CRITICAL) == deadlines.Limit(
        30, 4, LimitUnit.WORKING_HOURS
    )
    # A category elsewhere in the tree keeps its type's limit.
    assert deadlines.limit_for(RequestType.COMPLAINT, category("0101001"), Urgency.NORMAL).handle_amount == 5


def test_defaults_apply_without_any_rule(demo_city: None) -> None:
    TimeLimit.objects.all().delete()
    deadlines.forget_rules()
    assert deadlines.limit_for(RequestType.REPORT, None, Urgency.NORMAL) == deadlines.DEFAULT_LIMITS[RequestType.REPORT]
    assert deadlines.limit_for(RequestType.HELP, None, Urgency.URGENT) == deadlines.URGENT_DEFAULTS[Urgency.URGENT]


def test_dispatch_sets_deadlines_from_the_limit_and_acceptance_records_timeliness(demo_city: None) -> None:
    ticket = new_ticket(urgency=Urgency.URGENT)
    services.dispatch(SYSTEM, ticket, department(LEAD))
    ticket.refresh_from_db()
    limit = deadlines.limit_for(ticket.request_type, ticket.category, ticket.urgency)
    assert ticket.dispatched_at is not None
    assert ticket.accept_due == deadlines.accept_due(ticket.dispatched_at, limit)
    assert ticket.handle_due == deadlines.handle_due(ticket.dispatched_at, limit)
    assert ticket.expected_at == ticket.handle_due
    services.accept(SYSTEM, ticket)
    ticket.refresh_from_db()
    assert ticket.accepted_on_time is True


def test_late_acceptance_and_late_reply_are_recorded(demo_city: None) -> None:
    ticket = ticket_in(Status.DISPATCHED)
    past = at(2020, 1, 2, 10, 0)
    type(ticket).objects.filter(pk=ticket.pk).update(accept_due=past, handle_due=past)
    services.accept(SYSTEM, ticket)
    services.reply(SYSTEM, ticket, "迟到的答复")
    ticket.refresh_from_db()
    assert ticket.accepted_on_time is False
    assert ticket.closed_on_time is False
