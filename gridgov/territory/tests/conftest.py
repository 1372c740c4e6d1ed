"""Fixtures for territory tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Read command output and error messages in English (the msgids); Chinese is the default language."""
    with translation.override("en"):
        yield
