"""Which commune a point falls in, with a tolerance for points just off the coast/border."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

KM_PER_DEGREE_LAT = 111.32


@dataclass(frozen=True)
class Located:
    code: str
    distance_km: float  # 0 inside the commune; else the distance to its edge (approx.)


class CommuneLocator:
    """Point-in-polygon over the commune geometries (an STRtree; lon/lat degrees)."""

    def __init__(self, codes: Sequence[str], geometries: Sequence[BaseGeometry]) -> None:
        if len(codes) != len(geometries):
            raise ValueError("one geometry per code")
        self._codes = list(codes)
        self._geometries = np.asarray(geometries, dtype=object)
        self._tree = shapely.STRtree(self._geometries)
        self._index = {code: i for i, code in enumerate(self._codes)}

    def locate(self, lon: float, lat: float, tolerance_km: float = 0.0) -> Located | None:
        """The commune containing the point, else the nearest within `tolerance_km`."""
        point = shapely.Point(lon, lat)
        hits = self._tree.query(point, predicate="intersects")
        if len(hits):
            return Located(self._codes[int(min(hits))], 0.0)
        if tolerance_km <= 0:
            return None
        nearest = self._tree.query_nearest(point, max_distance=tolerance_km / 50.0)
        if not len(nearest):
            return None
        index = int(nearest[0])
        km = self.distance_km(self._geometries[index], lon, lat)
        return Located(self._codes[index], km) if km <= tolerance_km else None

    def contains(self, code: str, lon: float, lat: float, tolerance_km: float = 0.0) -> bool:
        geometry = self._geometries[self._index[code]]
        point = shapely.Point(lon, lat)
        if geometry.intersects(point):
            return True
        return tolerance_km > 0 and self.distance_km(geometry, lon, lat) <= tolerance_km

    @staticmethod
    def distance_km(geometry: BaseGeometry, lon: float, lat: float) -> float:
        """Approximate distance from the point to the geometry, in km (local equirectangular)."""
        scale_x = KM_PER_DEGREE_LAT * math.cos(math.radians(lat))
        scaled = shapely.transform(
            geometry,
            lambda xy: np.column_stack(
                ((xy[:, 0] - lon) * scale_x, (xy[:, 1] - lat) * KM_PER_DEGREE_LAT)
            ),
        )
        return float(scaled.distance(shapely.Point(0.0, 0.0)))
