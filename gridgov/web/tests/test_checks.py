from __future__ import annotations

from django.core.checks import run_checks
from django.test import override_settings

SAFE = {
    "DEBUG": False,
    "SECRET_KEY": "k" * 50,
    "FIELD_ENCRYPTION_KEY": "cHJvZHVjdGlvbi1rZXktb2YtMzItYnl0ZXMtZXhhY3Q=",
    "ALLOWED_HOSTS": ["grid.example.gov.cn"],
}


def check_ids() -> set[str]:
    return {message.id for message in run_checks() if message.id and message.id.startswith("gridgov.")}


def test_production_settings_pass_the_checks() -> None:
    with override_settings(**SAFE):
        assert check_ids() == set()


def test_it_refuses_the_development_secret_key_when_debug_is_off() -> None:
    from django.conf import settings

    with override_settings(**{**SAFE, "SECRET_KEY": settings.DEV_SECRET_KEY}):
        assert check_ids() == {"gridgov.E001"}


def test_it_refuses_the_development_field_key_when_debug_is_off() -> None:
    from django.conf import settings

    with override_settings(**{**SAFE, "FIELD_ENCRYPTION_KEY": settings.DEV_FIELD_KEY}):
        assert check_ids() == {"gridgov.E002"}


def test_it_refuses_open_hosts_when_debug_is_off() -> None:
    with override_settings(**{**SAFE, "ALLOWED_HOSTS": ["*"]}):
        assert check_ids() == {"gridgov.E003"}


def test_development_settings_pass_while_debug_is_on() -> None:
    from django.conf import settings

    with override_settings(DEBUG=True, SECRET_KEY=settings.DEV_SECRET_KEY, ALLOWED_HOSTS=[]):
        assert check_ids() == set()


def test_it_refuses_a_malformed_field_key_even_in_development() -> None:
    with override_settings(DEBUG=True, FIELD_ENCRYPTION_KEY="too-short"):
        assert check_ids() == {"gridgov.E004"}
