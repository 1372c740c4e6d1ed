"""Reading a request's input: a JSON object (photos as base64) or a form (photos as multipart files).

Both shapes end as the same pair, values by field and uploaded files by field, so an endpoint checks
one thing whichever the client sent. A JSON body is read here, not through `request.body`, so that
its limit is the API's own (photos in base64 are larger than Django's 2.5 MB default for bodies);
multipart files stream to disk as Django handles them and never count against that limit.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from gridgov.api.errors import ApiError, error
from gridgov.cases.evidence import MAX_BYTES
from gridgov.cases.views.forms import MAX_PHOTOS

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
JSON_TYPES = ("application/json", "")


def max_json_bytes() -> int:
    """Return the largest JSON body accepted (GRIDGOV_API_MAX_JSON_BYTES; nine photos of 10 MB in
    base64 would be 120 MB in memory, so larger sets go as multipart)."""
    return int(settings.GRIDGOV_API_MAX_JSON_BYTES)


@dataclass
class Payload:
    """The input of a request: values by field, and photo files by field."""

    values: dict[str, Any]
    files: MultiValueDict[str, UploadedFile] = field(default_factory=MultiValueDict)


def read(
    request: HttpRequest, photo_fields: tuple[str, ...] = ("photos",), *, empty: bool = False
) -> Payload:
    """Return the request's input, or raise an ApiError (400, 413, 415, 422) saying what is wrong.

    With `empty`, a request without a body counts as an empty object (a move that needs no input).
    """
    content_type = (request.content_type or "").lower()
    if content_type in FORM_TYPES:
        return _read_form(request, photo_fields)
    if empty and _length(request) == 0:
        return Payload({})
    if content_type in JSON_TYPES or content_type.endswith("+json"):
        return _read_json(request, photo_fields)
    raise error(415, _("Send a JSON object or multipart/form-data."))


def _read_form(request: HttpRequest, photo_fields: tuple[str, ...]) -> Payload:
    try:
        post, files = request.POST, request.FILES
    except RequestDataTooBig:
        raise error(413, _("The request is too large.")) from None
    except (MultiPartParserError, SuspiciousOperation):
        raise error(400, _("The form data could not be read.")) from None
    # A field sent several times (assisting departments) is a list, as it would be in JSON.
    values: dict[str, Any] = {}
    for name, items in post.lists():
        if name not in photo_fields:
            values[name] = items if len(items) > 1 else items[0]
    uploads: MultiValueDict[str, UploadedFile] = MultiValueDict()
    for name in photo_fields:
        # Photos come as files; base64 text in a form field is taken too.
        uploads.setlist(name, files.getlist(name) + decode_photos(name, post.getlist(name) or None))
    unknown = sorted(set(files) - set(photo_fields))
    if unknown:
        raise error(422, _("Unknown field."), unknown[0])
    return Payload(values, uploads)


def _read_json(request: HttpRequest, photo_fields: tuple[str, ...]) -> Payload:
    limit = max_json_bytes()
    if _length(request) > limit:
        raise error(413, _("The request is too large; send photos as multipart/form-data."))
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise error(413, _("The request is too large; send photos as multipart/form-data."))
    try:
        data = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise error(400, _("The body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise error(400, _("Send a JSON object."))
    uploads: MultiValueDict[str, UploadedFile] = MultiValueDict()
    for name in photo_fields:
        uploads.setlist(name, decode_photos(name, data.pop(name, None)))
    return Payload(data, uploads)


def _length(request: HttpRequest) -> int:
    """Return the length the request declares (0 when it declares none or nonsense)."""
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _no_constant(name: str) -> float:
    """Refuse NaN and Infinity, which JSON does not have (Python's parser would accept them)."""
    raise ValueError(name)


def decode_photos(name: str, items: Any) -> list[UploadedFile]:
    """Return base64 photos (plain or `data:` URLs) as uploaded files; the actions check their content."""
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise error(422, _("Send the photos as a list of base64 strings."), name)
    if len(items) > MAX_PHOTOS:
        raise error(422, _("At most %(max)d items.") % {"max": MAX_PHOTOS}, name)
    return [_decode(name, number, item) for number, item in enumerate(items, start=1)]


def _decode(name: str, number: int, text: str) -> UploadedFile:
    _header, comma, body = text.partition(",")
    body = body if comma and text.startswith("data:") else text
    body = "".join(body.split())
    if math.ceil(len(body) * 3 / 4) > MAX_BYTES + 3:
        raise ApiError(422, {name: [_("Photo %(number)d is larger than 10 MB.") % {"number": number}]})
    try:
        content = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(
            422, {name: [_("Photo %(number)d is not valid base64.") % {"number": number}]}
        ) from None
    return SimpleUploadedFile(f"{name}-{number}", content)
