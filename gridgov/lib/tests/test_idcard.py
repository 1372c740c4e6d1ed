from __future__ import annotations

from datetime import date

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from gridgov.lib.idcard import (
    IdNumber,
    InvalidIdNumber,
    check_digit,
    make_id_number,
    normalise_id_number,
    parse_id_number,
)

# The worked example printed in GB 11643-1999 itself.
STANDARD_EXAMPLE = "11010519491231002X"


def test_it_accepts_the_example_of_the_standard() -> None:
    assert parse_id_number(STANDARD_EXAMPLE) == IdNumber(
        number=STANDARD_EXAMPLE, birth_date=date(1949, 12, 31), gender="F", region="110105"
    )


def test_it_reads_the_gender_from_the_seventeenth_digit() -> None:
    man = make_id_number("430204", date(1980, 5, 17), 123)
    woman = make_id_number("430204", date(1980, 5, 17), 124)
    assert parse_id_number(man).gender == "M"
    assert parse_id_number(woman).gender == "F"


@pytest.mark.parametrize(
    "written",
    [
        "11010519491231002x",
        " 110105 19491231 002X ",
        "１１０１０５１９４９１２３１００２ｘ",
        "110105\u300019491231002X",
    ],
)
def test_it_normalises_case_spaces_and_full_width_digits(written: str) -> None:
    assert parse_id_number(written).number == STANDARD_EXAMPLE
    assert normalise_id_number(written) == STANDARD_EXAMPLE


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", InvalidIdNumber.EMPTY),
        ("   ", InvalidIdNumber.EMPTY),
        ("110105491231002", InvalidIdNumber.OLD_FORMAT),
        ("11010519491231002", InvalidIdNumber.LENGTH),
        ("11010519491231002XX", InvalidIdNumber.LENGTH),
        ("1101051949123100X2", InvalidIdNumber.CHARACTERS),
        ("11010519491231002Y", InvalidIdNumber.CHARACTERS),
        ("990105194912310021", InvalidIdNumber.REGION),
        ("110105194902300021", InvalidIdNumber.BIRTH_DATE),
        ("110105194913010021", InvalidIdNumber.BIRTH_DATE),
        ("440524188001010014", InvalidIdNumber.TOO_OLD),
        ("110105194912310021", InvalidIdNumber.CHECK_DIGIT),
    ],
)
def test_it_rejects_bad_numbers_with_a_reason(value: str, reason: str) -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        parse_id_number(value)
    assert caught.value.reason == reason
    assert str(caught.value) == reason


@time_machine.travel("2024-06-01 10:00 +0800", tick=False)
def test_it_rejects_a_birth_date_in_the_future() -> None:
    tomorrow = make_id_number("430204", date(2024, 6, 2), 11)
    today = make_id_number("430204", date(2024, 6, 1), 11)
    with pytest.raises(InvalidIdNumber, match="in the future"):
        parse_id_number(tomorrow)
    assert parse_id_number(today).birth_date == date(2024, 6, 1)


def test_a_swapped_pair_of_digits_is_caught_by_the_check_digit() -> None:
    good = make_id_number("430204", date(1975, 3, 14), 52)
    swapped = good[:14] + good[15] + good[14] + good[16:]
    assert swapped != good
    with pytest.raises(InvalidIdNumber, match="check digit"):
        parse_id_number(swapped)


def test_the_check_digit_can_be_x() -> None:
    assert check_digit(STANDARD_EXAMPLE[:17]) == "X"


def test_the_check_digit_needs_seventeen_digits() -> None:
    with pytest.raises(ValueError, match="exactly 17 digits"):
        check_digit("1234")


@pytest.mark.parametrize(
    ("region", "sequence"), [("43020", 1), ("43020A", 1), ("430204", 1000), ("430204", -1)]
)
def test_make_id_number_refuses_bad_parts(region: str, sequence: int) -> None:
    with pytest.raises(ValueError):
        make_id_number(region, date(1990, 1, 1), sequence)


@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
    sequence=st.integers(min_value=0, max_value=999),
    region=st.sampled_from(["430204", "430211", "110105", "650102", "810000"]),
)
def test_made_numbers_parse_back_to_their_parts(born: date, sequence: int, region: str) -> None:
    parsed = parse_id_number(make_id_number(region, born, sequence))
    assert parsed.birth_date == born
    assert parsed.region == region
    assert parsed.gender == ("M" if sequence % 2 else "F")


@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
    position=st.integers(min_value=0, max_value=16),
    delta=st.integers(min_value=1, max_value=9),
)
def test_any_single_wrong_digit_is_rejected(born: date, position: int, delta: int) -> None:
    good = make_id_number("430204", born, 7)
    wrong = good[:position] + str((int(good[position]) + delta) % 10) + good[position + 1 :]
    with pytest.raises(InvalidIdNumber):
        parse_id_number(wrong)
