from __future__ import annotations

import pytest

from gridgov.lib.phone import InvalidPhone, is_mobile, normalise_phone


@pytest.mark.parametrize(
    "written",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+8613812345678",
        "0086 13812345678",
        "86 13812345678",
        "１３８１２３４５６７８",
        "(+86) 138-1234-5678",
    ],
)
def test_it_normalises_the_ways_a_mobile_is_written(written: str) -> None:
    assert normalise_phone(written) == "13812345678"


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("0731-28221234", "0731-28221234"),
        ("(0731) 2822 1234", "0731-28221234"),
        ("073128221234", "0731-28221234"),
        ("0731-2822-1234", "0731-28221234"),
        ("0731-2822123", "0731-2822123"),
        ("010-65123456", "010-65123456"),
        ("02162345678", "021-62345678"),
        ("+86 731 2822 1234", "0731-28221234"),
        ("0731-28221234转801", "0731-28221234-801"),
        ("0731-28221234 ext. 801", "0731-28221234-801"),
        ("0731-28221234-801", "0731-28221234-801"),
    ],
)
def test_it_normalises_landlines_with_area_code_and_extension(written: str, normal: str) -> None:
    assert normalise_phone(written) == normal


def test_a_local_number_needs_the_default_area_code() -> None:
    with pytest.raises(InvalidPhone) as caught:
        normalise_phone("2822 1234")
    assert caught.value.reason == InvalidPhone.AREA_CODE
    assert normalise_phone("2822 1234", default_area_code="0731") == "0731-28221234"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", InvalidPhone.EMPTY),
        ("  ", InvalidPhone.EMPTY),
        ("138-1234-567a", InvalidPhone.CHARACTERS),
        ("电话13812345678", InvalidPhone.CHARACTERS),
        ("+1 212 555 0100", InvalidPhone.FOREIGN),
        ("0044 20 7946 0000", InvalidPhone.FOREIGN),
        ("12812345678", InvalidPhone.MOBILE),
        ("1381234567", InvalidPhone.MOBILE),
        ("138123456789", InvalidPhone.MOBILE),
        ("13812345678转8", InvalidPhone.MOBILE_EXTENSION),
        ("0731-123456", InvalidPhone.LANDLINE),
        ("0731-123456789", InvalidPhone.LANDLINE),
        ("021-12345678", InvalidPhone.LANDLINE),
    ],
)
def test_it_rejects_bad_numbers_with_a_reason(value: str, reason: str) -> None:
    with pytest.raises(InvalidPhone) as caught:
        normalise_phone(value)
    assert caught.value.reason == reason


def test_normal_forms_are_stable() -> None:
    for value in ["13812345678", "0731-28221234", "0731-28221234-801", "010-65123456"]:
        assert normalise_phone(value) == value


def test_it_tells_mobiles_from_landlines() -> None:
    assert is_mobile("13812345678")
    assert not is_mobile("0731-28221234")
