"""Chinese identifier checksums and masking.

- Resident identity numbers (居民身份证号码): GB 11643-1999, 18 characters, ISO 7064 MOD 11-2 check.
- Unified social credit codes (统一社会信用代码): GB 32100-2015, 18 characters, MOD 31 check; positions
  9-17 hold the organisation code (GB 11714) with its own MOD 11 check.
"""

from __future__ import annotations

import datetime as dt
import re

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")

CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
_CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_CREDIT_RE = re.compile(rf"^[{CREDIT_CHARSET}]{{18}}$")
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def id_number_check_digit(first17: str) -> str:
    """The 18th character of a resident identity number."""
    if not re.fullmatch(r"\d{17}", first17):
        raise ValueError("the first 17 characters of an identity number must be digits")
    total = sum(int(char) * weight for char, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_number_problem(value: str) -> str | None:
    """Why ``value`` is not a valid identity number, or None if it is."""
    value = value.strip().upper()
    if not _ID_RE.fullmatch(value):
        return "must be 17 digits followed by a digit or X"
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "contains an impossible date of birth"
    if id_number_check_digit(value[:17]) != value[17]:
        return "check digit does not match (GB 11643)"
    return None


def is_valid_id_number(value: str) -> bool:
    return id_number_problem(value) is None


def birth_date_from_id(value: str) -> dt.date:
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def organisation_code_check_char(first8: str) -> str:
    """Check character of a GB 11714 organisation code (position 9 of its 9 characters)."""
    total = 0
    for char, weight in zip(first8, _ORG_WEIGHTS, strict=True):
        value = int(char) if char.isdigit() else ord(char) - 55
        total += value * weight
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def credit_code_problem(value: str) -> str | None:
    """Why ``value`` is not a valid unified social credit code, or None if it is."""
    value = value.strip().upper()
    if not _CREDIT_RE.fullmatch(value):
        return "must be 18 characters from 0-9 and A-Y without I, O, S, V, Z"
    if credit_code_check_char(value[:17]) != value[17]:
        return "check character does not match (GB 32100)"
    return None


def is_valid_credit_code(value: str) -> bool:
    return credit_code_problem(value) is None


def make_credit_code(registration: str, org_type: str, division: str, org_body8: str) -> str:
    """Build a valid credit code from its parts (used by the synthetic demo seed)."""
    org = org_body8 + organisation_code_check_char(org_body8)
    first17 = registration + org_type + division + org
    return first17 + credit_code_check_char(first17)


def is_valid_mobile(value: str) -> bool:
    return bool(_MOBILE_RE.fullmatch(value))


def _mask(value: str, keep_start: int, keep_end: int) -> str:
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def mask_id_number(value: str | None) -> str:
    """``4403**********1234``"""
    return _mask(value, 4, 4) if value else ""


def mask_credit_code(value: str | None) -> str:
    return _mask(value, 4, 4) if value else ""


def mask_phone(value: str | None) -> str:
    """``138****1234``"""
    return _mask(value, 3, 4) if value else ""


def mask_name(value: str | None) -> str:
    """``张**``: the family name only."""
    if not value:
        return ""
    return value[0] + "*" * max(len(value) - 1, 1)
