"""URLs of the wechat app, mounted at /intake/wechat/."""

from __future__ import annotations

from django.urls import path

from gridgov.wechat import views

app_name = "wechat"
urlpatterns = [
    path("", views.callback, name="callback"),
]
