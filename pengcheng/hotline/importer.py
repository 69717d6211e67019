"""Bulk import of historical tickets from CSV or XLSX with a column mapping.

A mapping names, for each ticket field, the source column it comes from; presets cover the Fuzhou
12345 appeals and the Teddy Cup 2020 message files. Every row is checked; good rows are written in
batches, bad rows are reported with the file, the row number and the reason, and nothing of a bad
row is written. Progress is shown as it goes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pengcheng.audit.services import record as audit
from pengcheng.core.actors import MaybeActor
from pengcheng.core.errors import ValidationFailed
from pengcheng.core.models import User
from pengcheng.hotline import access, deadlines, location, selectors
from pengcheng.hotline.models import (
    CHANNEL_NAMES,
    REQUEST_TYPE_NAMES,
    Channel,
    EventKind,
    ImportBatch,
    LimitUnit,
    RequestType,
    Status,
    Ticket,
    TicketEvent,
    Urgency,
)

# The ticket fields a mapping can fill, and what each expects.
TARGETS = {
    "external_id": _("Source number"),
    "title": _("Subject"),
    "description": _("Description (required)"),
    "request_type": _("Type (咨询, 求助, 投诉, 举报, 建议, 表扬)"),
    "category": _("Category (code, name or A / B / C)"),
    "channel": _("Channel (电话, 网站, 微信 …)"),
    "created_at": _("Received at (required)"),
    "address": _("Address"),
    "address_extra": _("Address, second part"),
    "reply": _("Reply"),
    "replied_at": _("Replied at"),
    "account_id": _("Source user id"),
    "anonymous": _("Anonymous (1/0)"),
}
REQUIRED = ("description", "created_at")

PRESETS: dict[str, dict[str, str]] = {
    "fuzhou12345": {
        "title": "标题",
        "description": "诉求内容",
        "request_type": "性质",
        "channel": "信息来源",
        "created_at": "时间",
        "address": "区域",
        "address_extra": "水体",
        "reply": "答复",
        "anonymous": "匿名",
    },
    "teddy2020": {
        "external_id": "留言编号",
        "account_id": "留言用户",
        "title": "留言主题",
        "created_at": "留言时间",
        "description": "留言详情",
        "category": "一级分类",
        "reply": "答复意见",
        "replied_at": "答复时间",
    },
}
BATCH_SIZE = 2000
MAX_STORED_ERRORS = 1000


@dataclass
class ImportOptions:
    mapping: dict[str, str]
    default_type: str = RequestType.COMPLAINT
    default_channel: str = Channel.PORTAL
    dry_run: bool = False


@dataclass
class RowError:
    file: str
    row: int
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "reason": self.reason}


@dataclass
class ImportResult:
    batch: ImportBatch | None
    rows: int = 0
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def bad(self) -> int:
        return len(self.errors)


def detect_preset(headers: list[str]) -> str | None:
    for name, mapping in PRESETS.items():
        needed = [column for target, column in mapping.items() if target in REQUIRED]
        if all(column in headers for column in needed):
            return name
    return None


def mapping_for(headers: list[str], preset: str | None) -> dict[str, str]:
    """A preset's mapping, restricted to the columns this file has."""
    base = PRESETS.get(preset or "", {})
    return {target: column for target, column in base.items() if column in headers}


def check_mapping(mapping: dict[str, str], headers: list[str]) -> None:
    problems: dict[str, list[str]] = {}
    for target, column in mapping.items():
        if target not in TARGETS:
            problems.setdefault("mapping", []).append(_("Unknown field %(f)s.") % {"f": target})
        elif column not in headers:
            problems.setdefault("mapping", []).append(
                _("The file has no column %(c)s (for %(f)s).") % {"c": column, "f": target}
            )
    for target in REQUIRED:
        if target not in mapping:
            problems.setdefault("mapping", []).append(_("Map a column to %(f)s.") % {"f": TARGETS[target]})
    if problems:
        raise ValidationFailed(problems)


# Reading files ---------------------------------------------------------------------------------------


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed({"file": [_("The file is neither UTF-8 nor GB18030 text.")]})


def read_table(name: str, handle: IO[bytes]) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]], int | None]:
    """Headers, an iterator of (row number, row) and the row count when cheap to know."""
    if name.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(handle)
    if not name.lower().endswith((".csv", ".txt")):
        raise ValidationFailed({"file": [_("Upload a .csv or .xlsx file.")]})
    text = _decode(handle.read())
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        headers = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ValidationFailed({"file": [_("The file is empty.")]}) from None
    total = max(text.count("\n") - 1, 0)

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for number, values in enumerate(reader, start=2):
            if not any(value.strip() for value in values):
                continue
            yield number, dict(zip(headers, values, strict=False)) | {"__width__": len(values)}

    return headers, rows(), total


def _read_xlsx(handle: IO[bytes]) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]], int | None]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ValidationFailed({"file": [_("Not a readable Excel file: %(e)s") % {"e": exc}]}) from None
    sheet = workbook.worksheets[0]
    iterator = sheet.iter_rows(values_only=True)
    try:
        headers = [str(h).strip() if h is not None else "" for h in next(iterator)]
    except StopIteration:
        raise ValidationFailed({"file": [_("The file is empty.")]}) from None

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for number, values in enumerate(iterator, start=2):
            if not any(v not in (None, "") for v in values):
                continue
            yield number, dict(zip(headers, values, strict=False)) | {"__width__": len(headers)}

    return headers, rows(), (sheet.max_row - 1) if sheet.max_row else None


# Converting rows ------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).strip()


_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?$")
_TZ = ZoneInfo(settings.TIME_ZONE)


def parse_moment(value: Any) -> dt.datetime | None:
    """A date or date-time from a cell: a datetime, or text such as ``2020/1/6 12:09:38``,
    ``2020-09-03`` or ``2019年8月5日`` (read in the city's time zone)."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        match = _DATE_RE.match(_text(value))
        if match is None:
            return None
        try:
            year, month, day, hour, minute, second = (int(part) if part else 0 for part in match.groups())
            moment = dt.datetime(year, month, day, hour, minute, second)
        except ValueError:
            return None
    return moment.replace(tzinfo=_TZ) if moment.tzinfo is None else moment


class RowProblem(ValueError):
    pass


class RowConverter:
    def __init__(self, options: ImportOptions, gazetteer: location.Gazetteer, width: int) -> None:
        self.mapping = options.mapping
        self.options = options
        self.gazetteer = gazetteer
        self.width = width
        self.now = timezone.now()
        self.defaults = {
            **{field.attname: field.get_default() for field in Ticket._meta.concrete_fields if field.attname != "id"},
            "urgency": Urgency.NORMAL,
            "status": Status.CLOSED,
            "updated_at": self.now,
        }
        # Addresses and categories repeat across rows: look each one up once.
        self._places: dict[str, location.AddressMatch | None] = {}
        self._categories: dict[str, Any] = {}
        self._due: dict[tuple[dt.date, deadlines.Limit], dt.datetime] = {}

    def place(self, address: str) -> location.AddressMatch | None:
        if address not in self._places:
            self._places[address] = self.gazetteer.match(address) if address else None
        return self._places[address]

    def category(self, text: str) -> Any:
        if text not in self._categories:
            self._categories[text] = selectors.find_category(text)
        return self._categories[text]

    def handle_due(self, created: dt.datetime, request_type: str, category: Any) -> dt.datetime:
        """The 办结 deadline the ticket had under today's time limits, counted from its receipt (an
        imported ticket has no dispatch time). Working-day limits depend only on the day: cached."""
        limit = deadlines.limit_for(request_type, category, Urgency.NORMAL)
        if limit.handle_unit != LimitUnit.WORKING_DAYS:
            return deadlines.handle_due(created, limit)
        key = (created.astimezone(_TZ).date(), limit)
        if key not in self._due:
            self._due[key] = deadlines.handle_due(created, limit)
        return self._due[key]

    def value(self, row: dict[str, Any], target: str) -> Any:
        column = self.mapping.get(target)
        return row.get(column) if column else None

    def convert(self, row: dict[str, Any]) -> tuple[dict[str, Any], str, dt.datetime | None]:
        """A ticket's column values, its reply and reply time; raises ``RowProblem``."""
        if row.get("__width__", self.width) != self.width:
            raise RowProblem(
                _("the row has %(n)s columns, the header %(m)s") % {"n": row.get("__width__"), "m": self.width}
            )
        description = _text(self.value(row, "description"))
        if not description:
            raise RowProblem(_("the description is empty"))
        created = parse_moment(self.value(row, "created_at"))
        if created is None:
            raise RowProblem(_("cannot read the date %(v)r") % {"v": _text(self.value(row, "created_at"))})
        if created > self.now:
            raise RowProblem(_("the date is in the future"))
        raw_type = _text(self.value(row, "request_type"))
        request_type = REQUEST_TYPE_NAMES.get(raw_type) or (raw_type if raw_type in RequestType.values else "")
        if raw_type and not request_type:
            raise RowProblem(_("unknown type %(v)r") % {"v": raw_type})
        raw_category = _text(self.value(row, "category"))
        category = self.category(raw_category) if raw_category else None
        if raw_category and category is None:
            raise RowProblem(_("unknown category %(v)r") % {"v": raw_category})
        raw_channel = _text(self.value(row, "channel"))
        channel: str = CHANNEL_NAMES.get(raw_channel.lower()) or CHANNEL_NAMES.get(raw_channel) or ""
        if raw_channel and not channel:
            channel = raw_channel if raw_channel in Channel.values else Channel.OTHER
        address = " ".join(p for p in (_text(self.value(row, "address")), _text(self.value(row, "address_extra"))) if p)
        match = self.place(address)
        reply = _text(self.value(row, "reply"))
        replied = parse_moment(self.value(row, "replied_at")) if reply else None
        if replied is not None and replied < created:
            raise RowProblem(_("the reply is dated before the request"))
        anonymous = _text(self.value(row, "anonymous")) in ("1", "true", "True", "是", "Y", "y")
        title = _text(self.value(row, "title")) or description.splitlines()[0][:40]
        local_day = created.astimezone(_TZ).date()
        closed_at = (replied or created) if reply else created
        request_type = request_type or self.options.default_type
        # On time or late is known only when the file says when the reply was given; otherwise it
        # stays unknown (None), and the figures leave the ticket out of the on-time rate.
        due = self.handle_due(created, request_type, category) if replied is not None else None
        fields: dict[str, Any] = {
            **self.defaults,
            "request_type": request_type,
            "category_id": category.pk if category else None,
            "category_top_id": _top_id(category),
            "channel": channel or self.options.default_channel,
            "title": title[:200],
            "description": description,
            "anonymous": anonymous,
            "address": address[:300],
            "division_id": match.division_code if match else None,
            "district_code": match.division_code[:6] if match else "",
            "location_source": "address" if match else "",
            "created_at": created,
            "received_on": local_day,
            "replied_at": replied if reply else None,
            "closed_at": closed_at,
            "handle_due": due,
            "expected_at": due,
            "closed_on_time": (replied <= due) if replied is not None and due is not None else None,
            "reply": reply,
            "public_reply": reply,
            "external_id": _text(self.value(row, "external_id"))[:100],
            "account_id": _text(self.value(row, "account_id"))[:100],
        }
        return fields, reply, replied


def _top_id(category: Any) -> int | None:
    if category is None:
        return None
    top = selectors.category_by_code(category.code[:2])
    return top.pk if top else None


# Writing --------------------------------------------------------------------------------------------


Row = tuple[dict[str, Any], str, dt.datetime | None]
TICKET_COLUMNS = [f for f in Ticket._meta.concrete_fields if f.attname != "id"]
EVENT_COLUMNS = ["ticket_id", "kind", "at", "actor_id", "actor_label", "department_id", "note", "data", "public"]


def _events(ticket_id: int, fields: dict[str, Any], reply: str, batch: ImportBatch) -> list[tuple[Any, ...]]:
    data = {"import": batch.pk}
    created: tuple[Any, ...] = (
        ticket_id,
        EventKind.CREATED,
        fields["created_at"],
        None,
        "import",
        None,
        "",
        data,
        True,
    )
    closed: tuple[Any, ...] = (
        ticket_id,
        EventKind.CLOSED,
        fields["closed_at"] or fields["created_at"],
        None,
        "import",
        None,
        reply,
        {},
        True,
    )
    return [created, closed]


def _write(rows: list[Row], batch: ImportBatch) -> None:
    """Write a batch of converted rows: COPY on PostgreSQL, bulk inserts elsewhere."""
    for fields, _reply, _replied in rows:
        fields["import_batch_id"] = batch.pk
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _copy(rows, batch)
            return
        tickets = [Ticket(**fields) for fields, _r, _t in rows]
        Ticket.objects.bulk_create(tickets, batch_size=BATCH_SIZE)
        events = [
            TicketEvent(**dict(zip(EVENT_COLUMNS, event, strict=True)))
            for ticket, (fields, reply, _t) in zip(tickets, rows, strict=True)
            for event in _events(ticket.pk, fields, reply, batch)
        ]
        TicketEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)


def _copy(rows: list[Row], batch: ImportBatch) -> None:
    """PostgreSQL COPY, with ids taken from the table's sequence so the events can point at them."""
    columns = [str(f.column) for f in TICKET_COLUMNS]
    json_columns = {i for i, f in enumerate(TICKET_COLUMNS) if f.get_internal_type() == "JSONField"}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('hotline_ticket', 'id')) FROM generate_series(1, %s)", [len(rows)]
        )
        ids = [row[0] for row in cursor.fetchall()]
        raw = cursor.cursor
        with raw.copy(f"COPY hotline_ticket (id, {', '.join(columns)}) FROM STDIN") as copy:
            for ticket_id, (fields, _reply, _replied) in zip(ids, rows, strict=True):
                values = [fields[f.attname] for f in TICKET_COLUMNS]
                for index in json_columns:
                    values[index] = json.dumps(values[index], ensure_ascii=False)
                copy.write_row([ticket_id, *values])
        with raw.copy(f"COPY hotline_ticketevent ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
            for ticket_id, (fields, reply, _replied) in zip(ids, rows, strict=True):
                for event in _events(ticket_id, fields, reply, batch):
                    copy.write_row([*event[:7], json.dumps(event[7]), event[8]])


def run_import(
    actor: MaybeActor,
    name: str,
    handle: IO[bytes],
    options: ImportOptions,
    *,
    progress: Callable[[int], object] | None = None,
    on_total: Callable[[int | None], object] | None = None,
) -> ImportResult:
    """Import one file. Bad rows are reported (file, row, reason); good rows are written in batches."""
    access.require_dispatcher(actor, "import")
    headers, rows, total = read_table(name, handle)
    check_mapping(options.mapping, headers)
    if on_total is not None:
        on_total(total)
    file_label = Path(name).name
    batch = None
    if not options.dry_run:
        batch = ImportBatch.objects.create(
            file_name=file_label[:300],
            mapping=options.mapping,
            started_by=actor if isinstance(actor, User) else None,
        )
    result = ImportResult(batch)
    converter = RowConverter(options, location.gazetteer(), len(headers))
    pending: list[Row] = []
    for number, row in rows:
        result.rows += 1
        try:
            pending.append(converter.convert(row))
        except RowProblem as problem:
            result.errors.append(RowError(file_label, number, str(problem)))
        if len(pending) >= BATCH_SIZE:
            if batch is not None:
                _write(pending, batch)
            result.imported += len(pending)
            pending = []
        if progress is not None:
            progress(1)
    if pending:
        if batch is not None:
            _write(pending, batch)
        result.imported += len(pending)
    if batch is not None:
        batch.rows_total = result.rows
        batch.rows_imported = result.imported
        batch.rows_bad = result.bad
        batch.errors = [error.as_dict() for error in result.errors[:MAX_STORED_ERRORS]]
        batch.finished_at = timezone.now()
        batch.save()
        audit(
            actor,
            "hotline.tickets_imported",
            batch,
            summary=f"{file_label}: {result.imported} imported, {result.bad} bad rows",
            data={"rows": result.rows, "imported": result.imported, "bad": result.bad},
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE hotline_ticket")
    return result


def errors_csv(errors: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["file", "row", "reason"])
    for error in errors:
        writer.writerow([error["file"], error["row"], error["reason"]])
    return out.getvalue()
