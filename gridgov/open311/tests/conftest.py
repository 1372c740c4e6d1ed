"""Fixtures of the Open311 tests: an API key, an English-speaking client, photos in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from gridgov.open311 import actions, services


@pytest.fixture(autouse=True)
def english_and_media(settings: Any, tmp_path: Any) -> Iterator[None]:
    """Read answers in English (the msgids) and keep any stored file in a temporary folder."""
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_matters() -> Iterator[None]:
    """Forget the process's copy of the matters, which a rolled-back test may have filled."""
    services.forget_matters()
    yield
    services.forget_matters()


@pytest.fixture
def api() -> Client:
    """Return a client that asks for English answers, as a partner system would."""
    client = Client()
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def key(db: None) -> str:
    """Return a working API key of the client "partner-app"."""
    _stored, raw = actions.create_key("partner-app")
    return raw
