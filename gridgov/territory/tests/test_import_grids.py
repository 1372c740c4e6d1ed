from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridgov.lib.coords import from_wgs84
from gridgov.territory.models import Building, Community, Generation, Grid, GridBoundary, Street
from gridgov.testing import MiniDistrict, square

pytestmark = pytest.mark.django_db


# The codes and squares of the test district (see gridgov.testing).
MINI = {
    "430204001001001": ("A1网格", 0, 0),
    "430204001001002": ("A2网格", 0, 1),
    "430204001002001": ("B1网格", 1, 1),
    "430204002001001": ("C1网格", 1, 0),
}


def feature(code: str, name: str, geometry: dict[str, Any], **extra: str) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"code": code, "name": name, **extra}, "geometry": geometry}


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def mini_features(**squares: tuple[int, int]) -> list[dict[str, Any]]:
    """Return the features of the test district, with some grids moved to other squares."""
    result = []
    for code, (name, col, row) in MINI.items():
        col, row = squares.get(name[:2], (col, row))
        result.append(feature(code, name, square(col, row)))
    return result


def write(tmp_path: Path, data: Any, name: str = "grids.geojson") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def run(*args: Any) -> str:
    out = StringIO()
    call_command("import_grids", *[str(a) for a in args], stdout=out, stderr=StringIO())
    return out.getvalue()


def fail(*args: Any) -> tuple[str, str]:
    """Run the command expecting failure; return its output and the final error."""
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_grids", *[str(a) for a in args], stdout=out, stderr=StringIO())
    return out.getvalue(), str(caught.value)


def snapshot() -> tuple[int, int, int, list[int]]:
    active = list(Generation.objects.filter(active=True).values_list("id", flat=True))
    return Generation.objects.count(), GridBoundary.objects.count(), Grid.objects.count(), active


def test_a_dry_run_reports_the_changes_and_writes_nothing(mini: MiniDistrict, tmp_path: Path) -> None:
    before = snapshot()
    new = feature("430204001002002", "B2网格", square(2, 1))
    path = write(tmp_path, collection(*mini_features(A1=(2, 0)), new))
    output = run(path)
    assert "5 grids in the file: 1 new, 1 with a changed boundary, 3 unchanged" in output
    assert "Dry run: nothing was written" in output
    assert snapshot() == before


def test_commit_makes_a_new_active_generation_and_keeps_the_old_boundaries(
    mini: MiniDistrict, tmp_path: Path
) -> None:
    new = feature("430204001002002", "B2网格", square(2, 1))
    path = write(tmp_path, collection(*mini_features(), new))
    output = run(path, "--commit")
    assert "5 boundaries" in output
    generation = Generation.objects.get(active=True)
    assert generation.pk != mini.generation.pk
    assert generation.source == "grids.geojson"
    mini.generation.refresh_from_db()
    assert not mini.generation.active
    assert GridBoundary.objects.filter(generation=mini.generation).count() == 4
    assert GridBoundary.objects.filter(generation=generation).count() == 5
    b2 = Grid.objects.get(code="430204001002002")
    assert b2.community.name == "云峰社区"
    boundary = b2.boundaries.get(generation=generation)
    assert boundary.geometry == square(2, 1)
    assert boundary.area_m2 == pytest.approx(1.1e6, rel=0.05)


def test_importing_the_same_file_twice_changes_nothing_the_second_time(
    mini: MiniDistrict, tmp_path: Path
) -> None:
    path = write(tmp_path, collection(*mini_features(A1=(2, 0), C1=(0, 0))))
    run(path, "--commit")
    after_first = snapshot()
    output = run(path, "--commit")
    assert "No change" in output
    assert "Nothing to write" in output
    assert snapshot() == after_first


def test_the_active_district_read_back_is_no_change(mini: MiniDistrict, tmp_path: Path) -> None:
    output = run(write(tmp_path, collection(*mini_features())), "--commit")
    assert "No change" in output
    assert Generation.objects.get(active=True) == mini.generation


def test_a_new_name_alone_renames_the_grid_without_a_new_generation(
    mini: MiniDistrict, tmp_path: Path
) -> None:
    features = mini_features()
    features[0]["properties"]["name"] = "清水塘一网格"
    output = run(write(tmp_path, collection(*features)), "--commit")
    assert "Grids renamed: 430204001001001" in output
    mini.grid_a1.refresh_from_db()
    assert mini.grid_a1.name == "清水塘一网格"
    assert Generation.objects.count() == 1


def test_gcj02_coordinates_are_stored_as_wgs84(mini: MiniDistrict, tmp_path: Path) -> None:
    features = mini_features()
    for item in features:
        ring = item["geometry"]["coordinates"][0]
        item["geometry"]["coordinates"][0] = [list(from_wgs84(lon, lat, "gcj02")) for lon, lat in ring]
    output = run(write(tmp_path, collection(*features)), "--crs", "gcj02")
    # Converted back to WGS-84 the file is the district as it is.
    assert "No change" in output


def test_buildings_move_to_the_grid_that_now_covers_them(mini: MiniDistrict, tmp_path: Path) -> None:
    building = Building.objects.create(
        code="B1",
        community=mini.grid_a1.community,
        grid=mini.grid_a1,
        name="起重生活区2栋",
        address="起重生活区2栋",
        address_key="起重生活区2栋",
        lon=113.105,
        lat=27.865,
    )
    path = write(tmp_path, collection(*mini_features(A1=(1, 0), C1=(0, 0))))
    output = run(path, "--commit")
    assert "1 buildings moved" in output
    building.refresh_from_db()
    assert building.grid == mini.grid_c1


def test_it_creates_streets_and_communities_when_asked(mini: MiniDistrict, tmp_path: Path) -> None:
    new = feature(
        "430204003001001", "新村网格", square(2, 0), community_name="郭家塘村", street_name="清水塘街道"
    )
    path = write(tmp_path, collection(*mini_features(), new))
    output, error = fail(path, "--commit")
    assert "no community has the code 430204003001" in output
    assert "1 error; nothing was written" in error
    output = run(path, "--commit", "--create-areas")
    assert "New communities: 430204003001 郭家塘村" in output
    community = Community.objects.get(code="430204003001")
    assert community.kind == Community.Kind.VILLAGE
    assert Street.objects.get(code="430204003").name == "清水塘街道"
    assert Grid.objects.get(code="430204003001001").community == community


@pytest.mark.django_db
def test_a_first_import_into_an_empty_database_creates_the_areas(tmp_path: Path) -> None:
    names = {"district_name": "石峰区", "street_name": "井龙街道", "community_name": "丁山社区"}
    path = write(tmp_path, collection(feature("430204002001001", "丁山一网格", square(0, 0), **names)))
    output = run(path, "--commit", "--create-areas")
    assert "New streets: 430204002 井龙街道" in output
    generation = Generation.objects.get()
    assert generation.active
    grid = Grid.objects.get()
    assert (grid.community.name, grid.community.street.name, grid.community.street.district.code) == (
        "丁山社区",
        "井龙街道",
        "430204",
    )
    assert grid.boundaries.get().generation == generation


def test_creating_a_community_needs_its_names(mini: MiniDistrict, tmp_path: Path) -> None:
    new = feature("430204003001001", "新村网格", square(2, 0))
    output, _error = fail(write(tmp_path, collection(*mini_features(), new)), "--create-areas")
    assert "needs community_name and street_name" in output


BOW_TIE = {
    "type": "Polygon",
    "coordinates": [[[113.12, 27.86], [113.13, 27.87], [113.13, 27.86], [113.12, 27.87], [113.12, 27.86]]],
}


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (feature("430204001002002", "B2网格", BOW_TIE), "the polygon is not valid: Self-intersection"),
        (feature("43020400100200", "B2网格", square(2, 1)), "is not a 15-digit grid code"),
        (feature("430204001002002", "", square(2, 1)), "the property “name” is missing"),
        (
            {"type": "Feature", "properties": {"name": "x"}, "geometry": square(2, 1)},
            "the property “code” is missing",
        ),
        (
            feature("430204001002002", "B2网格", {"type": "Point", "coordinates": [113.1, 27.8]}),
            "the geometry is a Point",
        ),
        (
            feature(
                "430204001002002",
                "B2网格",
                {"type": "Polygon", "coordinates": [[[113.1, 27.8], [113.2, 27.8]]]},
            ),
            "fewer than 4 positions",
        ),
        (
            feature(
                "430204001002002",
                "B2网格",
                {
                    "type": "Polygon",
                    "coordinates": [[[113.1, 27.8], [113.2, 27.8], [113.2, 27.9], [113.1, 27.9]]],
                },
            ),
            "not closed",
        ),
        (
            feature(
                "430204001002002",
                "B2网格",
                {
                    "type": "Polygon",
                    "coordinates": [[[213.1, 27.8], [213.2, 27.8], [213.2, 27.9], [213.1, 27.8]]],
                },
            ),
            "[213.1, 27.8] is out of range",
        ),
        (
            feature(
                "430204001002002",
                "B2网格",
                {
                    "type": "Polygon",
                    "coordinates": [[["113.1", 27.8], [113.2, 27.8], [113.2, 27.9], [113.1, 27.8]]],
                },
            ),
            "not a list of [longitude, latitude] positions",
        ),
        ("not a feature", "not a GeoJSON Feature"),
    ],
)
def test_it_names_the_feature_and_the_fault_and_writes_nothing(
    mini: MiniDistrict, tmp_path: Path, broken: Any, message: str
) -> None:
    before = snapshot()
    output, error = fail(write(tmp_path, collection(*mini_features(), broken)), "--commit")
    assert "Feature 5" in output
    assert message in output
    assert "nothing was written" in error
    assert snapshot() == before


def test_it_reports_overlapping_grids_with_the_overlap_area(mini: MiniDistrict, tmp_path: Path) -> None:
    x0, y0 = 113.105, 27.86  # half a square east of A1: overlaps A1 and C1 by half a square each
    shifted = {
        "type": "Polygon",
        "coordinates": [[[x0, y0], [x0 + 0.01, y0], [x0 + 0.01, y0 - 0.01], [x0, y0 - 0.01], [x0, y0]]],
    }
    features = mini_features()
    features[3]["geometry"] = {
        "type": "Polygon",
        "coordinates": [[[x0, 27.86], [113.12, 27.86], [113.12, 27.87], [x0, 27.87], [x0, 27.86]]],
    }
    assert shifted  # the south half is outside the district; only the overlap with A1 matters here
    output, _error = fail(write(tmp_path, collection(*features)), "--commit")
    assert "Feature 4 (430204002001001): overlaps grid 430204001001001 (feature 1) by" in output
    area = float(output.split("by ")[1].split(" m²")[0])
    assert area == pytest.approx(0.005 * 0.01 * 111195**2 * 0.8842, rel=0.01)


def test_it_reports_a_gap_between_grids(mini: MiniDistrict, tmp_path: Path) -> None:
    ring = [[113.095, 27.855], [113.125, 27.855], [113.125, 27.885], [113.095, 27.885], [113.095, 27.855]]
    hole = [[113.1, 27.86], [113.12, 27.86], [113.12, 27.88], [113.1, 27.88], [113.1, 27.86]]
    frame = feature("430204002001002", "外环网格", {"type": "Polygon", "coordinates": [ring, hole]})
    features = [f for f in mini_features() if f["properties"]["code"] != "430204001002001"]
    path = write(tmp_path, collection(*features, frame))
    output, _error = fail(path)
    assert "Gap of" in output
    assert "no grid covers, near 113.11" in output
    output = run(path, "--allow-gaps", "--commit")
    assert "Warning: Gap of" in output
    assert Generation.objects.get(active=True) != mini.generation


def test_it_reports_duplicate_codes(mini: MiniDistrict, tmp_path: Path) -> None:
    features = mini_features()
    features[1]["properties"]["code"] = features[0]["properties"]["code"]
    output, _error = fail(write(tmp_path, collection(*features)))
    assert "Feature 2 (430204001001001): the code is used by feature 1 too." in output


def test_it_refuses_grids_below_the_tolerance(mini: MiniDistrict, tmp_path: Path) -> None:
    tiny = {
        "type": "Polygon",
        "coordinates": [[[113.13, 27.86], [113.13001, 27.86], [113.13001, 27.86001], [113.13, 27.86]]],
    }
    output, _error = fail(
        write(tmp_path, collection(feature("430204001002002", "B2网格", tiny))), "--tolerance", "100"
    )
    assert "below the tolerance of 100 m²" in output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON (line 1, column 2"),
        (json.dumps({"type": "Feature"}), "not a GeoJSON FeatureCollection"),
        (json.dumps({"type": "FeatureCollection"}), "has no list of features"),
        (json.dumps({"type": "FeatureCollection", "features": []}), "has no features"),
    ],
)
def test_it_refuses_files_that_are_not_feature_collections(
    mini: MiniDistrict, tmp_path: Path, content: str, message: str
) -> None:
    output, error = fail(write(tmp_path, content), "--commit")
    assert message in output + error
    assert Generation.objects.count() == 1


def test_it_says_when_the_file_cannot_be_read(tmp_path: Path) -> None:
    _output, error = fail(tmp_path / "missing.geojson")
    assert "Cannot read" in error
