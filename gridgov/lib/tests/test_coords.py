from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgov.lib.coords import Crs, from_wgs84, in_china, parse_crs, to_wgs84

# Computed with a literal transcription of the published algorithm (coordTransform / eviltransform).
ZHUZHOU_WGS = (113.134, 27.865)
ZHUZHOU_GCJ = (113.13983177441712, 27.86185285501944)
ZHUZHOU_BD = (113.14630830023148, 27.86802432281829)
BEIJING_WGS = (116.391275, 39.906217)
BEIJING_GCJ = (116.39751600497861, 39.907618208170675)
BEIJING_BD = (116.40388994480598, 39.91396193189531)

MICRO_DEGREE = 1e-6

china_lon = st.floats(min_value=73.0, max_value=135.0)
china_lat = st.floats(min_value=4.0, max_value=53.0)


def test_it_offsets_a_zhuzhou_point_like_the_standard_algorithm() -> None:
    assert from_wgs84(*ZHUZHOU_WGS, "gcj02") == pytest.approx(ZHUZHOU_GCJ, abs=1e-12)
    assert from_wgs84(*ZHUZHOU_WGS, "bd09") == pytest.approx(ZHUZHOU_BD, abs=1e-12)
    assert from_wgs84(*BEIJING_WGS, Crs.GCJ02) == pytest.approx(BEIJING_GCJ, abs=1e-12)
    assert from_wgs84(*BEIJING_WGS, Crs.BD09) == pytest.approx(BEIJING_BD, abs=1e-12)


def test_it_inverts_gcj02_to_well_below_a_micro_degree() -> None:
    assert to_wgs84(*ZHUZHOU_GCJ, "gcj02") == pytest.approx(ZHUZHOU_WGS, abs=1e-9)
    assert to_wgs84(*BEIJING_GCJ, "gcj02") == pytest.approx(BEIJING_WGS, abs=1e-9)


def test_it_inverts_bd09_to_well_below_a_micro_degree() -> None:
    assert to_wgs84(*ZHUZHOU_BD, "bd09") == pytest.approx(ZHUZHOU_WGS, abs=1e-9)
    assert to_wgs84(*BEIJING_BD, "bd09") == pytest.approx(BEIJING_WGS, abs=1e-9)


def test_the_one_step_inverse_would_not_be_good_enough() -> None:
    # Guards the test above: subtracting the offset at the GCJ point misses by more than the bound.
    gcj = np.array(ZHUZHOU_GCJ)
    one_step = gcj - (np.array(from_wgs84(*ZHUZHOU_GCJ, "gcj02")) - gcj)
    assert np.abs(one_step - np.array(ZHUZHOU_WGS)).max() > MICRO_DEGREE


def test_wgs84_is_the_identity() -> None:
    assert to_wgs84(113.1, 27.9, "wgs84") == (113.1, 27.9)
    assert from_wgs84(113.1, 27.9, "wgs84") == (113.1, 27.9)


def test_it_returns_python_floats_for_numbers() -> None:
    lon, lat = to_wgs84(113, 28, "gcj02")
    assert type(lon) is float
    assert type(lat) is float


def test_it_does_not_offset_points_outside_china() -> None:
    for crs in Crs:
        assert from_wgs84(2.35, 48.85, crs) == (2.35, 48.85)
        assert to_wgs84(-74.0, 40.7, crs) == (-74.0, 40.7)
    assert not in_china(2.35, 48.85)
    assert in_china(*ZHUZHOU_WGS)


def test_arrays_agree_with_numbers_point_by_point() -> None:
    rng = np.random.default_rng(7)
    lons = np.concatenate([rng.uniform(73, 135, 200), [2.35, -74.0]])
    lats = np.concatenate([rng.uniform(4, 53, 200), [48.85, 40.7]])
    for crs in Crs:
        for convert in (to_wgs84, from_wgs84):
            xs, ys = convert(lons, lats, crs)
            assert xs.shape == lons.shape
            expected = np.array([convert(float(x), float(y), crs) for x, y in zip(lons, lats, strict=True)])
            np.testing.assert_allclose(xs, expected[:, 0], rtol=0, atol=1e-11)
            np.testing.assert_allclose(ys, expected[:, 1], rtol=0, atol=1e-11)


def test_arrays_broadcast_and_keep_their_shape() -> None:
    lons = np.full((2, 3), 113.13)
    xs, ys = from_wgs84(lons, 27.86, "gcj02")
    assert xs.shape == (2, 3)
    assert ys.shape == (2, 3)
    empty_x, empty_y = to_wgs84(np.array([]), np.array([]), "bd09")
    assert empty_x.shape == (0,)
    assert empty_y.shape == (0,)


@pytest.mark.parametrize("crs", ["wgs84", "WGS-84", "GCJ-02", "gcj02", "BD09", " bd-09 "])
def test_it_accepts_common_spellings_of_the_systems(crs: str) -> None:
    assert parse_crs(crs) in set(Crs)


@pytest.mark.parametrize("crs", ["", "utm", "epsg:4326", "bd"])
def test_it_rejects_unknown_systems_with_the_choices(crs: str) -> None:
    with pytest.raises(ValueError, match="expected one of wgs84, gcj02, bd09"):
        to_wgs84(113.0, 28.0, crs)


@pytest.mark.parametrize(
    ("lon", "lat", "message"),
    [
        (181.0, 28.0, "longitude 181.0 is out of range"),
        (-180.5, 28.0, "longitude -180.5 is out of range"),
        (113.0, 90.1, "latitude 90.1 is out of range"),
        (113.0, float("nan"), "latitude nan is out of range"),
        (float("inf"), 28.0, "longitude inf is out of range"),
    ],
)
def test_it_rejects_coordinates_out_of_range(lon: float, lat: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        from_wgs84(lon, lat, "gcj02")


def test_it_names_the_first_bad_index_of_an_array() -> None:
    with pytest.raises(ValueError, match=r"latitude 95.0 at index 2 is out of range"):
        to_wgs84(np.array([113.0, 113.0, 113.0]), np.array([28.0, 28.0, 95.0]), "gcj02")


def test_it_accepts_the_edges_of_the_valid_range() -> None:
    assert to_wgs84(180.0, -90.0, "gcj02") == (180.0, -90.0)


@settings(max_examples=300, deadline=None)
@given(lon=china_lon, lat=china_lat, crs=st.sampled_from([Crs.GCJ02, Crs.BD09]))
def test_round_trips_stay_within_a_micro_degree(lon: float, lat: float, crs: Crs) -> None:
    back = to_wgs84(*from_wgs84(lon, lat, crs), crs)
    assert abs(back[0] - lon) < MICRO_DEGREE
    assert abs(back[1] - lat) < MICRO_DEGREE


@settings(max_examples=200, deadline=None)
@given(lon=china_lon, lat=china_lat)
def test_the_offset_is_small_but_real_inside_china(lon: float, lat: float) -> None:
    gcj = from_wgs84(lon, lat, "gcj02")
    shift = max(abs(gcj[0] - lon), abs(gcj[1] - lat))
    # GCJ-02 moves points by tens to hundreds of metres, never by kilometres.
    assert 0 < shift < 0.02
