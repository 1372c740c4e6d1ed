"""URLs of the api app: the ninja API, mounted at /api/v1/ (namespace `api`).

The API authenticates with tokens, not sessions, so its views are exempt from the site's
LoginRequiredMiddleware (which would redirect an app to the login page) and from CSRF (ninja's
views are; no cookie authenticates here).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver

from gridgov.api.main import api

app_name = "api"


def _open(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    """Mark every view of the patterns as reachable without a session login."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _open(pattern.url_patterns)
        else:
            login_not_required(pattern.callback)
    return patterns


urlpatterns = _open(api.urls[0])
