"""Inbound messages from SMS, e-mail and WeChat.

A gateway posts messages to the JSON API (``POST /api/v1/hotline/inbound``), or drops them as files
into the spool directory ``DATA_DIR/hotline/inbound/<channel>/`` — the stand-in used until the
city's gateways are connected:

- ``sms/*.json``: ``{"id": "...", "from": "1990…", "text": "...", "name": "...", "at": "ISO time"}``
- ``wechat/*.xml``: the WeChat official-account push format (``<xml><FromUserName>…<MsgId>…``),
  or the same fields as JSON
- ``email/*.eml``: an RFC 5322 message

Processed files move to ``done/``; unreadable ones to ``failed/`` with a ``.error`` note beside them.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import logging
from dataclasses import dataclass
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Any

from defusedxml import ElementTree as SafeET
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from pengcheng.core.errors import ValidationFailed
from pengcheng.hotline.models import InboundChannel
from pengcheng.hotline.services import client_actor, receive_message

logger = logging.getLogger(__name__)


class MessageError(ValueError):
    pass


@dataclass(frozen=True)
class Parsed:
    channel: str
    external_id: str
    sender: str
    body: str
    subject: str = ""
    sender_name: str = ""
    received_at: dt.datetime | None = None


def _moment(raw: Any) -> dt.datetime | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, int | float) or str(raw).isdigit():
        return dt.datetime.fromtimestamp(int(raw), tz=dt.UTC)
    moment = parse_datetime(str(raw))
    if moment is None:
        raise MessageError(f"unreadable time {raw!r}")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def parse_sms(data: dict[str, Any]) -> Parsed:
    try:
        return Parsed(
            InboundChannel.SMS,
            str(data["id"]),
            str(data["from"]),
            str(data["text"]),
            sender_name=str(data.get("name", "")),
            received_at=_moment(data.get("at")),
        )
    except KeyError as exc:
        raise MessageError(f"an SMS needs {exc.args[0]!r}") from None


def parse_wechat(data: dict[str, Any]) -> Parsed:
    if data.get("MsgType", "text") != "text":
        raise MessageError(f"only text messages are taken, not {data.get('MsgType')!r}")
    try:
        return Parsed(
            InboundChannel.WECHAT,
            str(data["MsgId"]),
            str(data["FromUserName"]),
            str(data["Content"]),
            received_at=_moment(data.get("CreateTime")),
        )
    except KeyError as exc:
        raise MessageError(f"a WeChat message needs {exc.args[0]!r}") from None


def parse_wechat_xml(raw: bytes) -> Parsed:
    try:
        root = SafeET.fromstring(raw)
    except Exception as exc:  # defusedxml raises its own kinds for hostile documents
        raise MessageError(f"not a WeChat XML message: {exc}") from None
    return parse_wechat({child.tag: (child.text or "") for child in root})


def parse_email(raw: bytes) -> Parsed:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    name, address = parseaddr(str(message.get("From", "")))
    if not address:
        raise MessageError("the e-mail has no From address")
    part = message.get_body(preferencelist=("plain", "html"))
    body = part.get_content() if part is not None else ""
    if part is not None and part.get_content_type() == "text/html":
        from django.utils.html import strip_tags

        body = strip_tags(body)
    message_id = str(message.get("Message-ID", "")).strip("<> ")
    if not message_id:
        raise MessageError("the e-mail has no Message-ID")
    date = message.get("Date")
    return Parsed(
        InboundChannel.EMAIL,
        message_id,
        address,
        body.strip(),
        subject=str(message.get("Subject", "")),
        sender_name=name,
        received_at=parsedate_to_datetime(str(date)) if date else None,
    )


def parse_file(channel: str, path: Path) -> Parsed:
    raw = path.read_bytes()
    if channel == InboundChannel.EMAIL:
        return parse_email(raw)
    if channel == InboundChannel.WECHAT and path.suffix.lower() == ".xml":
        return parse_wechat_xml(raw)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise MessageError(f"not UTF-8 JSON: {exc}") from None
    if not isinstance(data, dict):
        raise MessageError("the JSON must be an object")
    return parse_sms(data) if channel == InboundChannel.SMS else parse_wechat(data)


def store(parsed: Parsed, actor: Any = None) -> bool:
    _message, created = receive_message(
        actor or client_actor(f"inbound:{parsed.channel}"),
        channel=parsed.channel,
        external_id=parsed.external_id,
        sender=parsed.sender,
        body=parsed.body,
        subject=parsed.subject,
        sender_name=parsed.sender_name,
        received_at=parsed.received_at,
    )
    return created


def spool_dir() -> Path:
    return Path(settings.DATA_DIR) / "hotline" / "inbound"


def process_spool(root: Path) -> dict[str, int]:
    counts = {"stored": 0, "duplicates": 0, "failed": 0}
    for channel in InboundChannel.values:
        folder = root / channel
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.iterdir() if p.is_file()):
            try:
                created = store(parse_file(channel, path))
            except (MessageError, ValidationFailed, OSError) as exc:
                counts["failed"] += 1
                _move(path, folder / "failed", note=str(exc))
                logger.warning("inbound %s: %s", path.name, exc)
                continue
            counts["stored" if created else "duplicates"] += 1
            _move(path, folder / "done")
    return counts


def _move(path: Path, target: Path, note: str = "") -> None:
    target.mkdir(parents=True, exist_ok=True)
    destination = target / path.name
    path.replace(destination)
    if note:
        destination.with_name(destination.name + ".error").write_text(note + "\n", encoding="utf-8")
