"""Reading the Teddy Cup 2020 message files (泰迪杯 留言数据) for the evaluation commands.

Times come as ``2019/2/28 11:25:05`` or ``2019-02-28 11:25:05``; places are the masked codes of the
source (``A市``, ``A3区``, ``A7县``); every bad row is reported with its line number.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

_PLACE = re.compile(r"[A-Z]\d+[区县市]")
_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")


class FileProblem(ValueError):
    """The file cannot be read at all (missing, wrong columns)."""


@dataclass
class Message:
    number: str
    user: str
    title: str
    text: str
    at: dt.datetime
    place: str
    up: int = 0
    down: int = 0
    reply: str = ""
    replied_at: dt.datetime | None = None


@dataclass
class Loaded:
    messages: list[Message] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def parse_time(value: str) -> dt.datetime:
    value = (value or "").strip()
    for fmt in _FORMATS:
        try:
            return dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise ValueError(f"unreadable time {value!r}")


def place_of(title: str, text: str) -> str:
    """The first district or county code named in the subject, else in the text."""
    for source in (title, text):
        found = _PLACE.search(source or "")
        if found:
            return found.group(0)
    return ""


def _count(value: str) -> int:
    value = (value or "").strip()
    if not value:
        return 0
    number = int(float(value))
    if number < 0:
        raise ValueError(f"negative count {value!r}")
    return number


def load(path: Path, *, need_reply: bool = False) -> Loaded:
    if not path.is_file():
        raise FileProblem(f"{path}: no such file")
    required = {"留言编号", "留言用户", "留言主题", "留言时间", "留言详情"}
    if need_reply:
        required |= {"答复意见", "答复时间"}
    loaded = Loaded()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = required - set(reader.fieldnames or [])
        if missing:
            raise FileProblem(f"{path}: missing columns {', '.join(sorted(missing))}")
        for row in reader:
            line = reader.line_num
            try:
                title = (row["留言主题"] or "").strip()
                text = " ".join((row["留言详情"] or "").split())
                if not title and not text:
                    raise ValueError("empty message")
                message = Message(
                    number=(row["留言编号"] or "").strip(),
                    user=(row["留言用户"] or "").strip(),
                    title=title,
                    text=text,
                    at=parse_time(row["留言时间"]),
                    place=place_of(title, text),
                    up=_count(row.get("点赞数", "")),
                    down=_count(row.get("反对数", "")),
                )
                if need_reply:
                    message.reply = " ".join((row["答复意见"] or "").split())
                    message.replied_at = parse_time(row["答复时间"]) if (row["答复时间"] or "").strip() else None
            except (ValueError, TypeError) as exc:
                loaded.errors.append((line, str(exc)))
                continue
            loaded.messages.append(message)
    return loaded
