"""Settings of the groups app (read from the environment in gridgov/settings.py), read when used.

The WeCom API base is configurable so that tests and demos talk to a local stub.
"""

from __future__ import annotations

from django.conf import settings

WECOM_API = "https://qyapi.weixin.qq.com"


def _setting(name: str, default: str = "") -> str:
    return str(getattr(settings, name, default))


def api_base() -> str:
    """Return the base URL of WeCom's server API (GRIDGOV_WECOM_API_BASE), without a trailing slash."""
    return _setting("GRIDGOV_WECOM_API_BASE", WECOM_API).rstrip("/") or WECOM_API


def callback_token() -> str:
    """Return the token of the WeCom app's callback (GRIDGOV_WECOM_TOKEN)."""
    return _setting("GRIDGOV_WECOM_TOKEN")


def aes_key() -> str:
    """Return the callback's EncodingAESKey, 43 characters (GRIDGOV_WECOM_AES_KEY)."""
    return _setting("GRIDGOV_WECOM_AES_KEY")


def corp_id() -> str:
    """Return the WeCom corporation id (GRIDGOV_WECOM_CORPID)."""
    return _setting("GRIDGOV_WECOM_CORPID")


def app_secret() -> str:
    """Return the secret of the WeCom app that receives forwarded messages (GRIDGOV_WECOM_SECRET)."""
    return _setting("GRIDGOV_WECOM_SECRET")


def public_url() -> str:
    """Return the site's public address for links in group messages (GRIDGOV_PUBLIC_URL), or ""."""
    return _setting("GRIDGOV_PUBLIC_URL").rstrip("/")
