"""Knowledge-base import from CSV (``pengcheng import_kb FILE``).

Columns: ``id`` and ``body`` are required; ``department`` (a name, as in
``../shared/data/kb/articles.csv``), ``department_code``, ``title``, ``variants`` (separated by |),
``category`` (a hotline category code), ``valid_from``, ``valid_to`` (YYYY-MM-DD), ``review_days``
and ``status`` (draft or published; published by default) are optional.

Every row is checked first and every bad row reported with its line and reason; if any row is bad,
nothing is written. New articles are written in bulk (one audit record for the import, naming the
file and a digest of the numbers); articles already present whose content changed get a new version
through ``services.update_article``, each audited.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from pengcheng.audit.services import record as audit
from pengcheng.core.actors import MaybeActor
from pengcheng.core.errors import ValidationFailed
from pengcheng.core.models import Department, User
from pengcheng.hotline.models import Category
from pengcheng.knowledge import engine, search, services
from pengcheng.knowledge.models import Article, ArticleStatus, ArticleVersion

csv.field_size_limit(10_000_000)

REQUIRED = ("id", "body")
KNOWN = {
    "id",
    "body",
    "department",
    "department_code",
    "title",
    "variants",
    "category",
    "valid_from",
    "valid_to",
    "review_days",
    "status",
}


class KbImportError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class ParsedRow:
    line: int
    data: services.ArticleInput
    status: str


@dataclass
class ImportSummary:
    rows: int = 0
    created: int = 0
    new_versions: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text.strip())


class _Departments:
    """Department lookups by code, name or short name, cached for the import."""

    def __init__(self, aliases: dict[str, str] | None = None) -> None:
        self.by_code: dict[str, Department | None] = {}
        self.by_name: dict[str, Department | None] = {}
        self.aliases = aliases or {}

    def code(self, code: str) -> Department | None:
        if code not in self.by_code:
            self.by_code[code] = Department.objects.filter(code=code).first()
        return self.by_code[code]

    def name(self, name: str) -> Department | None:
        if name in self.aliases:
            return self.code(self.aliases[name])
        if name not in self.by_name:
            self.by_name[name] = Department.objects.filter(Q(name=name) | Q(short_name=name)).order_by("code").first()
        return self.by_name[name]


def parse(path: Path, department_aliases: dict[str, str] | None = None) -> tuple[list[ParsedRow], list[str]]:
    """Read and check every row; returns the good rows and one problem per bad row. A department
    name in ``department_aliases`` stands for the department with that code."""
    problems: list[str] = []
    rows: list[ParsedRow] = []
    departments = _Departments(department_aliases)
    categories: dict[str, Category | None] = {}
    seen: dict[str, int] = {}
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise KbImportError([f"{path}: {exc.strerror or exc}"]) from None
    with handle:
        try:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in reader.fieldnames or []]
        except (csv.Error, UnicodeDecodeError) as exc:
            raise KbImportError([f"{path}: not a UTF-8 CSV file ({exc})"]) from None
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise KbImportError([f"{path}: missing column(s): {', '.join(missing)}"])
        reader.fieldnames = header
        try:
            for number, raw in enumerate(reader, start=2):
                parsed, errors = _parse_row(number, raw, departments, categories, seen)
                problems.extend(f"{path.name}:{number}: {e}" for e in errors)
                if parsed is not None:
                    rows.append(parsed)
        except (csv.Error, UnicodeDecodeError) as exc:
            problems.append(f"{path.name}: unreadable after line {len(rows) + len(problems) + 1} ({exc})")
    return rows, problems


def _parse_row(
    line: int,
    raw: dict[str | None, Any],
    departments: _Departments,
    categories: dict[str, Category | None],
    seen: dict[str, int],
) -> tuple[ParsedRow | None, list[str]]:
    if None in raw:
        return None, ["more fields than the header has"]
    row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
    errors: list[str] = []
    key = row.get("id", "")
    if not key:
        errors.append("id is empty")
    elif key in seen:
        errors.append(f"id {key} repeats line {seen[key]}")
    else:
        seen[key] = line
    department = None
    if row.get("department_code"):
        department = departments.code(row["department_code"])
        if department is None:
            errors.append(f"unknown department_code {row['department_code']}")
    elif row.get("department"):
        department = departments.name(row["department"])
    category = None
    if row.get("category"):
        code = row["category"]
        if code not in categories:
            categories[code] = Category.objects.filter(code=code).first()
        category = categories[code]
        if category is None:
            errors.append(f"unknown category {code}")
    dates: dict[str, dt.date | None] = {"valid_from": None, "valid_to": None}
    for name in dates:
        if row.get(name):
            try:
                dates[name] = _date(row[name])
            except ValueError:
                errors.append(f"{name} {row[name]!r} is not a date (YYYY-MM-DD)")
    review_days = services.DEFAULT_REVIEW_DAYS
    if row.get("review_days"):
        try:
            review_days = int(row["review_days"])
        except ValueError:
            errors.append(f"review_days {row['review_days']!r} is not a whole number")
    status = row.get("status") or ArticleStatus.PUBLISHED
    if status not in (ArticleStatus.DRAFT, ArticleStatus.PUBLISHED):
        errors.append(f"status {status!r} is not draft or published")
    data = services.ArticleInput(
        key=key,
        body=row.get("body", ""),
        title=row.get("title", ""),
        variants=services.clean_variants(row.get("variants", "")),
        category=category,
        department=department,
        source_department=row.get("department", ""),
        valid_from=dates["valid_from"],
        valid_to=dates["valid_to"],
        review_days=review_days,
    )
    try:
        services.validate(data)
    except ValidationFailed as exc:
        for field_name, messages in (exc.field_errors or {}).items():
            errors.extend(f"{field_name}: {m}" for m in messages)
    if status == ArticleStatus.PUBLISHED and data.valid_to and data.valid_to < timezone.localdate():
        errors.append(f"valid_to {data.valid_to} is past: import it as a draft or change the date")
    if errors:
        return None, errors
    return ParsedRow(line, data, status), []


def _same(article: Article, data: services.ArticleInput) -> bool:
    return (
        article.body == data.body
        and article.title == data.title
        and list(article.variants) == data.variants
        and article.category_id == (data.category.pk if data.category else None)
        and article.department_id == (data.department.pk if data.department else None)
        and article.valid_from == data.valid_from
        and article.valid_to == data.valid_to
        and article.review_days == data.review_days
    )


BATCH = 500


def import_articles(
    actor: MaybeActor,
    path: Path,
    *,
    progress: Callable[[Iterable[ParsedRow], int], Iterable[ParsedRow]] | None = None,
    department_aliases: dict[str, str] | None = None,
) -> ImportSummary:
    """Import a CSV file; raises ``KbImportError`` with every problem if any row is bad."""
    services.require_editor(actor, "import")
    rows, problems = parse(path, department_aliases)
    if problems:
        raise KbImportError(problems)
    summary = ImportSummary(rows=len(rows))
    existing = {a.key: a for a in Article.objects.filter(key__in=[r.data.key for r in rows])}
    now = timezone.now()
    today = timezone.localdate()
    saved_by = actor if isinstance(actor, User) else None
    fresh: list[Article] = []
    with transaction.atomic():
        for row in progress(rows, len(rows)) if progress else rows:
            data = row.data
            article = existing.get(data.key)
            if article is not None:
                if _same(article, data):
                    summary.unchanged += 1
                else:
                    services.update_article(actor, article, data, note=f"import {path.name}")
                    summary.new_versions += 1
                continue
            article = Article(
                key=data.key,
                title=data.title,
                body=data.body,
                variants=data.variants,
                category=data.category,
                department=data.department,
                source_department=data.source_department[:100],
                valid_from=data.valid_from,
                valid_to=data.valid_to,
                review_days=data.review_days,
                next_review_on=today + dt.timedelta(days=data.review_days),
                status=row.status,
                published_at=now if row.status == ArticleStatus.PUBLISHED else None,
                search_terms=engine.analyse(data.body, data.title, data.variants).to_json(),
                created_at=now,
                updated_at=now,
            )
            fresh.append(article)
            if len(fresh) >= BATCH:
                summary.created += _write(fresh, saved_by, path.name)
                fresh = []
        summary.created += _write(fresh, saved_by, path.name)
        digest = hashlib.sha256("\n".join(r.data.key for r in rows).encode()).hexdigest()
        audit(
            actor,
            "knowledge.imported",
            ("knowledge.import", path.name[:100]),
            summary=f"{path.name}: {summary.created} created, {summary.new_versions} new versions"[:300],
            data={"rows": summary.rows, "created": summary.created, "sha256": digest},
        )
        search.invalidate()
    return summary


def _write(articles: list[Article], saved_by: User | None, file_name: str) -> int:
    if not articles:
        return 0
    Article.objects.bulk_create(articles, batch_size=BATCH)
    ids = dict(Article.objects.filter(key__in=[a.key for a in articles]).values_list("key", "pk"))
    ArticleVersion.objects.bulk_create(
        [
            ArticleVersion(
                article_id=ids[a.key],
                number=1,
                title=a.title,
                body=a.body,
                variants=a.variants,
                category_id_snapshot=a.category_id,
                department_id_snapshot=a.department_id,
                status=a.status,
                valid_from=a.valid_from,
                valid_to=a.valid_to,
                saved_by=saved_by,
                note=f"import {file_name}"[:300],
            )
            for a in articles
        ],
        batch_size=BATCH,
    )
    return len(articles)
