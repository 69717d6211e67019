import json

import pytest
from django.core import mail
from django.db import transaction

from pengcheng.notifications.models import Channel, DeliveryStatus, Notification
from pengcheng.notifications.services import notify
from pengcheng.testing import login_client, make_citizen


def test_notify_puts_a_message_in_the_inbox_and_sends_email_and_sms_after_commit(
    db: None, django_capture_on_commit_callbacks, settings
) -> None:
    citizen = make_citizen(email="a@example.cn")
    from django_q.conf import Conf

    Conf.SYNC = True  # run the delivery job in-process
    try:
        with django_capture_on_commit_callbacks(execute=True):
            created = notify(citizen, subject="申请已受理", body="您的申请已受理。", url="/me/")
    finally:
        Conf.SYNC = False
    assert {n.channel for n in created} == {Channel.INBOX, Channel.EMAIL, Channel.SMS}
    assert all(n.status == DeliveryStatus.SENT for n in Notification.objects.filter(recipient=citizen))
    assert mail.outbox[-1].subject == "申请已受理"
    outbox = (settings.DATA_DIR / "sms" / "outbox.jsonl").read_text(encoding="utf-8").strip().splitlines()
    last = json.loads(outbox[-1])
    assert last["to"] == citizen.phone and "申请已受理" in last["text"]


def test_nothing_is_sent_when_the_change_rolls_back(db: None, django_capture_on_commit_callbacks) -> None:
    citizen = make_citizen(email="b@example.cn")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(citizen, subject="x", body="y")
        raise RuntimeError
    assert callbacks == []
    assert not Notification.objects.filter(recipient=citizen).exists()


def test_channels_without_an_address_are_skipped(db: None) -> None:
    citizen = make_citizen(phone=None, email="")
    created = notify(citizen, subject="s", body="b")
    assert {n.channel: n.status for n in created} == {
        Channel.INBOX: DeliveryStatus.SENT,
        Channel.EMAIL: DeliveryStatus.SKIPPED,
        Channel.SMS: DeliveryStatus.SKIPPED,
    }


def test_inbox_page_lists_and_marks_read(db: None) -> None:
    citizen = make_citizen()
    notify(citizen, subject="补正通知", body="请补充材料。", url="/me/", channels=[Channel.INBOX])
    other = make_citizen()
    notify(other, subject="别人的消息", body="x", channels=[Channel.INBOX])
    client = login_client(citizen.username)
    page = client.get("/inbox/").content.decode()
    assert "补正通知" in page and "别人的消息" not in page
    message = Notification.objects.get(recipient=citizen)
    assert client.post(f"/inbox/{message.pk}/open/")["Location"] == "/me/"
    message.refresh_from_db()
    assert message.read_at is not None
    # Someone else's message is not found, not opened.
    foreign = Notification.objects.get(recipient=other)
    assert client.post(f"/inbox/{foreign.pk}/open/").status_code == 404
