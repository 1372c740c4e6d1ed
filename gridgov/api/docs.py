"""The API's documentation page: Swagger UI from the project's own static files, never a CDN.

Intranet users have no internet, so the page loads `vendor/swagger-ui/` (installed from npm, see
settings.STATICFILES_DIRS) and a small start script of this app, and nothing from elsewhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI


class LocalSwagger(DocsBase):
    """Swagger UI rendered from local static files."""

    template = "api/docs.html"
    settings: dict[str, Any] = {"layout": "BaseLayout", "deepLinking": True, "persistAuthorization": False}

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        config = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {"api": api, "swagger_settings": config}
        return render(request, self.template, context)
