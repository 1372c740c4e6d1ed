"""The admin site for the territory: who gets in, what lists show, what stays read-only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from gridgov.people.models import User
from gridgov.territory.models import Building, Grid
from gridgov.testing import PASSWORD, MiniDistrict


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def make_building(mini: MiniDistrict) -> Building:
    return Building.objects.create(
        code="QST-0002",
        community=mini.grid_a1.community,
        grid=mini.grid_a1,
        name="起重生活区2栋",
        address="株洲市石峰区铜塘湾办事处起重生活区2栋",
        address_key="起重生活区2栋",
        lon=113.105,
        lat=27.865,
    )


@pytest.mark.parametrize(
    "model", ["district", "street", "community", "grid", "generation", "building", "household"]
)
def test_an_administrator_opens_every_territory_list(client: Client, mini: MiniDistrict, model: str) -> None:
    make_building(mini)
    response = signed_in(client, mini.admin).get(reverse(f"admin:territory_{model}_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("persona", ["worker_a", "dispatcher", "leader", "handler"])
def test_staff_without_the_administrator_role_are_kept_out(
    client: Client, mini: MiniDistrict, persona: str
) -> None:
    user = getattr(mini, persona)
    User.objects.filter(pk=user.pk).update(is_staff=True)  # a stale flag grants nothing
    response = signed_in(client, user).get(reverse("admin:territory_grid_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_administrator_logs_in_through_the_admin_form_and_others_are_told_why_not(
    client: Client, mini: MiniDistrict
) -> None:
    url = reverse("admin:login")
    refused = client.post(url, {"username": "worker_a", "password": PASSWORD, "next": "/admin/"})
    assert refused.status_code == 200
    assert "_auth_user_id" not in client.session
    accepted = client.post(url, {"username": "admin", "password": PASSWORD, "next": "/admin/"})
    assert accepted.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_grid_page_shows_boundaries_read_only_and_no_geometry(client: Client, mini: MiniDistrict) -> None:
    response = signed_in(client, mini.admin).get(
        reverse("admin:territory_grid_change", args=[mini.grid_a1.pk])
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f"#{mini.generation.pk} test" in html  # the generation, by its description
    assert "coordinates" not in html
    assert "1,100,000" in html  # the area, shown but not editable
    assert "boundaries-0-area" not in html
    assert 'name="code"' not in html


def test_grids_are_not_added_or_deleted_in_the_admin(client: Client, mini: MiniDistrict) -> None:
    signed_in(client, mini.admin)
    assert client.get(reverse("admin:territory_grid_add")).status_code == 403
    assert client.get(reverse("admin:territory_grid_delete", args=[mini.grid_a1.pk])).status_code == 403
    assert client.get(reverse("admin:territory_generation_add")).status_code == 403


def test_an_administrator_renames_a_grid(client: Client, mini: MiniDistrict) -> None:
    url = reverse("admin:territory_grid_change", args=[mini.grid_a1.pk])
    response = signed_in(client, mini.admin).post(
        url,
        {
            "name": "清水塘第一网格",
            "households": "312",
            "boundaries-TOTAL_FORMS": "1",
            "boundaries-INITIAL_FORMS": "1",
            "boundaries-MIN_NUM_FORMS": "0",
            "boundaries-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302
    grid = Grid.objects.get(pk=mini.grid_a1.pk)
    assert (grid.name, grid.households, grid.code) == ("清水塘第一网格", 312, mini.grid_a1.code)


def test_buildings_are_found_by_address_text(client: Client, mini: MiniDistrict) -> None:
    make_building(mini)
    signed_in(client, mini.admin)
    found = client.get(reverse("admin:territory_building_changelist"), {"q": "起重生活区"})
    assert "QST-0002" in found.content.decode()
    missed = client.get(reverse("admin:territory_building_changelist"), {"q": "云峰花园"})
    assert "QST-0002" not in missed.content.decode()


def test_saving_a_building_recomputes_its_address_key(client: Client, mini: MiniDistrict) -> None:
    building = make_building(mini)
    response = signed_in(client, mini.admin).post(
        reverse("admin:territory_building_change", args=[building.pk]),
        {
            "code": building.code,
            "community": building.community_id,
            "grid": building.grid_id,
            "name": "起重生活区3栋",
            "address": "株洲市石峰区铜塘湾办事处起重生活区三号楼",
            "lon": "113.105",
            "lat": "27.865",
            "floors": "7",
        },
    )
    assert response.status_code == 302
    assert Building.objects.get(pk=building.pk).address_key == "起重生活区3栋"
