"""Normalise Chinese addresses so that the ways people write one building compare equal.

"株洲市石峰区清水塘街道 起重生活区二号楼1单元302室" and "起重生活区2栋1-302" both name
building "起重生活区2栋", unit "1", room "302". Steps, in order: full-width → half-width (NFKC),
dashes unified, whitespace and punctuation dropped, Chinese numerals before a counting word made
Arabic (十二栋 → 12栋), building words unified (2号楼/2幢/2座/2# → 2栋), and the administrative
prefix (province, city, district, street office, community) dropped.

A district is only recognised after a city ("株洲市石峰区"): on its own "石峰区" cannot be told from an
estate such as "起重生活区", so it stays; `territory.address_index` finds keys inside longer text anyway.
"""

from __future__ import annotations

import re
import unicodedata

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_MULTIPLIERS = {"十": 10, "百": 100, "千": 1000}
_NUMERAL = "[零〇一二两三四五六七八九十百千]"
# Counting words after which a Chinese numeral is a number, not part of a name like 五一路 or 十里冲.
_COUNTED = "栋|幢|座|号|单元|楼|层|室|期|区|组|门|户|巷|弄|#"
_CHINESE_NUMBER = re.compile(rf"第?({_NUMERAL}+)(?={_COUNTED})")
_FIRST_ORDINAL = re.compile(rf"第([0-9]+)(?={_COUNTED})")
_DASHES = re.compile(r"[‐‑‒–—―−﹣]")
_NOT_KEPT = re.compile(r"[^\w#-]|_")
# A building number is Arabic digits or one letter (A座); the word after it becomes 栋.
_BUILDING_WORD = re.compile(r"(?<![A-Z])([0-9]+|[A-Z])(?:号楼|号栋|号幢|号座|栋楼|幢楼|#楼|#栋|幢|座|栋|#)")
# "2-1-302" at the end is building-unit-room when no building word was written.
_TRIPLE = re.compile(r"([0-9]+)-([0-9]+)-([0-9]+)室?$")
_CJK = "[\u4e00-\u9fff]"
_PROVINCE = re.compile(rf"{_CJK}{{2,3}}省|{_CJK}{{2,8}}?自治区")
_CITY = re.compile(rf"{_CJK}{{2,4}}?(?<![城超])市(?!场)|{_CJK}{{2,8}}?自治州")
# A district or county is only recognised after a city or province: "起重生活区" is an estate, not a district.
_COUNTY = re.compile(rf"{_CJK}{{1,4}}?(?:区|县|旗|市(?!场))")
_STREET_OFFICE = re.compile(rf"{_CJK}{{1,12}}?(?:街道办事处|街道办|街道|办事处)")
_TOWN = re.compile(rf"{_CJK}{{1,5}}?(?:镇|乡)")
_COMMUNITY = re.compile(rf"{_CJK}{{1,10}}?(?:社区居委会|社区居民委员会|社区|居委会|村委会|村民委员会)")
_BUILDING = re.compile(r"[0-9A-Z]+栋")
_UNIT_ROOM = re.compile(
    r"^(?:([0-9A-Z]+)(?:单元|门|-))?(?:[0-9]+(?:楼|层))?([0-9]+[A-Z]?|[A-Z]?[0-9]+)?(?:室|号|房)?$"
)


def normalise_address(text: str) -> str:
    """Return the address in the normal form used for matching (see the module docstring)."""
    value = unicodedata.normalize("NFKC", str(text)).upper()
    value = _NOT_KEPT.sub("", _DASHES.sub("-", value))
    value = _CHINESE_NUMBER.sub(lambda m: str(chinese_to_int(m.group(1))), value)
    value = _FIRST_ORDINAL.sub(r"\1", value)
    value = _BUILDING_WORD.sub(r"\1栋", value)
    if "栋" not in value:
        value = _TRIPLE.sub(r"\1栋\2单元\3", value)
    return _drop_prefix(value.replace("#", ""))


def building_key(text: str) -> str:
    """Return the normalised address up to and including "N栋", or all of it when there is none."""
    return building_part(normalise_address(text))


def building_part(normal: str) -> str:
    """Return the building key of an address that is already normalised."""
    # Normalising twice is not always a no-op: a second pass could strip a community called 新社区.
    match = _BUILDING.search(normal)
    return normal[: match.end()] if match else normal


def split_unit_room(text: str) -> tuple[str, str]:
    """Return (unit, room) of an address such as "2栋1单元302", "2栋1-302" or "2栋302室"; "" when absent."""
    return unit_room_part(normalise_address(text))


def unit_room_part(normal: str) -> tuple[str, str]:
    """Return (unit, room) of an address that is already normalised."""
    match = _BUILDING.search(normal)
    if match is None:
        return "", ""
    parts = _UNIT_ROOM.match(normal[match.end() :])
    if parts is None:
        return "", ""
    return parts.group(1) or "", parts.group(2) or ""


def chinese_to_int(numeral: str) -> int:
    """Return the value of a Chinese numeral: 十二 → 12, 二十 → 20, 一百零五 → 105, 三〇二 → 302."""
    if not any(ch in _MULTIPLIERS for ch in numeral):
        # Digit by digit, as room numbers are read out: 三〇二 → 302.
        return int("".join(str(_DIGITS[ch]) for ch in numeral))
    total, digit = 0, None
    for ch in numeral:
        if ch in _MULTIPLIERS:
            total += (1 if digit is None else digit) * _MULTIPLIERS[ch]
            digit = None
        else:
            digit = _DIGITS[ch]
    return total + (digit or 0)


def _drop_prefix(value: str) -> str:
    """Drop the administrative levels at the start of the address, outermost first."""
    rest, province = _strip(_PROVINCE, value)
    rest, city = _strip(_CITY, rest)
    county = False
    if province or city:
        rest, county = _strip(_COUNTY, rest)
    rest, street = _strip(_STREET_OFFICE, rest)
    if county and not street:
        rest, _town = _strip(_TOWN, rest)
    rest, _community = _strip(_COMMUNITY, rest)
    return rest


def _strip(pattern: re.Pattern[str], value: str) -> tuple[str, bool]:
    # Never strip the whole address away: "清水塘社区" alone is still something to match.
    match = pattern.match(value)
    if match is None or match.end() == len(value):
        return value, False
    return value[match.end() :], True


__all__ = [
    "building_key",
    "building_part",
    "chinese_to_int",
    "normalise_address",
    "split_unit_room",
    "unit_room_part",
]
