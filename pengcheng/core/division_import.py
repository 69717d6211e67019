"""Importing administrative divisions from CSV files shaped like ``../shared/data/geo``.

A directory holds ``*districts.csv`` (district_code, district_name), optionally ``*streets.csv``
(street_code, street_name, district_code, …) and ``*communities.csv`` (community_code,
community_name, street_code, …). Every bad row is reported with its file and row number, and nothing
is imported unless every row is good.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from pengcheng.audit.services import record as audit
from pengcheng.core.actors import Actor
from pengcheng.core.models import Division, DivisionLevel
from pengcheng.core.permissions import require_platform_role

# GB/T 2260 province-level names (facts), so a city's files need not repeat them.
PROVINCES = {
    "11": "北京市",
    "12": "天津市",
    "13": "河北省",
    "14": "山西省",
    "15": "内蒙古自治区",
    "21": "辽宁省",
    "22": "吉林省",
    "23": "黑龙江省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "34": "安徽省",
    "35": "福建省",
    "36": "江西省",
    "37": "山东省",
    "41": "河南省",
    "42": "湖北省",
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省",
    "81": "香港特别行政区",
    "82": "澳门特别行政区",
}

CODE_LENGTH = {DivisionLevel.DISTRICT: 6, DivisionLevel.STREET: 9, DivisionLevel.COMMUNITY: 12}
_SPEC = {
    # level: (file suffix, code column, name column, parent column, parent level)
    DivisionLevel.DISTRICT: ("districts.csv", "district_code", "district_name", None, None),
    DivisionLevel.STREET: ("streets.csv", "street_code", "street_name", "district_code", DivisionLevel.DISTRICT),
    DivisionLevel.COMMUNITY: (
        "communities.csv",
        "community_code",
        "community_name",
        "street_code",
        DivisionLevel.STREET,
    ),
}


def short_name(name: str) -> str:
    """``大塘龙社区居民委员会`` → ``大塘龙社区``."""
    for suffix in ("居民委员会", "村民委员会", "居委会", "村委会"):
        if name.endswith(suffix) and len(name) > len(suffix):
            trimmed = name[: -len(suffix)]
            return trimmed if trimmed.endswith(("社区", "村")) else trimmed + ("社区" if "居" in suffix else "村")
    return name


@dataclass(frozen=True)
class DivisionRow:
    code: str
    name: str
    level: str
    parent_code: str | None
    source: str  # "file.csv:row"


class DivisionImportError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} bad row(s)")


@dataclass
class DivisionImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_level: dict[str, int] = field(default_factory=dict)


def _find(directory: Path, suffix: str) -> Path | None:
    matches = sorted(p for p in directory.glob(f"*{suffix}") if p.is_file())
    if len(matches) > 1:
        raise DivisionImportError([f"{directory}: more than one *{suffix}: {', '.join(p.name for p in matches)}"])
    return matches[0] if matches else None


def read_directory(directory: Path) -> list[DivisionRow]:
    """Read and check every row; raise ``DivisionImportError`` listing all problems."""
    if not directory.is_dir():
        raise DivisionImportError([f"{directory}: not a directory"])
    rows: list[DivisionRow] = []
    problems: list[str] = []
    found_any = False
    for level, (suffix, code_col, name_col, parent_col, _parent_level) in _SPEC.items():
        path = _find(directory, suffix)
        if path is None:
            if level == DivisionLevel.DISTRICT:
                problems.append(f"{directory}: no *districts.csv file")
            continue
        found_any = True
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                needed = {code_col, name_col} | ({parent_col} if parent_col else set())
                missing = needed - set(reader.fieldnames or [])
                if missing:
                    problems.append(f"{path.name}: missing column(s) {', '.join(sorted(missing))}")
                    continue
                for number, raw in enumerate(reader, start=2):
                    code = (raw.get(code_col) or "").strip()
                    name = (raw.get(name_col) or "").strip()
                    parent = (raw.get(parent_col) or "").strip() if parent_col else None
                    rows.append(DivisionRow(code, name, level, parent, f"{path.name}:{number}"))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            problems.append(f"{path.name}: cannot read: {exc}")
    if not found_any and not problems:
        problems.append(f"{directory}: no division files")
    problems.extend(check_rows(rows, existing=set()))
    if problems:
        raise DivisionImportError(problems)
    return rows


def check_rows(rows: Iterable[DivisionRow], existing: set[str]) -> list[str]:
    """Row-level problems: code shape, name, parent consistency, duplicates, one city per import."""
    problems: list[str] = []
    rows = list(rows)
    known = set(existing) | {row.code for row in rows}
    seen: dict[str, str] = {}
    cities: set[str] = set()
    for row in rows:
        length = CODE_LENGTH[DivisionLevel(row.level)]
        where = row.source
        if not (row.code.isdigit() and len(row.code) == length):
            problems.append(f"{where}: {row.level} code {row.code!r} must be {length} digits")
            continue
        if not row.name:
            problems.append(f"{where}: {row.level} {row.code} has no name")
        if row.code in seen:
            problems.append(f"{where}: code {row.code} repeats {seen[row.code]}")
        seen[row.code] = where
        cities.add(row.code[:4])
        if row.level != DivisionLevel.DISTRICT:
            parent_length = length - 3
            if not row.parent_code:
                problems.append(f"{where}: {row.level} {row.code} names no parent")
            elif row.code[:parent_length] != row.parent_code:
                problems.append(f"{where}: code {row.code} does not start with its parent's code {row.parent_code}")
            elif row.parent_code not in known:
                problems.append(f"{where}: parent {row.parent_code} is in no file and not in the database")
    if len(cities) > 1:
        problems.append(
            f"the files mix cities: {', '.join(sorted(c + '00' for c in cities))}; import one city at a time"
        )
    return problems


def load_divisions(
    actor: Actor,
    rows: list[DivisionRow],
    *,
    city_name: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> DivisionImportSummary:
    """Create or rename the divisions in ``rows`` (plus their province and city), all or nothing."""
    require_platform_role(actor, action="divisions.import")
    if not rows:
        raise DivisionImportError(["nothing to import"])
    city_code = rows[0].code[:4] + "00"
    province_code = city_code[:2] + "0000"
    existing = {d.code: d for d in Division.objects.filter(code__startswith=city_code[:2])}
    problems = check_rows(rows, existing=set(existing))
    city_label = city_name or (existing[city_code].name if city_code in existing else None)
    if city_label is None:
        problems.append(f"city {city_code} is not in the database yet: give its name (--city-name)")
    if problems:
        raise DivisionImportError(problems)
    summary = DivisionImportSummary()
    wanted: list[DivisionRow] = [
        DivisionRow(
            province_code, PROVINCES.get(province_code[:2], province_code), DivisionLevel.PROVINCE, None, "province"
        ),
        DivisionRow(city_code, city_label or city_code, DivisionLevel.CITY, province_code, "city"),
    ]
    wanted += sorted(rows, key=lambda r: (len(r.code), r.code))
    with transaction.atomic():
        to_create: list[Division] = []
        to_update: list[Division] = []
        for row in wanted:
            parent = row.parent_code if row.level != DivisionLevel.DISTRICT else city_code
            current = existing.get(row.code)
            short = short_name(row.name)
            if current is None:
                to_create.append(
                    Division(code=row.code, name=row.name, short_name=short, level=row.level, parent_id=parent)
                )
            elif (current.name, current.short_name, current.parent_id, current.level) != (
                row.name,
                short,
                parent,
                row.level,
            ):
                current.name, current.short_name, current.parent_id, current.level = row.name, short, parent, row.level
                to_update.append(current)
            else:
                summary.unchanged += 1
            summary.by_level[row.level] = summary.by_level.get(row.level, 0) + 1
        # Parents before children: rows are sorted by code length.
        Division.objects.bulk_create(to_create, batch_size=1000)
        Division.objects.bulk_update(to_update, ["name", "short_name", "parent", "level"], batch_size=1000)
        summary.created, summary.updated = len(to_create), len(to_update)
        audit(
            actor,
            "divisions.imported",
            ("core.division", city_code),
            summary=f"{summary.created} created, {summary.updated} updated",
            data={"by_level": summary.by_level},
        )
        if progress:
            progress(
                f"{city_code}: {summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged"
            )
    return summary
