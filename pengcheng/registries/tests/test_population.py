"""The population registry: the demo seed, and CSV imports that report every bad row."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from pengcheng.core import identifiers
from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import AccessDenied
from pengcheng.core.models import Role, User
from pengcheng.core.seed import demo_id_number
from pengcheng.registries.models import REGISTRIES, PopulationRecord
from pengcheng.registries.seed import seed_demo
from pengcheng.registries.selectors import person_matching
from pengcheng.registries.services import import_population
from pengcheng.seeding import SeedContext
from pengcheng.testing import community, make_staff

HEADER = "id_number,name,sex,birth_date,household_division,marital_status\n"


def _id(birth: str, male: bool, index: int = 7) -> str:
    import datetime as dt

    return demo_id_number(index, dt.date.fromisoformat(birth), male)


def test_seed_covers_demo_accounts_and_adds_people_without_accounts(demo_city: None) -> None:
    seed_demo(SeedContext(quiet=True))
    citizen = User.objects.get(username="citizen")
    record = person_matching(citizen.id_number or "", citizen.full_name)
    assert (
        record is not None
        and record.sex == "M"
        and record.birth_date == identifiers.birth_date_from_id(record.id_number)
    )
    accountless = PopulationRecord.objects.exclude(
        id_number__in=User.objects.exclude(id_number=None).values("id_number")
    )
    assert accountless.count() >= 5
    before = PopulationRecord.objects.count()
    seed_demo(SeedContext(quiet=True))  # idempotent
    assert PopulationRecord.objects.count() == before
    assert REGISTRIES["population"].owner_code == "440300-GAJ"


def test_import_reports_every_bad_row_and_writes_nothing(demo_city: None, tmp_path: Path) -> None:
    good = _id("1980-02-03", True)
    place = community().code
    path = tmp_path / "people.csv"
    path.write_text(
        HEADER
        + f"{good},赵一,M,1980-02-03,{place},20\n"
        + "440399198002031239,钱二,M,1980-02-03,,\n"  # bad check digit
        + f"{_id('1990-01-01', False)},孙三,M,1990-01-01,,\n"  # sex does not match the number
        + f"{_id('1991-01-01', True)},李四,M,1991-02-01,,\n"  # birth date does not match
        + f"{_id('1992-01-01', True)},周五,M,1992-01-01,999999,\n"  # unknown division
        + f"{_id('1993-01-01', True)},吴六,M,1993-01-01,,77\n"  # marital status code
        + f"{good},赵一,M,1980-02-03,,\n",  # repeated
        encoding="utf-8",
    )
    report = import_population(SYSTEM, path)
    assert [e.row for e in report.errors] == [3, 4, 5, 6, 7, 8]
    assert all(e.file == "people.csv" for e in report.errors)
    assert "check digit" in report.errors[0].reason and "sex" in report.errors[1].reason
    assert not PopulationRecord.objects.filter(id_number=good).exists()


def test_import_creates_and_updates(demo_city: None, tmp_path: Path) -> None:
    first, second = _id("1970-05-06", False), _id("1971-07-08", True)
    path = tmp_path / "ok.csv"
    path.write_text(
        HEADER + f"{first},冯七,F,1970-05-06,,10\n{second},陈八,M,1971-07-08,{community().code},20\n", encoding="utf-8"
    )
    out = StringIO()
    call_command("import_population", str(path), stdout=out, stderr=StringIO())
    assert "2 new, 0 updated" in out.getvalue()
    path.write_text(HEADER + f"{first},冯七,F,1970-05-06,,20\n", encoding="utf-8")
    report = import_population(SYSTEM, path)
    assert (report.created, report.updated) == (0, 1)
    assert PopulationRecord.objects.get(id_number=first).marital_status == "20"


def test_command_fails_on_bad_rows_and_missing_columns(demo_city: None, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id_number,name\n1,x\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_population", str(path), stdout=StringIO(), stderr=err)
    assert "missing column(s): sex, birth_date" in err.getvalue()
    with pytest.raises(CommandError):
        call_command("import_population", str(tmp_path / "absent.csv"), stdout=StringIO(), stderr=StringIO())


def test_only_the_owner_or_the_platform_may_import(demo_city: None, tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text(HEADER + f"{_id('1960-01-01', True)},卫九,M,1960-01-01,,\n", encoding="utf-8")
    with pytest.raises(AccessDenied):
        import_population(make_staff(Role.DATA_OFFICER, "440300-RSJ"), path)
    assert import_population(make_staff(Role.DATA_OFFICER, "440300-GAJ"), path).created == 1
