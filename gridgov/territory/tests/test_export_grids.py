from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridgov.lib.coords import to_wgs84
from gridgov.territory.models import Generation, GridBoundary
from gridgov.testing import MiniDistrict, square

pytestmark = pytest.mark.django_db


def export(*args: Any) -> str:
    out = StringIO()
    call_command("export_grids", *[str(a) for a in args], stdout=out, stderr=StringIO())
    return out.getvalue()


def test_it_writes_the_active_generation_as_a_feature_collection(mini: MiniDistrict) -> None:
    data = json.loads(export())
    assert data["type"] == "FeatureCollection"
    codes = [f["properties"]["code"] for f in data["features"]]
    assert codes == ["430204001001001", "430204001001002", "430204001002001", "430204002001001"]
    first = data["features"][0]
    assert first["properties"] == {
        "code": "430204001001001",
        "name": "A1网格",
        "community_name": "清水塘社区",
        "street_name": "铜塘湾办事处",
        "district_name": "石峰区",
        "area_m2": 1100000.0,
    }
    assert first["geometry"] == square(0, 0)


def test_the_export_imports_back_as_no_change(mini: MiniDistrict, tmp_path: Path) -> None:
    path = tmp_path / "out.geojson"
    output = export("-o", path)
    assert "Wrote 4 grids of generation" in output
    out = StringIO()
    call_command("import_grids", str(path), "--commit", stdout=out)
    assert "No change" in out.getvalue()
    assert Generation.objects.count() == 1


def test_it_exports_an_older_generation_on_request(mini: MiniDistrict, tmp_path: Path) -> None:
    newer = Generation.objects.create(description="newer")
    GridBoundary.objects.create(grid=mini.grid_a1, generation=newer, geometry=square(3, 3), area_m2=1.0)
    old = json.loads(export("--generation", mini.generation.pk))
    assert len(old["features"]) == 4
    new = json.loads(export("--generation", newer.pk))
    assert [f["geometry"] for f in new["features"]] == [square(3, 3)]


def test_it_converts_to_the_requested_system(mini: MiniDistrict) -> None:
    data = json.loads(export("--crs", "gcj02"))
    lon, lat = data["features"][0]["geometry"]["coordinates"][0][0]
    assert (lon, lat) != (113.1, 27.86)
    assert to_wgs84(lon, lat, "gcj02") == pytest.approx((113.1, 27.86), abs=1e-6)


def test_it_refuses_an_unknown_generation(mini: MiniDistrict) -> None:
    with pytest.raises(CommandError, match="There is no generation 999"):
        export("--generation", 999)


@pytest.mark.django_db
def test_it_says_when_nothing_was_imported_yet() -> None:
    with pytest.raises(CommandError, match="There is no active generation"):
        export()
