"""URLs of the wechat app."""

from __future__ import annotations

app_name = "wechat"
urlpatterns: list = []
