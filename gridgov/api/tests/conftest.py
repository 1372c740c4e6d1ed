"""Fixtures of the API tests: time pinned to a working morning, media in a temporary folder, tokens."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from gridgov.api.actions import issue_token
from gridgov.people.models import User

# A Tuesday morning in Shanghai (01:30 UTC is 09:30 there): working hours, no holiday.
TUESDAY = datetime(2026, 6, 23, 1, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(TUESDAY, tick=False):
        yield


class Api:
    """A client of /api/v1/ speaking JSON, with a bearer token or none, in a language."""

    def __init__(self, client: Client, token: str = "", language: str = "en") -> None:
        self.client = client
        self.headers = {"Accept-Language": language}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, data: Any = None, **kwargs: Any) -> Any:
        body = data if isinstance(data, str | bytes) else ({} if data is None else data)
        kwargs.setdefault("content_type", "application/json")
        return self.client.post(f"/api/v1{path}", body, headers=self.headers, **kwargs)

    def multipart(self, path: str, data: dict[str, Any]) -> Any:
        return self.client.post(f"/api/v1{path}", data, headers=self.headers)


def token_of(user: User) -> str:
    """Issue a token to the user and return it."""
    return issue_token(user, "test app").secret


@pytest.fixture
def public(client: Client) -> Api:
    return Api(client)


@pytest.fixture
def as_user(client: Client) -> Any:
    """Return a function giving an API client with a token of the user."""
    return lambda user, language="en": Api(Client(), token_of(user), language)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
