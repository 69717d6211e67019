import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from pengcheng.core import identifiers
from pengcheng.core.seed import demo_credit_code, demo_id_number


def test_known_identity_number_check_digit() -> None:
    # The worked example of GB 11643-1999, Annex A.
    assert identifiers.id_number_check_digit("11010519491231002") == "X"
    assert identifiers.is_valid_id_number("11010519491231002X")
    assert identifiers.id_number_problem("110105194912310021") == "check digit does not match (GB 11643)"


def test_identity_number_shape_and_date_are_checked() -> None:
    assert identifiers.id_number_problem("1234") == "must be 17 digits followed by a digit or X"
    first17 = "44039919990231001"  # 31 February
    assert identifiers.id_number_problem(first17 + identifiers.id_number_check_digit(first17)) == (
        "contains an impossible date of birth"
    )


def test_known_credit_code() -> None:
    # A published example of a valid unified social credit code (GB 32100).
    assert identifiers.is_valid_credit_code("91350100M000100Y43")
    assert not identifiers.is_valid_credit_code("91350100M000100Y44")
    assert identifiers.credit_code_problem("91350100M000100YI3") is not None  # I is not in the charset


@given(st.integers(min_value=0, max_value=9_999_999))
def test_demo_credit_codes_are_valid_and_in_the_test_area(index: int) -> None:
    code = demo_credit_code(index)
    assert identifiers.is_valid_credit_code(code)
    assert code[2:8] == "440399"


@given(
    st.integers(min_value=0, max_value=14_000_000), st.dates(dt.date(1900, 1, 1), dt.date(2025, 12, 31)), st.booleans()
)
def test_demo_identity_numbers_are_valid_and_in_the_test_area(index: int, birth: dt.date, male: bool) -> None:
    number = demo_id_number(index, birth, male)
    assert identifiers.is_valid_id_number(number)
    assert number.startswith("440399")
    assert int(number[16]) % 2 == (1 if male else 0)  # GB 11643: odd sequence numbers are men


def test_masking() -> None:
    assert identifiers.mask_id_number("440399199001011234") == "4403**********1234"
    assert identifiers.mask_phone("19900001234") == "199****1234"
    assert identifiers.mask_credit_code("91440399100000015X") == "9144**********015X"
    assert identifiers.mask_name("张三丰") == "张**"
    assert identifiers.mask_id_number(None) == ""
