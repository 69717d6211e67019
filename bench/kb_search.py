"""Knowledge-base search at 50,000 articles: p50/p95/p99 of ``engine.Index.search`` (the in-process
index every agent suggestion, citizen search and API call goes through), plus analysing and index
build times, with and without the learned model.

The articles are the 2,058 real ones of ``../shared/data/kb/articles.csv`` and synthetic ones made
from them until there are 50,000: each joins sentences of two real articles of the same department
(so the vocabulary and lengths are real, and many articles look alike, as in a big KB). The
queries are the 1,440 real questions of ``queries_train.csv``.

    .venv/bin/python bench/kb_search.py [--articles 50000] [--queries 1440] [--no-model]
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pengcheng.knowledge import engine  # noqa: E402

csv.field_size_limit(10_000_000)


def shared_dir() -> Path:
    import os

    return Path(os.environ.get("PENGCHENG_SHARED_DATA", str(ROOT.parent / "shared" / "data"))) / "kb"


def synthesise(rows: list[dict[str, str]], target: int) -> list[tuple[str, str]]:
    rng = random.Random(12345)
    by_department: dict[str, list[str]] = {}
    for row in rows:
        by_department.setdefault(row["department"], []).append(row["body"])
    departments = [d for d, bodies in by_department.items() if len(bodies) > 1]
    split = re.compile(r"(?<=[。；！？])")
    out = [(row["id"], row["body"]) for row in rows]
    n = 0
    while len(out) < target:
        bodies = by_department[rng.choice(departments)]
        first, second = rng.sample(bodies, 2)
        a = [s for s in split.split(first) if s]
        b = [s for s in split.split(second) if s]
        body = "".join(a[: max(1, len(a) // 2)] + b[len(b) // 2 :])
        out.append((f"syn-{n:06d}", body))
        n += 1
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=1440)
    parser.add_argument("--no-model", action="store_true", help="skip the learned model (plain BM25 ranking)")
    args = parser.parse_args()
    folder = shared_dir()
    rows = list(csv.DictReader((folder / "articles.csv").open(encoding="utf-8")))
    pairs = [
        (r["query"], r["expected_id"]) for r in csv.DictReader((folder / "queries_train.csv").open(encoding="utf-8"))
    ]
    articles = synthesise(rows, args.articles)
    started = time.perf_counter()
    documents = [engine.Document(key, engine.analyse(body)) for key, body in articles]
    analysed = time.perf_counter() - started
    print(f"{len(documents)} articles analysed (jieba words, bigrams) in {analysed:.1f} s — done once, at save time")
    started = time.perf_counter()
    index = engine.Index(documents)
    built = time.perf_counter() - started
    print(
        f"index built in {built:.1f} s: {len(index.words.vocab)} words, {len(index.bigrams.vocab)} bigrams, "
        f"LSA {index.lsa_docs.shape[1]} dimensions"
    )
    runs = [("BM25 + LSA features, no learned model", None)]
    if not args.no_model:
        started = time.perf_counter()
        model = engine.train(documents[: len(rows)], pairs)  # learned on the real KB, as kb_train does
        print(f"model learned from {len(pairs)} pairs in {time.perf_counter() - started:.1f} s")
        runs.append(("with the learned re-ranker", model))
    queries = [q for q, _ in pairs][: args.queries]
    for label, learned in runs:
        index.model = learned or engine.LearnedModel()
        for q in queries[:50]:  # warm up
            index.search(q)
        times = []
        cpu = []  # CPU time of this thread: what the search costs without other processes' preemption
        for q in queries:
            t0, c0 = time.perf_counter(), time.thread_time()
            index.search(q, limit=5)
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.thread_time() - c0) * 1000)
        print(
            f"{label}: {len(times)} queries, wall p50 {statistics.median(times):.1f} ms, "
            f"p95 {percentile(times, 95):.1f} ms, p99 {percentile(times, 99):.1f} ms, max {max(times):.1f} ms; "
            f"CPU p50 {statistics.median(cpu):.1f} ms, p95 {percentile(cpu, 95):.1f} ms"
        )


if __name__ == "__main__":
    main()
