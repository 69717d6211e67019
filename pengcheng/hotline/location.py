"""Placing a ticket: address text → street and community (a gazetteer of the city's divisions), and
a point → district (point-in-polygon on the district boundaries).

The boundaries (``geo/shenzhen_districts.geojson`` in the shared data) are in GCJ-02, the offset
system of Chinese maps; GPS and Open311 points are WGS84 and are converted before the lookup.
Without the boundary file, points are still stored but not placed, and the pages say so.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coordTransform import gcj02_to_wgs84, wgs84_to_gcj02
from django.conf import settings
from shapely import prepared
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from pengcheng.core.models import Division, DivisionLevel

logger = logging.getLogger(__name__)

WGS84 = "wgs84"
GCJ02 = "gcj02"
# A point this close to a district (e.g. on a pier or a beach) is placed in it.
NEAR_DEGREES = 0.01

_LEVEL_WEIGHT: dict[str, int] = {DivisionLevel.COMMUNITY: 30, DivisionLevel.STREET: 20, DivisionLevel.DISTRICT: 10}
_SUFFIXES = ("社区", "街道", "新区", "区")


# Gazetteer ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    code: str
    level: str
    strong: bool  # the full name, not a shortened one


@dataclass(frozen=True)
class AddressMatch:
    division_code: str
    level: str
    matched: tuple[str, ...]


class Gazetteer:
    """Names of the city's districts, streets and communities, and the shortened names people use
    (``岗厦社区`` and ``岗厦``). A shortened street or community name counts only next to the name
    of its district or street, so that ``新华书店`` is not taken for ``新华社区``."""

    def __init__(self, divisions: list[tuple[str, str, str, str]]) -> None:
        self.names: dict[str, list[_Entry]] = {}
        self.levels: dict[str, str] = {}
        for code, name, short, level in divisions:
            if level not in _LEVEL_WEIGHT:
                continue
            self.levels[code] = level
            for alias in {name, short}:
                if alias:
                    self._add(alias, _Entry(code, level, True))
            core = _core(short or name)
            if core and len(core) >= 2 and core not in (name, short):
                self._add(core, _Entry(code, level, level == DivisionLevel.DISTRICT))
        # The lengths names come in: a text is scanned for names by looking its substrings of these
        # lengths up, a few hundred dictionary lookups instead of a search for every name.
        self.lengths = sorted({len(alias) for alias in self.names}, reverse=True)

    def _add(self, alias: str, entry: _Entry) -> None:
        self.names.setdefault(alias, []).append(entry)

    @classmethod
    def from_database(cls) -> Gazetteer:
        rows = Division.objects.filter(
            level__in=[DivisionLevel.DISTRICT, DivisionLevel.STREET, DivisionLevel.COMMUNITY]
        ).values_list("code", "name", "short_name", "level")
        return cls(list(rows))

    def match(self, text: str) -> AddressMatch | None:
        """The most specific division the text names, or None."""
        text = text.replace(" ", "").replace("\u3000", "")
        if not text:
            return None
        # Every place a name occurs; longer names win where they overlap (``福田区`` over ``福田``).
        spans = [
            (start, start + size, text[start : start + size])
            for start in range(len(text))
            for size in self.lengths
            if start + size <= len(text) and text[start : start + size] in self.names
        ]
        taken: list[tuple[int, int]] = []
        found: dict[str, tuple[bool, list[str]]] = {}
        for start, end, alias in sorted(spans, key=lambda span: (span[0] - span[1], span[0])):
            if any(start < other_end and other_start < end for other_start, other_end in taken):
                continue
            taken.append((start, end))
            entries = self.names[alias]
            # ``福田`` is 福田区 before it is 福田街道 or 福田社区: a full name outranks shortened ones.
            for entry in [e for e in entries if e.strong] or entries:
                strong, aliases = found.get(entry.code, (False, []))
                found[entry.code] = (strong or entry.strong, [*aliases, alias])
        if not found:
            return None
        scored: list[tuple[int, str]] = []
        streets = {code for code in found if len(code) == 9}
        districts = {code for code in found if len(code) == 6}
        for code, (strong, _aliases) in found.items():
            level = self.levels[code]
            # A place inside another street or district than the one the text names is a clash.
            if (len(code) == 12 and streets and code[:9] not in streets) or (
                len(code) > 6 and districts and code[:6] not in districts
            ):
                continue
            ancestors = [prefix for prefix in (code[:6], code[:9]) if prefix != code and prefix in found]
            if not strong and not ancestors:
                continue
            scored.append((_LEVEL_WEIGHT[level] + (5 if strong else 0) + 10 * len(ancestors), code))
        if not scored:
            return None
        best = max(score for score, _ in scored)
        codes = sorted(code for score, code in scored if score == best)
        code = codes[0] if len(codes) == 1 else _common_division(codes)
        if not code:
            return None
        matched = tuple(sorted({alias for c in codes for alias in found.get(c, (False, []))[1]}))
        return AddressMatch(code, self.levels.get(code, DivisionLevel.DISTRICT), matched)


def _core(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _common_division(codes: list[str]) -> str:
    """The street or district that all ``codes`` lie in, or ``""``."""
    for length in (9, 6):
        prefixes = {code[:length] for code in codes}
        if len(prefixes) == 1 and all(len(code) >= length for code in codes):
            return prefixes.pop()
    return ""


_gazetteer_lock = threading.Lock()
_gazetteer: dict[str, Gazetteer | None] = {"instance": None}


def gazetteer() -> Gazetteer:
    instance = _gazetteer["instance"]
    if instance is None:
        with _gazetteer_lock:
            instance = _gazetteer["instance"] or Gazetteer.from_database()
            if instance.names:  # an empty table (before seeding) is not worth keeping
                _gazetteer["instance"] = instance
    return instance


def forget_gazetteer() -> None:
    _gazetteer["instance"] = None


# District boundaries ------------------------------------------------------------------------------


@dataclass
class DistrictMap:
    """District polygons (GCJ-02) from the shared GeoJSON, or the reason they are unavailable."""

    source: Path
    shapes: dict[str, BaseGeometry] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    problem: str = ""

    def __post_init__(self) -> None:
        self._prepared = {code: prepared.prep(geometry) for code, geometry in self.shapes.items()}

    @property
    def available(self) -> bool:
        return bool(self.shapes)

    @classmethod
    def load(cls, path: Path) -> DistrictMap:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            shapes: dict[str, BaseGeometry] = {}
            names: dict[str, str] = {}
            for feature in data["features"]:
                code = str(feature["properties"]["adcode"])
                shapes[code] = shape(feature["geometry"])
                names[code] = feature["properties"].get("name", code)
        except FileNotFoundError:
            return cls(path, problem=f"district boundaries not found at {path}")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            return cls(path, problem=f"district boundaries at {path} are unreadable: {exc}")
        return cls(path, shapes, names)

    def district_at(self, lng_gcj: float, lat_gcj: float) -> str | None:
        point = Point(lng_gcj, lat_gcj)
        for code, geometry in self._prepared.items():
            if geometry.contains(point):
                return code
        nearest = min(self.shapes.items(), key=lambda item: item[1].distance(point), default=None)
        if nearest is not None and nearest[1].distance(point) <= NEAR_DEGREES:
            return nearest[0]
        return None

    def svg(self, width: int = 640, tolerance: float = 0.0015) -> dict[str, Any]:
        """The districts as SVG paths in a ``width``-wide view box, with the projection parameters the
        location picker needs to turn a click into a coordinate."""
        if not self.available:
            return {"available": False}
        min_x, min_y, max_x, max_y = _bounds(self.shapes.values())
        mid_lat = (min_y + max_y) / 2
        x_scale = math.cos(math.radians(mid_lat))
        scale = width / ((max_x - min_x) * x_scale)
        height = round((max_y - min_y) * scale)
        paths = []
        for code, geometry in sorted(self.shapes.items()):
            simple = geometry.simplify(tolerance, preserve_topology=True)
            parts = []
            for polygon in getattr(simple, "geoms", [simple]):
                for ring in [polygon.exterior, *polygon.interiors]:
                    points = [f"{(x - min_x) * x_scale * scale:.1f},{(max_y - y) * scale:.1f}" for x, y in ring.coords]
                    parts.append("M" + "L".join(points) + "Z")
            centroid = geometry.representative_point()
            paths.append(
                {
                    "code": code,
                    "name": self.names[code],
                    "d": "".join(parts),
                    "label_x": round((centroid.x - min_x) * x_scale * scale, 1),
                    "label_y": round((max_y - centroid.y) * scale, 1),
                }
            )
        return {
            "available": True,
            "width": width,
            "height": height,
            "paths": paths,
            "projection": {"min_lng": min_x, "max_lat": max_y, "x_scale": x_scale, "scale": scale},
        }


def _bounds(geometries: Any) -> tuple[float, float, float, float]:
    boxes = [geometry.bounds for geometry in geometries]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def boundary_path() -> Path:
    return Path(settings.PENGCHENG_SHARED_DATA) / "geo" / "shenzhen_districts.geojson"


_map_lock = threading.Lock()
_maps: dict[Path, DistrictMap] = {}


def district_map() -> DistrictMap:
    path = boundary_path()
    found = _maps.get(path)
    if found is None:
        with _map_lock:
            found = _maps.get(path) or DistrictMap.load(path)
            _maps[path] = found
            if found.problem:
                logger.warning("hotline: %s; points will not be placed in districts", found.problem)
    return found


# Putting it together ---------------------------------------------------------------------------


class LocationError(ValueError):
    """The location given cannot be used (the message says why)."""


@dataclass(frozen=True)
class Location:
    division_code: str
    district_code: str
    lat: float | None  # WGS84
    lng: float | None
    source: str


def parse_point(lat: Any, lng: Any) -> tuple[float, float] | None:
    """Both numbers, in range; None when neither was given. Raises ``LocationError`` otherwise."""
    lat_text = "" if lat is None else str(lat).strip()
    lng_text = "" if lng is None else str(lng).strip()
    if not lat_text and not lng_text:
        return None
    if not lat_text or not lng_text:
        raise LocationError("lat and long must be sent together")
    try:
        lat_value, lng_value = float(lat_text), float(lng_text)
    except ValueError:
        raise LocationError("lat and long must be decimal numbers") from None
    if not (math.isfinite(lat_value) and math.isfinite(lng_value)):
        raise LocationError("lat and long must be decimal numbers")
    if not (-90 <= lat_value <= 90 and -180 <= lng_value <= 180):
        raise LocationError("lat must be within ±90 and long within ±180")
    return lat_value, lng_value


def locate(
    *,
    address: str = "",
    point: tuple[float, float] | None = None,
    system: str = WGS84,
    division_code: str = "",
) -> Location:
    """Place a ticket from whatever was given. A point decides the district; the address (or an
    explicit division code) refines it to a street or community when it agrees with the point."""
    lat = lng = None
    point_district = ""
    source: list[str] = []
    if point is not None:
        lat, lng = point
        if system == GCJ02:
            lng, lat = gcj02_to_wgs84(lng, lat)
        gcj_lng, gcj_lat = wgs84_to_gcj02(lng, lat)
        districts = district_map()
        if districts.available:
            point_district = districts.district_at(gcj_lng, gcj_lat) or ""
            if not point_district:
                raise LocationError("the point is outside the city's districts")
            source.append("point")
    code = ""
    if division_code:
        if division_code not in gazetteer().levels:
            raise LocationError(f"unknown address_id {division_code!r}")
        code = division_code
        source.append("address_id")
    elif address:
        match = gazetteer().match(address)
        if match is not None:
            code = match.division_code
            source.append("address")
    if point_district and code and not code.startswith(point_district):
        code = ""  # the address names a place in another district: trust the point
        source = ["point"]
    if not code:
        code = point_district
    return Location(code, code[:6], lat, lng, "+".join(source))


def to_gcj(lat: float, lng: float) -> tuple[float, float]:
    gcj_lng, gcj_lat = wgs84_to_gcj02(lng, lat)
    return gcj_lat, gcj_lng
