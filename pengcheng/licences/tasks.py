"""Scheduled licence jobs: withdrawing retired issuer keys, and reminding holders before expiry."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pengcheng.jobs.registry import ScheduledJob

REMIND_DAYS = 30


def withdraw_retired_keys() -> int:
    from pengcheng.licences.services import withdraw_retired_keys as withdraw

    return withdraw()


def remind_expiring() -> int:
    """Tell holders, once, that a licence in force expires within 30 days."""
    from pengcheng.licences.models import Licence, LicenceState
    from pengcheng.licences.services import Holder, holder_accounts
    from pengcheng.notifications.services import notify

    now = timezone.now()
    due = Licence.objects.filter(
        state=LicenceState.ACTIVE,
        valid_until__gt=now,
        valid_until__lte=now + dt.timedelta(days=REMIND_DAYS),
        expiry_reminded_at__isnull=True,
    ).select_related("licence_type")
    sent = 0
    for licence in due.iterator():
        with transaction.atomic():
            for account in holder_accounts(Holder(licence.holder_kind, licence.holder_identifier, licence.holder_name)):
                notify(
                    account,
                    subject=_("%(type)s expires soon") % {"type": licence.licence_type.name},
                    body=_("Licence no. %(number)s expires on %(date)s. Apply to renew it in time.")
                    % {"number": licence.number, "date": timezone.localtime(licence.valid_until).date()},
                    url=reverse("licences:wallet-detail", args=[licence.pk]),
                    category="licences",
                )
            Licence.objects.filter(pk=licence.pk).update(expiry_reminded_at=now)
        sent += 1
    return sent


SCHEDULES = [
    ScheduledJob(
        name="licences.withdraw_retired_keys",
        func="pengcheng.licences.tasks.withdraw_retired_keys",
        cron="30 3 * * *",
        description="Stop publishing retired issuer keys that no licence in force needs.",
    ),
    ScheduledJob(
        name="licences.remind_expiring",
        func="pengcheng.licences.tasks.remind_expiring",
        cron="0 9 * * *",
        description="Remind holders 30 days before a licence expires.",
    ),
]
