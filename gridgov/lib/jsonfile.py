"""Reading a JSON file a user gave (an import, a menu): its content, or a message saying why not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _


class UnreadableJson(Exception):
    """The file cannot be read as JSON; the message is for the user."""


def read(path: Path) -> Any:
    """Return the parsed JSON of the file (UTF-8, with or without a byte-order mark)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UnreadableJson(
            _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror}
        ) from None
    except UnicodeDecodeError:
        raise UnreadableJson(_("%(path)s is not UTF-8 text.") % {"path": path}) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableJson(
            _("%(path)s is not valid JSON (line %(line)d, column %(column)d: %(error)s).")
            % {"path": path, "line": exc.lineno, "column": exc.colno, "error": exc.msg}
        ) from None
