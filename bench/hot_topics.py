"""Hot-topic clustering of one day of 30,000 tickets (issue 9: under 60 s).

The day is built from real citizen messages in ``../shared/data/hotline`` (Teddy Cup, Beijing,
Fuzhou; about 20,000 texts), topped up to ``--tickets`` with real messages re-used with one clause
dropped (so a busy day has the near-duplicates a busy day has), spread over Shenzhen's districts.
The previous day is built the same way. It runs ``clustering.find_topics`` — the code the daily job
runs after loading the tickets — and prints the time of each stage.

    python bench/hot_topics.py                 # 30,000 tickets, previous day 30,000
    python bench/hot_topics.py --tickets 10000
    DATABASE_URL=postgres://…/db python bench/hot_topics.py --db
                                               # the whole nightly job: tickets written to the
                                               # database, then compute_hot_topics loads, clusters
                                               # and stores them (the database is migrated first)
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import machine  # noqa: E402

DATA = Path(os.environ.get("PENGCHENG_SHARED_DATA", ROOT.parent / "shared" / "data")) / "hotline"
DISTRICTS = ["440303", "440304", "440305", "440306", "440307", "440308", "440309", "440310", "440311"]
SOURCES = {
    "teddy2020_messages_with_votes.csv": ("留言主题", "留言详情"),
    "teddy2020_messages_with_replies.csv": ("留言主题", "留言详情"),
    "teddy2020_unlabeled.csv": ("留言主题", "留言详情"),
    "teddy2020_labeled_sample.csv": ("留言主题", "留言详情"),
    "messages_beijing_train.csv": ("", "text"),
    "fuzhou12345_appeals.csv": ("标题", "诉求内容"),
}


def real_texts() -> list[tuple[str, str]]:
    texts: list[tuple[str, str]] = []
    for name, (title_column, text_column) in SOURCES.items():
        path = DATA / name
        if not path.is_file():
            continue
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                text = " ".join((row.get(text_column) or "").split())
                if text:
                    texts.append(((row.get(title_column) or "").strip() if title_column else "", text))
    return texts


def day_of(texts: list[tuple[str, str]], n: int, day: dt.date, seed: int) -> list:
    from pengcheng.insights.clustering import Doc

    rng = random.Random(seed)
    picked = texts[:] if n >= len(texts) else rng.sample(texts, n)
    while len(picked) < n:
        title, text = rng.choice(texts)
        clauses = [c for c in re.split(r"(?<=[。！？；])", text) if c]
        if len(clauses) > 1:
            clauses.pop(rng.randrange(len(clauses)))
        picked.append((title, "".join(clauses)))
    rng.shuffle(picked)
    start = dt.datetime.combine(day, dt.time())
    return [
        Doc(
            key=i,
            title=title,
            text=text,
            at=start + dt.timedelta(seconds=rng.randrange(86400)),
            place=rng.choice(DISTRICTS),
            caller=f"c{rng.randrange(n)}",
        )
        for i, (title, text) in enumerate(picked[:n])
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=30_000)
    parser.add_argument("--previous", type=int, default=None, help="tickets on the day before (default: same)")
    parser.add_argument("--db", action="store_true", help="run the job end to end on DATABASE_URL")
    args = parser.parse_args()
    if args.db:
        run_job(args)
        return
    from pengcheng.insights import clustering

    print(machine())
    texts = real_texts()
    if not texts:
        sys.exit(f"no shared data under {DATA}")
    day = dt.date(2026, 3, 10)
    current = day_of(texts, args.tickets, day, 1)
    previous = day_of(
        texts, args.previous if args.previous is not None else args.tickets, day - dt.timedelta(days=1), 2
    )
    print(f"{len(texts)} real texts; day: {len(current)} tickets, previous day: {len(previous)}")
    clustering._jieba()  # the dictionary loads once per worker process, not per run
    started, cpu = time.perf_counter(), time.process_time()
    result = clustering.find_topics(current, previous=previous)
    total, cpu = time.perf_counter() - started, time.process_time() - cpu
    print("stages: " + " ".join(f"{k}={v:.1f}s" for k, v in result.seconds.items() if k != "total"))
    sizes = sorted((c.count for c in result.clusters), reverse=True)
    print(f"clusters={len(result.clusters)} clustered={sum(sizes)} largest={sizes[:5]}")
    for cluster in result.clusters[:3]:
        print(f"  {cluster.hotness:.2f} {cluster.label} [{cluster.place}] n={cluster.count} prev={cluster.previous}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"hot_topics tickets={len(current)} seconds={total:.1f} cpu_seconds={cpu:.1f} (target < 60)")


def run_job(args: argparse.Namespace) -> None:
    """Write both days as tickets, then time ``services.compute_hot_topics`` as the job runs it."""
    if not os.environ.get("DATABASE_URL"):
        sys.exit("--db needs DATABASE_URL (a scratch database: bench tickets are written to it)")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pengcheng.settings")
    os.environ.setdefault("PENGCHENG_DATA_DIR", "/tmp/hot-topics-bench")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from pengcheng.core.actors import SYSTEM
    from pengcheng.hotline.models import Channel, RequestType, Ticket
    from pengcheng.insights import clustering, services

    print(machine())
    call_command("migrate", verbosity=0)
    texts = real_texts()
    day = dt.date(2026, 3, 10)
    Ticket.objects.filter(external_id__startswith="bench-ht-").delete()
    tz = timezone.get_current_timezone()
    started = time.perf_counter()
    for offset, n, seed in ((0, args.tickets, 1), (1, args.previous or args.tickets, 2)):
        when = day - dt.timedelta(days=offset)
        docs = day_of(texts, n, when, seed)
        Ticket.objects.bulk_create(
            [
                Ticket(
                    request_type=RequestType.COMPLAINT,
                    channel=Channel.PHONE,
                    title=doc.title[:200] or doc.text[:40],
                    description=doc.text,
                    created_at=doc.at.replace(tzinfo=tz),
                    updated_at=doc.at.replace(tzinfo=tz),
                    received_on=when,
                    district_code=doc.place,
                    account_id=doc.caller,
                    external_id=f"bench-ht-{offset}-{doc.key}",
                )
                for doc in docs
            ],
            batch_size=2000,
        )
    written = Ticket.objects.filter(external_id__startswith="bench-ht-").count()
    print(f"wrote {written} tickets in {time.perf_counter() - started:.1f} s")
    clustering._jieba()
    mark = time.perf_counter()
    before = day - dt.timedelta(days=1)
    loaded = len(services.ticket_docs(day, day)) + len(services.ticket_docs(before, before))
    print(f"loading both windows from the database alone: {loaded} rows in {time.perf_counter() - mark:.1f} s")
    started, cpu = time.perf_counter(), time.process_time()
    topics = services.compute_hot_topics(SYSTEM, day)
    total, cpu = time.perf_counter() - started, time.process_time() - cpu
    spiking = sum(1 for t in topics if t.spiking)
    print(f"stored {len(topics)} topics, {spiking} spiking; top: {topics[0].label if topics else '-'}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        f"hot_topics_job tickets={args.tickets} seconds={total:.1f} cpu_seconds={cpu:.1f} "
        "(target < 60; load + cluster + previous day + store)"
    )


if __name__ == "__main__":
    main()
