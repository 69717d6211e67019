"""Hotline classifier benchmark (plain script; prints its figures).

Trains the production pipeline (``pengcheng.nlp.pipeline.TextModel``) on 10,000 real citizen texts
with three heads (Beijing messages: request type and domain as the category; Taipei questions:
the responsible agency as the department), with and without the unlabelled corpus of the shared
data, then measures batch classification (all three heads) and single-ticket latency.

    python bench/nlp_classify.py [--rows 10000] [--single 1000]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pengcheng.settings")

import django
import joblib

django.setup()

from django.conf import settings  # noqa: E402

from bench._common import machine  # noqa: E402
from pengcheng.nlp import corpus  # noqa: E402
from pengcheng.nlp.pipeline import TextModel  # noqa: E402


def load(rows: int) -> tuple[list[str], dict[str, list[str | None]]]:
    hotline = Path(settings.PENGCHENG_SHARED_DATA) / "hotline"
    texts: list[str] = []
    heads: dict[str, list[str | None]] = {"type": [], "category": [], "department": []}
    with (hotline / "messages_beijing_train.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            texts.append(row["text"])
            heads["type"].append(row["type"])
            heads["category"].append(row["domain"] or None)
            heads["department"].append(None)
    with (hotline / "agency_routing_taipei_train.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            texts.append(row["text"])
            heads["type"].append(None)
            heads["category"].append(None)
            heads["department"].append(row["label"])
    order = list(range(len(texts)))
    random.Random(7).shuffle(order)
    order = order[:rows]
    return [texts[i] for i in order], {h: [v[i] for i in order] for h, v in heads.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--single", type=int, default=1_000)
    args = parser.parse_args()
    print(machine())
    texts, heads = load(args.rows)
    print(
        f"{len(texts):,} training texts; heads: "
        + ", ".join(f"{h} {sum(1 for v in vs if v):,}" for h, vs in heads.items())
    )
    unlabelled, used = corpus.collect(corpus.default_sources())
    print(f"unlabelled corpus: {len(unlabelled):,} texts from {len(used)} files")

    started = time.perf_counter()

    def say(message: str) -> None:
        print(f"   [{time.perf_counter() - started:6.1f}s] {message}", flush=True)

    model = TextModel().fit(texts, heads, progress=say)
    plain = time.perf_counter() - started
    print(f"training, 10,000 tickets, labelled text only: {plain:.1f} s")
    started = time.perf_counter()
    model = TextModel().fit(texts, heads, unlabelled=unlabelled, progress=say)
    full = time.perf_counter() - started
    print(f"training, 10,000 tickets + unlabelled corpus: {full:.1f} s")

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.joblib"
        started = time.perf_counter()
        joblib.dump(model, path, compress=3)
        saved = time.perf_counter() - started
        started = time.perf_counter()
        joblib.load(path)
        print(
            f"model file: {path.stat().st_size / 1e6:.1f} MB (joblib, compress 3); "
            f"written in {saved:.1f} s, loaded in {time.perf_counter() - started:.1f} s"
        )

    batch = texts[:5000]
    model.classify(batch[:100])  # warm up (jieba's dictionary is loaded once per process)
    started = time.perf_counter()
    results = model.classify(batch, k=3)
    took = time.perf_counter() - started
    print(f"batch: {len(results):,} tickets × 3 heads (top 3) in {took:.2f} s = {len(results) / took:,.0f} tickets/s")

    latencies = []
    for text in texts[5000 : 5000 + args.single]:
        started = time.perf_counter()
        model.classify([text], k=3)
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(
        f"single ticket: {len(latencies):,} calls, p50 {statistics.median(latencies):.1f} ms, "
        f"p95 {p95:.1f} ms, max {latencies[-1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
