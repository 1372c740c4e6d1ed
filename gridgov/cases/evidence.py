"""Evidence photos: accepted by their content (JPEG, PNG, WebP, HEIC/HEIF), re-encoded without metadata, stored.

A file is an image when Pillow can read it as one of the accepted formats, whatever its name says;
"an executable named .jpg" is refused. The stored file is a fresh encoding of the pixels: EXIF
(which carries the GPS position of a resident's home and the phone's serial) never reaches storage,
and the orientation the camera recorded is applied to the pixels first, so photos stay upright.
iPhones shoot HEIC, which few browsers show: it is stored as JPEG (as are the multi-picture JPEGs
some phones write). A photo larger than `MAX_EDGE` on its long side is scaled down: a 50-megapixel
original shows no more on a case page and costs ten times the storage.

A channel that wants the place where a photo was taken reads it with `photo_position` *before* the
photo is checked; checking and re-encoding happen before a move's transaction, only storing inside it.
Storage is not transactional: a photo stored by a move that then fails is deleted again by the
block around the move's transaction (`removed_on_failure`).
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import IO, Any, cast

import pillow_heif
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connections, models, router
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from gridgov.cases.models import Attachment, Case, Transition
from gridgov.lib import rows

log = logging.getLogger(__name__)

# Teach Pillow to open HEIC/HEIF (format "HEIF"); idempotent, so importing this module twice is harmless.
pillow_heif.register_heif_opener()

MAX_BYTES = 10 * 1024 * 1024
# Far beyond any phone camera; a small file that claims more pixels is a decompression bomb.
MAX_PIXELS = 50_000_000
# Pillow format → (content type, file extension, encoder options).
FORMATS: dict[str, tuple[str, str, dict[str, object]]] = {
    "JPEG": ("image/jpeg", "jpg", {"quality": 88, "optimize": True}),
    "PNG": ("image/png", "png", {"optimize": True}),
    "WEBP": ("image/webp", "webp", {"quality": 85}),
}
# Formats accepted on the way in but stored as another: HEIC/HEIF, and JPEGs with several pictures (MPO).
CONVERTED = {"HEIF": "JPEG", "MPO": "JPEG"}
# Longest side of a stored photo, in pixels; larger photos are scaled down.
MAX_EDGE = 2560
# Everything a broken or hostile image can raise while Pillow (or its HEIF plugin) reads it.
DECODE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    RuntimeError,
    EOFError,
    Image.DecompressionBombError,
)
GPS_IFD = 0x8825


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
        _("The file is not a photo: only JPEG, PNG, WebP and HEIC images are accepted."), code="not_image"
    )


def check_photo(upload: IO[bytes] | bytes) -> Photo:
    """Return the photo re-encoded without metadata, or raise a translated ValidationError."""
    data = _read(upload)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format or ""
            width, height = probe.size
            probe.verify()
    except DECODE_ERRORS:
        raise _not_an_image() from None
    stored_format = CONVERTED.get(image_format, image_format)
    if stored_format not in FORMATS:
        raise _not_an_image()
    if width * height > MAX_PIXELS:
        raise ValidationError(_("The image has too many pixels."), code="too_many_pixels")
    return _reencode(data, stored_format)


def _reencode(data: bytes, image_format: str) -> Photo:
    """Return the pixels encoded afresh in the format, upright, at most `MAX_EDGE` long, without metadata."""
    content_type, extension, options = FORMATS[image_format]
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
        if image_format == "JPEG" and upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        # thumbnail() keeps the aspect ratio and never enlarges.
        upright.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        # No exif/icc/xmp arguments: the new file carries pixels only.
        upright.save(out, format=image_format, **options)
    except DECODE_ERRORS:
        # verify() passes some truncated files (and HEIC with a broken picture) that fail on decoding.
        raise _not_an_image() from None
    encoded = out.getvalue()
    return Photo(
        data=encoded,
        content_type=content_type,
        extension=extension,
        width=upright.width,
        height=upright.height,
        sha256=hashlib.sha256(encoded).hexdigest(),
    )


@dataclass(frozen=True)
class Position:
    """Where a photo was taken, as its EXIF GPS tags say (WGS-84 degrees)."""

    lon: float
    lat: float


# GPS IFD tags (EXIF 2.3): latitude ref and value, longitude ref and value, map datum.
_LAT_REF, _LAT, _LON_REF, _LON, _DATUM = 1, 2, 3, 4, 18
_WGS84_DATUMS = {"", "WGS-84", "WGS84", "WGS 84"}


def photo_position(upload: IO[bytes] | bytes) -> Position | None:
    """Return where the photo was taken (EXIF GPS, WGS-84), or None when it does not say or cannot be read.

    Read this before `check_photo`, which drops EXIF. Positions in another map datum, out of range,
    or at 0°, 0° (what some phones write before they have a fix) count as none.
    """
    try:
        data = _read(upload)
        with Image.open(io.BytesIO(data)) as image:
            gps = image.getexif().get_ifd(GPS_IFD)
        return _position(gps)
    except (ValidationError, *DECODE_ERRORS, KeyError, TypeError, ZeroDivisionError):
        return None


def _position(gps: dict[int, Any]) -> Position | None:
    if _text(gps.get(_DATUM)) not in _WGS84_DATUMS:
        return None
    lat = _degrees(gps.get(_LAT), gps.get(_LAT_REF), "S")
    lon = _degrees(gps.get(_LON), gps.get(_LON_REF), "W")
    if lat is None or lon is None or not (abs(lat) <= 90 and abs(lon) <= 180) or (lat == 0 and lon == 0):
        return None
    return Position(lon=lon, lat=lat)


def _degrees(value: Any, ref: Any, negative: str) -> float | None:
    """Return degrees from EXIF's (degrees, minutes, seconds) rationals and a N/S or E/W reference."""
    if not isinstance(value, tuple | list) or len(value) != 3:
        return None
    degrees, minutes, seconds = (float(part) for part in value)
    total = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(total):
        return None
    return -total if _text(ref) == negative else total


def _text(value: Any) -> str:
    """Return an EXIF ASCII value as upper-case text (Pillow gives str or bytes, NUL-padded at times)."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value or "").strip("\x00 ").upper()


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
    if photos and transition is not None and transition.pk is None:
        rows.flush()  # the move's writes were gathered (`rows.atomic`): its transition gets its id
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
        stored = _STORED.get()
        if stored is not None:  # before the row: when its insert fails, the file is stored all the same
            stored.append(str(attachment.file.name))
        attachment.save()
        attachments.append(attachment)
    return attachments


# The names of the files stored inside the innermost `removed_on_failure` block; None outside every one.
_STORED: ContextVar[list[str] | None] = ContextVar("gridgov_stored_photos", default=None)
_FILE = cast("models.FileField", Attachment._meta.get_field("file"))


def removed_on_failure() -> RemovedOnFailure:
    """Return a block whose stored photos are deleted again when it fails; enter it before the transaction."""
    return RemovedOnFailure()


class RemovedOnFailure:
    """Delete the files `store_photos` stored inside the block when an exception leaves it.

    A photo is stored before the transaction that writes its attachment row commits, and Django has
    no hook for a rollback: a move that fails after storing would leave a file no row names. Entered
    before the transaction (`one_transaction` does), the block sees the exception once the rows are
    rolled back: an exception leaving an atomic block means its rows are never committed (its
    savepoint rolled back, or the whole transaction will). Each file goes unless an attachment row
    still names it, as one committed earlier does where the storage overwrites (S3's default): the
    name is the content's hash, so the same photo attached twice is one file there.

    A block that succeeds inside another hands its names to the enclosing one, which may still fail;
    so a transaction around photo moves and more (the patrol's report-and-close, a view's
    `transaction.atomic`) is entered inside a block of its own. Without one, its rollback after a
    move succeeded leaves the move's files, as a process that dies mid-move does: harmless garbage
    that no row names and nothing serves (a sweep of the storage against the attachment table could
    collect it; there is none). Where the storage overwrites, a transaction still in flight that
    stored the same photo may lose its file to another's rollback: its row is not visible yet.
    """

    __slots__ = ("names", "token")

    def __enter__(self) -> None:
        self.names: list[str] = []
        self.token: Token[list[str] | None] = _STORED.set(self.names)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        _STORED.reset(self.token)
        if not self.names:
            return
        enclosing = _STORED.get()
        if kind is None or _must_roll_back_first():
            # Committed with the transaction, or not known yet: an enclosing block decides.
            if enclosing is not None:
                enclosing.extend(self.names)
            return
        _remove_unreferenced(self.names)


def _must_roll_back_first() -> bool:
    """Tell whether the transaction around the failed block can run no query before it rolls back."""
    connection = connections[router.db_for_write(Attachment)]
    return connection.in_atomic_block and connection.needs_rollback


def _remove_unreferenced(names: list[str]) -> None:
    """Delete the stored files that no attachment row names (the failed block's rows are rolled back)."""
    try:
        named = set(Attachment.objects.filter(file__in=names).values_list("file", flat=True))
        for name in sorted(set(names) - named):
            _FILE.storage.delete(name)
    except Exception:  # the error that failed the block matters more; a file left is harmless
        log.warning("Could not delete the photos of a failed move: %s", names, exc_info=True)
