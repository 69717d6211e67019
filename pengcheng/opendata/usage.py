"""Counting API calls per key, dataset and action, and enforcing daily quotas, without a database
write per request.

Each process keeps its counts in memory and flushes them every few seconds (or every thousand calls)
with one upsert per (day, key, dataset, action). The quota check compares the key's total for the
day, as the database knew it at the last flush, plus this process's calls since then; so several
processes together may overshoot a quota by at most what they serve within one flush interval.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import logging
import threading
import time
from collections import Counter
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from pengcheng.opendata.models import KeyQuota, UsageCount

_FLUSH_EVERY_CALLS = 1000
logger = logging.getLogger(__name__)


class UsageBuffer:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pending: Counter[tuple[dt.date, int, str, str]] = Counter()
        self.pending_calls = 0
        self.last_flush = time.monotonic()
        # key id -> (day, calls recorded in the database at the last refresh, calls since)
        self.key_totals: dict[int, tuple[dt.date, int, int]] = {}
        self.limits: dict[int, tuple[float, int]] = {}

    def today(self) -> dt.date:
        return timezone.localdate()

    def record(self, key_id: int, dataset_id: str, action: str) -> None:
        day = self.today()
        with self.lock:
            self.pending[(day, key_id, dataset_id, action)] += 1
            self.pending_calls += 1
            if key_id:
                known_day, stored, since = self.key_totals.get(key_id, (day, -1, 0))
                if known_day != day:
                    stored, since = -1, 0
                self.key_totals[key_id] = (day, stored, since + 1)
            due = (
                self.pending_calls >= _FLUSH_EVERY_CALLS
                or time.monotonic() - self.last_flush >= settings.PENGCHENG_OPENDATA_USAGE_FLUSH_SECONDS
            )
        if due:
            try:
                self.flush()
            except Exception:  # counting must never fail the call; the counts wait for the next flush
                logger.warning("could not write API usage counts; will retry", exc_info=True)

    def used_today(self, key_id: int) -> int:
        """Calls the key made today, as far as this process knows."""
        day = self.today()
        with self.lock:
            known_day, stored, since = self.key_totals.get(key_id, (day, -1, 0))
        if known_day != day or stored < 0:
            stored = _stored_calls(key_id, day)
            since = since if known_day == day else 0
            with self.lock:
                self.key_totals[key_id] = (day, stored, since)
        return stored + since

    def limit_for(self, key_id: int) -> int:
        now = time.monotonic()
        cached = self.limits.get(key_id)
        if cached and now - cached[0] < 60:
            return cached[1]
        row = KeyQuota.objects.filter(api_key_id=key_id).values_list("daily_limit", flat=True).first()
        limit = int(row) if row is not None else settings.PENGCHENG_OPENDATA_DAILY_QUOTA
        self.limits[key_id] = (now, limit)
        return limit

    def flush(self) -> int:
        """Write the pending counts; returns how many calls were written."""
        with self.lock:
            pending = self.pending
            self.pending = Counter()
            self.pending_calls = 0
            self.last_flush = time.monotonic()
        if not pending:
            return 0
        try:
            _upsert(pending)
        except Exception:
            with self.lock:  # keep the counts for the next flush rather than lose them
                self.pending.update(pending)
                self.pending_calls += sum(pending.values())
            raise
        # Refresh the per-key totals from the database, which now includes every process's flushes.
        with self.lock:
            keys = list(self.key_totals)
        day = self.today()
        for key_id in keys:
            stored = _stored_calls(key_id, day)
            with self.lock:
                known_day, _, since = self.key_totals.get(key_id, (day, 0, 0))
                flushed = sum(n for (d, k, _, _), n in pending.items() if k == key_id and d == day)
                self.key_totals[key_id] = (day, stored, max(0, since - flushed) if known_day == day else 0)
        return sum(pending.values())


def _stored_calls(key_id: int, day: dt.date) -> int:
    return int(UsageCount.objects.filter(api_key_id=key_id, day=day).aggregate(total=Sum("calls"))["total"] or 0)


def _upsert(pending: Counter[tuple[dt.date, int, str, str]]) -> None:
    table = connection.ops.quote_name(UsageCount._meta.db_table)
    sql = (
        f"INSERT INTO {table} (day, api_key_id, dataset_id, action, calls) VALUES (%s, %s, %s, %s, %s) "
        f"ON CONFLICT (day, api_key_id, dataset_id, action) DO UPDATE SET calls = {table}.calls + excluded.calls"
    )
    # Sorted, so that processes flushing at the same moment lock rows in one order (no deadlock).
    rows: list[list[Any]] = [
        [day, key, dataset, action, calls] for (day, key, dataset, action), calls in sorted(pending.items())
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)


BUFFER = UsageBuffer()


def record(key_id: int | None, dataset_id: str, action: str) -> None:
    BUFFER.record(key_id or 0, dataset_id, action)


def over_quota(key_id: int) -> tuple[bool, int]:
    """(True if the key used up today's quota, the quota)."""
    limit = BUFFER.limit_for(key_id)
    return BUFFER.used_today(key_id) >= limit, limit


def flush() -> int:
    return BUFFER.flush()


def _flush_at_exit() -> None:
    with contextlib.suppress(Exception):  # the database may already be gone at interpreter exit
        BUFFER.flush()


atexit.register(_flush_at_exit)
