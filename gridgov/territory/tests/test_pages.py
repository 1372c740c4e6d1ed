"""Territory pages: each user sees the areas of their posts; other areas answer 404."""

from __future__ import annotations

import pytest
from django.test import Client

from gridgov.people.models import User
from gridgov.territory.models import Generation, GridBoundary
from gridgov.testing import MiniDistrict, square
from gridgov.web.tests.populate import populate

A1, B1, C1 = "430204001001001", "430204001002001", "430204002001001"
TONGTANGWAN, JINGLONG = "430204001", "430204002"
QINGSHUITANG, DINGSHAN = "430204001001", "430204002001"


def get(client: Client, user: User, path: str, status: int = 200) -> str:
    client.cookies["django_language"] = "en"
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == status, path
    return response.content.decode()


def test_a_grid_worker_opens_their_grid_with_map_and_buildings(client: Client, mini: MiniDistrict) -> None:
    populate(mini.grid_a1, buildings=2, households=3, residents=2)

    html = get(client, mini.worker_a, f"/territory/grids/{A1}/")

    assert "<h1>A1网格" in html
    assert '"coordinates": [[[113.1, 27.86], [113.11, 27.86]' in html  # the boundary for the map
    assert f'data-highlight="{A1}"' in html
    assert html.count("测试小区") == 4  # two buildings, name and address each
    assert '<td class="num">3</td><td class="num">6</td>' in html  # households and residents per building
    assert f'href="/people/grids/{A1}/team/"' in html


def test_a_grid_worker_gets_404_for_a_grid_outside_their_post(client: Client, mini: MiniDistrict) -> None:
    get(client, mini.worker_a, f"/territory/grids/{B1}/", status=404)
    get(client, mini.worker_a, f"/territory/communities/{DINGSHAN}/", status=404)
    get(client, mini.worker_a, f"/territory/streets/{JINGLONG}/", status=404)


def test_an_unknown_grid_answers_404_like_a_hidden_one(client: Client, mini: MiniDistrict) -> None:
    get(client, mini.dispatcher, "/territory/grids/999999999999999/", status=404)


def test_a_district_dispatcher_sees_every_grid(client: Client, mini: MiniDistrict) -> None:
    for code in [A1, B1, C1]:
        get(client, mini.dispatcher, f"/territory/grids/{code}/")

    html = get(client, mini.dispatcher, "/territory/")
    assert f'href="/territory/streets/{TONGTANGWAN}/"' in html
    assert f'href="/territory/streets/{JINGLONG}/"' in html


def test_the_district_page_lists_only_the_streets_of_the_users_posts(
    client: Client, mini: MiniDistrict
) -> None:
    html = get(client, mini.worker_a, "/territory/")

    assert f'href="/territory/streets/{TONGTANGWAN}/"' in html
    assert JINGLONG not in html
    assert "<dt>Grids</dt><dd>1</dd>" in html


def test_a_street_page_lists_the_communities_the_user_sees(client: Client, mini: MiniDistrict) -> None:
    html = get(client, mini.worker_a, f"/territory/streets/{TONGTANGWAN}/")

    assert f'href="/territory/communities/{QINGSHUITANG}/"' in html
    assert "云峰社区" not in html  # B1's community: not worker_a's

    html = get(client, mini.dispatcher, f"/territory/streets/{TONGTANGWAN}/")
    assert "云峰社区" in html


def test_a_community_page_lists_its_grids_with_their_workers_and_a_map(
    client: Client, mini: MiniDistrict
) -> None:
    html = get(client, mini.dispatcher, f"/territory/communities/{QINGSHUITANG}/")

    assert f'href="/territory/grids/{A1}/"' in html
    assert "张网格" in html  # A1's grid worker
    assert "vacant" in html  # A2 has no grid worker
    assert html.count('"type": "Feature"') == 2


def test_a_street_dispatcher_reaches_only_their_street(client: Client, mini: MiniDistrict) -> None:
    get(client, mini.street_dispatcher, f"/territory/grids/{C1}/")
    get(client, mini.street_dispatcher, f"/territory/grids/{A1}/", status=404)
    get(client, mini.street_dispatcher, f"/territory/streets/{TONGTANGWAN}/", status=404)


def test_a_department_handler_sees_no_grid(client: Client, mini: MiniDistrict) -> None:
    get(client, mini.handler, f"/territory/grids/{A1}/", status=404)
    html = get(client, mini.handler, "/territory/")
    assert "No grid lies in the areas of your posts yet." in html


def test_the_geojson_holds_the_active_boundaries_of_visible_grids_only(
    client: Client, mini: MiniDistrict
) -> None:
    client.force_login(mini.worker_a)
    response = client.get("/territory/grids.geojson")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = response.json()
    assert [feature["properties"]["code"] for feature in data["features"]] == [A1]
    assert data["features"][0]["properties"]["url"] == f"/territory/grids/{A1}/"


def test_the_map_follows_the_active_generation(client: Client, mini: MiniDistrict) -> None:
    Generation.objects.filter(pk=mini.generation.pk).update(active=False)
    newer = Generation.objects.create(description="resurvey", active=True)
    GridBoundary.objects.create(grid=mini.grid_a1, generation=newer, geometry=square(5, 5))
    client.force_login(mini.dispatcher)

    data = client.get("/territory/grids.geojson").json()

    assert [feature["properties"]["code"] for feature in data["features"]] == [A1]
    assert data["features"][0]["geometry"] == square(5, 5)


def test_the_map_page_loads_the_geojson_of_the_users_grids(client: Client, mini: MiniDistrict) -> None:
    html = get(client, mini.leader, "/territory/map/")

    assert 'data-url="/territory/grids.geojson"' in html
    assert "vendor/leaflet/leaflet.js" in html
    assert 'data-tiles=""' in html  # no base layer unless configured


@pytest.mark.parametrize("crs", ["gcj02", "wgs84"])
def test_a_configured_tile_layer_reaches_the_map_with_its_crs(
    client: Client, mini: MiniDistrict, settings, crs: str
) -> None:
    settings.MAP_TILES_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.MAP_TILES_CRS = crs

    html = get(client, mini.worker_a, f"/territory/grids/{A1}/")

    assert 'data-tiles="https://tiles.example.org/{z}/{x}/{y}.png"' in html
    assert f'data-tiles-crs="{crs}"' in html


def test_the_grid_page_runs_a_bounded_number_of_queries(
    client: Client, mini: MiniDistrict, django_assert_max_num_queries
) -> None:
    populate(mini.grid_a1, buildings=60, households=1, residents=1)
    client.force_login(mini.worker_a)

    with django_assert_max_num_queries(12):
        response = client.get(f"/territory/grids/{A1}/?page=2")

    assert response.status_code == 200
    assert response.content.decode().count("测试小区") == 20  # 10 buildings on page 2, name and address
