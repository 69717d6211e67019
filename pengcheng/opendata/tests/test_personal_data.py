"""The personal-data scan and the review that must precede publication."""

from __future__ import annotations

import pytest

from pengcheng.audit.models import AuditRecord
from pengcheng.core import identifiers
from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import AccessDenied, ValidationFailed
from pengcheng.core.models import Role
from pengcheng.opendata import datastore, pii, services
from pengcheng.opendata.models import DatasetState, Resource, VersionStatus
from pengcheng.opendata.tests.factories import csv_bytes, make_dataset, upload
from pengcheng.testing import make_staff

ID = "440399199001010011"
ID = ID[:17] + identifiers.id_number_check_digit(ID[:17])
CREDIT = identifiers.make_credit_code("9", "1", "440399", "12345678")
CARD = "6222020000000000"  # completed below to pass Luhn
CARD = next(CARD[:15] + str(d) for d in range(10) if pii.luhn_valid(CARD[:15] + str(d)))


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (ID, "id_number"),
        (f"申请人身份证{ID}已核验", "id_number"),
        ("13800138000", "mobile"),
        ("+86 139 0000 0000".replace(" ", ""), "mobile"),
        (CARD, "bank_card"),
        ("zhang.san@example.cn", "email"),
        (CREDIT, "credit_code"),
    ],
)
def test_detectors(value: str, kind: str) -> None:
    assert kind in pii.value_kinds(value)


def test_detectors_leave_ordinary_values_alone() -> None:
    for value in (
        "440304",
        "2024-01-01",
        "深圳市福田区",
        "12345678901234567",
        ID[:17] + "0" if ID[17] != "0" else ID[:17] + "1",
        "0755-88889999",
    ):
        assert pii.value_kinds(value) - {"credit_code"} == set(), value
    assert pii.luhn_valid("79927398713") and not pii.luhn_valid("79927398710")


def test_scan_flags_columns_by_values_and_headers() -> None:
    headers = ["姓名", "证件号码", "手机", "备注", "社区", "家庭住址", "泊位数"]
    rows = [["张伟", ID, "13800138000", "无", "莲花北社区", "福田区莲花路12号3栋501室", "12"] for _ in range(10)]
    findings = {finding["column"]: finding["kinds"] for finding in pii.scan(headers, iter(rows))}
    assert findings == {
        "姓名": ["name"],
        "证件号码": ["id_number"],
        "手机": ["mobile"],
        "家庭住址": ["address"],
    }
    masked = pii.scan(headers, iter(rows))[1]["examples"][0]
    assert masked == identifiers.mask_id_number(ID)


def test_mask_values() -> None:
    assert pii.mask(ID, ["id_number"]) == identifiers.mask_id_number(ID)
    assert pii.mask("电话13800138000", ["mobile"]) == "电话138****8000"
    assert pii.mask("zhang@example.cn", ["email"]) == "z***@example.cn"
    assert pii.mask("张伟", ["name"]) == "张*"
    assert pii.mask("福田区莲花路12号3栋", ["address"]) == "福田区莲花路***"


def test_publication_blocked_until_every_flagged_column_is_decided(demo_city: None) -> None:
    officer = make_staff(Role.DATA_OFFICER, "440300-MZJ")
    other = make_staff(Role.DATA_OFFICER, "440300-JTJ")
    dataset = make_dataset("applicants", org="440300-MZJ", state="draft")
    content = csv_bytes(
        ["姓名", "身份证号", "手机", "社区"],
        [["张伟", ID, "13800138000", "莲花北社区"], ["李娜", ID, "13900139000", "香蜜社区"]],
    )
    version = upload(dataset, content)
    assert version.status == VersionStatus.REVIEW
    assert {finding["column"] for finding in version.findings} == {"姓名", "身份证号", "手机"}
    resource = Resource.objects.get(pk=version.resource_id)
    assert resource.current_version is None  # nothing served before the review
    with pytest.raises(ValidationFailed):
        services.publish_dataset(officer, dataset)
    with pytest.raises(AccessDenied):
        services.review_version(other, version, {})
    with pytest.raises(ValidationFailed) as incomplete:
        services.review_version(
            officer, version, {"姓名": {"action": "mask"}, "手机": {"action": "justify", "justification": "短"}}
        )
    assert set(incomplete.value.field_errors) == {"身份证号", "手机"}
    services.review_version(
        officer,
        version,
        {
            "姓名": {"action": "mask"},
            "身份证号": {"action": "drop"},
            "手机": {"action": "justify", "justification": "这是机构的公开服务热线号码，不属于个人信息。"},
        },
    )
    version.refresh_from_db()
    assert version.status == VersionStatus.LOADED
    record = AuditRecord.objects.filter(action="opendata.resource.reviewed").latest("id")
    assert record.data["decisions"]["身份证号"]["action"] == "drop"
    assert "公开服务热线" in record.data["decisions"]["手机"]["justification"]
    result = datastore.search(version.table_name, version.columns)
    assert [field.id for field in result.fields] == ["_id", "姓名", "手机", "社区"]
    assert result.records[0][1:] == ["张*", "13800138000", "莲花北社区"]
    assert ID not in str(result.records)
    dataset = services.publish_dataset(officer, dataset)
    assert dataset.state == DatasetState.ACTIVE


def test_column_types_can_be_changed(demo_city: None) -> None:
    dataset = make_dataset("codes", state="draft")
    version = upload(dataset, csv_bytes(["编号", "数量"], [["001", "5"], ["002", "7"]]))
    assert [column["type"] for column in version.columns] == ["text", "int"]  # leading zeros stay text
    version = services.set_column_types(SYSTEM, version, {"数量": "numeric"})
    assert [column["type"] for column in version.columns] == ["text", "numeric"]
    assert datastore.search(version.table_name, version.columns).records[0] == [1, "001", 5.0]
    with pytest.raises(ValidationFailed):
        services.set_column_types(SYSTEM, version, {"数量": "blob"})
