"""Application forms defined as JSON Schema plus UI hints, rendered server-side and validated twice.

A form is a flat JSON Schema object (draft 2020-12) whose properties are strings, integers, numbers
or booleans; ``enum`` gives choices and ``format`` may be ``date``, ``email`` or the Chinese
identifier formats below. UI hints (``ItemVersion.form_ui``) look like::

    {"groups": [{"title": "申请人信息", "title_en": "Applicant", "fields": ["name", "id_number"]}],
     "fields": {"name": {"title_en": "Name", "help": "…", "help_en": "…", "widget": "textarea",
                         "autocomplete": "name", "prefill": "population.name"}}}

The renderer emits each field with its label, its HTML constraints (so the browser checks it before
sending), and ``aria-describedby`` pointing at its help and error texts; groups become fieldsets.
The server validates with ``jsonschema`` and turns each failure into a per-field message in the
visitor's language. ``prefill`` names the base-registry value a field is pre-filled from (秒报, ``pengcheng.prefill``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from pengcheng.core import identifiers
from pengcheng.core.errors import ValidationFailed

FORMAT_CHECKER = FormatChecker()
MOBILE = re.compile(r"^1[3-9]\d{9}$")


@FORMAT_CHECKER.checks("cn-id-number")
def _is_id_number(value: object) -> bool:
    return not isinstance(value, str) or identifiers.is_valid_id_number(value)


@FORMAT_CHECKER.checks("cn-credit-code")
def _is_credit_code(value: object) -> bool:
    return not isinstance(value, str) or identifiers.is_valid_credit_code(value)


@FORMAT_CHECKER.checks("cn-mobile")
def _is_mobile(value: object) -> bool:
    return not isinstance(value, str) or bool(MOBILE.match(value))


@FORMAT_CHECKER.checks("date")
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


SUPPORTED_TYPES = {"string", "integer", "number", "boolean"}
INPUT_TYPES = {"date": "date", "email": "email", "cn-mobile": "tel"}


def check_schema(schema: dict[str, Any], ui: dict[str, Any]) -> None:
    """Refuse a form definition the renderer cannot show (raises ``ValidationFailed``)."""
    problems: list[str] = []
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        problems.append(f"not a valid JSON Schema: {exc.message}")
    if schema.get("type") != "object":
        problems.append('the form schema must have "type": "object"')
    properties = schema.get("properties", {})
    for name, spec in properties.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", name):
            problems.append(f"field name {name!r} must be lower-case letters, digits and _")
        if spec.get("type") not in SUPPORTED_TYPES:
            problems.append(f"field {name!r}: type must be one of {sorted(SUPPORTED_TYPES)}")
    for name in schema.get("required", []):
        if name not in properties:
            problems.append(f"required field {name!r} is not defined")
    for group in ui.get("groups", []):
        for name in group.get("fields", []):
            if name not in properties:
                problems.append(f"UI group lists unknown field {name!r}")
    problems.extend(_prefill_problems(ui))
    if problems:
        raise ValidationFailed({"form_schema": problems})


PREFILL_ACCOUNT_ATTRIBUTES = {"phone", "email"}


def _prefill_problems(ui: dict[str, Any]) -> list[str]:
    """A ``prefill`` hint must name a base-registry attribute (``population.name``) or ``account.phone``."""
    from pengcheng.registries.selectors import attribute_schema

    known: dict[str, Any] | None = None
    problems = []
    for name, hints in (ui.get("fields") or {}).items():
        target = (hints or {}).get("prefill") if isinstance(hints, dict) else None
        if not target:
            continue
        registry, _dot, attribute = str(target).partition(".")
        if registry == "account" and attribute in PREFILL_ACCOUNT_ATTRIBUTES:
            continue
        known = known if known is not None else attribute_schema()
        if attribute not in known.get(registry, {}):
            problems.append(f"field {name!r}: prefill {target!r} names no registry attribute")
    return problems


def _english() -> bool:
    return (get_language() or "zh-hans").startswith("en")


def _localised(spec: dict[str, Any], hints: dict[str, Any], key: str) -> str:
    if _english() and hints.get(f"{key}_en"):
        return str(hints[f"{key}_en"])
    return str(hints.get(key) or spec.get(key, "") or "")


@dataclass
class FormField:
    name: str
    label: str
    input_type: str  # text, textarea, select, radio, checkbox, number, date, tel, email
    required: bool
    value: Any = ""
    help: str = ""
    errors: list[str] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    choices: list[tuple[str, str]] = field(default_factory=list)
    verified: str = ""  # the authoritative source of a pre-filled, locked value (已核验)
    note: str = ""  # why a pre-fillable field is empty or still editable

    @property
    def id(self) -> str:
        return f"f-{self.name}"

    @property
    def locked(self) -> bool:
        return bool(self.verified)

    @property
    def describedby(self) -> str:
        ids = []
        if self.verified:
            ids.append(f"{self.id}-verified")
        if self.note:
            ids.append(f"{self.id}-note")
        if self.help:
            ids.append(f"{self.id}-help")
        if self.errors:
            ids.append(f"{self.id}-error")
        return " ".join(ids)

    @property
    def html_attrs(self) -> list[tuple[str, str]]:
        return [(key, str(value)) for key, value in self.attrs.items()]


@dataclass
class FieldGroup:
    title: str
    fields: list[FormField]


def _field(name: str, spec: dict[str, Any], hints: dict[str, Any], required: bool, value: Any) -> FormField:
    kind = spec.get("type", "string")
    widget = hints.get("widget", "")
    label = _localised(spec, hints, "title") or name
    attrs: dict[str, Any] = {}
    choices: list[tuple[str, str]] = []
    if "enum" in spec:
        labels = hints.get("enum_labels_en" if _english() else "enum_labels") or hints.get("enum_labels") or []
        choices = [(str(v), str(labels[i]) if i < len(labels) else str(v)) for i, v in enumerate(spec["enum"])]
        input_type = "radio" if widget == "radio" else "select"
    elif kind == "boolean":
        input_type = "checkbox"
    elif kind in ("integer", "number"):
        input_type = "number"
        attrs["step"] = "1" if kind == "integer" else "any"
        if "minimum" in spec:
            attrs["min"] = spec["minimum"]
        if "maximum" in spec:
            attrs["max"] = spec["maximum"]
    else:
        input_type = "textarea" if widget == "textarea" else INPUT_TYPES.get(spec.get("format", ""), "text")
        if "minLength" in spec:
            attrs["minlength"] = spec["minLength"]
        if "maxLength" in spec:
            attrs["maxlength"] = spec["maxLength"]
        if "pattern" in spec:
            attrs["pattern"] = spec["pattern"]
        if spec.get("format") == "cn-id-number":
            attrs["pattern"] = r"\d{17}[\dXx]"
        if spec.get("format") == "cn-mobile":
            attrs["pattern"] = MOBILE.pattern.strip("^$")
            attrs["inputmode"] = "tel"
    for hint in ("autocomplete", "inputmode"):
        if hints.get(hint):
            attrs[hint] = hints[hint]
    if hints.get("placeholder"):
        attrs["placeholder"] = hints["placeholder"]
    return FormField(
        name=name,
        label=label,
        input_type=input_type,
        required=required,
        value="" if value is None else value,
        help=_localised(spec, hints, "help") or _localised(spec, {}, "description"),
        attrs=attrs,
        choices=choices,
    )


def field_order(schema: dict[str, Any], ui: dict[str, Any]) -> list[str]:
    names = list(schema.get("properties", {}))
    listed = [n for group in ui.get("groups", []) for n in group.get("fields", [])]
    return [n for n in listed if n in names] + [n for n in names if n not in listed]


def build_form(
    schema: dict[str, Any],
    ui: dict[str, Any],
    data: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    *,
    verified: dict[str, str] | None = None,
    notes: dict[str, str] | None = None,
) -> list[FieldGroup]:
    """The form as groups of fields ready for ``catalog/_form_fields.html``. ``verified`` names the
    source of each pre-filled, locked field; ``notes`` explains other pre-fillable fields."""
    data = data or {}
    errors = errors or {}
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    hints_for = ui.get("fields", {})
    fields = {
        name: _field(name, properties[name], hints_for.get(name, {}), name in required, data.get(name))
        for name in field_order(schema, ui)
    }
    for name, messages in errors.items():
        if name in fields:
            fields[name].errors = list(messages)
    for name, source in (verified or {}).items():
        if name in fields:
            fields[name].verified = source
    for name, note in (notes or {}).items():
        if name in fields:
            fields[name].note = note
    groups: list[FieldGroup] = []
    placed: set[str] = set()
    for group in ui.get("groups", []):
        members = [fields[n] for n in group.get("fields", []) if n in fields]
        placed.update(f.name for f in members)
        title = group.get("title_en") if _english() and group.get("title_en") else group.get("title", "")
        groups.append(FieldGroup(str(title or ""), members))
    rest = [f for n, f in fields.items() if n not in placed]
    if rest:
        groups.append(FieldGroup("", rest))
    return groups


def coerce(schema: dict[str, Any], raw: Any) -> dict[str, Any]:
    """Posted form values (strings) → typed values. Values that do not convert are kept as given,
    so that validation reports them; empty values are dropped so that ``required`` reports them."""
    properties = schema.get("properties", {})
    data: dict[str, Any] = {}
    for name, spec in properties.items():
        kind = spec.get("type")
        if kind == "boolean":
            value = raw.get(name)
            if isinstance(value, bool):
                data[name] = value
            elif value not in (None, ""):
                data[name] = str(value).lower() in ("on", "true", "1", "yes")
            continue
        value = raw.get(name)
        if value is None:
            continue
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                continue
        if kind == "integer" and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = int(value)
        elif kind == "number" and isinstance(value, str):
            try:
                number = Decimal(value)
                value = int(number) if number == number.to_integral_value() else float(number)
            except InvalidOperation:
                pass
        elif kind == "string" and not isinstance(value, str):
            value = str(value)
        if spec.get("format") == "cn-id-number" and isinstance(value, str):
            value = value.upper()
        data[name] = value
    return data


def _message(error: Any, schema: dict[str, Any], ui: dict[str, Any]) -> tuple[str, str]:
    """(field, message) for one jsonschema error, in the current language."""
    validator = error.validator
    if validator == "required":
        match = re.search(r"'([^']+)' is a required property", error.message)
        missing = match.group(1) if match else ""
        if schema.get("properties", {}).get(missing, {}).get("const") is True:
            return missing, _("You must confirm this.")
        return missing, _("This field is required.")
    name = str(error.path[0]) if error.path else ""
    spec = schema.get("properties", {}).get(name, {})
    hints = ui.get("fields", {}).get(name, {})
    value = error.validator_value
    if validator == "minLength":
        return name, _("Enter at least %(n)s characters.") % {"n": value}
    if validator == "maxLength":
        return name, _("Enter at most %(n)s characters.") % {"n": value}
    if validator == "pattern":
        return name, _localised({}, hints, "pattern_message") or _("The format is not valid.")
    if validator in ("minimum", "exclusiveMinimum"):
        return name, _("Enter a number no less than %(n)s.") % {"n": value}
    if validator in ("maximum", "exclusiveMaximum"):
        return name, _("Enter a number no greater than %(n)s.") % {"n": value}
    if validator == "enum":
        return name, _("Choose one of the options.")
    if validator == "const":
        return name, _("You must confirm this.")
    if validator == "type":
        expected = spec.get("type")
        if expected == "integer":
            return name, _("Enter a whole number.")
        if expected == "number":
            return name, _("Enter a number.")
        return name, _("The value has the wrong type.")
    if validator == "format":
        return name, {
            "date": _("Enter a date as YYYY-MM-DD."),
            "email": _("Enter a valid e-mail address."),
            "cn-id-number": _("Enter a valid 18-digit resident identity number."),
            "cn-credit-code": _("Enter a valid 18-character unified social credit code."),
            "cn-mobile": _("Enter an 11-digit mobile number."),
        }.get(str(value), _("The format is not valid."))
    return name, _("The value is not valid.")


def validation_errors(schema: dict[str, Any], ui: dict[str, Any], data: dict[str, Any]) -> dict[str, list[str]]:
    validator = Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
    errors: dict[str, list[str]] = {}
    for error in validator.iter_errors(data):
        name, message = _message(error, schema, ui)
        bucket = errors.setdefault(name or "__all__", [])
        if message not in bucket:
            bucket.append(message)
    return errors


def validate(schema: dict[str, Any], ui: dict[str, Any], raw: Any) -> dict[str, Any]:
    """Coerce and validate; return the clean data or raise ``ValidationFailed`` with per-field messages."""
    data = coerce(schema, raw)
    errors = validation_errors(schema, ui, data)
    if errors:
        raise ValidationFailed(errors, message=_("Some fields of the form need your attention."))
    return data


def summary(schema: dict[str, Any], ui: dict[str, Any], data: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, shown value) pairs for a read-only view of filled-in data."""
    rows = []
    for group in build_form(schema, ui, data):
        for item in group.fields:
            value = data.get(item.name)
            if value is None or value == "":
                shown = "—"
            elif item.input_type == "checkbox":
                shown = _("Yes") if value else _("No")
            elif item.choices:
                shown = dict(item.choices).get(str(value), str(value))
            elif "id-number" in str(schema["properties"][item.name].get("format", "")):
                shown = identifiers.mask_id_number(str(value))
            else:
                shown = str(value)
            rows.append((item.label, shown))
    return rows
