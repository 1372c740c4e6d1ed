"""The one check every XML callback makes before a parser sees the document: no DTD.

WeChat and WeCom never send a document type or entity declarations; a document that has one is
refused outright, so no parser is asked to expand entities (billion laughs) or fetch external ones.
"""

from __future__ import annotations

import re

_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def declares_entities(xml: str | bytes) -> bool:
    """Tell whether the document has a document type or entity declaration."""
    data = xml.encode("utf-8", "surrogatepass") if isinstance(xml, str) else xml
    return _DECLARATION.search(data) is not None
