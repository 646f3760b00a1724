"""GeoJSON as typed answers: a FeatureCollection of Features (RFC 7946), each member
Qurb adds beside them (attribution, license, sources, …) kept as an extra member."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class Geometry(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    coordinates: Any = None


class Feature(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: Literal["Feature"] = "Feature"
    geometry: Geometry | None
    properties: dict[str, Any] | None


class FeatureCollection(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[Feature]
