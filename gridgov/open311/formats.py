"""The two formats of GeoReport v2: JSON, and XML with the spec's element names.

Answers are built once as plain Python values (dicts, lists, strings, numbers, booleans, None) and
written out in the format the URL's extension asks for. In XML a list is an element whose children
are named after one of its items (`<services><service>…`, `<values><value>…`), None is an empty
element and booleans are `true`/`false`; xml.etree escapes the text, so a description holding
markup or script arrives as text.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from django.http import HttpResponse

JSON, XML = "json", "xml"
CONTENT_TYPES = {JSON: "application/json; charset=utf-8", XML: "text/xml; charset=utf-8"}
# The element name of one item of each list the answers hold.
ITEM_OF = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
# Characters XML 1.0 cannot carry at all, not even escaped; text holding them gets U+FFFD instead.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def known(fmt: str) -> bool:
    """Return whether the format is one this endpoint speaks."""
    return fmt in CONTENT_TYPES


def render(fmt: str, root: str, value: Any, status: int = 200) -> HttpResponse:
    """Return the answer: the value as JSON, or as XML under the root element (a list or an object)."""
    if fmt == XML:
        element = ET.Element(root)
        _fill(element, root, value)
        body = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    else:
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES.get(fmt, CONTENT_TYPES[JSON]))


def errors(fmt: str, status: int, descriptions: list[str]) -> HttpResponse:
    """Return the spec's error list, one `{code, description}` per problem, with the HTTP status."""
    rows = [{"code": status, "description": text} for text in descriptions]
    return render(fmt if known(fmt) else JSON, "errors", rows, status)


def _fill(element: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), key, item)
    elif isinstance(value, list | tuple):
        child = ITEM_OF.get(name, "item")
        for item in value:
            _fill(ET.SubElement(element, child), child, item)
    else:
        element.text = _text(value)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("\ufffd", str(value))
