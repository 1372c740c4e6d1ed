"""The official account's settings, read when they are used so that a changed environment needs no import.

Each value comes from Django settings when the lead sets it there, else from the environment
(`GRIDGOV_WECHAT_*`). The callback needs the token (and, in safe mode, the EncodingAESKey with the
AppID); template messages and media downloads need the AppID and AppSecret (and the template id).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode

DEFAULT_API_BASE = "https://api.weixin.qq.com"
# What a status message says, and the template field each goes in. Older "industry" templates name their
# fields first/keyword1…; newer ones thing1/character_string2/phrase3/time4 and the like, chosen when
# the account adds the template: GRIDGOV_WECHAT_TEMPLATE_FIELDS maps them ("text=thing1,…").
TEMPLATE_VALUES = ("text", "tracking_no", "status", "time")
DEFAULT_TEMPLATE_FIELDS = "text=first,tracking_no=keyword1,status=keyword2,time=keyword3"
# The "key" of the 随手拍 menu button (a CLICK button created with the menu API).
MENU_KEY = "SNAP_REPORT"


@dataclass(frozen=True)
class Config:
    """The settings of the official account."""

    token: str
    aes_key: str
    appid: str
    secret: str
    api_base: str
    template_id: str
    public_url: str
    template_fields_setting: str = DEFAULT_TEMPLATE_FIELDS

    def template_fields(self) -> dict[str, str]:
        """Return value name → template field name, or raise ValueError saying what is wrong."""
        fields: dict[str, str] = {}
        for part in self.template_fields_setting.split(","):
            name, equals, field = (piece.strip() for piece in part.partition("="))
            if not part.strip():
                continue
            if not equals or name not in TEMPLATE_VALUES or not field.replace("_", "").isalnum():
                raise ValueError(
                    f"GRIDGOV_WECHAT_TEMPLATE_FIELDS: “{part.strip()}” is not value=field with a value among "
                    f"{', '.join(TEMPLATE_VALUES)}"
                )
            fields[name] = field
        if "tracking_no" not in fields:
            raise ValueError("GRIDGOV_WECHAT_TEMPLATE_FIELDS must place tracking_no in a field")
        return fields

    @property
    def callback_ready(self) -> bool:
        """Tell whether the callback can check signatures (and decrypt, when safe mode is configured)."""
        return bool(self.token) and (not self.aes_key or self.safe_mode_problem() is None)

    @property
    def api_ready(self) -> bool:
        """Tell whether the API client can get an access token."""
        return bool(self.appid and self.secret)

    def track_url(self, tracking_no: str, base: str = "") -> str:
        """Return the /track/ address of the case, on the public site (or `base`, the request's site)."""
        path = f"{reverse('track:lookup')}?{urlencode({'no': tracking_no})}"
        return f"{self.public_url or base.rstrip('/')}{path}"

    def safe_mode_problem(self) -> str | None:
        """Return what is wrong with the safe-mode settings, or None when they can decrypt."""
        if not self.aes_key:
            return None
        if not self.appid:
            return "GRIDGOV_WECHAT_APPID is required with GRIDGOV_WECHAT_AES_KEY"
        if len(self.aes_key) != 43:
            return "GRIDGOV_WECHAT_AES_KEY must be the 43-character EncodingAESKey"
        try:
            if len(base64.b64decode(self.aes_key + "=", validate=True)) != 32:
                raise ValueError
        except (binascii.Error, ValueError):
            return "GRIDGOV_WECHAT_AES_KEY is not a valid EncodingAESKey"
        return None


def _read(name: str, default: str = "") -> str:
    return str(getattr(settings, name, default)).strip()


def config() -> Config:
    """Return the current settings of the official account."""
    return Config(
        token=_read("GRIDGOV_WECHAT_TOKEN"),
        aes_key=_read("GRIDGOV_WECHAT_AES_KEY"),
        appid=_read("GRIDGOV_WECHAT_APPID"),
        secret=_read("GRIDGOV_WECHAT_SECRET"),
        api_base=_read("GRIDGOV_WECHAT_API_BASE", DEFAULT_API_BASE).rstrip("/") or DEFAULT_API_BASE,
        template_id=_read("GRIDGOV_WECHAT_TEMPLATE_ID"),
        # Where residents open /track/ from a template message (the worker has no request to ask).
        public_url=_read("GRIDGOV_PUBLIC_URL").rstrip("/"),
        template_fields_setting=_read("GRIDGOV_WECHAT_TEMPLATE_FIELDS", DEFAULT_TEMPLATE_FIELDS)
        or DEFAULT_TEMPLATE_FIELDS,
    )
