"""The home page of each persona shows that persona's work, with a bounded number of queries."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.test import Client

from gridgov.people.models import (
    CareTag,
    Department,
    Education,
    Level,
    Post,
    Role,
    SocialWorkCertificate,
    User,
)
from gridgov.territory.models import Generation, Grid, GridBoundary
from gridgov.testing import MiniDistrict, make_user, square
from gridgov.web.tests.populate import populate

# Session, user, posts, then the page's own queries; the same bound holds for any data size.
MAX_QUERIES = 10


def sign_in(client: Client, user: User) -> Client:
    # Assertions read the English msgids; Chinese (the default) comes from the translators' catalogue.
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def home(client: Client, user: User | None = None) -> str:
    if user is not None:
        sign_in(client, user)
    response = client.get("/")
    assert response.status_code == 200
    return response.text


def street_row(html: str, code: str) -> list[str]:
    """Return the numbers in the row of the street in the per-street table."""
    row = re.search(rf'<tr data-street="{code}">(.*?)</tr>', html, re.S)
    assert row, f"no row for street {code}"
    return re.findall(r'<td class="num">(\d+)</td>', row.group(1))


def grow(mini: MiniDistrict, extra_grids: int) -> None:
    """Add grids with teams, buildings and residents, so query counts can be compared."""
    for index in range(extra_grids):
        grid = Grid.objects.create(
            community=mini.grid_a1.community, code=f"430204001001{index + 10:03d}", name=f"扩展{index}网格"
        )
        GridBoundary.objects.create(grid=grid, generation=mini.generation, geometry=square(3 + index, 0))
        make_user(f"extra_worker_{index}", f"扩展{index}", Role.GRID_WORKER, grid=grid)
        Post.objects.create(user=mini.police_a, role=Role.POLICE, level=Level.GRID, grid=grid)
        populate(grid, buildings=2, households=2, residents=2, tags=CareTag.DISABLED)


def test_a_grid_worker_sees_my_grid_with_counts_team_and_map(client: Client, mini: MiniDistrict) -> None:
    populate(
        mini.grid_a1,
        buildings=2,
        households=3,
        residents=2,
        tags=f"{CareTag.ELDERLY_ALONE},{CareTag.LOW_INCOME}",
    )
    populate(mini.grid_b1, buildings=1, households=1, residents=1)
    User.objects.filter(pk=mini.police_a.pk).update(phone="0731-2851 1100")

    html = home(client, mini.worker_a)

    assert 'data-home="grid"' in html
    assert "<h1>My grid</h1>" in html
    assert 'data-grid="430204001001001"' in html
    assert "铜塘湾办事处 › 清水塘社区" in html
    assert "<dt>Households</dt><dd>6</dd>" in html
    assert "<dt>Buildings</dt><dd>2</dd>" in html
    assert "<dt>Residents</dt><dd>12</dd>" in html
    assert 'data-care="elderly_alone">elderly living alone <b>6</b>' in html
    assert 'data-care="low_income">low income <b>6</b>' in html
    assert 'data-care="disabled">disabled <b>0</b>' in html
    assert '<a href="tel:073128511100">0731-2851 1100</a>' in html
    assert "王民警" in html
    assert 'href="/people/grids/430204001001001/team/"' in html
    assert '"code": "430204001001001"' in html  # the boundary handed to the map
    assert "430204001002001" not in html  # nothing of grid B1


def test_the_grid_home_runs_the_same_queries_for_one_grid_or_many(
    client: Client, mini: MiniDistrict, django_assert_max_num_queries
) -> None:
    populate(mini.grid_a1)
    sign_in(client, mini.police_a)
    with django_assert_max_num_queries(MAX_QUERIES):
        html = home(client)
    assert html.count("data-grid=") == 1

    grow(mini, extra_grids=5)
    sign_in(client, User.objects.get(pk=mini.police_a.pk))
    with django_assert_max_num_queries(MAX_QUERIES):
        html = home(client)
    assert html.count("data-grid=") == 6
    assert "<h1>My grids</h1>" in html


def test_a_dispatcher_sees_the_area_overview_and_the_way_to_the_case_desk(
    client: Client, mini: MiniDistrict, django_assert_max_num_queries
) -> None:
    grow(mini, extra_grids=3)
    sign_in(client, mini.dispatcher)
    with django_assert_max_num_queries(MAX_QUERIES):
        html = home(client)

    assert 'data-home="dispatch"' in html
    assert 'data-testid="case-desk"' in html
    assert 'href="/cases/console/"' in html
    assert "<dt>Streets</dt><dd>2</dd>" in html
    assert "<dt>Communities</dt><dd>3</dd>" in html
    assert "<dt>Grids</dt><dd>7</dd>" in html
    assert 'href="/territory/streets/430204001/"' in html
    assert 'href="/territory/streets/430204002/"' in html


def test_a_street_dispatcher_sees_only_their_street(client: Client, mini: MiniDistrict) -> None:
    html = home(client, mini.street_dispatcher)

    assert 'href="/territory/streets/430204002/"' in html
    assert "430204001" not in html
    assert "<dt>Grids</dt><dd>1</dd>" in html


def test_a_department_handler_sees_their_department_sub_departments_and_staff(
    client: Client, mini: MiniDistrict, django_assert_max_num_queries
) -> None:
    squad = Department.objects.create(code="cgj-1", name="执法一中队", parent=mini.department, phone="0731-1")
    make_user("squad_member", "郑队员", Role.DEPARTMENT_HANDLER, department=squad)
    User.objects.filter(pk=mini.handler.pk).update(phone="13800000001")

    sign_in(client, mini.handler)
    with django_assert_max_num_queries(MAX_QUERIES):
        html = home(client)

    assert 'data-home="department"' in html
    assert "<h1>区城管局</h1>" in html
    assert "执法一中队" in html
    assert "郑队员" in html
    assert '<a href="tel:13800000001">13800000001</a>' in html


@time_machine.travel(datetime.datetime(2026, 6, 1, 9, tzinfo=datetime.UTC))
def test_a_leader_sees_per_street_counts_and_the_grid_workforce(
    client: Client, mini: MiniDistrict, django_assert_max_num_queries
) -> None:
    populate(mini.grid_a1, buildings=1, households=2, residents=2)
    populate(mini.grid_b1, buildings=1, households=1, residents=3)
    User.objects.filter(pk=mini.worker_a.pk).update(
        education=Education.BACHELOR,
        birth_year=1990,
        passed_exam=True,
        social_work_certificate=SocialWorkCertificate.ASSISTANT,
    )
    User.objects.filter(pk=mini.worker_b.pk).update(education=Education.SECONDARY, birth_year=1970)

    sign_in(client, mini.leader)
    with django_assert_max_num_queries(MAX_QUERIES):
        html = home(client)

    assert 'data-home="leader"' in html
    assert "<h1>District overview</h1>" in html
    # 铜塘湾: 2 communities, 3 grids, 7 residents, 3 grid staff (two workers and the police officer).
    assert street_row(html, "430204001") == ["2", "3", "7", "3"]
    assert street_row(html, "430204002") == ["1", "1", "0", "0"]
    assert "<dt>Residents</dt><dd>7</dd>" in html
    assert 'data-figure="college">50.0%' in html
    assert 'data-figure="exam">50.0%' in html
    assert 'data-figure="certified">50.0%' in html
    assert "<span>30–39</span>" in html  # worker_a is 36 in 2026, worker_b 56


def test_the_leader_overview_runs_the_same_queries_whatever_the_size(
    client: Client, mini: MiniDistrict, django_assert_max_num_queries
) -> None:
    grow(mini, extra_grids=6)
    sign_in(client, mini.leader)
    with django_assert_max_num_queries(MAX_QUERIES):
        html = home(client)
    assert "<dt>Grids</dt><dd>10</dd>" in html


def test_an_administrator_sees_admin_links_generations_and_import_help(
    client: Client, mini: MiniDistrict, django_assert_max_num_queries
) -> None:
    Generation.objects.filter(pk=mini.generation.pk).update(active=False)
    Generation.objects.create(description="2026 resurvey", source="grids-2026.geojson", active=True)

    sign_in(client, mini.admin)
    with django_assert_max_num_queries(MAX_QUERIES):
        html = home(client)

    assert 'data-home="admin"' in html
    assert 'href="/admin/"' in html
    assert "2026 resurvey" in html
    assert "grids-2026.geojson" in html
    assert "gridgov import_grids" in html
    assert "gridgov import_roster" in html


def test_a_fund_officer_sees_the_area_and_the_fund_ledger_to_come(client: Client, mini: MiniDistrict) -> None:
    officer = make_user("fund", "冯资金", Role.FUND_OFFICER, district=mini.district)

    html = home(client, officer)

    assert 'data-home="fund"' in html
    assert "The fund ledger opens with the funds module." in html
    assert 'href="/territory/streets/430204001/"' in html


@pytest.mark.parametrize("role", [Role.CLEANER, Role.CADRE, Role.BUILDING_LEADER, Role.POWER])
def test_other_grid_roles_get_the_grid_page_of_their_grid(
    client: Client, mini: MiniDistrict, role: str
) -> None:
    member = make_user(f"member_{role}", "成员", role, grid=mini.grid_b1)

    html = home(client, member)

    assert 'data-home="grid"' in html
    assert 'data-grid="430204001002001"' in html


def test_a_user_without_a_post_is_told_to_ask_for_one(client: Client, mini: MiniDistrict) -> None:
    nobody = User.objects.create(username="nobody", full_name="无岗位")

    html = home(client, nobody)

    assert 'data-home="none"' in html
    assert "You do not hold a post yet." in html
