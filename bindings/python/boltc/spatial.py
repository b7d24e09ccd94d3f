"""Spatial values (as in ``neo4j.spatial``): ``Point``, ``CartesianPoint``, ``WGS84Point``."""

from __future__ import annotations

from typing import Dict, Iterable, Tuple


class Point(tuple):
    """A point: a tuple of 2 or 3 coordinates with an ``srid``."""

    srid: int = 0

    def __new__(cls, iterable: Iterable[float]) -> "Point":
        return tuple.__new__(cls, map(float, iterable))

    @property
    def x(self) -> float:
        return self[0]

    @property
    def y(self) -> float:
        return self[1]

    @property
    def z(self) -> float:
        return self[2]

    def __repr__(self) -> str:
        return "%s(%r)" % (type(self).__name__, tuple(self))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and self.srid == other.srid and tuple(self) == tuple(other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash((self.srid, tuple(self)))


class CartesianPoint(Point):
    """A point in a Cartesian plane or space (srid 7203 in 2D, 9157 in 3D)."""

    @property
    def srid(self) -> int:  # type: ignore[override]
        return 7203 if len(self) == 2 else 9157


class WGS84Point(Point):
    """A WGS-84 geographic point (srid 4326 in 2D, 4979 in 3D): longitude, latitude, height."""

    @property
    def srid(self) -> int:  # type: ignore[override]
        return 4326 if len(self) == 2 else 4979

    @property
    def longitude(self) -> float:
        return self[0]

    @property
    def latitude(self) -> float:
        return self[1]

    @property
    def height(self) -> float:
        return self[2]


class _SridPoint(Point):
    """A point of another coordinate reference system."""

    def __new__(cls, srid: int, coords: Iterable[float]) -> "_SridPoint":
        p = Point.__new__(cls, coords)
        p.__dict__["srid"] = srid
        return p  # type: ignore[return-value]


_BY_SRID: Dict[int, type] = {7203: CartesianPoint, 9157: CartesianPoint, 4326: WGS84Point, 4979: WGS84Point}


def point(srid: int, coords: Tuple[float, ...]) -> Point:
    """The point class for ``srid`` holding ``coords``."""
    cls = _BY_SRID.get(srid)
    if cls is None:
        return _SridPoint(srid, coords)
    return cls(coords)
