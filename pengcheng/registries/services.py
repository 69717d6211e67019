"""Changes to the base registries: CSV imports by the owning department (or the platform).

Every registry is loaded the same way (``import_registry``): a UTF-8 CSV file whose columns are the
registry's ``ImportSpec``; each value is checked, every bad row is reported with its line and reason,
and then nothing is written. A row whose key (identity number, credit code, certificate or plate) is
already registered updates that record.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from pengcheng.audit.services import record as audit
from pengcheng.core import identifiers
from pengcheng.core.actors import MaybeActor
from pengcheng.core.models import Department, Division, Role
from pengcheng.core.permissions import require_department
from pengcheng.registries.models import (
    REGISTRIES,
    Degree,
    EntityKind,
    EntityStatus,
    InsuranceStatus,
    MaritalStatus,
    PropertyUsage,
    Sex,
    VehicleStatus,
    VehicleType,
)

Progress = Callable[[Iterable[tuple[int, dict[str, str]]], int], Iterable[tuple[int, dict[str, str]]]]


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


class BadValue(ValueError):
    """A value that does not fit its column; the message is the reason shown for the row."""


# Column parsers: text → value, or ``BadValue``. ``divisions`` is the set of known division codes.


def _text(max_length: int, min_length: int = 1) -> Callable[[str, set[str]], str]:
    def parse(raw: str, _divisions: set[str]) -> str:
        if not min_length <= len(raw) <= max_length:
            raise BadValue(f"must have {min_length} to {max_length} characters")
        return raw

    return parse


def _id_number(raw: str, _divisions: set[str]) -> str:
    value = raw.upper()
    problem = identifiers.id_number_problem(value)
    if problem:
        raise BadValue(f"{value!r}: {problem}")
    return value


def _credit_code(raw: str, _divisions: set[str]) -> str:
    value = raw.upper()
    problem = identifiers.credit_code_problem(value)
    if problem:
        raise BadValue(f"{value!r}: {problem}")
    return value


def _date(raw: str, _divisions: set[str]) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise BadValue(f"{raw!r} is not a date (YYYY-MM-DD)") from None


def _decimal(low: Decimal, high: Decimal) -> Callable[[str, set[str]], Decimal]:
    def parse(raw: str, _divisions: set[str]) -> Decimal:
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise BadValue(f"{raw!r} is not a number") from None
        if not value.is_finite() or not low <= value <= high:
            raise BadValue(f"{raw!r} is not between {low} and {high}")
        return value.quantize(Decimal("0.01"))

    return parse


def _integer(low: int, high: int) -> Callable[[str, set[str]], int]:
    def parse(raw: str, _divisions: set[str]) -> int:
        if not re.fullmatch(r"-?\d+", raw):
            raise BadValue(f"{raw!r} is not a whole number")
        value = int(raw)
        if not low <= value <= high:
            raise BadValue(f"{raw!r} is not between {low} and {high}")
        return value

    return parse


def _boolean(raw: str, _divisions: set[str]) -> bool:
    lowered = raw.lower()
    if lowered in ("1", "true", "yes", "y", "是"):
        return True
    if lowered in ("0", "false", "no", "n", "否"):
        return False
    raise BadValue(f"{raw!r} is not yes/no (1/0, true/false)")


def _choice(choices: type[models.TextChoices], standard: str = "") -> Callable[[str, set[str]], str]:
    def parse(raw: str, _divisions: set[str]) -> str:
        if raw not in choices.values:
            where = f" ({standard})" if standard else ""
            raise BadValue(f"{raw!r} is not one of {', '.join(choices.values)}{where}")
        return raw

    return parse


def _division(raw: str, divisions: set[str]) -> str:
    if raw not in divisions:
        raise BadValue(f"{raw!r} is not a known division code")
    return raw


def _pattern(regex: str, example: str) -> Callable[[str, set[str]], str]:
    compiled = re.compile(regex)

    def parse(raw: str, _divisions: set[str]) -> str:
        value = raw.upper()
        if not compiled.fullmatch(value):
            raise BadValue(f"{raw!r} does not look like {example}")
        return value

    return parse


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str, set[str]], Any]
    required: bool = True
    default: Any = ""  # stored when an optional column is empty
    attribute: str = ""  # model attribute when it differs from the column (a foreign key's ``_id``)

    @property
    def target(self) -> str:
        return self.attribute or self.name


RowCheck = Callable[[dict[str, Any]], str | None]


@dataclass(frozen=True)
class ImportSpec:
    """How one registry is read from CSV: its columns, the key that identifies a record, and checks
    that look at a whole row."""

    columns: list[Column]
    key: str
    checks: list[RowCheck] = field(default_factory=list)

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]


def _population_check(values: dict[str, Any]) -> str | None:
    id_number = values["id_number"]
    if int(id_number[16]) % 2 != (1 if values["sex"] == Sex.MALE else 0):
        return "sex does not match the identity number (GB 11643: odd 17th digit is male)"
    if values["birth_date"] != identifiers.birth_date_from_id(id_number):
        return "birth_date does not match the identity number"
    return None


def _dates_in_order(first: str, then: str) -> RowCheck:
    def check(values: dict[str, Any]) -> str | None:
        if values[first] > values[then]:
            return f"{then} is before {first}"
        return None

    return check


def _not_in_future(name: str) -> RowCheck:
    def check(values: dict[str, Any]) -> str | None:
        if values[name] > timezone.localdate():
            return f"{name} is in the future"
        return None

    return check


def _months_check(values: dict[str, Any]) -> str | None:
    if values["continuous_months"] > values["months_contributed"]:
        return "continuous_months exceeds months_contributed"
    return None


def _optional_credit_code(raw: str, divisions: set[str]) -> str:
    return _credit_code(raw, divisions)


NAME = _text(60, 2)
ADDRESS = _text(200, 5)

IMPORTS: dict[str, ImportSpec] = {
    "population": ImportSpec(
        [
            Column("id_number", _id_number),
            Column("name", NAME),
            Column("sex", _choice(Sex)),
            Column("birth_date", _date),
            Column("household_division", _division, required=False, default=None, attribute="household_division_id"),
            Column(
                "marital_status",
                _choice(MaritalStatus, "GB/T 2261.2"),
                required=False,
                default=MaritalStatus.UNKNOWN,
            ),
            Column("household_address", ADDRESS, required=False),
            Column("address", ADDRESS, required=False),
            Column("residence_permit_number", _pattern(r"\d{10,18}", "10 to 18 digits"), required=False),
            Column("spouse_name", NAME, required=False),
        ],
        key="id_number",
        checks=[_population_check],
    ),
    "legal_entity": ImportSpec(
        [
            Column("credit_code", _credit_code),
            Column("name", _text(200, 4)),
            Column("entity_type", _choice(EntityKind)),
            Column("legal_representative", NAME),
            Column("legal_representative_id_number", _id_number, required=False),
            Column("registered_capital", _decimal(Decimal(0), Decimal("100000000")), required=False, default=None),
            Column("established_on", _date),
            Column("address", ADDRESS),
            Column("division", _division, required=False, default=None, attribute="division_id"),
            Column("business_scope", _text(2000), required=False),
            Column("status", _choice(EntityStatus), required=False, default=EntityStatus.ACTIVE),
        ],
        key="credit_code",
        checks=[_not_in_future("established_on")],
    ),
    "social_insurance": ImportSpec(
        [
            Column("id_number", _id_number),
            Column("name", NAME),
            Column("employer", _text(200, 4), required=False),
            Column("employer_credit_code", _optional_credit_code, required=False),
            Column("status", _choice(InsuranceStatus)),
            Column("first_insured_on", _date),
            Column("months_contributed", _integer(0, 900)),
            Column("continuous_months", _integer(0, 900)),
            Column("medical_tier", _integer(1, 3), required=False, default=1),
        ],
        key="id_number",
        checks=[_not_in_future("first_insured_on"), _months_check],
    ),
    "property": ImportSpec(
        [
            Column("certificate_number", _text(60, 8)),
            Column("id_number", _id_number),
            Column("owner_name", NAME),
            Column("address", ADDRESS),
            Column("division", _division, required=False, default=None, attribute="division_id"),
            Column("usage", _choice(PropertyUsage)),
            Column("floor_area", _decimal(Decimal("1"), Decimal("100000"))),
            Column("registered_on", _date),
            Column("mortgaged", _boolean, required=False, default=False),
        ],
        key="certificate_number",
        checks=[_not_in_future("registered_on")],
    ),
    "vehicle": ImportSpec(
        [
            Column("plate_number", _pattern(r"[\u4e00-\u9fff][A-Z][A-Z0-9]{5,6}", "a plate such as 粤B12345")),
            Column("id_number", _id_number),
            Column("owner_name", NAME),
            Column("vehicle_type", _choice(VehicleType, "GA 802")),
            Column("brand", _text(60, 2)),
            # ISO 3779: 17 characters, no I, O or Q.
            Column("vin", _pattern(r"[A-HJ-NPR-Z0-9]{17}", "a 17-character VIN (ISO 3779)")),
            Column("new_energy", _boolean, required=False, default=False),
            Column("registered_on", _date),
            Column("inspection_valid_until", _date),
            Column("status", _choice(VehicleStatus, "GA 24.7"), required=False, default=VehicleStatus.NORMAL),
        ],
        key="plate_number",
        checks=[_not_in_future("registered_on"), _dates_in_order("registered_on", "inspection_valid_until")],
    ),
    "education": ImportSpec(
        [
            Column("certificate_number", _pattern(r"\d{17,18}", "a 17- or 18-digit certificate number")),
            Column("id_number", _id_number),
            Column("name", NAME),
            Column("degree", _choice(Degree)),
            Column("school", _text(100, 2)),
            Column("major", _text(100, 2)),
            Column("graduation_date", _date),
            Column("full_time", _boolean, required=False, default=True),
        ],
        key="certificate_number",
        checks=[_not_in_future("graduation_date")],
    ),
}

POPULATION_COLUMNS = IMPORTS["population"].column_names


def _require_owner(actor: MaybeActor, registry: str, action: str) -> None:
    owner = Department.objects.filter(code=REGISTRIES[registry].owner_code).values_list("pk", flat=True).first()
    require_department(actor, owner, Role.DATA_OFFICER, action=action, target=("registry", registry))


def _parse_row(spec: ImportSpec, row: dict[str, str], divisions: set[str]) -> tuple[dict[str, Any] | None, str]:
    values: dict[str, Any] = {}
    for column in spec.columns:
        raw = (row.get(column.name) or "").strip()
        if not raw:
            if column.required:
                return None, f"{column.name} is missing"
            values[column.target] = column.default
            continue
        try:
            values[column.target] = column.parse(raw, divisions)
        except BadValue as exc:
            return None, f"{column.name} {exc}"
    named = {column.name: values[column.target] for column in spec.columns}
    for check in spec.checks:
        problem = check(named)
        if problem:
            return None, problem
    return values, ""


def _rows(spec: ImportSpec, text: str) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    present = reader.fieldnames or []
    missing = [column.name for column in spec.columns if column.required and column.name not in present]
    if missing:
        raise ValueError("missing column(s): " + ", ".join(missing))
    unknown = [name for name in present if name not in spec.column_names]
    if unknown:
        raise ValueError("unknown column(s): " + ", ".join(unknown))
    for row in reader:
        yield reader.line_num, row


def import_registry(actor: MaybeActor, key: str, path: Path | str, *, progress: Progress | None = None) -> ImportReport:
    """Load one registry from a UTF-8 CSV file (columns: ``IMPORTS[key].column_names``).

    Only a data officer of the owning department (or the platform) may. All or nothing: every bad row
    is reported with its line and reason, and then nothing is written."""
    if key not in IMPORTS:
        raise ValueError(f"unknown registry {key!r}; known: {', '.join(IMPORTS)}")
    _require_owner(actor, key, f"registries.import_{key}")
    registry, spec = REGISTRIES[key], IMPORTS[key]
    path = Path(path)
    report = ImportReport()
    try:
        text = path.read_text(encoding="utf-8-sig")
        rows = list(_rows(spec, text))
    except (OSError, UnicodeDecodeError, ValueError, csv.Error) as exc:
        report.errors.append(RowError(path.name, 1, str(exc)))
        return report
    divisions = set(Division.objects.values_list("code", flat=True))
    parsed: dict[str, dict[str, Any]] = {}
    first_line: dict[str, int] = {}
    for line, row in progress(rows, len(rows)) if progress else rows:
        values, reason = _parse_row(spec, row, divisions)
        if values is None:
            report.errors.append(RowError(path.name, line, reason))
            continue
        identity = str(values[spec.key])
        if identity in parsed:
            report.errors.append(
                RowError(path.name, line, f"{spec.key} repeated in the file (first on line {first_line[identity]})")
            )
        else:
            parsed[identity] = values
            first_line[identity] = line
    if report.errors:
        return report
    model = registry.model
    now = timezone.now()
    updated_fields = [column.target for column in spec.columns if column.name != spec.key] + ["source", "updated_at"]
    with transaction.atomic():
        existing = {getattr(r, spec.key): r for r in model._default_manager.filter(**{f"{spec.key}__in": list(parsed)})}
        new, changed = [], []
        for identity, values in parsed.items():
            record = existing.get(identity)
            if record is None:
                new.append(model(source=path.name, created_at=now, updated_at=now, **values))
            else:
                for name, value in values.items():
                    setattr(record, name, value)
                record.source, record.updated_at = path.name, now
                changed.append(record)
        model._default_manager.bulk_create(new, batch_size=2000)
        model._default_manager.bulk_update(changed, updated_fields, batch_size=2000)
        report.created, report.updated = len(new), len(changed)
        audit(
            actor,
            f"registries.{key}_imported",
            ("registry", key),
            summary=f"{path.name}: {report.created} new, {report.updated} updated",
            data={"file": path.name, "created": report.created, "updated": report.updated},
        )
    return report


def import_population(actor: MaybeActor, path: Path | str, *, progress: Progress | None = None) -> ImportReport:
    """Load population records (人口库) from CSV; see ``import_registry``."""
    return import_registry(actor, "population", path, progress=progress)
