from __future__ import annotations

from django.urls import path

from gridgov.web import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("", views.home, name="home"),
]
