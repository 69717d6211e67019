"""Delivery backends. E-mail goes through Django's mail system (a file spool unless SMTP is set);
SMS goes through a backend named by ``PENGCHENG_SMS_BACKEND``: the file spool by default, the console
for development, or a gateway adapter written for the city's SMS provider."""

from __future__ import annotations

import json
from importlib import import_module
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class FileSmsBackend:
    """Appends each SMS as a JSON line to ``DATA_DIR/sms/outbox.jsonl`` (a stand-in for a gateway)."""

    def __init__(self) -> None:
        self.path = Path(settings.DATA_DIR) / "sms" / "outbox.jsonl"

    def send(self, phone: str, text: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"to": phone, "text": text, "at": timezone.now().isoformat()}, ensure_ascii=False)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")


class ConsoleSmsBackend:
    def send(self, phone: str, text: str) -> None:
        print(f"[SMS to {phone}] {text}")  # the console is this backend's output


def sms_backend() -> SmsBackend:
    path = getattr(settings, "PENGCHENG_SMS_BACKEND", "pengcheng.notifications.backends.FileSmsBackend")
    module, _, name = path.rpartition(".")
    backend: SmsBackend = getattr(import_module(module), name)()
    return backend


def send_email(address: str, subject: str, body: str) -> None:
    send_mail(subject, body, None, [address], fail_silently=False)
