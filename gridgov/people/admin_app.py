"""Django's admin app with the policy-gated site of `gridgov.people.adminsite` as `admin.site`.

Listed in INSTALLED_APPS instead of `django.contrib.admin`. A module of its own: an `apps.py` with two
default AppConfig classes would be ambiguous to Django.
"""

from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class GridgovAdminConfig(AdminConfig):
    default_site = "gridgov.people.adminsite.GridgovAdminSite"
