"""Importing a service catalogue from CSV or XLSX shaped like ``../shared/data/catalog``.

Every row is checked first, and every bad row is reported with its file, row number and reason.
Nothing is written unless all rows are good, or the caller asks to skip the bad ones. Departments are
matched by name (then by ``<area code>-<organisation code>``) and created when missing, at the level
and in the division the row names; missing province and city divisions are created too.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from pengcheng.audit.services import record as audit
from pengcheng.catalog import search
from pengcheng.catalog.models import AUDIENCE_NAMES, ITEM_TYPE_NAMES, Channel, ItemLevel, LimitUnit, MaterialKind
from pengcheng.catalog.services import ItemSpec, MaterialSpec, publish
from pengcheng.core.actors import Actor
from pengcheng.core.division_import import PROVINCES
from pengcheng.core.models import Department, DepartmentKind, DepartmentLevel, Division, DivisionLevel
from pengcheng.core.permissions import require_platform_role

REQUIRED_COLUMNS = ("task_code", "task_name", "task_type", "department", "area_code", "level")
LEVELS = {
    "省级": (ItemLevel.PROVINCE, DepartmentLevel.PROVINCE),
    "市级": (ItemLevel.CITY, DepartmentLevel.CITY),
    "区级": (ItemLevel.DISTRICT, DepartmentLevel.DISTRICT),
    "县级": (ItemLevel.DISTRICT, DepartmentLevel.DISTRICT),
    "街道级": (ItemLevel.STREET, DepartmentLevel.STREET),
    "镇级": (ItemLevel.STREET, DepartmentLevel.STREET),
}
LIMIT = re.compile(r"^\s*(\d{1,4})\s*[（(]\s*(工作日|自然日)\s*[)）]\s*$")
NONE_VALUES = {"", "无", "-", "—"}


class CatalogImportError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} bad row(s)")


def parse_time_limit(text: str) -> tuple[int | None, str]:
    """``"30(工作日)"`` → (30, working days); ``"15(自然日)"`` → (15, calendar days); ``"无"`` → none."""
    value = (text or "").strip()
    if value in NONE_VALUES:
        return None, LimitUnit.NONE
    match = LIMIT.match(value)
    if not match:
        raise ValueError(f"time limit {value!r} is not like '30(工作日)', '15(自然日)' or '无'")
    unit = LimitUnit.WORKING_DAYS if match.group(2) == "工作日" else LimitUnit.CALENDAR_DAYS
    return int(match.group(1)), unit


@dataclass
class ParsedRow:
    source: str
    spec: dict[str, Any]
    department_name: str
    department_code: str
    department_level: str
    area_code: str
    area_name: str


@dataclass
class ImportSummary:
    rows: int = 0
    created: int = 0
    new_versions: int = 0
    unchanged: int = 0
    skipped: int = 0
    departments_created: int = 0
    problems: list[str] = field(default_factory=list)


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number as a spreadsheet shows it, row) pairs; the header is row 1."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise CatalogImportError([f"{path.name}: missing column(s) {', '.join(missing)}"])
            for number, row in enumerate(reader, start=2):
                yield number, {k: (v or "") for k, v in row.items() if k}
    elif suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(c or "").strip() for c in next(rows, ())]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise CatalogImportError([f"{path.name}: missing column(s) {', '.join(missing)}"])
        for number, values in enumerate(rows, start=2):
            if all(v is None for v in values):
                continue
            yield number, {h: "" if v is None else str(v) for h, v in zip(header, values, strict=False) if h}
        workbook.close()
    else:
        raise CatalogImportError([f"{path.name}: expected a .csv or .xlsx file"])


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[；;]", text or "") if part.strip() and part.strip() not in NONE_VALUES]


def parse_row(source: str, row: dict[str, str]) -> tuple[ParsedRow | None, list[str]]:
    """Check one row; return the parsed row or the reasons it is bad."""
    reasons: list[str] = []
    get = lambda key: (row.get(key) or "").strip()  # noqa: E731
    code, name = get("task_code"), get("task_name")
    if not code:
        reasons.append("task_code is empty")
    elif len(code) > 40:
        reasons.append(f"task_code {code!r} is longer than 40 characters")
    if not name:
        reasons.append("task_name is empty")
    elif len(name) > 200:
        reasons.append("task_name is longer than 200 characters")
    item_type = ITEM_TYPE_NAMES.get(get("task_type"))
    if item_type is None:
        reasons.append(f"unknown task_type {get('task_type')!r} (expected one of {', '.join(ITEM_TYPE_NAMES)})")
    levels = LEVELS.get(get("level"))
    if levels is None:
        reasons.append(f"unknown level {get('level')!r} (expected one of {', '.join(LEVELS)})")
    area = get("area_code")
    if not (area.isdigit() and len(area) == 6 and area[:2] in PROVINCES):
        reasons.append(f"area_code {area!r} is not a 6-digit division code")
    department = get("department")
    if not department:
        reasons.append("department is empty")
    limits = {}
    for column in ("legal_time_limit", "promised_time_limit"):
        try:
            limits[column] = parse_time_limit(get(column))
        except ValueError as exc:
            reasons.append(f"{column}: {exc}")
    audiences = []
    for audience in _split(get("service_objects")):
        if audience not in AUDIENCE_NAMES:
            reasons.append(f"unknown service object {audience!r}")
        else:
            audiences.append(AUDIENCE_NAMES[audience])
    visits_text = get("max_visits") or "0"
    if not visits_text.isdigit() or int(visits_text) > 10:
        reasons.append(f"max_visits {visits_text!r} is not a number from 0 to 10")
    if reasons:
        return None, reasons
    assert levels is not None and item_type is not None
    location = re.sub(r"^办理地点[:：]\s*", "", get("handle_location"))
    channels = [Channel.ONLINE] if get("online_check") == "1" or get("platform") not in NONE_VALUES else []
    if location and not location.startswith("无"):
        channels.append(Channel.COUNTER)
    url = get("url")
    spec = {
        "code": code,
        "name": name,
        "catalog_code": get("catalog_id")[:40],
        "item_type": item_type,
        "level": levels[0],
        "legal_limit": limits["legal_time_limit"][0],
        "legal_limit_unit": limits["legal_time_limit"][1],
        "promised_limit": limits["promised_time_limit"][0],
        "promised_limit_unit": limits["promised_time_limit"][1],
        "acceptance_criteria": get("accept_standard"),
        "guide": get("catalog_name") if get("catalog_name") != name else "",
        "channels": channels or [Channel.COUNTER],
        "max_visits": int(visits_text),
        "audiences": list(dict.fromkeys(audiences)),
        "themes": _split(get("themes")),
        "co_departments": "" if get("co_department") in NONE_VALUES else get("co_department")[:300],
        "handle_location": "" if location.startswith("无") else location[:300],
        "consult_phone": get("consult_phone")[:60],
        "complain_phone": get("complain_phone")[:60],
        "online_url": url[:500] if url.startswith(("http://", "https://")) else "",
        "materials": [MaterialSpec(name=m[:300], kind=MaterialKind.UPLOAD) for m in _split(get("materials"))],
    }
    org = get("org_code") or re.sub(r"\W", "", department)[:12]
    return (
        ParsedRow(
            source=source,
            spec=spec,
            department_name=department,
            department_code=f"{area}-{org}"[:40],
            department_level=levels[1],
            area_code=area,
            area_name=get("area_name"),
        ),
        [],
    )


def check_file(path: Path) -> tuple[list[ParsedRow], list[str], int]:
    """All good rows, all problems (file:row: reason) and the number of rows read."""
    good: list[ParsedRow] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    count = 0
    try:
        for number, row in read_rows(path):
            count += 1
            source = f"{path.name}:{number}"
            parsed, reasons = parse_row(source, row)
            if parsed is not None and parsed.spec["code"] in seen:
                reasons = [f"task_code {parsed.spec['code']} repeats row {seen[parsed.spec['code']]}"]
                parsed = None
            problems.extend(f"{source}: {reason}" for reason in reasons)
            if parsed is not None:
                seen[parsed.spec["code"]] = source
                good.append(parsed)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CatalogImportError([f"{path.name}: cannot read: {exc}"]) from exc
    return good, problems, count


def _division(area_code: str, area_name: str) -> Division:
    """The division an area code names, creating the province and city when missing."""
    existing = Division.objects.filter(code=area_code).first()
    if existing is not None:
        return existing
    province_code = area_code[:2] + "0000"
    province_name = PROVINCES[area_code[:2]]
    province, _ = Division.objects.get_or_create(
        code=province_code, defaults={"name": province_name, "level": DivisionLevel.PROVINCE}
    )
    if area_code == province_code:
        return province
    if area_code[4:] == "00":
        name = area_name.removeprefix(province_name) or area_code
        return Division.objects.create(code=area_code, name=name, level=DivisionLevel.CITY, parent=province)
    city_code = area_code[:4] + "00"
    city = Division.objects.filter(code=city_code).first() or Division.objects.create(
        code=city_code, name=city_code, level=DivisionLevel.CITY, parent=province
    )
    name = area_name.removeprefix(province_name).removeprefix(city.name) or area_code
    return Division.objects.create(code=area_code, name=name, level=DivisionLevel.DISTRICT, parent=city)


class _Departments:
    def __init__(self) -> None:
        self.by_name = {d.name: d for d in Department.objects.all()}
        self.by_code = {d.code: d for d in self.by_name.values()}
        self.created = 0

    def get(self, row: ParsedRow) -> Department:
        found = self.by_name.get(row.department_name) or self.by_code.get(row.department_code)
        if found is not None:
            return found
        division = _division(row.area_code, row.area_name)
        kind = DepartmentKind.ENTERPRISE if row.department_name.endswith("公司") else DepartmentKind.BUREAU
        department = Department.objects.create(
            code=row.department_code,
            name=row.department_name[:120],
            level=row.department_level,
            kind=kind,
            division=division,
        )
        department.served_divisions.add(division)
        self.by_name[department.name] = department
        self.by_code[department.code] = department
        self.created += 1
        return department


def import_catalog(
    actor: Actor,
    path: Path,
    *,
    skip_bad: bool = False,
    progress: Callable[[Iterable[ParsedRow], int], Iterable[ParsedRow]] | None = None,
) -> ImportSummary:
    """Import ``path``. Raises ``CatalogImportError`` listing every bad row unless ``skip_bad``."""
    require_platform_role(actor, action="catalog.import")
    good, problems, count = check_file(path)
    if problems and not skip_bad:
        raise CatalogImportError(problems)
    if not good:
        raise CatalogImportError([*problems, f"{path.name}: no rows to import"])
    summary = ImportSummary(rows=count, skipped=count - len(good), problems=problems)
    rows: Iterable[ParsedRow] = progress(good, len(good)) if progress else good
    with transaction.atomic():
        departments = _Departments()
        for row in rows:
            spec = ItemSpec(department=departments.get(row), **row.spec)
            outcome = publish(actor, spec, audit_each=False).outcome
            if outcome == "created":
                summary.created += 1
            elif outcome == "new_version":
                summary.new_versions += 1
            else:
                summary.unchanged += 1
        summary.departments_created = departments.created
        audit(
            actor,
            "catalog.import",
            ("file", path.name),
            summary=(
                f"{path.name}: {summary.created} new, {summary.new_versions} new versions, "
                f"{summary.unchanged} unchanged, {summary.skipped} skipped"
            ),
            data={"departments_created": departments.created, "bad_rows": len(problems)},
        )
    search.invalidate()
    return summary
