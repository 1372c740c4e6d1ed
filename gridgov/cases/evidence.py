"""Evidence photos: accepted by their content (JPEG, PNG, WebP), re-encoded without metadata, stored.

A file is an image when Pillow can read it as one of the accepted formats, whatever its name says;
"an executable named .jpg" is refused. The stored file is a fresh encoding of the pixels: EXIF
(which carries the GPS position of a resident's home and the phone's serial) never reaches storage,
and the orientation the camera recorded is applied to the pixels first, so photos stay upright.
Checking and re-encoding happen before a move's transaction; only storing happens inside it.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from gridgov.cases.models import Attachment, Case, Transition

MAX_BYTES = 10 * 1024 * 1024
# Far beyond any phone camera; a small file that claims more pixels is a decompression bomb.
MAX_PIXELS = 50_000_000
# Pillow format → (content type, file extension, encoder options).
FORMATS: dict[str, tuple[str, str, dict[str, object]]] = {
    "JPEG": ("image/jpeg", "jpg", {"quality": 88, "optimize": True}),
    "PNG": ("image/png", "png", {"optimize": True}),
    "WEBP": ("image/webp", "webp", {"quality": 85}),
}


@dataclass(frozen=True)
class Photo:
    """A checked, re-encoded photo ready to store."""

    data: bytes
    content_type: str
    extension: str
    width: int
    height: int
    sha256: str


def _read(upload: IO[bytes] | bytes) -> bytes:
    """Return the upload's bytes, refusing more than the limit without reading it all."""
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload)
    else:
        if hasattr(upload, "seek"):
            upload.seek(0)
        data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 10 MB."), code="too_large")
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    return data


def _not_an_image() -> ValidationError:
    return ValidationError(
        _("The file is not a photo: only JPEG, PNG and WebP images are accepted."), code="not_image"
    )


def check_photo(upload: IO[bytes] | bytes) -> Photo:
    """Return the photo re-encoded without metadata, or raise a translated ValidationError."""
    data = _read(upload)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format or ""
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _not_an_image() from None
    if image_format not in FORMATS:
        raise _not_an_image()
    if width * height > MAX_PIXELS:
        raise ValidationError(_("The image has too many pixels."), code="too_many_pixels")
    return _reencode(data, image_format)


def _reencode(data: bytes, image_format: str) -> Photo:
    """Return the pixels encoded afresh in their format, upright, without EXIF or other metadata."""
    content_type, extension, options = FORMATS[image_format]
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        # verify() passes some truncated files that fail on decoding.
        raise _not_an_image() from None
    if image_format == "JPEG" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    out = io.BytesIO()
    # No exif/icc/xmp arguments: the new file carries pixels only.
    upright.save(out, format=image_format, **options)
    encoded = out.getvalue()
    return Photo(
        data=encoded,
        content_type=content_type,
        extension=extension,
        width=upright.width,
        height=upright.height,
        sha256=hashlib.sha256(encoded).hexdigest(),
    )


def check_photos(uploads: tuple[IO[bytes] | bytes, ...] | list[IO[bytes] | bytes]) -> list[Photo]:
    """Return every upload checked and re-encoded; the first bad one raises, naming its position."""
    photos = []
    for number, upload in enumerate(uploads, start=1):
        try:
            photos.append(check_photo(upload))
        except ValidationError as exc:
            name = getattr(upload, "name", "") or _("photo %(number)d") % {"number": number}
            raise ValidationError(f"{name}: {exc.messages[0]}", code=exc.code) from None
    return photos


def store_photos(
    case: Case, photos: list[Photo], kind: str, at: datetime, transition: Transition | None = None
) -> list[Attachment]:
    """Store the photos through the default storage and attach them to the case (and the move)."""
    attachments = []
    for photo in photos:
        attachment = Attachment(
            case=case,
            transition=transition,
            kind=kind,
            content_type=photo.content_type,
            size=len(photo.data),
            sha256=photo.sha256,
            width=photo.width,
            height=photo.height,
            uploaded_at=at,
        )
        # The name is the content's hash: no user-supplied name reaches the storage.
        attachment.file.save(f"{photo.sha256[:32]}.{photo.extension}", ContentFile(photo.data), save=False)
        attachment.save()
        attachments.append(attachment)
    return attachments
