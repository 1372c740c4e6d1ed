"""Tokens: stored hashed, shown once by the command, and refused (401) when missing, unknown or revoked."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from gridgov.api.actions import issue_token, revoke_token
from gridgov.api.models import ApiToken
from gridgov.api.tests.conftest import Api
from gridgov.testing import MiniDistrict


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_token_is_stored_only_as_its_hash(mini: MiniDistrict) -> None:
    issued = issue_token(mini.worker_a, "patrol app")

    row = ApiToken.objects.get()
    assert issued.secret.startswith("gg_") and len(issued.secret) > 40
    assert row.key_hash == hashlib.sha256(issued.secret.encode()).hexdigest()
    stored = [str(getattr(row, f.attname)) for f in ApiToken._meta.concrete_fields]
    assert not any(issued.secret in value for value in stored)
    assert row.prefix == issued.secret[:9]


def test_the_command_prints_a_new_token_once_and_lists_only_its_prefix(mini: MiniDistrict) -> None:
    out, err = run("create", "worker_a", "巡查App")

    secret = out.strip()
    assert secret.startswith("gg_")
    assert "巡查App" in err and "worker_a" in err
    listed, _err = run("list")
    assert secret not in listed
    assert f"{secret[:9]}…" in listed and "worker_a" in listed and "巡查App" in listed
    me = Api(Client(), secret).get("/me")
    assert me.status_code == 200
    assert me.json()["username"] == "worker_a"


def test_the_command_revokes_a_token_and_refuses_unknown_users_and_ids(mini: MiniDistrict) -> None:
    issued = issue_token(mini.handler, "inbox app")

    out, _err = run("revoke", str(issued.token.pk))
    again, _err = run("revoke", str(issued.token.pk))

    assert "Revoked" in out and "already revoked" in again
    assert "revoked" in run("list", "handler")[0]
    with pytest.raises(CommandError, match="nobody"):
        run("create", "nobody", "x")
    with pytest.raises(CommandError, match="999"):
        run("revoke", "999")
    with pytest.raises(CommandError):
        run("create", "handler", "   ")
    assert ApiToken.objects.count() == 1


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer gg_not-a-real-token",
        "Basic d29ya2VyX2E6cHc=",
        "Token {secret}",
        "Bearer {secret}x",
    ],
)
def test_a_staff_endpoint_refuses_a_missing_or_wrong_token_with_401(
    client: Client, mini: MiniDistrict, header: str | None
) -> None:
    secret = issue_token(mini.dispatcher, "console").secret
    headers = {"Accept-Language": "en"}
    if header is not None:
        headers["Authorization"] = header.format(secret=secret)

    response = client.get("/api/v1/cases", headers=headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json() == {
        "errors": {
            "__all__": ["A valid API token is required: send the header “Authorization: Bearer <token>”."]
        }
    }


def test_a_revoked_token_and_a_deactivated_user_get_401(client: Client, mini: MiniDistrict) -> None:
    revoked = issue_token(mini.dispatcher, "old phone")
    other = issue_token(mini.worker_a, "phone")
    assert Api(client, revoked.secret).get("/me").status_code == 200

    revoke_token(revoked.token)
    mini.worker_a.is_active = False
    mini.worker_a.save(update_fields=["is_active"])

    assert Api(client, revoked.secret).get("/me").status_code == 401
    assert Api(client, other.secret).get("/me").status_code == 401


def test_a_token_records_when_it_was_last_used_at_most_once_a_minute(
    client: Client, mini: MiniDistrict
) -> None:
    issued = issue_token(mini.leader, "dashboard")
    api = Api(client, issued.secret)

    assert ApiToken.objects.get().last_used_at is None
    api.get("/me")
    first = ApiToken.objects.get().last_used_at
    assert first == timezone.now()
    with time_machine.travel(timezone.now() + timedelta(seconds=30), tick=False):
        api.get("/me")
        assert ApiToken.objects.get().last_used_at == first
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        api.get("/me")
        assert ApiToken.objects.get().last_used_at == timezone.now()


def test_an_administrator_lists_tokens_without_their_hash_and_revokes_them(
    client: Client, mini: MiniDistrict
) -> None:
    issued = issue_token(mini.worker_a, "patrol app")
    client.force_login(mini.admin)

    listing = client.get("/admin/api/apitoken/", headers={"Accept-Language": "en"})
    revoked = client.post(
        "/admin/api/apitoken/", {"action": "revoke", "_selected_action": [issued.token.pk]}, follow=True
    )

    assert listing.status_code == 200
    html = listing.content.decode()
    assert issued.token.prefix in html and issued.token.key_hash not in html and issued.secret not in html
    assert revoked.status_code == 200
    assert ApiToken.objects.get().revoked_at is not None
    assert Api(client, issued.secret).get("/me").status_code == 401
    client.force_login(mini.dispatcher)
    assert client.get("/admin/api/apitoken/").status_code == 302  # the policy keeps others out
