"""Offline evaluation of knowledge-base search (``kb_evaluate``) on the production search path:
the same ``engine.analyse`` → ``engine.Index`` → ``Index.search`` that agents and citizens use,
with the same ``engine.train`` that ``kb_train`` runs on real question → article pairs."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from pengcheng.knowledge import engine

csv.field_size_limit(10_000_000)


class EvaluationError(Exception):
    pass


def _rows(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise EvaluationError(f"{path}: missing column(s): {', '.join(missing)}")
            return [{k: (v or "") for k, v in row.items() if k is not None} for row in reader]
    except OSError as exc:
        raise EvaluationError(f"{path}: {exc.strerror or exc}") from None


def read_articles(path: Path) -> list[engine.Document]:
    rows = _rows(path, ("id", "body"))
    return [
        engine.Document(
            row["id"].strip(),
            engine.analyse(row["body"], row.get("title", ""), [v for v in row.get("variants", "").split("|") if v]),
        )
        for row in rows
        if row["id"].strip() and row["body"].strip()
    ]


def read_pairs(path: Path) -> list[tuple[str, str]]:
    return [(r["query"], r["expected_id"].strip()) for r in _rows(path, ("query", "expected_id")) if r["query"].strip()]


def evaluate(
    articles: Path,
    queries: Path,
    train_queries: Path | None = None,
    say: Callable[[str], None] = print,
) -> dict[int, float]:
    say(f"reading {articles} …")
    documents = read_articles(articles)
    say(f"{len(documents)} articles analysed")
    pairs = read_pairs(queries)
    model = engine.LearnedModel()
    index = engine.Index(documents)
    say(f"index built ({len(index)} articles)")
    if train_queries is not None:
        train_pairs = read_pairs(train_queries)
        say(f"learning from {len(train_pairs)} question → article pairs …")
        model = engine.train(
            documents, train_pairs, index=index, progress=lambda done, total: say(f"  {done}/{total} questions")
        )
        index.model = model
        say(f"learned a re-ranker over {len(engine.FEATURES)} features from {model.trained_on} pairs")
    say(f"searching {len(pairs)} questions …")
    return engine.hits_at(index, pairs)
