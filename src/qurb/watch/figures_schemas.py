"""What the activity indicators' routes answer."""

from __future__ import annotations

from pydantic import BaseModel, Field

from qurb.watch.figures import IndicatorFigures, TrendPoint, UnitFigure


class UnitFigureRead(BaseModel):
    code: str
    name_fr: str
    name_ar: str
    level: str
    numerator: int | None = Field(
        description="counted in the facilities' reports; null: none came in"
    )
    denominator: float | None = Field(description="null: unknown (census, prevalence)")
    value: float | None = Field(description="numerator ÷ denominator × per; null: unknown")
    note: str | None = Field(description="why the value is unknown")
    expected: int = Field(description="reports expected for the period")
    received: int
    completeness_pct: float | None = Field(description="the reports the figure is counted from")
    caravan: int | None = Field(
        description="people the caravans recorded toward the numerator, apart from the reports "
        "(null: no caravan record maps to it)"
    )
    value_with_caravan: float | None

    @classmethod
    def of(cls, u: UnitFigure) -> UnitFigureRead:
        return cls(**u.__dict__, completeness_pct=u.completeness_pct)


class PrevalenceRead(BaseModel):
    condition: str
    share: float
    age_from: int
    source: str


class IndicatorFiguresRead(BaseModel):
    indicator: str
    dataset: str
    dataset_version: str
    element: str
    period: str
    level: str
    per: int
    denominator: str
    denominator_estimate: bool = Field(description="the denominator is an estimate: say so")
    prevalence: PrevalenceRead | None
    sources: list[str]
    territory: UnitFigureRead
    units: list[UnitFigureRead]

    @classmethod
    def of(cls, f: IndicatorFigures) -> IndicatorFiguresRead:
        return cls(
            **{
                k: v
                for k, v in f.__dict__.items()
                if k not in ("territory", "units", "prevalence", "sources")
            },
            prevalence=None if f.prevalence is None else PrevalenceRead(**f.prevalence.__dict__),
            sources=list(f.sources),
            territory=UnitFigureRead.of(f.territory),
            units=[UnitFigureRead.of(u) for u in f.units],
        )


class TrendPointRead(BaseModel):
    period: str
    value: float | None
    numerator: int | None
    denominator: float | None
    expected: int
    received: int
    completeness_pct: float | None
    caravan: int | None

    @classmethod
    def of(cls, p: TrendPoint) -> TrendPointRead:
        return cls(**p.__dict__, completeness_pct=p.completeness_pct)


class TrendRead(BaseModel):
    territory: str
    indicator: str
    element: str
    points: list[TrendPointRead] = Field(description="one per period, oldest first")
