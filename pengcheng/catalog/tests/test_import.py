"""import_catalog: the real Guangdong catalogue, bad rows, --skip-bad, XLSX, re-import as versions."""

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from pengcheng.audit.models import AuditRecord
from pengcheng.catalog.importer import parse_time_limit
from pengcheng.catalog.models import ItemLevel, ItemVersion, LimitUnit, ServiceItem
from pengcheng.core.models import Department, DepartmentLevel, Division

REAL = Path(settings.PENGCHENG_SHARED_DATA) / "catalog" / "guangdong_service_items.csv"
HEADER = [
    "task_code", "task_name", "task_type", "department", "org_code", "area_code", "area_name", "level",
    "legal_time_limit", "promised_time_limit", "max_visits", "service_objects", "themes", "materials",
]  # fmt: skip
GOOD = ["T001", "测试许可", "行政许可", "深圳市民政局", "", "440300", "广东省深圳市", "市级", "20(工作日)", "5(工作日)",
        "0", "自然人", "社会救助", "申请书；身份证"]  # fmt: skip


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def run(path: Path, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_catalog", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30(工作日)", (30, LimitUnit.WORKING_DAYS)),
        ("15(自然日)", (15, LimitUnit.CALENDAR_DAYS)),
        ("15（自然日）", (15, LimitUnit.CALENDAR_DAYS)),
        ("无", (None, LimitUnit.NONE)),
        ("", (None, LimitUnit.NONE)),
    ],
)
def test_parse_time_limit(text, expected) -> None:
    assert parse_time_limit(text) == expected


@pytest.mark.parametrize("text", ["30", "30(工作月)", "三十(工作日)", "30(工作日)外加"])
def test_parse_time_limit_refuses_other_shapes(text) -> None:
    with pytest.raises(ValueError):
        parse_time_limit(text)


@pytest.mark.skipif(not REAL.exists(), reason="shared data not present")
def test_the_real_guangdong_catalogue_imports_whole(demo_city) -> None:
    before = ServiceItem.objects.count()
    out, err = run(REAL)
    assert "2262 rows: 2262 items created" in out
    assert err == ""
    assert ServiceItem.objects.count() == before + 2262
    item = ServiceItem.objects.get(code="11440000006939756B2440101007000")
    version = item.current
    assert version.name == "临时价格干预范围事项提价申报"
    assert (version.legal_limit, version.legal_limit_unit) == (30, LimitUnit.WORKING_DAYS)
    assert (version.promised_limit, version.promised_limit_unit) == (7, LimitUnit.WORKING_DAYS)
    assert item.level == ItemLevel.PROVINCE and item.department.name == "广东省发展和改革委员会"
    assert item.department.level == DepartmentLevel.PROVINCE and item.department.division_id == "440000"
    assert Division.objects.get(code="440100").name == "广州市"
    assert version.materials.get().name == "提价申报申请报告"
    assert Department.objects.get(name="广州市公安局").level == DepartmentLevel.CITY
    # Importing the same file again changes nothing.
    out, _ = run(REAL)
    assert "0 items created, 0 new versions, 2262 unchanged" in out


def test_bad_rows_are_all_reported_and_nothing_is_imported(demo_city, tmp_path) -> None:
    path = write_csv(
        tmp_path / "items.csv",
        [
            GOOD,
            ["", "无编码", "公共服务", "深圳市民政局", "", "440300", "", "市级", "无", "无", "0", "自然人", "", ""],
            [
                "T003",
                "坏时限",
                "公共服务",
                "深圳市民政局",
                "",
                "440300",
                "",
                "市级",
                "30(工作月)",
                "无",
                "0",
                "",
                "",
                "",
            ],
            ["T004", "坏类型", "行政魔法", "深圳市民政局", "", "4403", "", "乡级", "无", "无", "x", "外星人", "", ""],
            GOOD,
        ],
    )
    with pytest.raises(CommandError, match="nothing was imported"):
        run(path)
    assert not ServiceItem.objects.filter(code__startswith="T00").exists()


def test_problems_name_the_file_row_and_reason(demo_city, tmp_path) -> None:
    from pengcheng.catalog.importer import check_file

    bad = ["T003", "坏时限", "公共服务", "深圳市民政局", "", "440300", "", "市级", "30(工作月)", "无", "0", "", "", ""]
    path = write_csv(tmp_path / "items.csv", [GOOD, bad, GOOD])
    good, problems, count = check_file(path)
    assert count == 3 and len(good) == 1
    assert problems == [
        "items.csv:3: legal_time_limit: time limit '30(工作月)' is not like '30(工作日)', '15(自然日)' or '无'",
        "items.csv:4: task_code T001 repeats row items.csv:2",
    ]


def test_skip_bad_imports_the_good_rows(demo_city, tmp_path) -> None:
    bad = ["T009", "坏类型", "行政魔法", "深圳市民政局", "", "440300", "", "市级", "无", "无", "0", "", "", ""]
    path = write_csv(tmp_path / "items.csv", [GOOD, bad])
    out, err = run(path, "--skip-bad")
    assert "1 items created" in out and "1 bad rows skipped" in out
    assert "items.csv:3: unknown task_type '行政魔法'" in err
    item = ServiceItem.objects.get(code="T001")
    assert item.department.code == "440300-MZJ"  # matched by name, not created
    assert [m.name for m in item.current.materials.all()] == ["申请书", "身份证"]
    assert AuditRecord.objects.filter(action="catalog.import").exists()


def test_changed_rows_become_new_versions(demo_city, tmp_path) -> None:
    run(write_csv(tmp_path / "a.csv", [GOOD]))
    changed = [*GOOD]
    changed[9] = "3(工作日)"
    out, _ = run(write_csv(tmp_path / "b.csv", [changed]))
    assert "1 new versions" in out
    item = ServiceItem.objects.get(code="T001")
    assert item.current.number == 2 and item.current.promised_limit == 3
    assert ItemVersion.objects.get(item=item, number=1).promised_limit == 5


def test_xlsx_files_import_too(demo_city, tmp_path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([*GOOD[:4], "", "440100", "广东省广州市", "市级", "15(自然日)", "无", 1, "企业法人", "", ""])
    path = tmp_path / "items.xlsx"
    workbook.save(path)
    out, _ = run(path)
    assert "1 items created" in out
    version = ServiceItem.objects.get(code="T001").current
    assert (version.legal_limit, version.legal_limit_unit) == (15, LimitUnit.CALENDAR_DAYS)
    assert version.max_visits == 1 and version.audiences == ["enterprise"]


def test_unreadable_files_are_refused(demo_city, tmp_path) -> None:
    (tmp_path / "x.txt").write_text("hello")
    with pytest.raises(CommandError):
        run(tmp_path / "x.txt")
    (tmp_path / "cols.csv").write_text("a,b\n1,2\n")
    with pytest.raises(CommandError):
        run(tmp_path / "cols.csv")
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "missing.csv")
