"""`POST requests`: a client's form-encoded report, checked and handed to `cases.actions.report_case`.

Parameters (GeoReport v2): `service_code` (a matter's code; gridgov also takes none and guesses the
matter from the description, as for every channel), `lat`/`long` in WGS-84 or `address_string`
(one of them), `attribute[urgency]`, `description`, `email`, `first_name`, `last_name`, `phone`,
`media_url`, `account_id`, `device_id`. `jurisdiction_id` and `address_id` are accepted and ignored
(one district), and so are attributes gridgov does not define (clients such as FixMyStreet send
their own). The media URL is kept as text at the end of the description and never fetched. An
e-mail address becomes the reply address, so the reporter hears back by e-mail; a phone is stored
encrypted as on every channel. `account_id` is echoed in the answer; nothing else of the client's
ids is stored.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.cases import actions
from gridgov.cases.actions.intake import MAX_DESCRIPTION
from gridgov.cases.models import Case, Category, Channel
from gridgov.open311.answers import MEDIA_MARK
from gridgov.open311.errors import BadRequest
from gridgov.open311.services import URGENCY, matter_by_code

MAX_CLIENT_ID = 100  # account_id, device_id
MAX_MEDIA_URL = 1_000
_URL = URLValidator(schemes=["http", "https"])
# report_case's fields → the parameters a client sets, to name them in errors.
PARAMETER_OF = {
    "description": "description",
    "location": "lat/long, address_string",
    "category": "service_code",
    "urgency": f"attribute[{URGENCY}]",
    "reporter_phone": "phone",
    "reporter_contact": "email",
    "reporter_name": "first_name, last_name",
    "address": "address_string",
}


@dataclass(frozen=True)
class Filed:
    """A stored report and the client's account id to echo."""

    case: Case
    account_id: str | None

    def answer(self) -> dict[str, str | None]:
        """Return the spec's answer to a new request (one item of the list)."""
        return {
            "service_request_id": self.case.tracking_no,
            "service_notice": service_notice(self.case),
            "account_id": self.account_id,
        }


def file_report(post: QueryDict, *, on_stored: Callable[[Case], object] | None = None) -> Filed:
    """Store the report the form describes; raise BadRequest naming every problem (nothing is written).

    `on_stored` is given the stored case inside the report's transaction (see `report_case`).
    """
    problems: list[str] = []
    lon, lat = _point(post, problems)
    email = _email(post.get("email", ""), problems)
    description = _with_media(post.get("description", ""), post.get("media_url", ""), problems)
    account_id = _client_id(post, "account_id", problems)
    _client_id(post, "device_id", problems)
    if problems:
        raise BadRequest(problems)
    try:
        case = actions.report_case(
            Channel.OPEN311,
            description,
            lon=lon,
            lat=lat,
            address=post.get("address_string", ""),
            category=_category(post.get("service_code", "")),
            urgency=post.get(f"attribute[{URGENCY}]", "").strip() or None,
            reporter_name=_name(post.get("first_name", ""), post.get("last_name", "")),
            reporter_phone=post.get("phone", ""),
            reporter_contact=email,
            on_stored=on_stored,
        )
    except ValidationError as exc:
        raise BadRequest(describe(exc)) from None
    return Filed(case, account_id)


def describe(error: ValidationError) -> list[str]:
    """Return report_case's errors as `parameter: message` lines, in the client's parameter names."""
    if not hasattr(error, "error_dict"):
        return list(error.messages)
    return [
        f"{PARAMETER_OF.get(field, field)}: {message}"
        for field, messages in error.message_dict.items()
        for message in messages
    ]


def service_notice(case: Case) -> str:
    """Return what the client tells its user: received, the number, and when it will be reviewed."""
    if case.due_at is None:
        return _("Received as %(no)s.") % {"no": case.tracking_no}
    due = timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M")
    return _("Received as %(no)s; the grid centre will review it by %(due)s.") % {
        "no": case.tracking_no,
        "due": due,
    }


def _category(code: str) -> Category | str | None:
    """Return the service's matter, else the code for report_case to look up or refuse (None: it guesses)."""
    code = code.strip()
    if not code:
        return None
    return matter_by_code(code) or code


def _point(post: QueryDict, problems: list[str]) -> tuple[float | None, float | None]:
    """Return (long, lat) as numbers, (None, None) when neither is given."""
    raw_lat, raw_lon = post.get("lat", "").strip(), post.get("long", "").strip()
    if not raw_lat and not raw_lon:
        return None, None
    if not (raw_lat and raw_lon):
        problems.append(_("lat/long: give both the latitude and the longitude, or neither."))
        return None, None
    try:
        lat, lon = float(raw_lat), float(raw_lon)
    except ValueError:
        problems.append(_("lat/long: the coordinates must be decimal degrees (WGS-84)."))
        return None, None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        problems.append(_("lat/long: the coordinates must be decimal degrees (WGS-84)."))
        return None, None
    return lon, lat


def _email(value: str, problems: list[str]) -> str:
    value = value.strip()
    if not value:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        problems.append(_("email: “%(value)s” is not an e-mail address.") % {"value": value[:80]})
        return ""
    return value


def _with_media(description: str, media_url: str, problems: list[str]) -> str:
    """Return the description with the media URL as its last line (the URL is never fetched)."""
    text, url = description.strip(), media_url.strip()
    if not url or not text:
        return text  # report_case says what is wrong with a missing description
    if not _is_web_url(url):
        problems.append(
            _("media_url: give one http or https URL of at most %(max)d characters.") % {"max": MAX_MEDIA_URL}
        )
        return text
    combined = text + MEDIA_MARK + url
    if len(text) <= MAX_DESCRIPTION < len(combined):
        problems.append(
            _("description: with the media URL the description is longer than %(max)d characters.")
            % {"max": MAX_DESCRIPTION}
        )
    return combined


def _is_web_url(url: str) -> bool:
    if len(url) > MAX_MEDIA_URL:
        return False
    try:
        _URL(url)
    except ValidationError:
        return False
    return True


def _client_id(post: QueryDict, name: str, problems: list[str]) -> str | None:
    value = post.get(name, "").strip()
    if len(value) > MAX_CLIENT_ID:
        problems.append(_("%(name)s: at most %(max)d characters.") % {"name": name, "max": MAX_CLIENT_ID})
    return value or None


def _name(first: str, last: str) -> str:
    """Return the reporter's name: family name first for Chinese names (刘 + 阿姨), else "First Last"."""
    first, last = first.strip(), last.strip()
    if first.isascii() and last.isascii():
        return " ".join(part for part in (first, last) if part)
    return last + first
