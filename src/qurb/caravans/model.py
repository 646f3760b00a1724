"""Mobile medical caravans: a campaign as planners write it, and what a visit records.

A campaign file (TOML, or the same keys as JSON through the API) names the partners, the
territory, the dates, the working hours, the bases (a hospital or the CHU, or a point),
the teams (staff by specialty), the mobile units (a team, a base, and how many
consultations a day per specialty) and the rest days. `check_campaign` reports every
problem at once, each naming its field, before anything is planned or written.
"""

from __future__ import annotations

import tomllib
from contextlib import suppress
from datetime import date, time, timedelta
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from qurb.data import PACKAGE_DIR
from qurb.kernel.errors import QurbError
from qurb.territory.census import AGE_BANDS

WEEKDAYS = {
    "monday": 0,
    "lundi": 0,
    "tuesday": 1,
    "mardi": 1,
    "wednesday": 2,
    "mercredi": 2,
    "thursday": 3,
    "jeudi": 3,
    "friday": 4,
    "vendredi": 4,
    "saturday": 5,
    "samedi": 5,
    "sunday": 6,
    "dimanche": 6,
}
AGE_BAND_CODES = ("0-4", "5-14", "15-49", "50-59", "60+")
SEXES = ("F", "M")
RECORD_KINDS = ("consultation", "screening", "medicine", "referral")
# Specialties whose consultations only some people can have (an "impossible count").
SEX_ONLY = {"gynaecology_obstetrics": "F"}
AGE_ONLY = {
    "paediatrics": ("0-4", "5-14"),
    "gynaecology_obstetrics": ("5-14", "15-49", "50-59", "60+"),
}
COUNT_MAX = 2**31 - 1  # a count a database integer column holds everywhere
TEXT_MAX = 120  # characters of a record's item and service


class CampaignError(QurbError):
    """A campaign that is malformed or cannot be feasible, naming field and commune."""


@cache
def caravan_catalogue() -> dict[str, Any]:
    """The bundled specialties, population groups and default settings."""
    with (PACKAGE_DIR / "caravan.toml").open("rb") as handle:
        catalogue = tomllib.load(handle)
    for name, group in catalogue["groups"].items():
        bands = group["bands"]
        if bands != "all" and any(b not in AGE_BANDS for b in bands):
            raise ValueError(f"caravan.toml: group {name} has an unknown age band")
    for name, specialty in catalogue["specialties"].items():
        if specialty["group"] not in catalogue["groups"]:
            raise ValueError(f"caravan.toml: specialty {name} has an unknown group")
    return catalogue


def specialties() -> dict[str, dict[str, Any]]:
    return dict(caravan_catalogue()["specialties"])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Partner(_Strict):
    name: str = Field(min_length=1)
    role: str = ""  # CHU, association, council, region, health directorate, …


class BaseSite(_Strict):
    """Where units sleep and start: a facility of the registry, or a point."""

    name: str = Field(min_length=1)
    facility: str | None = None  # registry id (e.g. a provincial hospital)
    lon: float | None = None
    lat: float | None = None


class Team(_Strict):
    name: str = Field(min_length=1)
    staff: dict[str, int]  # specialty → number of staff

    @field_validator("staff")
    @classmethod
    def _staff(cls, value: dict[str, int]) -> dict[str, int]:
        for specialty, n in value.items():
            if n < 0:
                raise ValueError(f"{specialty}: staff must be ≥ 0, got {n}")
        return value


class Unit(_Strict):
    name: str = Field(min_length=1)
    base: str  # a base's name
    team: str  # a team's name
    capacity: dict[str, int]  # specialty → consultations a day


class Hours(_Strict):
    start: time = time(8, 30)
    end: time = time(16, 30)

    @property
    def minutes(self) -> tuple[float, float]:
        return (self.start.hour * 60 + self.start.minute, self.end.hour * 60 + self.end.minute)


class Site(_Strict):
    """A user's stop instead of the commune reference point (a souk, a school)."""

    commune: str
    name: str = Field(min_length=1)
    lon: float
    lat: float


class CampaignSpec(_Strict):
    name: str = Field(min_length=1, max_length=200)
    territory: str = Field(min_length=1)
    start: date
    end: date
    partners: list[Partner] = Field(default_factory=list)
    hours: Hours = Field(default_factory=Hours)
    rest_days: list[str | date] = Field(default_factory=lambda: list[str | date](["sunday"]))
    specialties: list[str] = Field(min_length=1)  # required: every stop gets all of them
    mode: Literal["day-trips", "tours"] = "day-trips"
    max_tour_days: int = Field(default=5, ge=1, le=31)
    communes: Literal["rural", "all"] = "rural"
    force_in: list[str] = Field(default_factory=list)
    force_out: list[str] = Field(default_factory=list)
    sites: list[Site] = Field(default_factory=list)
    bases: list[BaseSite] = Field(min_length=1)
    teams: list[Team] = Field(min_length=1)
    units: list[Unit] = Field(min_length=1)
    weights: dict[str, float] = Field(default_factory=dict)
    attendance: dict[str, float] = Field(default_factory=dict)
    settings: dict[str, float | int | str] = Field(default_factory=dict)

    @field_validator("rest_days", mode="before")
    @classmethod
    def _rest_dates(cls, value: Any) -> Any:
        # JSON has no date type: "2027-01-13" is a date, "sunday" a weekday.
        if not isinstance(value, list):
            return value
        out = []
        for item in value:
            if isinstance(item, str):
                with suppress(ValueError):
                    item = date.fromisoformat(item)
            out.append(item)
        return out

    def weight_values(self) -> dict[str, float]:
        return {**caravan_catalogue()["weights"], **self.weights}

    def attendance_rates(self) -> dict[str, float]:
        rates = {k: float(v["attendance_rate"]) for k, v in specialties().items()}
        return {**rates, **self.attendance}

    def setting(self, key: str) -> Any:
        return self.settings.get(key, caravan_catalogue()["settings"][key])

    def working_days(self) -> list[date]:
        weekdays = {WEEKDAYS[d.lower()] for d in self.rest_days if isinstance(d, str)}
        dates = {d for d in self.rest_days if isinstance(d, date)}
        days = []
        day = self.start
        while day <= self.end:
            if day.weekday() not in weekdays and day not in dates:
                days.append(day)
            day += timedelta(days=1)
        return days


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_campaign(data: dict[str, Any], source: str = "campaign") -> CampaignSpec:
    """Validate the keys and types; every problem named by its field."""
    try:
        return CampaignSpec.model_validate(data)
    except ValidationError as exc:
        lines = [f"  - {_location(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise CampaignError(f"{source}: {len(lines)} problem(s):\n" + "\n".join(lines)) from None


def read_campaign_file(path: Any) -> CampaignSpec:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise CampaignError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise CampaignError(f"{path}: not valid TOML ({exc})") from None
    return parse_campaign(data, str(path))


def check_campaign(spec: CampaignSpec, today: date, source: str = "campaign") -> None:
    """Everything that makes a campaign impossible whatever the communes: dates, specialties,
    teams, units, capacities, weights. Raises one CampaignError listing all problems."""
    known = specialties()
    problems: list[str] = []
    if spec.end < spec.start:
        problems.append(f"end: {spec.end} is before start {spec.start}")
    if spec.start < today:
        problems.append(f"start: {spec.start} is in the past (today is {today})")
    start, end = spec.hours.minutes
    if end <= start:
        problems.append(f"hours: the working day ends ({spec.hours.end}) before it starts")
    for i, day in enumerate(spec.rest_days):
        if isinstance(day, str) and day.lower() not in WEEKDAYS:
            problems.append(f"rest_days[{i}]: {day!r} is not a weekday name or a date")
    if not problems and not spec.working_days():
        problems.append("rest_days: every day of the campaign is a rest day")
    for i, s in enumerate(spec.specialties):
        if s not in known:
            problems.append(
                f"specialties[{i}]: unknown specialty {s!r} (known: {', '.join(known)})"
            )
    teams = {t.name: t for t in spec.teams}
    bases = {b.name for b in spec.bases}
    for i, b in enumerate(spec.bases):
        if b.facility is None and (b.lon is None or b.lat is None):
            problems.append(f"bases[{i}] ({b.name}): give a facility id or lon and lat")
    for i, t in enumerate(spec.teams):
        for s in t.staff:
            if s not in known:
                problems.append(f"teams[{i}].staff.{s}: unknown specialty")
    offered: dict[str, int] = {}
    for i, u in enumerate(spec.units):
        where = f"units[{i}] ({u.name})"
        if u.base not in bases:
            problems.append(f"{where}.base: no base named {u.base!r}")
        team = teams.get(u.team)
        if team is None:
            problems.append(f"{where}.team: no team named {u.team!r}")
        for s, n in u.capacity.items():
            if s not in known:
                problems.append(f"{where}.capacity.{s}: unknown specialty")
            elif n <= 0:
                problems.append(f"{where}.capacity.{s}: zero capacity ({n} consultations a day)")
            elif team is not None and team.staff.get(s, 0) <= 0:
                problems.append(f"{where}.capacity.{s}: team {team.name} has no {s} staff")
            else:
                offered[s] = offered.get(s, 0) + n
    for s in spec.specialties:
        if s in known and s not in offered:
            problems.append(
                f"specialties: no team and unit with capacity for the required specialty {s}"
            )
    # Every stop gets all the campaign's specialties, so every unit brings them all.
    for i, u in enumerate(spec.units):
        lacking = [s for s in spec.specialties if s in offered and u.capacity.get(s, 0) <= 0]
        if lacking:
            problems.append(
                f"units[{i}] ({u.name}).capacity: no capacity for {', '.join(lacking)}; every "
                "stop gets all the campaign's specialties, so every unit needs them"
            )
    for field, names in (
        ("bases", [b.name for b in spec.bases]),
        ("teams", [t.name for t in spec.teams]),
        ("units", [u.name for u in spec.units]),
        ("specialties", list(spec.specialties)),
    ):
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            problems.append(f"{field}: {', '.join(twice)} given more than once")
    for key, value in spec.weight_values().items():
        if key not in caravan_catalogue()["weights"]:
            problems.append(
                f"weights.{key}: unknown part (known: {', '.join(caravan_catalogue()['weights'])})"
            )
        elif not value >= 0:
            problems.append(f"weights.{key}: must be ≥ 0, got {value}")
    if sum(spec.weight_values().values()) <= 0:
        problems.append("weights: at least one weight must be > 0")
    for key, value in spec.attendance.items():
        if key not in known:
            problems.append(f"attendance.{key}: unknown specialty")
        elif not 0 <= value <= 1:
            problems.append(f"attendance.{key}: a rate between 0 and 1, got {value}")
    defaults = caravan_catalogue()["settings"]
    for key, setting in spec.settings.items():
        if key not in defaults:
            problems.append(f"settings.{key}: unknown setting")
        elif isinstance(defaults[key], str):
            if not isinstance(setting, str):
                problems.append(
                    f"settings.{key}: a text such as {defaults[key]!r}, got {setting!r}"
                )
        elif isinstance(setting, (str, bool)) or not setting >= 0:
            problems.append(f"settings.{key}: a number ≥ 0, got {setting!r}")
        elif isinstance(defaults[key], int) and setting != int(setting):
            problems.append(f"settings.{key}: a whole number, got {setting!r}")
    if not problems:
        if float(spec.setting("time_limit_s")) <= 0:
            problems.append("settings.time_limit_s: must be > 0 seconds")
        if int(spec.setting("max_days_per_stop")) < 1:
            problems.append("settings.max_days_per_stop: at least 1 visit")
    overlap = set(spec.force_in) & set(spec.force_out)
    if overlap:
        problems.append(f"force_in/force_out: {', '.join(sorted(overlap))} forced both in and out")
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise CampaignError(f"{source}: {len(problems)} problem(s):\n{lines}")
