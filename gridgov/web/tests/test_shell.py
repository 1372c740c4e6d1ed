"""The page shell: health check, login and logout, the login wall, language, header and navigation."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from gridgov.people.models import User
from gridgov.testing import PASSWORD, MiniDistrict


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def nav_keys(html: str) -> list[str]:
    return re.findall(r'data-nav="([a-z_]+)"', html)


@pytest.mark.django_db
def test_healthz_answers_ok_without_login(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_the_login_page(client: Client) -> None:
    for path in ["/", "/territory/", "/territory/grids/430204001001001/", "/people/staff/"]:
        response = client.get(path)

        assert response.status_code == 302, path
        assert response["Location"] == f"{reverse('login')}?next={path}"


@pytest.mark.django_db
def test_the_login_page_is_in_simplified_chinese_by_default(client: Client) -> None:
    response = client.get("/login/")

    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.text
    assert 'name="username"' in response.text
    assert 'name="password"' in response.text


def test_it_logs_in_through_the_form_and_lands_on_the_home_page(client: Client, mini: MiniDistrict) -> None:
    response = client.post("/login/", {"username": "worker_a", "password": PASSWORD}, follow=True)

    assert response.redirect_chain == [("/", 302)]
    assert 'data-home="grid"' in response.text
    assert response.wsgi_request.user == mini.worker_a


def test_it_refuses_a_wrong_password_with_an_error_on_the_form(client: Client, mini: MiniDistrict) -> None:
    response = client.post("/login/", {"username": "worker_a", "password": "not-it"})

    assert response.status_code == 200
    assert 'class="errorlist"' in response.text
    assert "_auth_user_id" not in client.session


def test_it_returns_to_the_page_asked_for_after_login(client: Client, mini: MiniDistrict) -> None:
    response = client.post(
        "/login/?next=/territory/", {"username": "dispatcher", "password": PASSWORD, "next": "/territory/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/territory/"


def test_logout_takes_a_post_and_ends_the_session(client: Client, mini: MiniDistrict) -> None:
    signed_in(client, mini.worker_a)

    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_the_language_switcher_works_before_login(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    page = client.get("/login/")
    assert '<html lang="en">' in page.text
    assert "Log in" in page.text


def test_the_header_shows_the_user_their_post_and_a_logout_form(client: Client, mini: MiniDistrict) -> None:
    response = signed_in(client, mini.worker_a).get("/")

    assert '<span class="who__name" data-testid="user-name">张网格</span>' in response.text
    assert "A1网格" in response.text
    assert f'action="{reverse("logout")}"' in response.text


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("worker_a", ["my_grid", "patrol", "grid_cases", "inbox", "group_messages", "grid_team"]),
        ("police_a", ["my_grid", "grid_cases", "inbox", "grid_team"]),
        ("dispatcher", ["dispatch", "hotline", "notices", "overdue", "territory", "map", "departments"]),
        ("handler", ["inbox", "department", "notices", "departments"]),
        ("leader", ["overview", "overdue", "territory", "map", "departments", "staff"]),
        ("admin", ["territory", "map", "departments", "staff", "admin"]),
    ],
)
def test_navigation_follows_the_users_roles(
    client: Client, mini: MiniDistrict, persona: str, expected: list[str]
) -> None:
    response = signed_in(client, getattr(mini, persona)).get("/")

    assert nav_keys(response.text) == expected


def test_navigation_links_a_grid_worker_to_their_team_page(client: Client, mini: MiniDistrict) -> None:
    response = signed_in(client, mini.worker_a).get("/")

    team_url = reverse("people:grid_team", kwargs={"code": mini.grid_a1.code})
    assert f'href="{team_url}" data-nav="grid_team"' in response.text
    assert 'href="/" data-nav="my_grid" aria-current="page"' in response.text


def test_the_dispatch_section_leads_to_the_console(client: Client, mini: MiniDistrict) -> None:
    response = signed_in(client, mini.dispatcher).get("/")

    assert '<a href="/cases/console/" data-nav="dispatch"' in response.text


@pytest.mark.django_db
def test_static_files_are_served_without_login(client: Client) -> None:
    for path in [
        "/static/web/gridgov.css",
        "/static/web/map.js",
        "/static/vendor/htmx/htmx.min.js",
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet/leaflet.css",
    ]:
        response = client.get(path)

        assert response.status_code == 200, path
        response.close()
