"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from gridgov.people.models import User
from gridgov.web.navigation import nav_items, post_label


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Return the navigation entries for the user's roles and the post shown in the header."""
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return {"nav_items": [], "current_post": ""}
    return {"nav_items": nav_items(request), "current_post": post_label(user)}
