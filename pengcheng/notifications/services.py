"""Sending notifications. Call ``notify`` inside the transaction that makes the change it reports:
the inbox message commits with it, and e-mail and SMS are delivered only after it commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from pengcheng.core.errors import NotFound
from pengcheng.core.models import User
from pengcheng.jobs.services import enqueue
from pengcheng.notifications import backends
from pengcheng.notifications.models import Channel, DeliveryStatus, Notification

ALL_CHANNELS = (Channel.INBOX, Channel.EMAIL, Channel.SMS)
SMS_LIMIT = 300


def notify(
    recipient: User | None,
    *,
    subject: str,
    body: str,
    url: str = "",
    category: str = "",
    channels: Iterable[str] = ALL_CHANNELS,
    phone: str | None = None,
    email: str | None = None,
) -> list[Notification]:
    """Tell someone about something. ``recipient`` may be None for a caller known only by phone or
    e-mail (e.g. a hotline caller); channels without an address are recorded as skipped."""
    created: list[Notification] = []
    now = timezone.now()
    for channel in dict.fromkeys(channels):
        if channel == Channel.INBOX:
            if recipient is None:
                continue
            created.append(
                Notification.objects.create(
                    recipient=recipient,
                    channel=channel,
                    category=category,
                    subject=subject[:200],
                    body=body,
                    url=url,
                    status=DeliveryStatus.SENT,
                    sent_at=now,
                )
            )
            continue
        address = (
            (phone or (recipient.phone if recipient else ""))
            if channel == Channel.SMS
            else (email or (recipient.email if recipient else ""))
        )
        notification = Notification.objects.create(
            recipient=recipient,
            channel=channel,
            address=address or "",
            category=category,
            subject=subject[:200],
            body=body,
            url=url,
            status=DeliveryStatus.QUEUED if address else DeliveryStatus.SKIPPED,
        )
        created.append(notification)
        if address:
            enqueue(deliver, notification.pk)
    return created


@dataclass(frozen=True)
class InboxMessage:
    recipient: User
    subject: str
    body: str
    url: str = ""


def notify_inbox_many(messages: Iterable[InboxMessage], *, category: str = "", batch_size: int = 2000) -> int:
    """Many portal-inbox messages in bulk (a scheduled job's findings, e.g. matched policies). Inbox only:
    no e-mail or SMS, so nothing is queued. Returns how many were written."""
    now = timezone.now()
    rows = [
        Notification(
            recipient=message.recipient,
            channel=Channel.INBOX,
            category=category,
            subject=message.subject[:200],
            body=message.body,
            url=message.url,
            status=DeliveryStatus.SENT,
            sent_at=now,
            created_at=now,
        )
        for message in messages
    ]
    Notification.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)


def deliver(notification_id: int) -> str:
    """Background job: send one e-mail or SMS. Failures are recorded and re-raised for a retry."""
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None or notification.status != DeliveryStatus.QUEUED:
        return "nothing to do"
    notification.attempts += 1
    try:
        if notification.channel == Channel.EMAIL:
            text = notification.body + (f"\n\n{notification.url}" if notification.url else "")
            backends.send_email(notification.address, notification.subject, text)
        elif notification.channel == Channel.SMS:
            text = f"【鹏城】{notification.subject}：{notification.body}"
            backends.sms_backend().send(notification.address, text[:SMS_LIMIT])
    except Exception as exc:
        notification.error = f"{type(exc).__name__}: {exc}"[:300]
        notification.status = DeliveryStatus.FAILED
        notification.save(update_fields=["attempts", "error", "status"])
        raise
    notification.status = DeliveryStatus.SENT
    notification.sent_at = timezone.now()
    notification.error = ""
    notification.save(update_fields=["attempts", "status", "sent_at", "error"])
    return "sent"


def mark_read(user: User, notification_id: int) -> Notification:
    notification = Notification.objects.filter(pk=notification_id, recipient=user, channel=Channel.INBOX).first()
    if notification is None:
        raise NotFound("No such message.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def mark_all_read(user: User) -> int:
    return Notification.objects.filter(recipient=user, channel=Channel.INBOX, read_at__isnull=True).update(
        read_at=timezone.now()
    )
