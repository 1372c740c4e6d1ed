"""`gridgov open311-key`: a key is printed once, stored only as a digest, listed without it, revoked."""

from __future__ import annotations

import hashlib
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gridgov.open311 import actions
from gridgov.open311.models import ApiKey
from gridgov.testing import MiniDistrict


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("open311_key", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _street_light(key: str) -> dict[str, str]:
    """Return the form of a report of a dark street light in grid A1, filed with the key."""
    return {
        "api_key": key,
        "lat": "27.865",
        "long": "113.105",
        "description": "路灯不亮",
        "service_code": "S01001",
    }


def test_create_prints_a_new_key_once_and_stores_only_its_digest(db: None) -> None:
    out, err = run("create", "partner-app")

    key = out.strip()
    assert key.startswith("o311_") and len(key) > 40
    assert "shown only now" in err
    stored = ApiKey.objects.get()
    assert stored.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {stored.name, stored.prefix, stored.digest}
    assert key.startswith(stored.prefix)
    # No column holds the key itself.
    row = ApiKey.objects.values().get()
    assert all(key != value for value in row.values())


def test_two_keys_are_never_the_same(db: None) -> None:
    first, _ = run("create", "app-one")
    second, _ = run("create", "app-two")

    assert first != second


def test_list_shows_names_and_prefixes_but_never_the_keys(db: None) -> None:
    key, _ = run("create", "partner-app")
    run("revoke", "partner-app")
    run("create", "partner-app")

    out, _ = run("list")

    lines = out.strip().splitlines()
    assert len(lines) == 2
    assert all(line.startswith("partner-app\to311_") for line in lines)
    assert "revoked" in lines[0] and lines[1].endswith("active")
    assert key.strip() not in out


def test_a_key_can_get_its_own_hourly_limit_which_the_list_shows(db: None, settings: Any) -> None:
    settings.GRIDGOV_OPEN311_KEY_LIMIT_HOUR = 600
    run("create", "partner-app", "--limit", "50")
    run("create", "bench", "--limit", "0")
    run("create", "other-app")

    out, _ = run("list")

    assert dict(ApiKey.objects.values_list("name", "hourly_limit")) == {
        "partner-app": 50,
        "bench": 0,
        "other-app": None,
    }
    limits = {line.split("\t")[0]: line.split("\t")[3] for line in out.strip().splitlines()}
    assert limits == {
        "bench": "no limit",
        "other-app": "600 reports/hour (default)",
        "partner-app": "50 reports/hour",
    }


def test_a_negative_limit_is_refused(db: None) -> None:
    with pytest.raises(CommandError, match="0 for no limit"):
        run("create", "partner-app", "--limit", "-5")
    assert not ApiKey.objects.exists()


def test_a_key_stored_before_the_shared_secret_helper_still_files_reports(
    api: Client, mini: MiniDistrict
) -> None:
    # The digest exactly as keys were stored before: SHA-256 of the key's UTF-8, in hex.
    key = "o311_" + "k" * 43
    ApiKey.objects.create(
        name="old-app",
        prefix=key[:10],
        digest=hashlib.sha256(key.encode()).hexdigest(),
        created_at=timezone.now(),
    )
    form = _street_light(key)

    assert api.post("/open311/v2/requests.json", form).status_code == 200


def test_an_active_name_cannot_get_a_second_key(db: None) -> None:
    run("create", "partner-app")

    with pytest.raises(CommandError, match="revoke it first"):
        run("create", "partner-app")
    assert ApiKey.objects.count() == 1


@pytest.mark.parametrize("name", ["", "   ", "x" * 61])
def test_a_key_needs_a_sensible_name(db: None, name: str) -> None:
    with pytest.raises(CommandError):
        run("create", name)
    assert not ApiKey.objects.exists()


def test_revoking_an_unknown_name_says_so(db: None) -> None:
    with pytest.raises(CommandError, match="No active key"):
        run("revoke", "nobody")


def test_a_printed_key_files_reports_until_it_is_revoked(api: Client, mini: MiniDistrict) -> None:
    key = run("create", "partner-app")[0].strip()
    form = _street_light(key)

    assert api.post("/open311/v2/requests.json", form).status_code == 200
    out, _ = run("revoke", "partner-app")
    assert "revoked" in out
    assert api.post("/open311/v2/requests.json", form).status_code == 403


def test_an_administrator_sees_the_keys_in_the_admin_without_their_digests(
    client: Client, mini: MiniDistrict
) -> None:
    stored, _key = actions.create_key("partner-app")
    client.force_login(mini.admin)

    listing = client.get(reverse("admin:open311_apikey_changelist"))
    page = client.get(reverse("admin:open311_apikey_change", args=[stored.pk]))

    assert listing.status_code == page.status_code == 200
    for html in (listing.content.decode(), page.content.decode()):
        assert stored.prefix in html
        assert stored.digest not in html


def test_a_grid_worker_cannot_open_the_keys_in_the_admin(client: Client, mini: MiniDistrict) -> None:
    client.force_login(mini.worker_a)

    response = client.get(reverse("admin:open311_apikey_changelist"))

    assert response.status_code == 302  # to the admin login: no administrator post


def test_a_keys_limit_changes_and_returns_to_the_default_while_the_key_stays(
    api: Client, mini: MiniDistrict, settings: Any
) -> None:
    settings.GRIDGOV_OPEN311_KEY_LIMIT_HOUR = 600
    key = run("create", "partner-app")[0].strip()
    form = _street_light(key)

    out, _ = run("limit", "partner-app", "1")
    assert "1 reports/hour" in out
    assert api.post("/open311/v2/requests.json", form).status_code == 200
    assert api.post("/open311/v2/requests.json", form).status_code == 429

    out, _ = run("limit", "partner-app", "default")
    assert "600 reports/hour (default)" in out
    assert ApiKey.objects.get().hourly_limit is None
    assert api.post("/open311/v2/requests.json", form).status_code == 200


@pytest.mark.parametrize("given", ["-1", "lots", "1.5"])
def test_a_limit_that_is_not_a_count_changes_nothing(db: None, given: str) -> None:
    run("create", "partner-app", "--limit", "50")

    with pytest.raises(CommandError, match="whole number"):
        run("limit", "partner-app", given)
    assert ApiKey.objects.get().hourly_limit == 50


def test_limiting_an_unknown_or_revoked_key_says_so(db: None) -> None:
    run("create", "partner-app")
    run("revoke", "partner-app")

    with pytest.raises(CommandError, match="No active key"):
        run("limit", "partner-app", "5")
