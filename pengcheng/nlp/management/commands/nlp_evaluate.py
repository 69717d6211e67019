"""``pengcheng nlp_evaluate --train TRAIN.csv --test TEST.csv``: train the production pipeline on one
labelled file, predict another, and print ``macro_f1=… accuracy=…`` as the last line."""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from pengcheng.nlp import corpus
from pengcheng.nlp.pipeline import TextModel

VALIDATION_SEED = 42


def read_labelled(path: Path, text_column: str, label_column: str) -> tuple[list[str], list[str]]:
    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in (text_column, label_column) if c not in (reader.fieldnames or [])]
        if missing:
            raise CommandError(
                f"{path}: no column {', '.join(missing)} (columns: {', '.join(reader.fieldnames or [])})"
            )
        texts, labels = [], []
        for row in reader:
            texts.append(row[text_column] or "")
            labels.append((row[label_column] or "").strip())
    return texts, labels


class Command(BaseCommand):
    help = "Train the classification pipeline on TRAIN, predict TEST, print macro-F1 and accuracy (last line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--train", required=True, type=Path)
        parser.add_argument("--test", type=Path, help="labelled CSV to predict (or use --validation)")
        parser.add_argument(
            "--validation",
            type=float,
            metavar="SHARE",
            help="instead of --test: hold back this share of TRAIN (stratified, fixed seed) and predict it",
        )
        parser.add_argument("--text-column", default="text")
        parser.add_argument("--label-column", default="label")
        parser.add_argument(
            "--corpus",
            action="append",
            type=Path,
            help="CSV file or folder of unlabelled text (repeatable; default: PENGCHENG_NLP_CORPUS or the shared data)",
        )
        parser.add_argument("--no-corpus", action="store_true", help="learn from the labelled rows only")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        out = self.stdout

        def say(message: str) -> None:
            out.write(f"[{time.monotonic() - started:6.1f}s] {message}")
            out.flush()

        texts, labels = read_labelled(options["train"], options["text_column"], options["label_column"])
        if options["validation"]:
            if not 0 < options["validation"] < 1:
                raise CommandError("--validation takes a share between 0 and 1, e.g. 0.2")
            texts, test_texts, labels, test_labels = train_test_split(
                texts, labels, test_size=options["validation"], stratify=labels, random_state=VALIDATION_SEED
            )
        elif options["test"]:
            test_texts, test_labels = read_labelled(options["test"], options["text_column"], options["label_column"])
        else:
            raise CommandError("give --test TEST.csv or --validation SHARE")
        say(f"train: {len(texts):,} rows, {len(set(labels)):,} labels; test: {len(test_texts):,} rows")
        train_labels: list[str | None] = [label or None for label in labels]
        unlabelled: list[str] = []
        if not options["no_corpus"]:
            sources = options["corpus"] or corpus.default_sources()
            # The test file never feeds the representation, even unlabelled.
            excluded = [options["train"], *([options["test"]] if options["test"] else [])]
            unlabelled, used = corpus.collect(sources, exclude=excluded)
            say(f"unlabelled corpus: {len(unlabelled):,} texts from {len(used)} files")
        model = TextModel().fit(texts, {"label": train_labels}, unlabelled=unlabelled, progress=say)
        say(f"predicting {len(test_texts):,} texts")
        predicted = model.predict(test_texts, "label")
        pairs = [(truth, guess or "") for truth, guess in zip(test_labels, predicted, strict=True) if truth]
        if not pairs:
            raise CommandError("the test file has no labelled rows")
        truth = [t for t, _ in pairs]
        guess = [g for _, g in pairs]
        refused = sum(1 for g in predicted if g is None)
        say(f"{len(pairs):,} labelled test rows, {refused:,} refused")
        macro = f1_score(truth, guess, average="macro", labels=sorted(set(truth)))
        accuracy = accuracy_score(truth, guess)
        out.write(f"macro_f1={macro:.4f} accuracy={accuracy:.4f}")
