"""GRIDGOV_CACHE_URL: the per-network limits counted once for all app processes, in Redis."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.test.utils import override_settings

from gridgov import settings as project_settings
from gridgov.intake import ratelimit

REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own: nothing else's keys are touched
LIMIT = 5


def _redis_is_running() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(not _redis_is_running(), reason="needs a Redis server on 127.0.0.1:6379")


def test_without_a_cache_url_each_process_keeps_its_own_cache(monkeypatch: Any) -> None:
    monkeypatch.delenv("GRIDGOV_CACHE_URL", raising=False)

    assert project_settings._caches()["default"]["BACKEND"].endswith("LocMemCache")


def test_a_redis_url_gives_every_process_the_same_cache(monkeypatch: Any) -> None:
    monkeypatch.setenv("GRIDGOV_CACHE_URL", REDIS_URL)
    monkeypatch.setenv("GRIDGOV_CACHE_PREFIX", "district-a")

    cache = project_settings._caches()["default"]

    assert (cache["BACKEND"], cache["LOCATION"], cache["KEY_PREFIX"]) == (
        "django.core.cache.backends.redis.RedisCache",
        REDIS_URL,
        "district-a",
    )


def test_a_cache_url_that_is_not_redis_is_refused_at_start(monkeypatch: Any) -> None:
    monkeypatch.setenv("GRIDGOV_CACHE_URL", "memcached://127.0.0.1:11211")

    with pytest.raises(ImproperlyConfigured, match="GRIDGOV_CACHE_URL must be a Redis URL"):
        project_settings._caches()


@needs_redis
def test_a_network_that_used_up_its_lookups_in_one_process_is_refused_by_another(settings: Any) -> None:
    prefix = f"test-{uuid.uuid4().hex}"
    settings.GRIDGOV_TRACK_LIMIT_IP = LIMIT
    redis_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    guesser = RequestFactory().get("/track/", REMOTE_ADDR="203.0.113.7")
    with override_settings(CACHES=redis_cache):
        for _ in range(LIMIT):
            ratelimit.TRACKING.hit(guesser)
        assert ratelimit.TRACKING.blocked(guesser)

    # Another process (another gunicorn worker) with the same settings sees the same count.
    script = (
        "import django; django.setup()\n"
        "from django.test import RequestFactory\n"
        "from gridgov.intake import ratelimit\n"
        "for address in ('203.0.113.7', '198.51.100.9'):\n"
        "    print(address, ratelimit.TRACKING.blocked(RequestFactory().get('/track/', REMOTE_ADDR=address)))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gridgov.settings",
        "GRIDGOV_CACHE_URL": REDIS_URL,
        "GRIDGOV_CACHE_PREFIX": prefix,
        "GRIDGOV_TRACK_LIMIT_IP": str(LIMIT),
    }
    other = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60, check=True
    )

    assert other.stdout.split() == ["203.0.113.7", "True", "198.51.100.9", "False"]
