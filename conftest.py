"""Suite-wide pytest configuration."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Browser tests drive a real Chromium through Playwright; Django's async-safety guard would refuse
# the ORM calls that live-server fixtures make from Playwright's event loop thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest

# Debian's package; Playwright never downloads a browser here. CI sets GRIDGOV_REQUIRE_BROWSER=1.
CHROMIUM = os.environ.get("GRIDGOV_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent / "test-artifacts"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    """Hash test passwords with a fast hasher: each persona's PBKDF2 hash costs ~0.5 s."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def mini(db):  # type: ignore[no-untyped-def]
    """Return the small test district of `gridgov.testing`."""
    from gridgov.testing import make_mini_district

    return make_mini_district()


@pytest.fixture(scope="session")
def chromium(django_db_setup: None) -> Iterator[Any]:
    """Launch headless Chromium once per session (skip, or fail on CI, when it is not installed)."""
    if not Path(CHROMIUM).exists():
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("GRIDGOV_REQUIRE_BROWSER") == "1":
            pytest.fail(message + "; GRIDGOV_REQUIRE_BROWSER=1 requires the browser tests to run")
        pytest.skip(message)
    from django.db import connections
    from playwright.sync_api import sync_playwright

    serialized = {
        alias: connections[alias]._test_serialized_contents  # type: ignore[attr-defined]
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with sync_playwright() as playwright:
        # Playwright's event loop now counts as running in this thread, so Django keeps connections
        # per context from here on and opens new connection objects; they need the copy of the
        # migrations' data that `serialized_rollback` restores, or it would restore nothing.
        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents  # type: ignore[attr-defined]
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def artifacts() -> Path:
    """Return the (git-ignored) folder for screenshots."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> Iterator[None]:
    """Forget the per-process caches (work calendar, time limits, locator, rate-limit counters) of earlier tests."""
    from django.core.cache import cache

    from gridgov.cases.calendar import clear_caches
    from gridgov.groups.posting import forget_robots
    from gridgov.territory.locator import reset_locator

    cache.clear()  # e.g. the per-network report counters: every test client comes from 127.0.0.1
    clear_caches()
    reset_locator()
    forget_robots()
    yield
    clear_caches()
    reset_locator()
    forget_robots()
