"""Changes to the base registries: CSV imports by the owning department (or the platform)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from pengcheng.audit.services import record as audit
from pengcheng.core import identifiers
from pengcheng.core.actors import MaybeActor
from pengcheng.core.models import Department, Division, Role
from pengcheng.core.permissions import require_department
from pengcheng.registries.models import REGISTRIES, MaritalStatus, PopulationRecord, Sex

POPULATION_COLUMNS = ["id_number", "name", "sex", "birth_date", "household_division", "marital_status"]
_UPDATED_FIELDS = ["name", "sex", "birth_date", "household_division", "marital_status", "source", "updated_at"]


@dataclass(frozen=True)
class RowError:
    file: str
    row: int  # 1-based line number in the file, the header being line 1
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}: {self.reason}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _require_owner(actor: MaybeActor, registry: str, action: str) -> None:
    owner = Department.objects.filter(code=REGISTRIES[registry].owner_code).values_list("pk", flat=True).first()
    require_department(actor, owner, Role.DATA_OFFICER, action=action, target=("registry", registry))


def _parse_population_row(row: dict[str, str], divisions: set[str]) -> tuple[dict[str, object] | None, str]:
    id_number = (row.get("id_number") or "").strip().upper()
    problem = identifiers.id_number_problem(id_number) if id_number else "identity number is missing"
    if problem:
        return None, f"id_number {id_number!r}: {problem}"
    name = (row.get("name") or "").strip()
    if not name or len(name) > 60:
        return None, "name is missing or longer than 60 characters"
    sex = (row.get("sex") or "").strip().upper()
    if sex not in Sex.values:
        return None, f"sex {sex!r} is not M or F"
    if int(id_number[16]) % 2 != (1 if sex == Sex.MALE else 0):
        return None, "sex does not match the identity number (GB 11643: odd 17th digit is male)"
    raw_birth = (row.get("birth_date") or "").strip()
    try:
        birth = dt.date.fromisoformat(raw_birth)
    except ValueError:
        return None, f"birth_date {raw_birth!r} is not a date (YYYY-MM-DD)"
    if birth != identifiers.birth_date_from_id(id_number):
        return None, "birth_date does not match the identity number"
    division = (row.get("household_division") or "").strip()
    if division and division not in divisions:
        return None, f"household_division {division!r} is not a known division code"
    marital = (row.get("marital_status") or "").strip() or MaritalStatus.UNKNOWN
    if marital not in MaritalStatus.values:
        return None, f"marital_status {marital!r} is not one of {', '.join(MaritalStatus.values)} (GB/T 2261.2)"
    return {
        "id_number": id_number,
        "name": name,
        "sex": sex,
        "birth_date": birth,
        "household_division_id": division or None,
        "marital_status": marital,
    }, ""


def _rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [column for column in POPULATION_COLUMNS[:4] if column not in (reader.fieldnames or [])]
    if missing:
        raise ValueError("missing column(s): " + ", ".join(missing))
    for row in reader:
        yield reader.line_num, row


def import_population(
    actor: MaybeActor,
    path: Path | str,
    *,
    progress: Callable[[Iterable[tuple[int, dict[str, str]]], int], Iterable[tuple[int, dict[str, str]]]] | None = None,
) -> ImportReport:
    """Load population records from a UTF-8 CSV file (columns ``POPULATION_COLUMNS``).

    All or nothing: every bad row is reported with its line and reason, and then nothing is written.
    A record whose identity number is already registered is updated."""
    _require_owner(actor, "population", "registries.import_population")
    path = Path(path)
    report = ImportReport()
    try:
        text = path.read_text(encoding="utf-8-sig")
        rows = list(_rows(text))
    except (OSError, UnicodeDecodeError, ValueError, csv.Error) as exc:
        report.errors.append(RowError(path.name, 1, str(exc)))
        return report
    divisions = set(Division.objects.values_list("code", flat=True))
    parsed: dict[str, dict[str, object]] = {}
    for line, row in progress(rows, len(rows)) if progress else rows:
        values, reason = _parse_population_row(row, divisions)
        if values is None:
            report.errors.append(RowError(path.name, line, reason))
        elif values["id_number"] in parsed:
            report.errors.append(RowError(path.name, line, f"identity number repeated in the file (line {line})"))
        else:
            parsed[str(values["id_number"])] = values
    if report.errors:
        return report
    now = timezone.now()
    with transaction.atomic():
        existing = {r.id_number: r for r in PopulationRecord.objects.filter(id_number__in=list(parsed))}
        new, changed = [], []
        for id_number, values in parsed.items():
            record = existing.get(id_number)
            if record is None:
                new.append(PopulationRecord(source=path.name, created_at=now, updated_at=now, **values))
            else:
                for name, value in values.items():
                    setattr(record, name, value)
                record.source, record.updated_at = path.name, now
                changed.append(record)
        PopulationRecord.objects.bulk_create(new, batch_size=2000)
        PopulationRecord.objects.bulk_update(changed, _UPDATED_FIELDS, batch_size=2000)
        report.created, report.updated = len(new), len(changed)
        audit(
            actor,
            "registries.population_imported",
            ("registry", "population"),
            summary=f"{path.name}: {report.created} new, {report.updated} updated",
            data={"file": path.name, "created": report.created, "updated": report.updated},
        )
    return report
