"""Citizen ID numbers (居民身份证号码) after GB 11643-1999: 18 characters, ISO 7064 MOD 11-2 check digit.

Layout: 6-digit region code (GB/T 2260) · 8-digit birth date YYYYMMDD · 3-digit sequence (odd for men,
even for women) · check digit 0-9 or X.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from operator import mul

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_OLD_SHAPE = re.compile(r"[0-9]{15}")
_REGION_SHAPE = re.compile(r"[0-9]{6}")
# Provinces of GB/T 2260, plus 81/82/83 used by the residence permits of Hong Kong, Macao and Taiwan residents.
_PROVINCES = frozenset(
    str(code) for code in (*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55))
) | frozenset(str(code) for code in (*range(61, 66), 71, 81, 82, 83))
# Spaces of every width, and full-width digits and X that Chinese input methods produce.
_CLEAN = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "ｘ": "X", "Ｘ": "X", "x": "X"})
_SPACES = re.compile(r"[\s\u3000]+")
_EARLIEST = date(1900, 1, 1)


class InvalidIdNumber(ValueError):
    """The value is not a valid 18-character ID number; `reason` is one of the constants below."""

    EMPTY = "The ID number is empty."
    OLD_FORMAT = "15-digit ID numbers are no longer valid; give the 18-character number."
    LENGTH = "An ID number has 18 characters."
    CHARACTERS = "An ID number is 17 digits followed by a digit or X."
    REGION = "The first six digits are not a region code."
    BIRTH_DATE = "The birth date in the ID number is not a real date."
    FUTURE = "The birth date in the ID number is in the future."
    TOO_OLD = "The birth date in the ID number is before 1900."
    CHECK_DIGIT = "The check digit does not match; a digit is probably mistyped."

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class IdNumber:
    """A checked ID number and what it says about its holder."""

    number: str
    birth_date: date
    gender: str  # "M" or "F", as Resident.Gender stores it
    region: str


def normalise_id_number(value: str) -> str:
    """Return the value without spaces, with full-width digits made ASCII and x made X."""
    return _SPACES.sub("", str(value)).translate(_CLEAN)


def check_digit(first17: str) -> str:
    """Return the check character (0-9 or X) for the first 17 digits."""
    if len(first17) != 17:
        raise ValueError(f"the check digit needs exactly 17 digits, not {len(first17)}")
    # map/operator rather than a generator: the demo generator calls this 260,000 times.
    return _CHECK_CHARS[sum(map(mul, map(int, first17), _WEIGHTS)) % 11]


def parse_id_number(value: str, today: date | None = None) -> IdNumber:
    """Return the parsed ID number, or raise InvalidIdNumber with the first problem found."""
    number = normalise_id_number(value)
    _check_shape(number)
    if number[:2] not in _PROVINCES:
        raise InvalidIdNumber(InvalidIdNumber.REGION)
    born = _birth_date(number[6:14], today or date.today())
    if check_digit(number[:17]) != number[17]:
        raise InvalidIdNumber(InvalidIdNumber.CHECK_DIGIT)
    gender = "M" if int(number[16]) % 2 else "F"
    return IdNumber(number=number, birth_date=born, gender=gender, region=number[:6])


def make_id_number(region: str, birth_date: date, sequence: int) -> str:
    """Return a valid ID number; an odd sequence makes a man's number, an even one a woman's."""
    if not _REGION_SHAPE.fullmatch(region):
        raise ValueError(f"region must be 6 digits, not {region!r}")
    if not 0 <= sequence <= 999:
        raise ValueError(f"sequence must be 0-999, not {sequence}")
    first17 = f"{region}{birth_date.year:04d}{birth_date.month:02d}{birth_date.day:02d}{sequence:03d}"
    return first17 + check_digit(first17)


def _check_shape(number: str) -> None:
    if not number:
        raise InvalidIdNumber(InvalidIdNumber.EMPTY)
    if _OLD_SHAPE.fullmatch(number):
        raise InvalidIdNumber(InvalidIdNumber.OLD_FORMAT)
    if len(number) != 18:
        raise InvalidIdNumber(InvalidIdNumber.LENGTH)
    if not _SHAPE.fullmatch(number):
        raise InvalidIdNumber(InvalidIdNumber.CHARACTERS)


def _birth_date(digits: str, today: date) -> date:
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise InvalidIdNumber(InvalidIdNumber.BIRTH_DATE) from None
    if born > today:
        raise InvalidIdNumber(InvalidIdNumber.FUTURE)
    if born < _EARLIEST:
        raise InvalidIdNumber(InvalidIdNumber.TOO_OLD)
    return born


__all__ = [
    "IdNumber",
    "InvalidIdNumber",
    "check_digit",
    "make_id_number",
    "normalise_id_number",
    "parse_id_number",
]
