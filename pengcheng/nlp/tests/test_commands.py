"""The commands: ``nlp_evaluate`` on a slice of the real data, ``nlp_train`` and ``nlp_model``."""

import csv
import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from pengcheng.nlp.models import ModelVersion, VersionStatus
from pengcheng.nlp.tests.factories import dispatched_tickets, world

BEIJING = Path(settings.PENGCHENG_SHARED_DATA) / "hotline" / "messages_beijing_train.csv"
LAST_LINE = re.compile(r"^macro_f1=(\d\.\d{4}) accuracy=(\d\.\d{4})$")


def slice_of(path: Path, target: Path, start: int, stop: int) -> Path:
    with path.open(encoding="utf-8") as source, target.open("w", encoding="utf-8", newline="") as out:
        reader = csv.DictReader(source)
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        for index, row in enumerate(reader):
            if start <= index < stop:
                writer.writerow(row)
    return target


@pytest.mark.skipif(not BEIJING.is_file(), reason=f"shared data absent: {BEIJING} (see ../shared/data/README.md)")
def test_evaluate_prints_scores_as_the_last_line(tmp_path: Path) -> None:
    train = slice_of(BEIJING, tmp_path / "train.csv", 0, 600)
    test = slice_of(BEIJING, tmp_path / "test.csv", 600, 800)
    corpus = slice_of(BEIJING, tmp_path / "corpus.csv", 2000, 2400)  # unlabelled text: its text column
    out = StringIO()
    call_command(
        "nlp_evaluate",
        "--train", str(train), "--test", str(test),
        "--text-column", "text", "--label-column", "type",
        "--corpus", str(corpus),
        stdout=out,
    )  # fmt: skip
    lines = out.getvalue().strip().splitlines()
    assert "unlabelled corpus: 400 texts from 1 files" in out.getvalue()
    found = LAST_LINE.match(lines[-1])
    assert found, lines[-1]
    # Three request types on 600 training rows: well above chance (0.33), below perfect.
    assert 0.55 < float(found.group(1)) < 1.0


def test_evaluate_reports_a_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("body,kind\n路灯坏了,求助\n", encoding="utf-8")
    with pytest.raises(CommandError, match="no column text"):
        call_command("nlp_evaluate", "--train", str(path), "--test", str(path), "--no-corpus")


@pytest.mark.django_db
def test_train_then_model_list_and_rollback() -> None:
    dispatched_tickets(world())
    out = StringIO()
    call_command("nlp_train", stdout=out)
    assert re.search(r"v1 active: \d+ training examples .* department macro-F1 \d\.\d{4}", out.getvalue())
    call_command("nlp_train", "--no-promote", stdout=out)
    assert ModelVersion.objects.get(version=2).status == VersionStatus.CANDIDATE
    call_command("nlp_model", "activate", "2", stdout=out)
    listing = StringIO()
    call_command("nlp_model", "rollback", stdout=listing)
    assert "rolled back to v1" in listing.getvalue()
    assert re.search(r"v1 +active", listing.getvalue()) and re.search(r"v2 +retired", listing.getvalue())
    with pytest.raises(CommandError, match="no version 9"):
        call_command("nlp_model", "activate", "9")
