"""The demo district: what `build()` makes, and what `gridgov demo` says and refuses."""

from __future__ import annotations

import re
from collections import Counter
from io import StringIO

import pytest
import shapely
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation
from shapely.geometry import shape

from gridgov.lib.address import building_key
from gridgov.lib.crypto import cipher_for
from gridgov.lib.idcard import parse_id_number
from gridgov.people.models import CORE_TEAM_ROLES, UTILITY_ROLES, Post, Resident, Role, User
from gridgov.territory import demo, tiling
from gridgov.territory.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, Summary, demo_username
from gridgov.territory.demo.context import CENTER, Scale
from gridgov.territory.models import (
    Building,
    Community,
    District,
    Generation,
    Grid,
    GridBoundary,
    Household,
    Street,
)

SMALL = {"grids": 12, "residents": 1500}


@pytest.fixture
def small_demo(db: None) -> Summary:
    """Build a small demo district (12 grids, 1,500 residents) with seed 1."""
    return demo.build(seed=1, **SMALL)


@pytest.fixture
def other_district(db: None) -> Grid:
    """Create a district with one grid, as an import would, not the demo."""
    district = District.objects.create(code="430204", name="石峰区")
    street = Street.objects.create(district=district, code="430204001", name="铜塘湾办事处")
    community = Community.objects.create(street=street, code="430204001001", name="清水塘社区")
    return Grid.objects.create(community=community, code="430204001001001", name="清水塘社区第1网格")


def run_demo(*args: str) -> str:
    """Run `gridgov demo --no-serve` in English and return what it printed."""
    out = StringIO()
    with translation.override("en"):
        call_command("demo", "--no-serve", *args, stdout=out)
    return out.getvalue()


def test_it_builds_what_the_summary_reports(small_demo: Summary) -> None:
    assert small_demo.grids == Grid.objects.count() == 12
    assert small_demo.residents == Resident.objects.count() == 1500
    assert small_demo.streets == Street.objects.count() >= 2
    assert small_demo.communities == Community.objects.count() >= 3
    assert small_demo.buildings == Building.objects.count() > 0
    assert small_demo.households == Household.objects.count() > 0
    assert small_demo.staff == User.objects.count()
    assert 2.0 < small_demo.residents / small_demo.households < 3.2
    assert [report.name for report in small_demo.phases] == [phase.name for phase in demo.PHASES]


def test_it_uses_the_real_names_of_shifeng(small_demo: Summary) -> None:
    assert list(Street.objects.values_list("name", "kind")[:2]) == [
        ("铜塘湾办事处", "office"),
        ("井龙街道", "street"),
    ]
    first = Grid.objects.order_by("code").select_related("community").first()
    assert first is not None
    assert (first.name, first.community.name) == ("清水塘社区第1网格", "清水塘社区")


def test_codes_nest_district_street_community_grid(small_demo: Summary) -> None:
    for grid in Grid.objects.select_related("community__street__district"):
        community, street = grid.community, grid.community.street
        assert re.fullmatch(r"[0-9]{15}", grid.code)
        assert grid.code[:12] == community.code and community.code[:9] == street.code
        assert street.code[:6] == street.district.code == "430204"
        assert grid.name == f"{community.name}第{int(grid.code[12:])}网格"


def test_grid_boundaries_tile_the_district_without_gaps_or_overlaps(small_demo: Summary) -> None:
    generation = Generation.objects.get(active=True)
    boundaries = list(GridBoundary.objects.filter(generation=generation))
    polygons = [shape(b.geometry) for b in boundaries]
    assert len(polygons) == 12 and all(p.is_valid for p in polygons)
    union = shapely.union_all(polygons)
    outline = tiling.district_outline(1, center=CENTER, radius_km=Scale.of(**SMALL).radius_km)
    # No overlaps: the parts add up to the whole. No gaps: the whole is one polygon without holes,
    # the district's outline up to the centimetre rounding of vertices where cells meet the outline.
    assert sum(p.area for p in polygons) == pytest.approx(union.area, rel=1e-9)
    assert union.geom_type == "Polygon" and not union.interiors
    assert union.symmetric_difference(outline).area < 1e-6 * outline.area
    assert all(b.area_m2 > 10_000 for b in boundaries)


def test_every_grid_has_a_full_team(small_demo: Summary) -> None:
    roles_by_grid: dict[int, Counter[str]] = {}
    for grid_id, role in Post.objects.filter(level="grid").values_list("grid_id", "role"):
        roles_by_grid.setdefault(grid_id, Counter())[role] += 1
    assert len(roles_by_grid) == 12
    for roles in roles_by_grid.values():
        for role in (*CORE_TEAM_ROLES, *UTILITY_ROLES, Role.PROPERTY, Role.CADRE):
            assert roles[role] == 1, role
        assert 2 <= roles[Role.BUILDING_LEADER] <= 4


def test_police_serve_several_neighbouring_grids(small_demo: Summary) -> None:
    posts = Counter(Post.objects.filter(role=Role.POLICE).values_list("user_id", flat=True))
    assert max(posts.values()) >= 2
    assert Post.objects.filter(role=Role.POLICE).exclude(department=None).count() == 12


def test_every_demo_account_logs_in(small_demo: Summary, client) -> None:  # type: ignore[no-untyped-def]
    assert {account.role for account in DEMO_ACCOUNTS} == set(Role)
    for account in DEMO_ACCOUNTS:
        assert client.login(username=account.username, password=DEMO_PASSWORD), account.username
        user = User.objects.get(username=account.username)
        assert user.full_name == account.full_name
        assert user.posts.filter(role=account.role).exists()
        client.logout()
    worker = User.objects.get(username=demo_username(Role.GRID_WORKER))
    assert [p.grid.name for p in worker.posts.select_related("grid")] == ["清水塘社区第1网格"]
    admin = User.objects.get(username="demo_admin")
    assert admin.is_staff and admin.is_superuser


def test_other_staff_cannot_log_in(small_demo: Summary) -> None:
    others = User.objects.exclude(username__startswith="demo_")
    assert others.exists()
    assert not any(user.has_usable_password() for user in others)


def test_id_numbers_are_valid_and_agree_with_gender_and_birth_date(small_demo: Summary) -> None:
    cipher = cipher_for(settings.FIELD_ENCRYPTION_KEY)
    residents = list(Resident.objects.all())
    numbers = [resident.id_number for resident in residents]
    assert len(set(numbers)) == len(residents)
    for resident, number in zip(residents, numbers, strict=True):
        parsed = parse_id_number(number)
        assert (parsed.region, parsed.gender, parsed.birth_date) == (
            "430204",
            resident.gender,
            resident.birth_date,
        )
        assert resident.id_number_hash == cipher.lookup_hash(number)
        assert number not in resident.id_number_encrypted


def test_most_adults_have_a_phone_and_some_residents_need_care(small_demo: Summary) -> None:
    adults = Resident.objects.filter(birth_date__year__lte=2000)
    assert adults.exclude(phone_hash="").count() > 0.7 * adults.count()
    tagged = Resident.objects.exclude(care_tags="").count()
    assert 0.02 * 1500 < tagged < 0.2 * 1500
    assert re.fullmatch(r"1[3-9][0-9]{9}", adults.exclude(phone_hash="").first().phone)  # type: ignore[union-attr]


def test_buildings_lie_in_a_grid_of_their_community_with_unique_addresses(small_demo: Summary) -> None:
    buildings = list(Building.objects.select_related("grid"))
    for building in buildings:
        assert building.grid is not None and building.grid.community_id == building.community_id
        assert building.address.startswith("株洲市石峰区") and building.address.endswith(building.name)
        assert building.address_key == building_key(building.address)
        assert re.fullmatch(r".+[0-9]+栋", building.name)
    assert len({b.address_key for b in buildings}) == len(buildings)
    assert sum(Grid.objects.values_list("households", flat=True)) == Household.objects.count()


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # keep the migrations' data for later tests
def test_the_same_seed_gives_the_same_district() -> None:
    # Outside a test transaction: --reset empties the database as it does for users (TRUNCATE on
    # PostgreSQL, which refuses to run inside a transaction that has pending foreign-key checks).
    demo.build(seed=1, **SMALL)

    def fingerprint() -> tuple[object, ...]:
        grids = list(Grid.objects.order_by("code").values_list("code", "name"))
        shapes = list(GridBoundary.objects.order_by("grid__code").values_list("geometry", flat=True))
        first = Resident.objects.order_by("pk").first()
        assert first is not None
        return (
            grids,
            shapes,
            first.name,
            first.id_number,
            list(Building.objects.values_list("name", flat=True)),
        )

    before = fingerprint()
    output = run_demo("--reset", "--seed", "1", *_size_flags())
    assert output.startswith("Deleting the demo data (1 district, 12 grids, ")
    assert fingerprint() == before
    run_demo("--reset", "--seed", "2", *_size_flags())
    assert fingerprint() != before


def _size_flags() -> list[str]:
    return ["--grids", str(SMALL["grids"]), "--residents", str(SMALL["residents"])]


def test_a_larger_district_gets_composed_street_and_community_names(db: None) -> None:
    summary = demo.build(seed=3, grids=300, residents=300)
    assert summary.streets == 6 and summary.communities == 52
    names = list(Community.objects.values_list("name", flat=True))
    assert len(set(names)) == len(names)
    assert all(name.endswith(("社区", "村")) for name in names)
    streets = list(Street.objects.values_list("name", flat=True))
    assert streets[:5] == ["铜塘湾办事处", "井龙街道", "清水塘街道", "响石岭街道", "龙头铺街道"]
    assert streets[5].endswith("街道") and streets[5] not in streets[:5]


def test_city_scale_keeps_codes_within_three_digits() -> None:
    scale = Scale.of(30_000, 1_000_000)
    assert (scale.streets, scale.communities) == (647, 5172)
    assert scale.communities / scale.streets < 999 and scale.grids / scale.communities < 999
    assert scale.buildings == round(1_000_000 / 52)


@pytest.mark.parametrize(
    ("flags", "reason"),
    [
        (["--grids", "0"], "at least one grid"),
        (["--residents", "-5"], "negative residents"),
        (["--residents", "100", "--buildings", "0"], "at least one building"),
    ],
)
def test_the_command_rejects_impossible_sizes(db: None, flags: list[str], reason: str) -> None:
    with pytest.raises(CommandError, match=reason), translation.override("en"):
        call_command("demo", "--no-serve", *flags, stdout=StringIO())
    assert not Grid.objects.exists()


def test_the_command_prints_progress_a_summary_and_the_accounts(db: None) -> None:
    output = run_demo("--seed", "1", *_size_flags())
    for label in (
        "territory",
        "departments",
        "buildings and households",
        "residents",
        "staff and grid teams",
    ):
        assert f"  {label}: " in output
    assert "Demo district built in" in output and "1,500 residents" in output
    assert f"Demo accounts (password: {DEMO_PASSWORD})" in output
    assert all(account.username in output for account in DEMO_ACCOUNTS)
    assert Grid.objects.count() == 12


def test_the_command_refuses_to_build_into_a_non_empty_database(other_district: Grid) -> None:
    with pytest.raises(CommandError) as error, translation.override("en"):
        call_command("demo", "--no-serve", *_size_flags(), stdout=StringIO())
    assert "The database is not empty (1 district, 1 grid)." in str(error.value)
    assert "gridgov demo --reset" in str(error.value)
    assert Grid.objects.count() == 1 and not Resident.objects.exists() and not User.objects.exists()


def test_if_empty_skips_quietly_when_data_exists(other_district: Grid) -> None:
    output = run_demo("--if-empty", *_size_flags())
    assert (
        output == "The database already holds data (1 district, 1 grid); the demo district was not built.\n"
    )
    assert Grid.objects.count() == 1


def test_if_empty_builds_into_an_empty_database(db: None) -> None:
    output = run_demo("--if-empty", *_size_flags())
    assert "Demo district built in" in output
    assert Grid.objects.count() == 12


def test_reset_refuses_to_delete_a_district_the_demo_did_not_build(other_district: Grid) -> None:
    with pytest.raises(CommandError, match="did not build"), translation.override("en"):
        call_command("demo", "--no-serve", "--reset", stdout=StringIO())
    assert Grid.objects.count() == 1


def test_build_refuses_a_non_empty_database(other_district: Grid) -> None:
    with pytest.raises(demo.DemoError, match="not empty"), translation.override("en"):
        demo.build(seed=1, **SMALL)
    assert Grid.objects.count() == 1
