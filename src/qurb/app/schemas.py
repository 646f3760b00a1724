"""The API's shapes, one per direction: requests extend the registry's own models (the
same validation as the CLI), responses are `*Read` models built from service results."""

from __future__ import annotations

from pydantic import BaseModel, Field

from qurb.indicators.schemas import TextRead


class AppConfigRead(BaseModel):
    tile_url: str | None
    tile_attribution: str | None
    dataset_sha256: str | None
    loaded_at: str | None
    languages: list[str]


class FigureDefinitionRead(BaseModel):
    id: str
    group: str = Field(description="census | needs | gaps | access | caravan")
    kind: str = Field(description="census | estimate | registry | model | norm")
    name: TextRead
    definition: TextRead
    formula: str
    source: str
    date: str
    fields: list[str] = Field(description="API fields carrying the figure: '<GET path>#<path>'")
