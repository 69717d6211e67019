"""未标注语料: unlabelled Chinese text from CSV files, for the learned representation.

Every column that mostly holds Chinese prose is taken (titles, message bodies, replies, articles);
codes, dates, numbers and labels are left out.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

_CJK = re.compile(r"[\u3400-\u9fff]")
MIN_CHARS = 5
SAMPLE_ROWS = 200


def _prose_columns(rows: list[dict[str, str]]) -> list[str]:
    if not rows:
        return []
    columns = []
    for name in rows[0]:
        values = [(row.get(name) or "").strip() for row in rows]
        filled = [v for v in values if v]
        if not filled:
            continue
        chinese = sum(1 for v in filled if len(_CJK.findall(v)) >= MIN_CHARS)
        distinct = len(set(filled)) / len(filled)
        # Prose: mostly Chinese sentences, and not a label column that repeats a few values.
        if chinese >= 0.6 * len(filled) and distinct > 0.3:
            columns.append(name)
    return columns


def read_csv_text(path: Path) -> list[str]:
    """The prose of one CSV file (UTF-8, with or without BOM)."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns = _prose_columns(rows[:SAMPLE_ROWS])
    return [text for row in rows for name in columns if len(text := (row.get(name) or "").strip()) >= MIN_CHARS]


def default_sources() -> list[Path]:
    """``PENGCHENG_NLP_CORPUS`` (paths separated by ``:``), else the shared data's hotline and kb folders."""
    configured = getattr(settings, "PENGCHENG_NLP_CORPUS", "")
    if configured:
        return [Path(p) for p in str(configured).split(":") if p]
    shared = Path(settings.PENGCHENG_SHARED_DATA)
    return [shared / "hotline", shared / "kb"]


def collect(sources: Iterable[Path], exclude: Iterable[Path] = ()) -> tuple[list[str], list[str]]:
    """(texts, files read) from CSV files and folders of CSV files, leaving out ``exclude``."""
    skip = {p.resolve() for p in exclude}
    files: list[Path] = []
    for source in sources:
        if source.is_dir():
            files.extend(sorted(source.glob("*.csv")))
        elif source.is_file():
            files.append(source)
    texts: list[str] = []
    used: list[str] = []
    for path in files:
        if path.resolve() in skip:
            continue
        try:
            found = read_csv_text(path)
        except (OSError, UnicodeDecodeError, csv.Error):
            continue
        if found:
            texts.extend(found)
            used.append(path.name)
    # The same sentence in several files (a message and its reply table) would count twice.
    return list(dict.fromkeys(texts)), used
