"""The official account's custom menu: the default 随手拍 menu, and WeChat's documented limits on any menu.

The menu API (`POST /cgi-bin/menu/create`) takes `{"button": [...]}`: 1–3 first-level buttons, each
either an action (a `type` with the field it needs) or a group of 1–5 sub-buttons. Names are limited
in bytes of UTF-8 (16 on the first level, 60 for a sub-button), keys to 128 bytes and links to 1024.
Those limits are checked here, so that a bad menu is refused before anything is sent. The client
also shows only 4 Chinese characters of a first-level name and 8 of a sub-button's, the rest as
"...": a longer name is allowed with a warning.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from gridgov.lib import jsonfile
from gridgov.wechat.config import MENU_KEY

MAX_BUTTONS = 3
MAX_SUB_BUTTONS = 5
NAME_BYTES = 16
SUB_NAME_BYTES = 60
TEXT_BYTES = {"key": 128, "url": 1024}
# What the client shows before "...": a Chinese (wide) character counts two, any other one.
NAME_WIDTH = 8
SUB_NAME_WIDTH = 16
# The button types of menu/create and the fields each needs.
TYPES: dict[str, tuple[str, ...]] = {
    "click": ("key",),
    "view": ("url",),
    "scancode_push": ("key",),
    "scancode_waitmsg": ("key",),
    "pic_sysphoto": ("key",),
    "pic_photo_or_album": ("key",),
    "pic_weixin": ("key",),
    "location_select": ("key",),
    "media_id": ("media_id",),
    "view_limited": ("media_id",),
    "article_id": ("article_id",),
    "article_view_limited": ("article_id",),
    "miniprogram": ("url", "appid", "pagepath"),
}
TEXT_FIELDS = ("type", "name", "key", "url", "media_id", "appid", "pagepath", "article_id")

# Translators: the buttons of the WeChat menu, at most 4 Chinese characters: 随手拍, 进度查询, 服务公告.
SNAP = pgettext_lazy("WeChat menu button", "Report")
PROGRESS = pgettext_lazy("WeChat menu button", "Progress")
NOTICES = pgettext_lazy("WeChat menu button", "Notices")


class MenuError(Exception):
    """The menu file cannot be read as JSON."""


@dataclass
class Check:
    """What is wrong with a menu (it is not sent) and what WeChat would show cut short."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def default_menu(public_url: str) -> tuple[dict[str, Any], list[str]]:
    """Return the 随手拍 menu, and notes on buttons left out because the site has no public address."""
    buttons: list[dict[str, str]] = [{"type": "click", "name": str(SNAP), "key": MENU_KEY}]
    if not public_url:
        note = _(
            "GRIDGOV_PUBLIC_URL is not set, so the buttons “%(progress)s” and “%(notices)s” are left out: "
            "a link in the menu needs the site's public address."
        ) % {"progress": PROGRESS, "notices": NOTICES}
        return {"button": buttons}, [note]
    for name, path in ((PROGRESS, reverse("track:lookup")), (NOTICES, reverse("notices:list"))):
        buttons.append({"type": "view", "name": str(name), "url": f"{public_url}{path}"})
    return {"button": buttons}, []


def load(path: Path) -> Any:
    """Return the JSON of a menu file, or raise MenuError saying why it cannot be read."""
    try:
        return jsonfile.read(path)
    except jsonfile.UnreadableJson as exc:
        raise MenuError(str(exc)) from None


def check(menu: Any) -> Check:
    """Return the problems and warnings of a menu body against the documented limits of menu/create."""
    result = Check()
    if not isinstance(menu, dict) or not isinstance(menu.get("button"), list):
        result.problems.append(
            _("The menu must be a JSON object with a “button” list, the body of menu/create.")
        )
        return result
    for name in sorted(set(menu) - {"button"}):
        result.problems.append(_("Unknown field “%(field)s” in the menu.") % {"field": name})
    buttons = menu["button"]
    if not 1 <= len(buttons) <= MAX_BUTTONS:
        result.problems.append(
            _("The menu needs 1 to %(max)d first-level buttons; it has %(count)d.")
            % {"max": MAX_BUTTONS, "count": len(buttons)}
        )
    for number, button in enumerate(buttons, 1):
        _Button(result, _("Button %(number)d") % {"number": number}, top=True).check(button)
    return result


@dataclass
class _Button:
    """The check of one button, its problems and warnings told with where it sits in the menu."""

    result: Check
    where: str
    top: bool
    not_text: set[str] = field(default_factory=set)

    def problem(self, text: str) -> None:
        self.result.problems.append(_("%(where)s: %(problem)s") % {"where": self.where, "problem": text})

    def check(self, button: Any) -> None:
        if not isinstance(button, dict):
            self.problem(_("a button must be a JSON object."))
            return
        for name in sorted(str(key) for key in button if key not in (*TEXT_FIELDS, "sub_button")):
            self.problem(_("unknown field “%(field)s”.") % {"field": name})
        texts = self._texts(button)
        self._name(texts.get("name", ""))
        subs = button.get("sub_button", [])
        if not isinstance(subs, list):
            self.problem(_("“sub_button” must be a list."))
        elif subs and not self.top:
            self.problem(_("a sub-button cannot have sub-buttons of its own."))
        elif self.top and (subs or ("sub_button" in button and "type" not in button)):
            self._group(subs, "type" in button)
            return
        self._action(texts)

    def _texts(self, button: dict[str, Any]) -> dict[str, str]:
        """Return the button's text fields, reporting any that is not text."""
        texts = {}
        for name in TEXT_FIELDS:
            value = button.get(name)
            if value is None:
                continue
            if isinstance(value, str):
                texts[name] = value
            else:
                self.not_text.add(name)
                self.problem(_("“%(field)s” must be text.") % {"field": name})
        return texts

    def _missing(self, name: str) -> None:
        if name not in self.not_text:
            self.problem(_("“%(field)s” is missing.") % {"field": name})

    def _name(self, name: str) -> None:
        if not name.strip():
            self._missing("name")
            return
        self._bytes("name", name, NAME_BYTES if self.top else SUB_NAME_BYTES)
        limit = NAME_WIDTH if self.top else SUB_NAME_WIDTH
        if width(name) > limit:
            self.result.warnings.append(
                _(
                    "%(where)s: “%(name)s” is longer than %(chars)d Chinese characters; WeChat shows the rest as “...”."
                )
                % {"where": self.where, "name": name, "chars": limit // 2}
            )

    def _group(self, subs: list[Any], typed: bool) -> None:
        if typed:
            self.problem(_("a button has either a “type” or sub-buttons, not both."))
        if not 1 <= len(subs) <= MAX_SUB_BUTTONS:
            self.problem(
                _("a button needs 1 to %(max)d sub-buttons; it has %(count)d.")
                % {"max": MAX_SUB_BUTTONS, "count": len(subs)}
            )
        for number, sub in enumerate(subs, 1):
            where = _("%(button)s, sub-button %(number)d") % {"button": self.where, "number": number}
            _Button(self.result, where, top=False).check(sub)

    def _action(self, texts: dict[str, str]) -> None:
        kind = texts.get("type", "")
        if not kind:
            self._missing("type")
            return
        if kind not in TYPES:
            self.problem(
                _("“%(type)s” is not a button type of the menu API (%(types)s).")
                % {"type": kind, "types": ", ".join(TYPES)}
            )
            return
        for name in TYPES[kind]:
            if not texts.get(name, "").strip() and name not in self.not_text:
                self.problem(_("a “%(type)s” button needs “%(field)s”.") % {"type": kind, "field": name})
        for name, limit in TEXT_BYTES.items():
            if name in texts:
                self._bytes(name, texts[name], limit)
        url = texts.get("url")
        if url and not _web_address(url):
            self.problem(_("“url” must be an http:// or https:// address."))

    def _bytes(self, name: str, value: str, limit: int) -> None:
        size = len(value.encode())
        if size > limit:
            self.problem(
                _("“%(field)s” is %(bytes)d bytes long in UTF-8; WeChat allows at most %(max)d.")
                % {"field": name, "bytes": size, "max": limit}
            )


def width(text: str) -> int:
    """Return how wide the text shows: a wide (Chinese) character counts two, any other one."""
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


def _web_address(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def describe(menu: dict[str, Any]) -> list[str]:
    """Return the checked menu as lines: each button's name, type and target, sub-buttons indented."""
    lines = []
    for button in menu["button"]:
        lines.append(f"  {_describe(button)}")
        lines.extend(f"      · {_describe(sub)}" for sub in button.get("sub_button") or [])
    return lines


def _describe(button: dict[str, Any]) -> str:
    kind = button.get("type")
    if not kind or button.get("sub_button"):
        return str(button["name"])
    target = " ".join(str(button[name]) for name in TYPES[kind])
    return f"{button['name']}  [{kind}] {target}"
