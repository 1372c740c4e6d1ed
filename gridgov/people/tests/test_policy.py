"""Persona tests of the permission policy: who sees which grids, who may reveal, which home page."""

from __future__ import annotations

import pytest

from gridgov.people import policy
from gridgov.people.models import Level, Post, Role, User
from gridgov.testing import MiniDistrict, make_user

GRID_NAMES = ("A1", "A2", "B1", "C1")


def grid_names(mini: MiniDistrict, user: User) -> set[str]:
    by_pk = {getattr(mini, f"grid_{name.lower()}").pk: name for name in GRID_NAMES}
    return {by_pk[pk] for pk in policy.visible_grids(user).values_list("pk", flat=True)}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("worker_a", {"A1"}),
        ("worker_b", {"B1"}),
        ("police_a", {"A1"}),
        ("dispatcher", {"A1", "A2", "B1", "C1"}),
        ("street_dispatcher", {"C1"}),
        ("handler", set()),
        ("leader", {"A1", "A2", "B1", "C1"}),
        ("admin", {"A1", "A2", "B1", "C1"}),
    ],
)
def test_each_persona_sees_the_grids_of_their_posts(
    mini: MiniDistrict, persona: str, expected: set[str]
) -> None:
    user = getattr(mini, persona)
    assert grid_names(mini, user) == expected
    for name in GRID_NAMES:
        assert policy.can_view_grid(user, getattr(mini, f"grid_{name.lower()}")) == (name in expected)


def test_a_community_post_covers_the_grids_of_its_community(mini: MiniDistrict) -> None:
    community_dispatcher = make_user("cd", "社区调度", Role.DISPATCHER, community=mini.grid_a1.community)
    assert grid_names(mini, community_dispatcher) == {"A1", "A2"}


def test_a_street_post_sees_the_communities_and_street_of_its_grids_only(mini: MiniDistrict) -> None:
    user = mini.street_dispatcher
    assert [street.name for street in policy.visible_streets(user)] == ["井龙街道"]
    assert [community.name for community in policy.visible_communities(user)] == ["丁山社区"]


def test_an_ended_post_grants_nothing(mini: MiniDistrict) -> None:
    Post.objects.filter(user=mini.worker_a).update(active=False)
    worker = User.objects.get(pk=mini.worker_a.pk)
    assert grid_names(mini, worker) == set()
    assert not policy.can_view_grid(worker, mini.grid_a1)


def test_a_deactivated_account_sees_nothing(mini: MiniDistrict) -> None:
    User.objects.filter(pk=mini.dispatcher.pk).update(is_active=False)
    dispatcher = User.objects.get(pk=mini.dispatcher.pk)
    assert grid_names(mini, dispatcher) == set()
    assert policy.nav_sections(dispatcher) == []


def test_a_superuser_sees_everything_and_administers(mini: MiniDistrict) -> None:
    root = User.objects.create(username="root", is_superuser=True)
    assert grid_names(mini, root) == set(GRID_NAMES)
    assert policy.can_administer(root)
    assert policy.can_reveal_pii(root, None)
    assert policy.home_kind(root) == "admin"


@pytest.mark.parametrize(
    ("persona", "grid", "allowed"),
    [
        ("worker_a", "a1", True),
        ("worker_a", "b1", False),
        ("worker_b", "b1", True),
        ("police_a", "a1", True),
        ("police_a", "a2", False),
        ("dispatcher", "a1", False),
        ("street_dispatcher", "c1", False),
        ("handler", "a1", False),
        ("leader", "a1", False),
        ("admin", "b1", True),
    ],
)
def test_only_grid_workers_police_and_admins_of_the_grid_may_reveal(
    mini: MiniDistrict, persona: str, grid: str, allowed: bool
) -> None:
    assert policy.can_reveal_pii(getattr(mini, persona), getattr(mini, f"grid_{grid}")) is allowed


def test_reveal_rights_are_checked_per_post_not_per_user(mini: MiniDistrict) -> None:
    # worker_a is also a district leader: the leader post shows B1, but only the A1 post may reveal.
    Post.objects.create(user=mini.worker_a, role=Role.LEADER, level=Level.DISTRICT, district=mini.district)
    worker = User.objects.get(pk=mini.worker_a.pk)
    assert policy.can_view_grid(worker, mini.grid_b1)
    assert policy.can_reveal_pii(worker, mini.grid_a1)
    assert not policy.can_reveal_pii(worker, mini.grid_b1)


def test_residents_outside_every_grid_are_revealed_only_district_wide(mini: MiniDistrict) -> None:
    assert not policy.can_reveal_pii(mini.worker_a, None)
    assert policy.can_reveal_pii(mini.admin, None)


def test_a_department_handler_sees_no_residents(mini: MiniDistrict, resident_a1, resident_b1) -> None:  # type: ignore[no-untyped-def]
    assert list(policy.visible_residents(mini.handler)) == []
    assert not policy.can_view_resident(mini.handler, resident_a1)


def test_a_grid_worker_sees_the_residents_of_their_grid_only(
    mini: MiniDistrict, resident_a1, resident_b1
) -> None:  # type: ignore[no-untyped-def]
    assert list(policy.visible_residents(mini.worker_a)) == [resident_a1]
    assert set(policy.visible_residents(mini.leader)) == {resident_a1, resident_b1}


def test_only_grid_workers_and_admins_edit_residents(mini: MiniDistrict) -> None:
    assert policy.can_edit_residents(mini.worker_a, mini.grid_a1)
    assert not policy.can_edit_residents(mini.worker_a, mini.grid_b1)
    assert not policy.can_edit_residents(mini.police_a, mini.grid_a1)
    assert policy.can_edit_residents(mini.admin, mini.grid_c1)


@pytest.mark.parametrize(
    ("persona", "administers", "sees_staff"),
    [
        ("worker_a", False, False),
        ("dispatcher", False, False),
        ("handler", False, False),
        ("leader", False, True),
        ("admin", True, True),
    ],
)
def test_only_administrators_administer(
    mini: MiniDistrict, persona: str, administers: bool, sees_staff: bool
) -> None:
    user = getattr(mini, persona)
    assert policy.can_administer(user) is administers
    assert policy.can_view_staff(user) is sees_staff


def test_a_street_leader_sees_the_staff_of_their_street_only(mini: MiniDistrict) -> None:
    street = mini.grid_c1.community.street
    street_leader = make_user("sl", "街道领导", Role.LEADER, street=street)
    make_user("cleaner_c", "保洁员", Role.CLEANER, grid=mini.grid_c1)
    visible = set(policy.visible_staff(street_leader).values_list("username", flat=True))
    assert visible == {"sl", "street_dispatcher", "cleaner_c"}
    assert "worker_a" not in visible


@pytest.mark.parametrize(
    ("persona", "sections", "home"),
    [
        ("worker_a", ["my_grid", "patrol", "grid_cases", "inbox", "group_messages", "grid_team"], "grid"),
        ("police_a", ["my_grid", "grid_cases", "inbox", "grid_team"], "grid"),
        (
            "dispatcher",
            ["dispatch", "hotline", "notices", "overdue", "territory", "map", "departments"],
            "dispatch",
        ),
        (
            "street_dispatcher",
            ["dispatch", "hotline", "notices", "overdue", "territory", "map", "departments"],
            "dispatch",
        ),
        ("handler", ["inbox", "department", "notices", "departments"], "department"),
        ("leader", ["overview", "overdue", "territory", "map", "departments", "staff"], "leader"),
        ("admin", ["territory", "map", "departments", "staff", "admin"], "admin"),
    ],
)
def test_navigation_and_home_follow_the_roles(
    mini: MiniDistrict, persona: str, sections: list[str], home: str
) -> None:
    user = getattr(mini, persona)
    assert policy.nav_sections(user) == sections
    assert policy.home_kind(user) == home


def test_daily_work_takes_precedence_over_administration_for_the_home_page(mini: MiniDistrict) -> None:
    Post.objects.create(user=mini.admin, role=Role.DISPATCHER, level=Level.DISTRICT, district=mini.district)
    Post.objects.create(user=mini.worker_a, role=Role.LEADER, level=Level.DISTRICT, district=mini.district)
    admin = User.objects.get(pk=mini.admin.pk)
    worker = User.objects.get(pk=mini.worker_a.pk)
    assert policy.home_kind(admin) == "dispatch"
    assert "admin" in policy.nav_sections(admin)
    assert policy.home_kind(worker) == "leader"
    assert policy.nav_sections(worker)[:6] == [
        "my_grid",
        "patrol",
        "grid_cases",
        "inbox",
        "group_messages",
        "grid_team",
    ]


def test_a_user_without_posts_gets_no_home_and_no_navigation(db: None) -> None:
    nobody = User.objects.create(username="nobody")
    assert policy.home_kind(nobody) == "none"
    assert policy.nav_sections(nobody) == []
    assert not policy.can_view_departments(nobody)


def test_primary_grid_prefers_the_grid_worker_post(mini: MiniDistrict) -> None:
    Post.objects.create(user=mini.police_a, role=Role.GRID_WORKER, level=Level.GRID, grid=mini.grid_a2)
    police = User.objects.get(pk=mini.police_a.pk)
    assert policy.primary_grid(police) == mini.grid_a2
    assert policy.primary_grid(mini.dispatcher) is None


def test_posts_are_read_once_per_user_object(mini: MiniDistrict, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    worker = User.objects.get(pk=mini.worker_a.pk)
    grid = mini.grid_a1
    with django_assert_num_queries(1):
        for _ in range(5):
            policy.roles(worker)
            policy.can_view_grid(worker, grid)
            policy.can_reveal_pii(worker, grid)
            policy.nav_sections(worker)
            policy.home_kind(worker)
