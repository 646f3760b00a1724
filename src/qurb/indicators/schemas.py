"""The API's shapes, one per direction: requests extend the registry's own models (the
same validation as the CLI), responses are `*Read` models built from service results."""

from __future__ import annotations

from pydantic import BaseModel, Field


class TextRead(BaseModel):
    fr: str
    ar: str
    en: str


class IndicatorChoiceRead(BaseModel):
    value: str
    label: TextRead


class IndicatorParamRead(BaseModel):
    name: str
    label: TextRead
    default: str
    choices: list[IndicatorChoiceRead]


class IndicatorRead(BaseModel):
    id: str
    label: TextRead
    unit: TextRead
    source: str
    higher_is_better: bool | None
    decimals: int
    uses_registry: bool
    params: list[IndicatorParamRead]
    # What the figures measure, shown beside them (e.g. the travel-time model's words).
    measure: TextRead | None = None
    # How the map classes the values: "natural" (Fisher–Jenks on the distinct values),
    # "distinct" (one class per value while few), "bands" (fixed upper edges `class_edges`).
    class_method: str = "natural"
    class_edges: list[float] = Field(default_factory=list)


class NearestRead(BaseModel):
    """The facility a commune's access figure is measured to."""

    id: str
    name: str
    category: str
    minutes: float | None
    km: float | None


class IndicatorValueRead(BaseModel):
    code: str
    name_fr: str
    name_ar: str
    value: float | None
    note: str | None = Field(default=None, description="why there is no number, when there is none")
    # The map class of the value (index into `classes.ranges`), None when unknown.
    class_index: int | None = None
    nearest: NearestRead | None = Field(
        default=None, description="access indicators, per commune: the nearest facility"
    )


class ClassRangeRead(BaseModel):
    low: float | None = Field(description="smallest value of the class (None: an empty band)")
    high: float | None
    count: int


class ClassesRead(BaseModel):
    method: str = Field(description="natural | distinct | bands: the method applied")
    breaks: list[float] = Field(
        description="upper edge of every class but the last, strictly increasing; a class "
        "holds the values above the previous edge up to its own"
    )
    ranges: list[ClassRangeRead]


class IndicatorValuesRead(BaseModel):
    indicator: str
    level: str
    parent: str
    params: dict[str, str]
    # Label and unit worded for these parameters (a norm gap: "missing" for a norm, "below
    # the national average" for a reference ratio).
    label: TextRead
    unit: TextRead
    values: list[IndicatorValueRead]
    classes: ClassesRead
    known: TextRead | None = Field(
        default=None,
        description="capacity indicators: how many facilities of the units shown have the "
        "figure known, in words (the legend's line)",
    )
