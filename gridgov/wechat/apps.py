from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WechatConfig(AppConfig):
    name = "gridgov.wechat"
    label = "wechat"
    verbose_name = _("WeChat official account")

    def ready(self) -> None:
        # Registers the "wechat" outbox deliverer and the settings checks.
        from gridgov.wechat import checks, delivery  # noqa: F401
