"""Photos as phones send them: HEIC converted, EXIF GPS read before it is stripped, large photos scaled down."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pillow_heif
import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image

from gridgov.cases.evidence import MAX_EDGE, Position, check_photo, photo_position, store_photos
from gridgov.cases.models import Attachment
from gridgov.cases.tests import factories as f
from gridgov.testing import MiniDistrict

SERIAL = "IPHONE-15-SERIAL-0815"
# 27°51'54" N, 113°6'18" E: inside the test district's grid A1.
A1_GPS = {1: "N", 2: (27.0, 51.0, 54.0), 3: "E", 4: (113.0, 6.0, 18.0)}


@pytest.fixture(autouse=True)
def english_and_media(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


def exif(gps: dict[int, Any] | None = None, orientation: int = 1) -> bytes:
    """Return EXIF with a camera serial, an orientation and (optionally) a GPSInfo IFD."""
    tags = Image.Exif()
    tags[0x010F] = SERIAL  # Make
    tags[0x0112] = orientation
    if gps is not None:
        tags[0x8825] = gps
    return tags.tobytes()


def heic(size: tuple[int, int] = (64, 48), gps: dict[int, Any] | None = None) -> bytes:
    """Return a HEIC photo as an iPhone writes it, made with pillow_heif's encoder."""
    image = Image.new("RGB", size, (30, 120, 200))
    heif = pillow_heif.from_pillow(image)
    out = io.BytesIO()
    heif.save(out, quality=80, exif=exif(gps))
    return out.getvalue()


def test_a_heic_photo_is_decoded_and_stored_as_jpeg_without_exif() -> None:
    original = heic((64, 48), gps=A1_GPS)
    assert original[4:12] == b"ftypheic" and SERIAL.encode() in original

    photo = check_photo(SimpleUploadedFile("IMG_0001.HEIC", original, content_type="image/heic"))

    assert (photo.content_type, photo.extension, photo.width, photo.height) == ("image/jpeg", "jpg", 64, 48)
    stored = Image.open(io.BytesIO(photo.data))
    assert stored.format == "JPEG"
    assert dict(stored.getexif()) == {}
    assert SERIAL.encode() not in photo.data


def test_a_heic_that_does_not_decode_is_refused_as_not_a_photo() -> None:
    original = heic((256, 192))

    with pytest.raises(ValidationError, match="not a photo") as refused:
        check_photo(original[: len(original) // 2])
    assert refused.value.code == "not_image"


def test_a_multi_picture_jpeg_is_stored_as_a_plain_jpeg() -> None:
    out = io.BytesIO()
    first, second = Image.new("RGB", (40, 30), "red"), Image.new("RGB", (40, 30), "blue")
    first.save(out, format="MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"

    photo = check_photo(out.getvalue())

    assert photo.content_type == "image/jpeg"
    assert Image.open(io.BytesIO(photo.data)).format == "JPEG"


def test_the_gps_position_is_read_from_a_jpeg() -> None:
    original = f.photo("JPEG", (40, 30), exif=exif(A1_GPS))

    position = photo_position(SimpleUploadedFile("photo.jpg", original))

    assert position is not None
    assert position.lat == pytest.approx(27 + 51 / 60 + 54 / 3600)
    assert position.lon == pytest.approx(113 + 6 / 60 + 18 / 3600)


def test_the_gps_position_is_read_from_a_heic() -> None:
    position = photo_position(heic(gps=A1_GPS))

    assert isinstance(position, Position)
    assert (position.lon, position.lat) == (pytest.approx(113.105), pytest.approx(27.865))


def test_south_and_west_are_negative() -> None:
    gps = {1: "S", 2: (33.0, 52.0, 4.0), 3: "W", 4: (151.0, 12.0, 36.0)}

    position = photo_position(f.photo("JPEG", exif=exif(gps)))

    assert position is not None and position.lat < 0 and position.lon < 0


@pytest.mark.parametrize(
    "gps",
    [
        None,  # no GPS IFD at all
        {1: "N", 3: "E"},  # references without values
        {1: "N", 2: (0.0, 0.0, 0.0), 3: "E", 4: (0.0, 0.0, 0.0)},  # a phone without a fix
        {1: "N", 2: (95.0, 0.0, 0.0), 3: "E", 4: (113.0, 6.0, 18.0)},  # out of range
        {**A1_GPS, 18: "TOKYO"},  # another map datum
    ],
)
def test_a_photo_without_a_usable_position_gives_none(gps: dict[int, Any] | None) -> None:
    assert photo_position(f.photo("JPEG", exif=exif(gps))) is None


@pytest.mark.parametrize(
    "content",
    [b"MZ\x90\x00" + b"\x00" * 100, b"", f.photo("PNG"), b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00junk"],
)
def test_reading_the_position_of_anything_else_gives_none(content: bytes) -> None:
    assert photo_position(content) is None


def test_a_large_photo_is_scaled_down_to_the_longest_edge() -> None:
    photo = check_photo(f.photo("JPEG", (3200, 2400)))

    assert (photo.width, photo.height) == (MAX_EDGE, MAX_EDGE * 3 // 4)
    assert Image.open(io.BytesIO(photo.data)).size == (MAX_EDGE, 1920)


def test_a_tall_photo_is_scaled_by_its_height_after_turning_it_upright() -> None:
    # Stored 3000 × 2000 with orientation 6: upright it is 2000 wide and 3000 tall.
    photo = check_photo(f.photo("JPEG", (3000, 2000), exif=exif(orientation=6)))

    assert (photo.width, photo.height) == (1707, MAX_EDGE)


def test_a_small_photo_is_not_enlarged() -> None:
    photo = check_photo(f.photo("PNG", (800, 600)))

    assert (photo.width, photo.height) == (800, 600)


def test_a_stored_heic_photo_carries_no_gps(mini: MiniDistrict) -> None:
    case = f.report()
    photo = check_photo(heic(gps=A1_GPS))

    (attachment,) = store_photos(case, [photo], Attachment.Kind.REPORT, timezone.now())

    name = str(attachment.file.name)
    with default_storage.open(name) as handle:
        stored = handle.read()
    assert name.endswith(".jpg")
    assert photo_position(stored) is None
    assert SERIAL.encode() not in stored
