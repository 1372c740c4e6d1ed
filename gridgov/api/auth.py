"""Token authentication: `Authorization: Bearer <token>` names a staff member, or the request gets 401.

Endpoints open to the public (reporting, tracking) take a token too; a request that sends one must
send a valid one, so a revoked token never silently degrades to an anonymous report.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from gridgov.api import actions
from gridgov.api.errors import unauthorized
from gridgov.people.models import User


class TokenAuth(HttpBearer):
    """The staff member whose active API token the request carries."""

    openapi_bearerFormat = "gridgov API token"

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header, "")
        scheme, _space, secret = header.partition(" ")
        if scheme.lower() != self.openapi_scheme:
            return None
        return self.authenticate(request, secret.strip())

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return actions.user_for_secret(token)


class Public:
    """Whoever calls without a token (the public side of an endpoint that also takes one)."""

    def __bool__(self) -> bool:
        return True


PUBLIC = Public()


def public_unless_token(request: HttpRequest) -> Public:
    """Let a request without a token through as the public; one with a token that failed gets 401."""
    if request.headers.get("Authorization"):
        raise unauthorized()
    return PUBLIC


def staff_of(request: HttpRequest) -> User | None:
    """Return the staff member the request authenticated as, or None for the public."""
    found = getattr(request, "auth", None)
    return found if isinstance(found, User) else None


def staff(request: HttpRequest) -> User:
    """Return the authenticated staff member of a token-only endpoint."""
    user = staff_of(request)
    if user is None:
        raise unauthorized()
    return user
