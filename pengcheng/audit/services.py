"""Writing to the audit log and verifying its chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from pengcheng.audit.models import GENESIS_HASH, AuditChainHead, AuditRecord, AuditVerification
from pengcheng.core.actors import MaybeActor


def _normalise(data: Any) -> Any:
    """What the JSON column will give back, so the hash is computed over stored values."""
    return json.loads(json.dumps(data, default=str, ensure_ascii=False))


def compute_hash(
    *,
    chain: int = 1,
    seq: int,
    occurred_at: str,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    summary: str,
    data: Any,
    ip_address: str,
    prev_hash: str,
) -> str:
    # Chain 1 hashes exactly as the single chain did before the log was split, so old records verify.
    position: list[int] = [seq] if chain == 1 else [chain, seq]
    payload = json.dumps(
        [
            *position,
            occurred_at,
            actor_id,
            actor_label,
            action,
            object_type,
            object_id,
            summary,
            data,
            ip_address,
            prev_hash,
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _timestamp(moment: Any) -> str:
    # Microsecond ISO form in UTC: the same string on SQLite and PostgreSQL after a round trip.
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record_hash(record: AuditRecord) -> str:
    return compute_hash(
        chain=record.chain,
        seq=record.seq,
        occurred_at=_timestamp(record.occurred_at),
        actor_id=record.actor_id,
        actor_label=record.actor_label,
        action=record.action,
        object_type=record.object_type,
        object_id=record.object_id,
        summary=record.summary,
        data=record.data,
        ip_address=record.ip_address,
        prev_hash=record.prev_hash,
    )


def _actor_fields(actor: MaybeActor | None) -> tuple[int | None, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, "anonymous"
    return actor.pk, str(getattr(actor, "username", actor))


def _object_fields(target: object) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, models.Model):
        return target._meta.label_lower, str(target.pk)
    if isinstance(target, tuple) and len(target) == 2:
        return str(target[0]), str(target[1])
    return type(target).__name__, str(target)


def client_ip(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))[:45]


def record(
    actor: MaybeActor | None,
    action: str,
    target: object = None,
    *,
    summary: str = "",
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    ip_address: str = "",
    chain_key: str = "",
) -> AuditRecord:
    """Append one record. Call it inside the transaction that makes the change it describes, so the
    change and its record commit or roll back together. ``target`` is a model instance or a
    ``(type, id)`` pair. Records about one target share a chain; ``chain_key`` picks the chain
    instead, for records about a busy shared target (a client's token grants) that would otherwise
    queue on one chain head."""
    actor_id, actor_label = _actor_fields(actor)
    object_type, object_id = _object_fields(target)
    chain = chain_for(object_type, object_id, action) if not chain_key else _chain_of(chain_key)
    fields: dict[str, Any] = {
        "chain": chain,
        "actor_id": actor_id,
        "actor_label": actor_label[:150],
        "action": action[:80],
        "object_type": object_type[:80],
        "object_id": object_id[:64],
        "summary": str(summary)[:300],
        "data": _normalise(data or {}),
        "ip_address": ip_address or client_ip(request),
    }
    # No savepoint inside the caller's transaction: a failure here must roll the change back anyway,
    # and a savepoint costs two round trips on every audited write.
    with transaction.atomic(savepoint=False):
        connection = transaction.get_connection()
        with connection.cursor() as cursor:
            seq, prev_hash = _advance_head(cursor, chain)
            occurred_at = timezone.now()
            fields.update(seq=seq, prev_hash=prev_hash)
            digest = compute_hash(occurred_at=_timestamp(occurred_at), **fields)
            entry = AuditRecord(occurred_at=occurred_at, hash=digest, **fields)
            entry.pk = _append(cursor, connection, entry)
    entry._state.adding, entry._state.db = False, connection.alias
    return entry


# Appending is on the path of every audited write (a ticket, a token grant), so it is written as
# plain SQL: the ORM's three statements cost about 1.4 ms of CPU per record, most of it building
# queries. Locking the chain's head and moving it on is one statement; the record and the head's new
# hash are one more on PostgreSQL (a data-modifying CTE), two on SQLite.
_RECORD_COLUMNS = (
    "chain",
    "seq",
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "summary",
    "data",
    "ip_address",
    "prev_hash",
    "hash",
)


def _advance_head(cursor: Any, chain: int) -> tuple[int, str]:
    """Lock the chain's head and move it on by one: the new record's ``seq`` and the previous hash."""
    qn = cursor.db.ops.quote_name
    sql = f"UPDATE {qn(AuditChainHead._meta.db_table)} SET {qn('seq')} = {qn('seq')} + 1 WHERE {qn('id')} = %s"
    for _attempt in range(2):
        cursor.execute(f"{sql} RETURNING {qn('seq')}, {qn('hash')}", [chain])
        row = cursor.fetchone()
        if row is not None:
            return int(row[0]), str(row[1])
        _locked_head(chain)  # a chain's first record: create its head, then move it on
    raise RuntimeError(f"audit chain head {chain} could not be created")


def _append(cursor: Any, connection: Any, entry: AuditRecord) -> int:
    """Insert ``entry`` and make its hash the chain head's; returns the new record's id."""
    qn = connection.ops.quote_name
    meta = entry._meta
    fields = {field.name: field for field in meta.concrete_fields}
    values = [fields[name].get_db_prep_save(getattr(entry, name), connection) for name in _RECORD_COLUMNS]
    columns = ", ".join(qn(name) for name in _RECORD_COLUMNS)
    placeholders = ", ".join(["%s"] * len(_RECORD_COLUMNS))
    insert = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({placeholders}) RETURNING {qn('id')}"
    tip = f"UPDATE {qn(AuditChainHead._meta.db_table)} SET {qn('hash')} = %s WHERE {qn('id')} = %s"
    if connection.vendor == "postgresql":
        combined = f"WITH entry AS ({insert}), tip AS ({tip}) SELECT id FROM entry"
        cursor.execute(combined, [*values, entry.hash, entry.chain])
        return int(cursor.fetchone()[0])
    cursor.execute(insert, values)
    pk = int(cursor.fetchone()[0])
    cursor.execute(tip, [entry.hash, entry.chain])
    return pk


def chain_count() -> int:
    return max(1, int(getattr(settings, "PENGCHENG_AUDIT_CHAINS", 16)))


def chain_for(object_type: str, object_id: str, action: str) -> int:
    """The chain an object's records go to: always the same one for the same object."""
    return _chain_of(f"{object_type}:{object_id}" if object_type else action)


def _chain_of(key: str) -> int:
    return 1 + zlib.crc32(key.encode()) % chain_count()


def _locked_head(chain: int) -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=chain).first()
    if head is not None:
        return head
    try:
        with transaction.atomic():
            return AuditChainHead.objects.create(pk=chain, seq=0, hash=GENESIS_HASH)
    except IntegrityError:  # another writer created it first
        return AuditChainHead.objects.select_for_update().get(pk=chain)


@dataclass(frozen=True)
class ChainProblem:
    chain: int
    seq: int
    kind: str  # "edited", "missing", "reordered", "truncated"
    detail: str

    @property
    def where(self) -> str:
        return f"{self.chain}.{self.seq}"

    def as_dict(self) -> dict[str, Any]:
        return {"chain": self.chain, "seq": self.seq, "kind": self.kind, "detail": self.detail}


def iter_chain_problems(batch_size: int = 5000) -> Iterator[ChainProblem | int]:
    """Walk every chain in sequence order. Yields problems, and finally the number of records checked."""
    heads = {head.pk: head for head in AuditChainHead.objects.all()}
    checked = 0
    chain = 0
    expected_prev, expected_seq = GENESIS_HASH, 1
    tips: dict[int, tuple[int, str]] = {}
    for entry in AuditRecord.objects.order_by("chain", "seq").iterator(chunk_size=batch_size):
        if entry.chain != chain:
            chain, expected_prev, expected_seq = entry.chain, GENESIS_HASH, 1
        checked += 1
        if entry.seq != expected_seq:
            yield ChainProblem(
                chain, entry.seq, "missing", f"records {expected_seq}..{entry.seq - 1} are missing (deleted)"
            )
        if entry.prev_hash != expected_prev:
            yield ChainProblem(
                chain,
                entry.seq,
                "reordered",
                "does not follow the previous record (re-ordered or a record was removed)",
            )
        if record_hash(entry) != entry.hash:
            yield ChainProblem(chain, entry.seq, "edited", "content does not match its hash (edited)")
        expected_prev, expected_seq = entry.hash, entry.seq + 1
        tips[chain] = (entry.seq, entry.hash)
    for number, head in sorted(heads.items()):
        seq, digest = tips.get(number, (0, GENESIS_HASH))
        if head.seq > seq:
            yield ChainProblem(number, head.seq, "truncated", f"records {seq + 1}..{head.seq} are missing at the end")
        elif head.seq == seq and seq and head.hash != digest:
            yield ChainProblem(number, seq, "edited", "the last record does not match the chain head")
    yield checked


def verify_chain() -> AuditVerification:
    """Verify every chain and store the outcome."""
    problems: list[dict[str, Any]] = []
    checked = 0
    for item in iter_chain_problems():
        if isinstance(item, ChainProblem):
            problems.append(item.as_dict())
        else:
            checked = item
    return AuditVerification.objects.create(records_checked=checked, problems=problems)
