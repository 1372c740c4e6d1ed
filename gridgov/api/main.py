"""The API object: its endpoints, its one error shape, its local documentation page."""

from __future__ import annotations

from django.views.decorators.cache import never_cache
from ninja import NinjaAPI

from gridgov.api import errors
from gridgov.api.docs import LocalSwagger
from gridgov.api.endpoints import moves, public, staff

DESCRIPTION = """\
Report matters, follow them, and work on cases from mobile apps and integrations.

* **Public**: `POST /reports` (no token needed) and `GET /track/{tracking_no}`.
* **Staff**: everything else needs `Authorization: Bearer <token>`; a token belongs to a staff member
  (`gridgov api-token create USERNAME NAME`) and sees and does exactly what they may on the web.
* **Moves** are made on the case as read: send its `version`; a case changed since answers 409.
* **Errors** always read `{"errors": {"field": ["message", …]}}` (`__all__` for the whole request), in the
  language of `Accept-Language` (Simplified Chinese by default).
"""


def build() -> NinjaAPI:
    """Return the API with its routers and error handlers."""
    api = NinjaAPI(
        title="gridgov API",
        version="1",
        description=DESCRIPTION,
        urls_namespace="api",
        docs=LocalSwagger(),
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    errors.install(api)
    # Answers are per token or per reporter: no cache along the way may keep or share them.
    api.add_decorator(never_cache, mode="view")
    api.add_router("", public.router)
    api.add_router("", staff.router)
    api.add_router("", moves.router)
    return api


api = build()
