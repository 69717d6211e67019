"""Hot-topic clustering of one day of 30,000 tickets (issue 9: under 60 s).

The day is built from real citizen messages in ``../shared/data/hotline`` (Teddy Cup, Beijing,
Fuzhou; about 20,000 texts), topped up to ``--tickets`` with real messages re-used with one clause
dropped (so a busy day has the near-duplicates a busy day has), spread over Shenzhen's districts.
The previous day is built the same way. It runs ``clustering.find_topics`` — the code the daily job
runs after loading the tickets — and prints the time of each stage.

    python bench/hot_topics.py                 # 30,000 tickets, previous day 30,000
    python bench/hot_topics.py --tickets 10000
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
    args = parser.parse_args()
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
    started = time.perf_counter()
    result = clustering.find_topics(current, previous=previous)
    total = time.perf_counter() - started
    print("stages: " + " ".join(f"{k}={v:.1f}s" for k, v in result.seconds.items() if k != "total"))
    sizes = sorted((c.count for c in result.clusters), reverse=True)
    print(f"clusters={len(result.clusters)} clustered={sum(sizes)} largest={sizes[:5]}")
    for cluster in result.clusters[:3]:
        print(f"  {cluster.hotness:.2f} {cluster.label} [{cluster.place}] n={cluster.count} prev={cluster.previous}")
    print(f"hot_topics tickets={len(current)} seconds={total:.1f} (target < 60)")


if __name__ == "__main__":
    main()
