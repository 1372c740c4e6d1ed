from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WechatConfig(AppConfig):
    name = "gridgov.wechat"
    label = "wechat"
    verbose_name = _("WeChat official account")
