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


class IndicatorValueRead(BaseModel):
    code: str
    name_fr: str
    name_ar: str
    value: float | None
    note: str | None = Field(default=None, description="why there is no number, when there is none")


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
