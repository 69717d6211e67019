"""Gazetteer matching of addresses and point-in-polygon placement of points."""

from pathlib import Path

import pytest
from django.test import override_settings

from pengcheng.hotline import location
from pengcheng.hotline.location import GCJ02, LocationError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("深圳市福田区园岭街道红荔社区百花二路3号", "440304002016"),  # full names, down to the community
        ("园岭红荔社区", "440304002016"),  # a short street name next to the community
        ("福田区园岭街道", "440304002"),
        ("南山区粤海街道科技园", "440305007003"),  # 科技园社区 lies in 粤海街道
        ("南山区招商街道科技园", "440305006"),  # … so next to another street it is not taken
        ("龙岗区", "440307"),
        ("福田的华强北街道", "440304011"),
    ],
)
def test_gazetteer_finds_the_most_specific_division(demo_city: None, text: str, code: str) -> None:
    match = location.gazetteer().match(text)
    assert match is not None and match.division_code == code


def test_gazetteer_needs_context_for_short_names_and_refuses_ambiguity(demo_city: None) -> None:
    gazetteer = location.gazetteer()
    assert gazetteer.match("在新华书店门口") is None  # 新华 alone is not 新华社区
    assert gazetteer.match("北京市朝阳区") is None
    # 南园社区 exists in several districts: without more context only the common part is kept.
    match = gazetteer.match("南园社区")
    assert match is None or len(match.division_code) < 12


def test_points_are_placed_by_district_polygon_after_conversion(demo_city: None) -> None:
    # The same WGS84 GPS point and its GCJ-02 equivalent land in the same district.
    place = location.locate(point=(22.5410, 114.0537))
    assert place.district_code == "440304" and place.source == "point"
    gcj_lat, gcj_lng = location.to_gcj(22.5410, 114.0537)
    again = location.locate(point=(gcj_lat, gcj_lng), system=GCJ02)
    assert again.district_code == "440304"
    assert again.lat == pytest.approx(22.5410, abs=1e-4) and again.lng == pytest.approx(114.0537, abs=1e-4)
    assert location.locate(point=(22.7200, 114.2470)).district_code == "440307"  # Longgang
    with pytest.raises(LocationError):
        location.locate(point=(39.9, 116.4))  # Beijing


def test_an_address_refines_a_point_only_when_they_agree(demo_city: None) -> None:
    agreed = location.locate(address="园岭街道红荔社区", point=(22.5530, 114.0950))
    assert agreed.division_code == "440304002016" and agreed.source == "point+address"
    disagreed = location.locate(address="南山区粤海街道", point=(22.5410, 114.0537))
    assert disagreed.division_code == "440304" and disagreed.source == "point"


def test_bad_points_are_refused(demo_city: None) -> None:
    for lat, lng in [("north", "114"), ("22.5", ""), ("91", "114"), ("nan", "114")]:
        with pytest.raises(LocationError):
            location.parse_point(lat, lng)
    assert location.parse_point("", None) is None


def test_without_the_boundary_file_points_are_kept_but_not_placed(demo_city: None, tmp_path: Path) -> None:
    with override_settings(PENGCHENG_SHARED_DATA=tmp_path):
        districts = location.district_map()
        assert not districts.available and "not found" in districts.problem
        assert districts.svg() == {"available": False}
        place = location.locate(point=(22.5410, 114.0537), address="福田区")
        assert place.lat == 22.5410 and place.district_code == "440304" and place.source == "address"


def test_the_map_is_drawn_from_the_boundaries(demo_city: None) -> None:
    drawing = location.district_map().svg()
    assert drawing["available"] and len(drawing["paths"]) == 9
    assert {p["name"] for p in drawing["paths"]} >= {"福田区", "南山区", "龙岗区"}
    assert all(p["d"].startswith("M") for p in drawing["paths"])
