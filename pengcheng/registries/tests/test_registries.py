"""The base registries beyond population: demo seed, CSV imports, owners and the facts contract."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from pengcheng.audit.models import AuditRecord
from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import AccessDenied
from pengcheng.core.models import Company, Role, User
from pengcheng.core.seed import demo_credit_code, demo_id_number
from pengcheng.registries.models import (
    REGISTRIES,
    EducationRecord,
    LegalEntityRecord,
    PropertyRecord,
    SocialInsuranceRecord,
    VehicleRecord,
)
from pengcheng.registries.selectors import attribute_schema, facts_for_company, facts_for_person
from pengcheng.registries.services import IMPORTS, import_registry
from pengcheng.testing import community, make_staff


def _id(birth: str, male: bool = True, index: int = 11) -> str:
    import datetime as dt

    return demo_id_number(index, dt.date.fromisoformat(birth), male)


def _write(tmp_path: Path, name: str, header: list[str], *rows: str) -> Path:
    path = tmp_path / name
    path.write_text(",".join(header) + "\n" + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def test_every_registry_names_an_owner_and_a_subject_and_is_importable(demo_city: None) -> None:
    owners = {key: registry.owner_code for key, registry in REGISTRIES.items()}
    assert owners == {
        "population": "440300-GAJ",
        "legal_entity": "440300-SCJGJ",
        "social_insurance": "440300-RSJ",
        "property": "440300-GHZYJ",
        "vehicle": "440300-GAJ",
        "education": "440300-JYJ",
    }
    assert REGISTRIES["legal_entity"].subject == "company"
    assert {key for key, r in REGISTRIES.items() if r.many} == {"property", "vehicle", "education"}
    assert set(IMPORTS) == set(REGISTRIES)
    schema = attribute_schema()
    assert schema["social_insurance"]["months_contributed"] == "int"
    assert schema["legal_entity"]["registered_capital"] == "decimal"
    assert schema["vehicle"]["new_energy"] == "bool"
    assert schema["education"]["graduation_date"] == "date"
    assert schema["population"]["household_address"] == "string"


def test_demo_accounts_have_a_record_in_every_registry(demo_city: None) -> None:
    citizen = User.objects.get(username="citizen")
    facts = facts_for_person(citizen.id_number or "")
    assert set(facts) == {"population", "social_insurance", "property", "vehicle", "education"}
    assert facts["population"]["residence_permit_number"] and facts["population"]["household_division"] is None
    assert facts["social_insurance"]["employer"] == "深圳市鹏城示范科技有限公司"
    assert facts["vehicle"][0]["plate_number"].startswith("粤B")
    degrees = [d["degree"] for d in facts["education"]]
    assert degrees == ["master", "bachelor"]  # latest first
    company = Company.objects.get(name="深圳市鹏城示范科技有限公司")
    entity = facts_for_company(company.credit_code.lower())["legal_entity"]
    representative = User.objects.get(username="company")
    assert entity["legal_representative"] == representative.full_name
    assert entity["legal_representative_id_number"] == representative.id_number
    assert facts_for_person(representative.id_number or "")["population"]["household_division"]


LEGAL_HEADER = IMPORTS["legal_entity"].column_names


def test_legal_entity_import_reports_every_bad_row_and_writes_nothing(demo_city: None, tmp_path: Path) -> None:
    good = demo_credit_code(4_000_001)
    rep = _id("1980-01-01")
    path = _write(
        tmp_path,
        "entities.csv",
        LEGAL_HEADER,
        f"{good},深圳市测试科技有限公司,enterprise,赵一,{rep},100,2020-01-01,深圳市福田区测试路1号,{community().code},软件开发,active",
        f"{good[:-1]}0,深圳市坏码有限公司,enterprise,钱二,,,2020-01-01,深圳市福田区测试路2号,,,",  # check char
        f"{demo_credit_code(4_000_002)},深圳市坏类有限公司,shop,孙三,,,2020-01-01,深圳市福田区测试路3号,,,",
        f"{demo_credit_code(4_000_003)},深圳市坏钱有限公司,enterprise,李四,,-5,2020-01-01,深圳市福田区测试路4号,,,",
        f"{demo_credit_code(4_000_004)},深圳市未来有限公司,enterprise,周五,,,2999-01-01,深圳市福田区测试路5号,,,",
        f"{good},深圳市重复有限公司,enterprise,吴六,,,2020-01-01,深圳市福田区测试路6号,,,",
    )
    report = import_registry(SYSTEM, "legal_entity", path)
    assert [e.row for e in report.errors] == [3, 4, 5, 6, 7]
    reasons = [e.reason for e in report.errors]
    assert reasons[0].startswith("credit_code") and "entity_type" in reasons[1]
    assert "registered_capital" in reasons[2] and "future" in reasons[3] and "repeated" in reasons[4]
    assert not LegalEntityRecord.objects.filter(credit_code=good).exists()


def test_each_person_registry_imports_and_updates(demo_city: None, tmp_path: Path) -> None:
    person = _id("1990-02-02")
    employer = demo_credit_code(4_000_010)
    cases = {
        "social_insurance": f"{person},测试人,深圳市测试科技有限公司,{employer},contributing,2015-01-01,100,60,1",
        "property": (
            f"粤（2020）深圳市不动产权第0000001号,{person},测试人,深圳市福田区测试路1号,,residential,88.5,2020-05-01,1"
        ),
        "vehicle": f"粤BD12345,{person},测试人,K33,比亚迪 汉EV,LGXC16DF4N0000001,是,2021-03-01,2027-03-01,A",
        "education": f"105901201211234567,{person},测试人,master,深圳大学,软件工程,2015-06-30,1",
    }
    for key, row in cases.items():
        path = _write(tmp_path, f"{key}.csv", IMPORTS[key].column_names, row)
        report = import_registry(SYSTEM, key, path)
        assert report.ok and report.created == 1, (key, report.errors)
    facts = facts_for_person(person)
    assert facts["social_insurance"]["months_contributed"] == 100
    assert facts["property"][0]["floor_area"] == "88.50" and facts["property"][0]["mortgaged"] is True
    assert facts["vehicle"][0]["new_energy"] is True
    assert facts["education"][0]["degree"] == "master"
    again = _write(
        tmp_path,
        "again.csv",
        IMPORTS["social_insurance"].column_names,
        cases["social_insurance"].replace(",100,60,", ",101,61,"),
    )
    report = import_registry(SYSTEM, "social_insurance", again)
    assert (report.created, report.updated) == (0, 1)
    assert SocialInsuranceRecord.objects.get(id_number=person).continuous_months == 61
    assert AuditRecord.objects.filter(action="registries.social_insurance_imported").count() == 2


def test_person_registries_report_bad_rows(demo_city: None, tmp_path: Path) -> None:
    person = _id("1991-03-03")
    bad = {
        "social_insurance": [
            f"{person},测试人,某单位有限公司,,paused,2015-01-01,100,60,1",  # status
            f"{person},测试人,某单位有限公司,,contributing,2015-01-01,10,60,1",  # continuous > total
            f"{person},测试人,某单位有限公司,,contributing,2015-01-01,10,6,9",  # tier
        ],
        "property": [
            f"粤（2020）深圳市不动产权第0000002号,{person},测试人,深圳市福田区测试路1号,,residential,0,2020-05-01,"
        ],
        "vehicle": [
            f"ABC123,{person},测试人,K33,丰田,LGXC16DF4N0000002,0,2021-03-01,2027-03-01,A",  # plate
            f"粤B12345,{person},测试人,K33,丰田,LGXC16DF4N000000I,0,2021-03-01,2027-03-01,A",  # VIN with I
            f"粤B12346,{person},测试人,K33,丰田,LGXC16DF4N0000003,0,2021-03-01,2020-03-01,A",  # order
        ],
        "education": [f"123,{person},测试人,master,深圳大学,软件工程,2015-06-30,1"],
    }
    for key, rows in bad.items():
        path = _write(tmp_path, f"bad-{key}.csv", IMPORTS[key].column_names, *rows)
        report = import_registry(SYSTEM, key, path)
        assert [e.row for e in report.errors] == list(range(2, 2 + len(rows))), (key, report.errors)
    assert not PropertyRecord.objects.filter(id_number=person).exists()
    assert not VehicleRecord.objects.filter(id_number=person).exists()
    assert not EducationRecord.objects.filter(id_number=person).exists()
    unknown = tmp_path / "unknown.csv"
    unknown.write_text(",".join(IMPORTS["vehicle"].column_names) + ",colour\n", encoding="utf-8")
    assert "unknown column(s): colour" in import_registry(SYSTEM, "vehicle", unknown).errors[0].reason


def test_only_the_owning_department_may_import(demo_city: None, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "edu.csv",
        IMPORTS["education"].column_names,
        f"105901201211234568,{_id('1992-04-04')},测试人,bachelor,深圳大学,法学,2014-06-30,1",
    )
    with pytest.raises(AccessDenied):
        import_registry(make_staff(Role.DATA_OFFICER, "440300-RSJ"), "education", path)
    with pytest.raises(AccessDenied):
        import_registry(make_staff(Role.CLERK, "440300-JYJ"), "education", path)
    assert import_registry(make_staff(Role.DATA_OFFICER, "440300-JYJ"), "education", path).created == 1


def test_import_registry_command(demo_city: None, tmp_path: Path) -> None:
    person = _id("1993-05-05")
    good = _write(
        tmp_path,
        "si.csv",
        IMPORTS["social_insurance"].column_names,
        f"{person},测试人,深圳市测试科技有限公司,,contributing,2016-01-01,12,12,1",
    )
    out = StringIO()
    call_command("import_registry", "social_insurance", str(good), stdout=out, stderr=StringIO())
    assert "social_insurance registry: 1 new, 0 updated" in out.getvalue()
    bad = _write(tmp_path, "bad.csv", IMPORTS["social_insurance"].column_names, f"{person},测试人,,,x,2016-01-01,1,1,1")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_registry", "social_insurance", str(bad), stdout=StringIO(), stderr=err)
    assert "bad.csv:2: status 'x' is not one of" in err.getvalue()
