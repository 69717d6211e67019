from __future__ import annotations

from django.db.models import QuerySet

from pengcheng.core.models import User
from pengcheng.notifications.models import Channel, Notification


def inbox(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    messages = Notification.objects.filter(recipient=user, channel=Channel.INBOX)
    return messages.filter(read_at__isnull=True) if unread_only else messages


def unread_count(user: User) -> int:
    return inbox(user, unread_only=True).count()
