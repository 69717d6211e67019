"""A year of Shenzhen 12345 volume in PostgreSQL, and the supervisor overview on top of it.

Generates ``--tickets`` synthetic tickets (default 11,000,000: Shenzhen's 2022 volume) spread over
the last 365 days with ``pengcheng.hotline.synthetic`` (each with a plausible life: dispatched,
sometimes refused, accepted, replied, closed, rated), written with COPY by two processes, with
their dispatch and refusal events. Then it rebuilds the daily figures and times the supervisor
overview page for the last 30 days, grouped each way, through Django's test client.

    python bench/hotline_volume.py --tickets 11000000
    python bench/hotline_volume.py --measure-only     # re-time the pages on the existing data

Uses the database ``bench_hotline_volume`` on 127.0.0.1:5432.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "bench_hotline_volume"
os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DATABASE}")
os.environ.setdefault("PENGCHENG_DATA_DIR", "/tmp/hotline-volume-bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pengcheng.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("PENGCHENG_SSL_REDIRECT", "0")
sys.path.insert(0, str(ROOT))

DAYS = 365
EVENT_COLUMNS = ["ticket_id", "kind", "at", "actor_id", "actor_label", "department_id", "note", "data", "public"]


def create_database(fresh: bool) -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{DATABASE}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')


def setup_django() -> None:
    import django

    django.setup()


def _columns() -> list[Any]:
    from pengcheng.hotline.models import Ticket

    return [f for f in Ticket._meta.concrete_fields if f.attname != "id"]


_counter: Any = None


def _init(counter: Any) -> None:
    global _counter
    _counter = counter


def generate_days(args: tuple[list[int], int, str]) -> int:
    """Worker: generate and COPY the tickets of the given day offsets."""
    day_offsets, per_day, now_iso = args
    counter = _counter
    from django.db import connection
    from django.utils import timezone

    from pengcheng.hotline.seed import demo_world
    from pengcheng.hotline.synthetic import make_ticket

    connection.close()
    world = demo_world()
    tz = timezone.get_current_timezone()
    now = dt.datetime.fromisoformat(now_iso)
    columns = _columns()
    names = [str(f.column) for f in columns]
    attnames = [f.attname for f in columns]
    json_index = {i for i, f in enumerate(columns) if f.get_internal_type() == "JSONField"}
    import random

    made = 0
    for offset in day_offsets:
        rng = random.Random(f"hotline-volume:{offset}")
        day_start = dt.datetime.combine(now.astimezone(tz).date() - dt.timedelta(days=offset), dt.time(), tz)
        rows = []
        events = []
        for index in range(per_day):
            received = day_start + dt.timedelta(seconds=86400 * index / per_day + rng.uniform(0, 60))
            if received >= now:
                break
            fields, ticket_events = make_ticket(rng, received, now, world, tz)
            fields["external_id"] = f"vol-{offset}-{index}"
            rows.append(fields)
            events.append(ticket_events)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('hotline_ticket', 'id')) FROM generate_series(1, %s)",
                [len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            raw = cursor.cursor
            with raw.copy(f"COPY hotline_ticket (id, {', '.join(names)}) FROM STDIN") as copy:
                for ticket_id, fields in zip(ids, rows, strict=True):
                    values = [fields.get(name) for name in attnames]
                    for i in json_index:
                        values[i] = json.dumps(values[i] or {})
                    copy.write_row([ticket_id, *values])
            with raw.copy(f"COPY hotline_ticketevent ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
                for ticket_id, ticket_events in zip(ids, events, strict=True):
                    for event in ticket_events:
                        copy.write_row(
                            [
                                ticket_id,
                                event["kind"],
                                event["at"],
                                None,
                                "bench",
                                event["department_id"],
                                "",
                                "{}",
                                False,
                            ]
                        )
        made += len(rows)
        with counter.get_lock():
            counter.value += len(rows)
    return made


def load(tickets: int, processes: int) -> None:
    from django.core.management import call_command
    from django.db import connection, connections
    from django.utils import timezone
    from tqdm import tqdm

    call_command("migrate", verbosity=0)
    from pengcheng.seeding import SeedContext, seed_demo

    seed_demo(SeedContext(scale=0, quiet=True))
    per_day = tickets // DAYS
    now = timezone.now()
    offsets = list(range(DAYS - 1, -1, -1))
    chunks = [offsets[i::processes] for i in range(processes)]
    connections.close_all()
    context = multiprocessing.get_context("fork")
    counter = context.Value("q", 0)
    started = time.perf_counter()
    with (
        context.Pool(processes, initializer=_init, initargs=(counter,)) as pool,
        tqdm(total=per_day * DAYS, unit=" tickets", mininterval=2) as bar,
    ):
        result = pool.map_async(generate_days, [(chunk, per_day, now.isoformat()) for chunk in chunks])
        while not result.ready():
            result.wait(2)
            bar.n = counter.value
            bar.refresh()
        made = sum(result.get())
        bar.n = made
        bar.refresh()
    elapsed = time.perf_counter() - started
    print(f"generated {made} tickets in {elapsed:.0f} s ({made / elapsed:.0f}/s)")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE hotline_ticket")
        cursor.execute("ANALYZE hotline_ticketevent")
    print(f"analyzed in {time.perf_counter() - started:.0f} s")


def refresh() -> None:
    from tqdm import tqdm

    from pengcheng.hotline import stats

    started = time.perf_counter()
    with tqdm(unit=" days") as bar:
        result = stats.refresh(full=True, progress=bar)
    print(f"daily figures rebuilt for {result['days']} days in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    result = stats.refresh()
    print(
        f"an incremental refresh (the 5-minute job) took {time.perf_counter() - started:.1f} s "
        f"for {result['days']} days"
    )


def measure(repeat: int) -> None:
    from django.db import connection
    from django.test import Client

    from pengcheng.core.models import User
    from pengcheng.hotline.models import DailyDispatchStat, DailyTicketStat, Ticket, TicketEvent

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'hotline_ticket'")
        approx = cursor.fetchone()[0]
    print(f"tickets: ~{approx:,} (estimate); events: ~{TicketEvent.objects.count():,}")
    print(f"daily figure rows: {DailyTicketStat.objects.count():,} + {DailyDispatchStat.objects.count():,}")
    client = Client()
    client.force_login(User.objects.get(username="agent"))
    today = dt.date.today()
    start = today - dt.timedelta(days=29)
    for by in ("department", "district", "category", "type", "day"):
        url = f"/console/hotline/overview/?start={start}&end={today}&by={by}"
        client.get(url)  # warm caches
        times = []
        for _ in range(repeat):
            began = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200
        times.sort()
        print(f"overview last 30 days by {by:<10} median {statistics.median(times):6.0f} ms, worst {times[-1]:6.0f} ms")
    for url in ("/console/hotline/breaches/", f"/console/hotline/overview.csv?start={start}&end={today}&by=district"):
        began = time.perf_counter()
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
        print(f"{url.split('?')[0]:<32} {(time.perf_counter() - began) * 1000:6.0f} ms")
    del Ticket


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=11_000_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--measure-only", action="store_true")
    args = parser.parse_args()
    if not args.measure_only:
        create_database(fresh=True)
    setup_django()
    if not args.measure_only:
        load(args.tickets, args.processes)
        refresh()
    measure(args.repeat)


if __name__ == "__main__":
    main()
