"""The grid team page, the staff list and the department tree, as each persona meets them."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gridgov.people import teams
from gridgov.people.models import Department, Post, Role, User
from gridgov.territory.models import Grid
from gridgov.testing import MiniDistrict, make_user


def team_url(grid: Grid) -> str:
    return reverse("people:grid_team", kwargs={"code": grid.code})


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def fill_team(grid: Grid, prefix: str, building_leaders: int = 2) -> None:
    """Give the grid an urban officer, cleaner, utilities, property manager, building leaders, cadre."""
    roles = [Role.URBAN_OFFICER, Role.CLEANER, Role.POWER, Role.WATER, Role.GAS, Role.PROPERTY, Role.CADRE]
    roles += [Role.BUILDING_LEADER] * building_leaders
    for index, role in enumerate(roles):
        user = make_user(f"{prefix}{index}", f"{prefix}成员{index}", role, grid=grid)
        User.objects.filter(pk=user.pk).update(phone=f"1390733{index:04d}")


@pytest.fixture
def team_a1(mini: MiniDistrict) -> MiniDistrict:
    User.objects.filter(pk=mini.worker_a.pk).update(phone="138-0731-0001")
    User.objects.filter(pk=mini.police_a.pk).update(phone="0731 2822 1110")
    fill_team(mini.grid_a1, "a1_")
    return mini


# --- teams module ----------------------------------------------------------------------------------


def test_the_team_is_grouped_with_the_1_plus_3_core_first(team_a1: MiniDistrict) -> None:
    team = teams.grid_team(team_a1.grid_a1)
    assert [member.role for member in team.core] == ["grid_worker", "police", "urban_officer", "cleaner"]
    assert team.grid_worker is not None and team.grid_worker.name == "张网格"
    assert [member.role for member in team.utilities] == ["power", "water", "gas"]
    assert len(team.building_leaders) == 2
    assert [group.key for group in team.groups()] == [
        "core",
        "utilities",
        "property",
        "building_leaders",
        "cadre",
    ]
    assert team.missing_core_roles == []


def test_a_thin_team_names_its_vacant_core_posts(mini: MiniDistrict) -> None:
    team = teams.grid_team(mini.grid_b1)
    assert [member.name for member in team.members] == ["李网格"]
    assert team.missing_core_roles == ["police", "urban_officer", "cleaner"]
    core = team.groups()[0]
    assert [role for role, _label in core.vacant_roles] == ["police", "urban_officer", "cleaner"]


def test_ended_posts_and_deactivated_accounts_leave_the_team(team_a1: MiniDistrict) -> None:
    Post.objects.filter(user=team_a1.police_a).update(active=False)
    User.objects.filter(username="a1_0").update(is_active=False)
    team = teams.grid_team(team_a1.grid_a1)
    assert [member.role for member in team.core] == ["grid_worker", "cleaner"]


def test_phone_links_dial_digits_only() -> None:
    member = teams.TeamMember(1, "王民警", "police", "民警", "0731-2822 1110")
    assert member.tel == "tel:073128221110"
    assert teams.TeamMember(2, "无", "police", "民警", "").tel == ""


def test_teams_of_many_grids_take_one_query(team_a1: MiniDistrict, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    fill_team(team_a1.grid_b1, "b1_", building_leaders=4)
    grids = list(Grid.objects.all())
    with django_assert_num_queries(1):
        by_grid = teams.team_for_grids(grids)
    assert len(by_grid[team_a1.grid_a1.pk].members) == 11
    assert len(by_grid[team_a1.grid_b1.pk].members) == 12
    assert by_grid[team_a1.grid_c1.pk].members == []


# --- team page -------------------------------------------------------------------------------------


def test_the_grid_worker_sees_the_team_of_their_grid(client: Client, team_a1: MiniDistrict) -> None:
    response = signed_in(client, team_a1.worker_a).get(team_url(team_a1.grid_a1))
    assert response.status_code == 200
    html = response.content.decode()
    assert "张网格" in html and "王民警" in html
    assert 'href="tel:13807310001"' in html
    assert 'href="tel:073128221110"' in html
    groups = re.findall(r'data-group="([a-z_]+)"', html)
    assert groups == ["core", "utilities", "property", "building_leaders", "cadre"]
    assert html.index("张网格") < html.index("a1_成员0") < html.index("a1_成员2")


def test_the_team_page_shows_vacant_core_posts(client: Client, mini: MiniDistrict) -> None:
    html = signed_in(client, mini.worker_b).get(team_url(mini.grid_b1)).content.decode()
    assert re.search(r'class="team__vacant" data-role="police"', html)
    assert 'data-role="urban_officer"' in html


@pytest.mark.parametrize(
    ("persona", "grid", "status"),
    [
        ("worker_a", "a1", 200),
        ("worker_b", "a1", 404),
        ("police_a", "a1", 200),
        ("police_a", "b1", 404),
        ("street_dispatcher", "c1", 200),
        ("street_dispatcher", "a1", 404),
        ("dispatcher", "b1", 200),
        ("leader", "c1", 200),
        ("handler", "a1", 404),
    ],
)
def test_only_users_whose_scope_covers_the_grid_see_its_team(
    client: Client, mini: MiniDistrict, persona: str, grid: str, status: int
) -> None:
    response = signed_in(client, getattr(mini, persona)).get(team_url(getattr(mini, f"grid_{grid}")))
    assert response.status_code == status


def test_an_unknown_grid_code_is_a_404(client: Client, mini: MiniDistrict) -> None:
    response = signed_in(client, mini.dispatcher).get(reverse("people:grid_team", kwargs={"code": "999"}))
    assert response.status_code == 404


def test_the_team_page_asks_for_a_login(client: Client, mini: MiniDistrict) -> None:
    response = client.get(team_url(mini.grid_a1))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_team_page_runs_the_same_queries_for_a_big_team(
    client: Client, mini: MiniDistrict, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    signed_in(client, mini.worker_a)
    client.get(team_url(mini.grid_a1))  # warm the session
    with CaptureQueriesContext(connection) as small:
        client.get(team_url(mini.grid_a1))
    fill_team(mini.grid_a1, "big_", building_leaders=12)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(team_url(mini.grid_a1))
    assert response.content.decode().count('data-role="building_leader"') == 12


# --- staff list ------------------------------------------------------------------------------------


def test_an_administrator_lists_staff_with_role_and_area_filters(client: Client, mini: MiniDistrict) -> None:
    User.objects.filter(pk=mini.worker_a.pk).update(education="bachelor", birth_year=1990, passed_exam=True)
    signed_in(client, mini.admin)
    html = client.get(reverse("people:staff"), {"role": "grid_worker"}).content.decode()
    assert re.findall(r'data-user="([a-z_]+)"', html) == ["worker_a", "worker_b"]

    street = mini.grid_c1.community.street
    html = client.get(reverse("people:staff"), {"area": street.code}).content.decode()
    assert re.findall(r'data-user="([a-z_]+)"', html) == ["street_dispatcher"]

    html = client.get(reverse("people:staff"), {"area": mini.grid_a1.code}).content.decode()
    assert sorted(re.findall(r'data-user="([a-z_]+)"', html)) == ["police_a", "worker_a"]


def test_the_staff_list_shows_workforce_figures(client: Client, mini: MiniDistrict) -> None:
    User.objects.filter(pk=mini.worker_a.pk).update(education="bachelor", birth_year=1990, passed_exam=True)
    User.objects.filter(pk=mini.worker_b.pk).update(education="secondary", birth_year=1970)
    response = signed_in(client, mini.admin).get(reverse("people:staff"), {"role": "grid_worker"})
    summary = response.context["summary"]
    assert (summary.total, summary.college, summary.passed_exam) == (2, 1, 1)
    assert summary.college_share == 0.5
    assert sum(band.count for band in summary.age_bands) == 2
    assert "50%" in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"), [("admin", 200), ("leader", 200), ("worker_a", 403), ("handler", 403)]
)
def test_only_administrators_and_leaders_open_the_staff_list(
    client: Client, mini: MiniDistrict, persona: str, status: int
) -> None:
    assert signed_in(client, getattr(mini, persona)).get(reverse("people:staff")).status_code == status


def test_the_staff_list_runs_a_bounded_number_of_queries(
    client: Client, mini: MiniDistrict, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    signed_in(client, mini.admin)
    client.get(reverse("people:staff"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("people:staff"))
    for index in range(30):
        make_user(f"extra{index}", f"新同事{index}", Role.CLEANER, grid=mini.grid_b1)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("people:staff"))
    assert response.content.decode().count("data-user=") == 38


# --- department tree -------------------------------------------------------------------------------


def test_the_department_tree_nests_children_under_their_parent(client: Client, mini: MiniDistrict) -> None:
    Department.objects.create(
        code="cgj-zf", name="城管执法大队", parent=mini.department, phone="0731-28220000"
    )
    response = signed_in(client, mini.handler).get(reverse("people:departments"))
    assert response.status_code == 200
    html = response.content.decode()
    parent_at = html.index('data-department="cgj"')
    child_at = html.index('data-department="cgj-zf"')
    assert parent_at < child_at < html.index("</li>", child_at) < html.rindex("</li>")
    assert 'href="tel:0731-28220000"' in html
    forest = response.context["forest"]
    assert [node.department.code for node in forest] == ["cgj"]
    assert [child.department.code for child in forest[0].children] == ["cgj-zf"]
    assert forest[0].staff == 1  # the handler


def test_staff_without_a_post_cannot_open_the_department_tree(client: Client, db: None) -> None:
    nobody = User.objects.create(username="nobody")
    assert signed_in(client, nobody).get(reverse("people:departments")).status_code == 403


def test_a_street_leader_lists_and_counts_only_the_staff_of_their_street(
    client: Client, mini: MiniDistrict
) -> None:
    street_leader = make_user("sl", "街道领导", Role.LEADER, street=mini.grid_c1.community.street)
    make_user("cleaner_c", "保洁员", Role.CLEANER, grid=mini.grid_c1)
    User.objects.filter(username="cleaner_c").update(education="vocational", birth_year=1980)
    response = signed_in(client, street_leader).get(reverse("people:staff"))
    assert sorted(re.findall(r'data-user="([a-z_]+)"', response.content.decode())) == [
        "cleaner_c",
        "sl",
        "street_dispatcher",
    ]
    summary = response.context["summary"]
    assert (summary.total, summary.college, summary.age_unknown) == (3, 1, 2)
    assert [area.label for area in response.context["areas"]] == ["井龙街道", "丁山社区"]
