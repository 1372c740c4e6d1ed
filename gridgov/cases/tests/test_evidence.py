"""Evidence photos: judged by content, size-limited, stripped of metadata, stored with their hash."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image

from gridgov.cases.evidence import MAX_BYTES, check_photo, check_photos, store_photos
from gridgov.cases.models import Attachment
from gridgov.cases.tests import factories as f
from gridgov.testing import MiniDistrict

HUAWEI = b"HUAWEI-P60-SERIAL-0042"


@pytest.fixture(autouse=True)
def english_and_media(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


def _exif(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = HUAWEI.decode()  # Make
    exif[0x0112] = orientation
    gps = {1: "N", 2: (27.0, 51.0, 54.0), 3: "E", 4: (113.0, 6.0, 18.0)}
    exif[0x8825] = gps  # GPSInfo: where the resident lives
    return exif.tobytes()


@pytest.mark.parametrize(
    ("fmt", "content_type", "extension"),
    [("JPEG", "image/jpeg", "jpg"), ("PNG", "image/png", "png"), ("WEBP", "image/webp", "webp")],
)
def test_it_accepts_jpeg_png_and_webp(fmt: str, content_type: str, extension: str) -> None:
    photo = check_photo(f.photo(fmt, (40, 30)))

    assert (photo.content_type, photo.extension, photo.width, photo.height) == (
        content_type,
        extension,
        40,
        30,
    )
    assert Image.open(io.BytesIO(photo.data)).format == fmt


def test_it_judges_by_content_not_by_name() -> None:
    upload = SimpleUploadedFile("photo.jpg", f.photo("PNG"), content_type="image/jpeg")

    assert check_photo(upload).content_type == "image/png"


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200,  # a Windows executable
        b"\x7fELF\x02\x01\x01" + b"\x00" * 200,  # a Linux executable
        b"<?php system($_GET['c']); ?>",
        b"%PDF-1.7\n" + b"0" * 100,
    ],
)
def test_it_refuses_an_executable_named_jpg(content: bytes) -> None:
    upload = SimpleUploadedFile("photo.jpg", content, content_type="image/jpeg")

    with pytest.raises(ValidationError, match="not a photo") as refused:
        check_photo(upload)
    assert refused.value.code == "not_image"


def test_it_refuses_other_image_formats() -> None:
    with pytest.raises(ValidationError, match="JPEG, PNG, WebP and HEIC"):
        check_photo(f.photo("GIF"))


def test_it_refuses_a_truncated_photo() -> None:
    data = f.photo("JPEG", (200, 200))

    with pytest.raises(ValidationError, match="not a photo"):
        check_photo(data[: len(data) // 2])


def test_it_refuses_more_than_10_mb_without_reading_it_all() -> None:
    big = io.BytesIO(f.photo() + b"\x00" * MAX_BYTES)

    with pytest.raises(ValidationError, match="10 MB") as refused:
        check_photo(big)
    assert refused.value.code == "too_large"
    assert big.tell() == MAX_BYTES + 1


def test_it_refuses_an_empty_file() -> None:
    with pytest.raises(ValidationError, match="empty"):
        check_photo(b"")


def test_it_refuses_a_small_file_that_unpacks_into_too_many_pixels() -> None:
    out = io.BytesIO()
    Image.new("1", (7200, 7200)).save(out, format="PNG")
    assert len(out.getvalue()) < 1_000_000

    with pytest.raises(ValidationError, match="too many pixels"):
        check_photo(out.getvalue())


def test_it_strips_exif_and_keeps_the_photo_upright() -> None:
    # Orientation 6: the camera was turned; the pixels are stored sideways.
    original = f.photo("JPEG", (40, 30), exif=_exif(orientation=6))
    assert HUAWEI in original

    photo = check_photo(original)

    assert HUAWEI not in photo.data
    image = Image.open(io.BytesIO(photo.data))
    assert dict(image.getexif()) == {}
    assert image.size == (30, 40) == (photo.width, photo.height)


def test_a_bad_photo_among_several_is_named() -> None:
    uploads: list[Any] = [f.photo(), SimpleUploadedFile("setup.jpg", b"MZ" + b"\x00" * 100)]

    with pytest.raises(ValidationError, match=r"setup\.jpg"):
        check_photos(uploads)


def test_photos_are_stored_through_the_storage_api_with_hash_size_and_dimensions(mini: MiniDistrict) -> None:
    case = f.report()
    photo = check_photo(f.photo("PNG", (24, 18)))

    (attachment,) = store_photos(case, [photo], Attachment.Kind.BEFORE, timezone.now())

    stored = Attachment.objects.get(pk=attachment.pk)
    name = str(stored.file.name)
    assert name.startswith("cases/") and name.endswith(".png")
    assert default_storage.exists(name)
    with default_storage.open(name) as handle:
        content = handle.read()
    assert hashlib.sha256(content).hexdigest() == stored.sha256
    assert (stored.size, stored.width, stored.height) == (len(content), 24, 18)
    assert (stored.content_type, stored.kind) == ("image/png", "before")
