"""Suite-wide pytest configuration."""

from __future__ import annotations

import os

# Browser tests drive a real Chromium through Playwright; Django's async-safety guard would refuse
# the ORM calls that live-server fixtures make from Playwright's event loop thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest


@pytest.fixture
def mini(db):  # type: ignore[no-untyped-def]
    """Return the small test district of `gridgov.testing`."""
    from gridgov.testing import make_mini_district

    return make_mini_district()
