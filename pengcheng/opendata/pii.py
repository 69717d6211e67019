"""The personal-data scan run on every column before a resource can be published.

Detectors: resident identity numbers (GB 11643 check digit and a real date of birth), mobile numbers,
bank card numbers (Luhn), e-mail addresses, unified social credit codes (GB 32100), and likely names
and addresses (by the column header, or by the share of values that look like them). A structured
identifier is flagged on a single occurrence, even inside free text; names and addresses by share.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from pengcheng.core import identifiers
from pengcheng.core.seed import SURNAMES

KINDS = {
    "id_number": _("resident identity number"),
    "mobile": _("mobile phone number"),
    "bank_card": _("bank card number"),
    "email": _("e-mail address"),
    "credit_code": _("unified social credit code"),
    "name": _("personal name"),
    "address": _("address"),
}

_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d{9})(?!\d)")
_CARD_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}(?:[ -]?\d{1,3})?)(?![0-9A-Za-z])")
_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_CREDIT_IN_TEXT = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NP-RTUW-Y]{18}(?![0-9A-Z])")
_CHINESE_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
_NOT_A_NAME = re.compile(
    r"(区|市|省|县|镇|街道|社区|村|路|街|局|委|办|中心|公司|学校|医院|站|馆|园|所|队|会|厂|店|场|湖|山|河|桥)$"
)
_ADDRESS_VALUE = re.compile(r"(\d+号|\d+栋|\d+单元|\d+室|\d+房|\d+楼|\d+座|\d+弄|小区|花园\d*栋)")
_NAME_HEADER = re.compile(
    r"(姓名|名字|联系人|负责人|法定代表人|法人代表|申请人|户主|患者|学生姓名|经办人"
    r"|^name$|full ?name|contact ?person|applicant)",
    re.I,
)
_ADDRESS_HEADER = re.compile(
    r"(住址|家庭地址|居住地址|户籍地址|通讯地址|联系地址|^地址$|home ?address|residential)", re.I
)
_SHARE_FOR_PATTERNS = 0.5


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        number = int(char)
        if position % 2 == 1:
            number *= 2
            if number > 9:
                number -= 9
        total += number
    return total % 10 == 0


def _is_bank_card(candidate: str) -> bool:
    digits = re.sub(r"[ -]", "", candidate)
    return 16 <= len(digits) <= 19 and digits[0] in "3456789" and luhn_valid(digits)


def value_kinds(text: str) -> set[str]:
    """Structured identifiers found anywhere in one value."""
    found: set[str] = set()
    if len(text) < 6:
        return found
    upper = text.upper()
    whole = upper.strip()
    if len(whole) == 18 and identifiers.is_valid_credit_code(whole) and not identifiers.is_valid_id_number(whole):
        return {"credit_code"}
    for match in _ID_IN_TEXT.finditer(upper):
        if identifiers.is_valid_id_number(match.group(0)):
            found.add("id_number")
            break
    if _MOBILE_IN_TEXT.search(text):
        found.add("mobile")
    for match in _CARD_IN_TEXT.finditer(text):
        if _is_bank_card(match.group(1)):
            found.add("bank_card")
            break
    if "@" in text and _EMAIL_IN_TEXT.search(text):
        found.add("email")
    for match in _CREDIT_IN_TEXT.finditer(upper):
        code = match.group(0)
        if identifiers.is_valid_credit_code(code) and not identifiers.is_valid_id_number(code):
            found.add("credit_code")
            break
    return found


def looks_like_name(text: str) -> bool:
    return bool(_CHINESE_NAME.match(text)) and text[0] in SURNAMES and not _NOT_A_NAME.search(text)


@dataclass
class ColumnScan:
    column: str
    sampled: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)

    def add(self, kind: str, value: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        self.examples.setdefault(kind, value)


def scan(headers: list[str], rows: Iterable[list[Any]], sample: int = 50_000) -> list[dict[str, Any]]:
    """Findings, one per flagged column: ``{"column", "kinds", "matches", "sampled", "examples"}``.

    Examples are masked, so the findings themselves never hold personal data."""
    from pengcheng.opendata.ingest import as_text

    columns = [ColumnScan(header) for header in headers]
    for count, row in enumerate(rows):
        if count >= sample:
            break
        for column, value in zip(columns, row, strict=False):
            text = as_text(value)
            if not text:
                continue
            column.sampled += 1
            for kind in value_kinds(text):
                column.add(kind, text)
            if looks_like_name(text):
                column.add("name", text)
            if _ADDRESS_VALUE.search(text):
                column.add("address", text)
    findings = []
    for column in columns:
        kinds = []
        for kind in ("id_number", "mobile", "bank_card", "email", "credit_code"):
            if column.counts.get(kind):
                kinds.append(kind)
        share = {
            kind: column.counts.get(kind, 0) / column.sampled if column.sampled else 0 for kind in ("name", "address")
        }
        if _NAME_HEADER.search(column.column) or share["name"] >= _SHARE_FOR_PATTERNS:
            kinds.append("name")
        if _ADDRESS_HEADER.search(column.column) or share["address"] >= _SHARE_FOR_PATTERNS:
            kinds.append("address")
        if kinds:
            findings.append(
                {
                    "column": column.column,
                    "kinds": kinds,
                    "matches": max([column.counts.get(kind, 0) for kind in kinds] + [0]),
                    "sampled": column.sampled,
                    "examples": [mask(column.examples[kind], [kind]) for kind in kinds if kind in column.examples][:3],
                }
            )
    return findings


def _mask_email(match: re.Match[str]) -> str:
    local, _, domain = match.group(0).partition("@")
    return local[:1] + "***@" + domain


def mask(value: Any, kinds: list[str]) -> Any:
    """``value`` with every occurrence of the flagged kinds masked, as everywhere on the platform."""
    if value is None or value == "":
        return value
    text = str(value)
    if "id_number" in kinds or "credit_code" in kinds:
        text = _ID_IN_TEXT.sub(lambda m: identifiers.mask_id_number(m.group(0)), text)
        text = _CREDIT_IN_TEXT.sub(
            lambda m: (
                identifiers.mask_credit_code(m.group(0)) if identifiers.is_valid_credit_code(m.group(0)) else m.group(0)
            ),
            text,
        )
    if "bank_card" in kinds:
        text = _CARD_IN_TEXT.sub(
            lambda m: (
                identifiers.mask_id_number(re.sub(r"[ -]", "", m.group(1))) if _is_bank_card(m.group(1)) else m.group(0)
            ),
            text,
        )
    if "mobile" in kinds:
        text = _MOBILE_IN_TEXT.sub(lambda m: identifiers.mask_phone(m.group(1)), text)
    if "email" in kinds:
        text = _EMAIL_IN_TEXT.sub(_mask_email, text)
    if "name" in kinds:
        text = identifiers.mask_name(text.strip())
    if "address" in kinds:
        cut = _ADDRESS_VALUE.search(text)
        keep = text[: cut.start()] if cut else text[: max(len(text) // 2, 1)]
        text = keep.rstrip("0123456789-") + "***"
    return text
