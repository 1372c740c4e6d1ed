"""Mainland China phone numbers: mobiles (1[3-9] + 9 digits) and landlines (area code + 7-8 digits).

Normal forms, so that one number always gives the same keyed hash:
mobile `13812345678`; landline `0731-28221234`, with an extension `0731-28221234-801`.
"""

from __future__ import annotations

import re

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
# 3-digit area codes are exactly Beijing (010) and 020-029; every other area code has 4 digits.
_LANDLINE = re.compile(r"(0(?:10|2[0-9]|[3-9][0-9]{2}))([2-9][0-9]{6,7})")
_LOCAL = re.compile(r"[2-9][0-9]{6,7}")
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|x|#|,|，)\s*([0-9]{1,6})$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s\u3000\-–—()（）.]+")
_DIGITS = re.compile(r"\+?[0-9]+")
_FULL_WIDTH = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "＋": "+", "－": "-"})


class InvalidPhone(ValueError):
    """The value is not a mainland phone number; `reason` is one of the constants below."""

    EMPTY = "The phone number is empty."
    CHARACTERS = "A phone number contains only digits, spaces, dashes, brackets and an optional +86."
    FOREIGN = "Only mainland China numbers (+86) are accepted."
    MOBILE = "A mobile number has 11 digits and starts with 13 to 19."
    MOBILE_EXTENSION = "A mobile number has no extension."
    AREA_CODE = "A landline number needs its area code, such as 0731."
    LANDLINE = "A landline number is an area code followed by 7 or 8 digits."

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def normalise_phone(value: str, default_area_code: str | None = None) -> str:
    """Return the number in its normal form, or raise InvalidPhone.

    A bare 7-8 digit local number is accepted only when `default_area_code` (e.g. "0731") is given.
    """
    text = str(value).translate(_FULL_WIDTH).strip()
    if not text:
        raise InvalidPhone(InvalidPhone.EMPTY)
    main, extension = _split_extension(text)
    try:
        return _normalise(main, extension, default_area_code)
    except InvalidPhone:
        # "0731-28221234-801": a last dash group may be an extension rather than part of the number.
        head, dash, tail = main.rpartition("-")
        if extension or not dash or not re.fullmatch(r"\s*[0-9]{1,6}\s*", tail):
            raise
        return _normalise(head, tail.strip(), default_area_code)


def is_mobile(number: str) -> bool:
    """Return whether a normalised number is a mobile (can receive text messages)."""
    return bool(_MOBILE.fullmatch(number))


def _split_extension(text: str) -> tuple[str, str]:
    match = _EXTENSION.search(text)
    if match is None:
        return text, ""
    return text[: match.start()], match.group(1)


def _normalise(main: str, extension: str, default_area_code: str | None) -> str:
    digits, international = _strip_country_code(_SEPARATORS.sub("", main))
    if digits.startswith("1"):
        if not _MOBILE.fullmatch(digits):
            raise InvalidPhone(InvalidPhone.MOBILE)
        if extension:
            raise InvalidPhone(InvalidPhone.MOBILE_EXTENSION)
        return digits
    if international:
        digits = "0" + digits  # +86 731 … drops the trunk prefix 0 of the area code
    if _LOCAL.fullmatch(digits):
        if not default_area_code:
            raise InvalidPhone(InvalidPhone.AREA_CODE)
        digits = default_area_code + digits
    match = _LANDLINE.fullmatch(digits)
    if match is None:
        raise InvalidPhone(InvalidPhone.LANDLINE)
    number = f"{match.group(1)}-{match.group(2)}"
    return f"{number}-{extension}" if extension else number


def _strip_country_code(digits: str) -> tuple[str, bool]:
    """Return the national number and whether it was written with the +86/0086 prefix."""
    if not _DIGITS.fullmatch(digits):
        raise InvalidPhone(InvalidPhone.CHARACTERS)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            return digits[len(prefix) :], True
    if digits.startswith(("+", "00")):
        raise InvalidPhone(InvalidPhone.FOREIGN)
    # A bare 86 is only a country code when a mobile number follows (86 is not an area code).
    if len(digits) == 13 and digits.startswith("86") and _MOBILE.fullmatch(digits[2:]):
        return digits[2:], False
    return digits, False


__all__ = ["InvalidPhone", "is_mobile", "normalise_phone"]
