"""Validate answers against the published GeoReport v2 schemas (gridgov/open311/schemas/), and updates.

The schemas use the `date-time` and `uri` formats; jsonschema checks formats only with optional
packages we do not install, so the two checks are given here.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
FILES = ("request.json", "requests.json", "service.json", "services.json", "service-definition.json")
_RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")

checker = FormatChecker()


@checker.checks("date-time")
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return (
        bool(_RFC3339.fullmatch(value)) and datetime.fromisoformat(value.replace("Z", "+00:00")) is not None
    )


@checker.checks("uri")
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc)


@cache
def _load(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


@cache
def _registry() -> Registry:
    return Registry().with_resources(
        (name, Resource.from_contents(_load(name), default_specification=DRAFT4)) for name in FILES
    )


def validate(answer: Any, schema: str) -> None:
    """Raise unless the answer conforms to the named schema.

    The schemas leave out `"type": "object"` for a service or request (so a string would pass); the
    answer's shape is checked here first.
    """
    items = answer if _load(schema).get("type") == "array" else [answer]
    assert isinstance(items, list) and all(isinstance(item, dict) for item in items), answer
    Draft4Validator(_load(schema), registry=_registry(), format_checker=checker).validate(answer)


# mySociety's service request updates (the FixMyStreet Open311 extension, GET servicerequestupdates)
# have no published schema; this one is written from the documented format: every update has
# update_id, service_request_id, status (open or closed), updated_datetime (W3C), description and
# media_url, and with `extensions=true` the extended status, one of mySociety's states.
EXTENDED_STATES = [
    "open",
    "closed",
    "fixed",
    "in_progress",
    "action_scheduled",
    "investigating",
    "duplicate",
    "not_councils_responsibility",
    "no_further_action",
    "internal_referral",
    "reopen",
    "for_triage",
]
UPDATE_FIELDS = ["update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"]
UPDATES: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": UPDATE_FIELDS,
        "additionalProperties": False,
        "properties": {
            "update_id": {"type": "string", "minLength": 1},
            "service_request_id": {"type": "string", "minLength": 1},
            "status": {"enum": EXTENDED_STATES},  # the extension's states, not only open/closed
            "updated_datetime": {"type": "string", "format": "date-time"},
            "description": {"type": "string", "minLength": 1},
            "media_url": {"type": ["string", "null"], "format": "uri"},
            "extended_attributes": {
                "type": "object",
                "required": ["status"],
                "additionalProperties": False,
                "properties": {"status": {"enum": EXTENDED_STATES}},
            },
        },
    },
}


def validate_updates(answer: Any, *, extensions: bool = False) -> None:
    """Raise unless the answer is a list of service request updates in the documented format."""
    Draft4Validator(UPDATES, format_checker=checker).validate(answer)
    assert all(("extended_attributes" in update) == extensions for update in answer), answer
