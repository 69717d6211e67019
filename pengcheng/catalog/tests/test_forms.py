"""JSON Schema forms: rendering hints, typing of posted values, per-field messages in zh and en."""

import pytest
from django.utils import translation

from pengcheng.catalog import forms
from pengcheng.catalog.demo_items import person_form
from pengcheng.core.errors import ValidationFailed

SCHEMA, UI = person_form(("情况", "Circumstances", ["reason", "amount", "?birth_date", "education"]))


def test_build_form_carries_labels_constraints_and_groups() -> None:
    with translation.override("zh-hans"):
        groups = forms.build_form(SCHEMA, UI, {"applicant_name": "陈小明"}, {"phone": ["bad"]})
    titles = [g.title for g in groups]
    assert titles == ["申请人信息", "情况", "办理与承诺"]
    fields = {f.name: f for g in groups for f in g.fields}
    assert fields["applicant_name"].value == "陈小明"
    assert fields["applicant_name"].attrs["maxlength"] == 30
    assert fields["phone"].input_type == "tel"
    assert fields["phone"].errors == ["bad"]
    assert fields["phone"].describedby == "f-phone-error"
    assert fields["id_number"].describedby == "f-id_number-help"
    assert fields["amount"].input_type == "number" and fields["amount"].attrs["min"] == 1
    assert fields["birth_date"].input_type == "date" and not fields["birth_date"].required
    assert fields["education"].input_type == "select"
    assert ("master", "硕士研究生") in fields["education"].choices
    assert fields["declaration"].input_type == "checkbox"
    assert fields["delivery"].input_type == "radio"
    with translation.override("en"):
        english = {f.name: f for g in forms.build_form(SCHEMA, UI) for f in g.fields}
    assert english["applicant_name"].label == "Applicant's name"
    assert ("master", "Master's") in english["education"].choices


def test_coerce_types_values_and_drops_blanks() -> None:
    data = forms.coerce(
        SCHEMA, {"amount": "12.5", "reason": "  因病致贫  ", "birth_date": "", "declaration": "true", "id_number": "x"}
    )
    assert data["amount"] == 12.5
    assert data["reason"] == "因病致贫"
    assert "birth_date" not in data
    assert data["declaration"] is True
    assert forms.coerce(SCHEMA, {"amount": "abc"})["amount"] == "abc"  # kept so validation reports it
    assert forms.coerce(SCHEMA, {"amount": "3"})["amount"] == 3


def test_validation_messages_per_field_in_both_languages() -> None:
    raw = {
        "applicant_name": "陈",
        "id_number": "440399195803120012",
        "phone": "12345",
        "reason": "太短",
        "amount": "abc",
        "education": "phd",
        "delivery": "online",
    }
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as caught:
        forms.validate(SCHEMA, UI, raw)
    errors = caught.value.field_errors
    assert errors["applicant_name"] == ["请至少输入 2 个字符。"]
    assert errors["id_number"] == ["请输入有效的 18 位公民身份号码。"]
    assert errors["phone"] == ["请输入 11 位手机号码。"]
    assert errors["amount"] == ["请输入数字。"]
    assert errors["education"] == ["请从选项中选择。"]
    assert errors["declaration"] == ["请勾选确认此项。"]
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        forms.validate(SCHEMA, UI, raw)
    assert caught.value.field_errors["applicant_name"] == ["Enter at least 2 characters."]
    assert caught.value.field_errors["declaration"] == ["You must confirm this."]


def test_pattern_messages_come_from_the_ui_hints() -> None:
    schema, ui = person_form(("账户", "Account", ["bank_account"]))
    with translation.override("zh-hans"):
        errors = forms.validation_errors(schema, ui, {"bank_account": "12"})
    assert errors["bank_account"] == ["银行账号应为 12 至 19 位数字。"]


def test_a_valid_form_passes() -> None:
    from pengcheng.core.identifiers import id_number_check_digit

    first17 = "44039919580312001"
    data = forms.validate(
        SCHEMA,
        UI,
        {
            "applicant_name": "陈小明",
            "id_number": first17 + id_number_check_digit(first17),
            "phone": "19900000001",
            "reason": "家庭突发困难，申请救助。",
            "amount": "3000",
            "education": "bachelor",
            "delivery": "online",
            "declaration": "on",
        },
    )
    assert data["amount"] == 3000 and data["declaration"] is True


@pytest.mark.parametrize(
    ("schema", "ui", "fragment"),
    [
        ({"type": "array"}, {}, '"type": "object"'),
        ({"type": "object", "properties": {"Bad-Name": {"type": "string"}}}, {}, "lower-case"),
        ({"type": "object", "properties": {"x": {"type": "array"}}}, {}, "type must be"),
        ({"type": "object", "properties": {}, "required": ["x"]}, {}, "not defined"),
        ({"type": "object", "properties": {}}, {"groups": [{"fields": ["y"]}]}, "unknown field"),
        ({"type": "object", "properties": {"x": {"type": "string", "minLength": "two"}}}, {}, "JSON Schema"),
        (
            {"type": "object", "properties": {"x": {"type": "string"}}},
            {"fields": {"x": {"prefill": "population.shoe_size"}}},
            "names no registry attribute",
        ),
        (
            {"type": "object", "properties": {"x": {"type": "string"}}},
            {"fields": {"x": {"prefill": "marriage.spouse_name"}}},
            "names no registry attribute",
        ),
    ],
)
def test_check_schema_refuses_forms_it_cannot_render(schema, ui, fragment) -> None:
    with pytest.raises(ValidationFailed) as caught:
        forms.check_schema(schema, ui)
    assert any(fragment in message for message in caught.value.field_errors["form_schema"])
