"""GeoJSON documents as typed answers (RFC 7946): a FeatureCollection of Features.

Generic on purpose: a geometry is any GeoJSON geometry object, properties any JSON
object, and both a feature and a collection may carry foreign members (a feature's
`id`; a collection's `attribution`, `license`, `sources`, `metadata`, paging…)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

GEOJSON_MEDIA_TYPE = "application/geo+json"


class Geometry(BaseModel):
    """Any GeoJSON geometry: its `type` and its `coordinates` (or `geometries`)."""

    model_config = ConfigDict(extra="allow")

    type: str


class Feature(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: Literal["Feature"] = "Feature"
    geometry: Geometry | None
    properties: dict[str, Any] | None


class FeatureCollection(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[Feature]
