"""Display polygons per level (regions, provinces, communes), cut by parent, with ETag."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from qurb.kernel.errors import NotFound
from qurb.kernel.names import MAX_NAME_CHARS
from qurb.platform.access import Public
from qurb.platform.geojson import FeatureCollection
from qurb.platform.http import CodePath, GeoJSONResponse, StateDep
from qurb.platform.schemas import ERROR_RESPONSES
from qurb.territory.layers import DisplayLayers
from qurb.territory.model import TerritoryLevel
from qurb.territory.towns import towns_body

router = APIRouter(prefix="/api/layers", tags=["map layers"], responses=ERROR_RESPONSES)

LAYER_LEVELS = {
    "regions": TerritoryLevel.REGION,
    "provinces": TerritoryLevel.PROVINCE,
    "communes": TerritoryLevel.COMMUNE,
}


class LayerNotFound(NotFound):
    """No display layer has this name (the message lists those there are)."""


# The polygons change only with the bundled dataset; the ETag says when.
LAYER_CACHE_CONTROL = "public, max-age=3600"


@router.get(
    "/towns",
    summary="Morocco's main towns (GeoNames, 15,000 inhabitants or more) as GeoJSON points",
    response_class=GeoJSONResponse,
    responses={304: {"description": "unchanged"}},
)
def main_towns(_: Public, request: Request) -> Response:
    """Name (Latin script), Arabic name when GeoNames gives a plain one (else null),
    GeoNames population and geonameid; attributed to GeoNames (CC BY 4.0)."""
    return towns_body().response(request, LAYER_CACHE_CONTROL)


@router.get(
    "/{layer}",
    summary="Display polygons of a level (GeoJSON), optionally only those inside a parent",
    # The body is encoded once per (layer, parent) and served as it is: the model
    # describes it, it is not rebuilt on each request.
    response_model=FeatureCollection,
    response_class=GeoJSONResponse,
    responses={304: {"description": "unchanged"}},
)
def display_layer(
    _: Public,
    layer: CodePath,
    request: Request,
    state: StateDep,
    parent: Annotated[
        str | None,
        Query(
            description="HCP code of a region (provinces, communes) or province (communes)",
            max_length=MAX_NAME_CHARS,
        ),
    ] = None,
) -> Response:
    if layer not in LAYER_LEVELS:
        layers = ", ".join(LAYER_LEVELS)
        raise LayerNotFound(
            f"no layer {layer!r}; layers: {layers}",
            code="no_layer",
            values={"layer": repr(layer), "layers": layers},
        )
    cached = state.part(DisplayLayers).body(LAYER_LEVELS[layer], parent)
    return cached.response(request, LAYER_CACHE_CONTROL)
