"""Mobile medical caravans: a campaign as planners write it, and what a visit records.

A campaign file (TOML, or the same keys as JSON through the API) names the partners, the
territory, the dates, the working hours, the bases (a hospital or the CHU, or a point),
the teams (staff by specialty), the mobile units (a team, a base, and how many
consultations a day per specialty) and the rest days.

A spec is validated against the bundled catalogue (specialties, population groups,
default settings), given in the validation context (`catalogue`); with `today` in the
context too, its model validator also reports everything that makes the campaign
impossible, every problem at once and each naming its field (`CampaignProblems`),
before anything is planned or written. Reading the files is `catalogue`'s work.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from contextlib import suppress
from datetime import date, time, timedelta
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from qurb.kernel.errors import FieldError, InputError, NotFound, QurbError, Say
from qurb.kernel.i18n import say_in
from qurb.kernel.values import MAX_COUNT, MAX_SEED, Identifier, Label, ShortName

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


class CampaignNotFound(CampaignError, NotFound):
    """No saved campaign has this id (the message names recent ones)."""


class InvalidCampaign(CampaignError, InputError):
    """A campaign refused field by field: `errors` holds each problem, the message lists
    them as `<source>: N problem(s):` and one `  - field: reason` line each."""

    worded = True
    code = "invalid_campaign"

    def __init__(self, problems: list[str], source: str) -> None:
        lines = "\n".join(f"  - {p}" for p in problems)
        InputError.__init__(self, f"{source}: {len(problems)} problem(s):\n{lines}", source)
        self._errors = tuple(_field_error(p) for p in problems)
        self.problems = list(problems)

    def rendered(self, say: Say) -> str:
        """The problems in the reader's language: the coded ones worded by the catalogue,
        the others (the type checks) as written."""
        lines = "\n".join(
            f"  - {e.field}: {e.rendered(say)}" if e.code else f"  - {p}"
            for p, e in zip(self.problems, self._errors, strict=True)
        )
        values = {"source": self.source, "count": len(self.problems), "lines": lines}
        return say("error.invalid_campaign", values)


def _field_error(problem: str) -> FieldError:
    """`field: reason` (how every campaign problem is worded) as a FieldError."""
    field, _, reason = problem.partition(": ")
    if isinstance(problem, Coded):
        return FieldError(field, reason, code=problem.code, values=problem.values)
    return FieldError(field, reason) if reason else FieldError("", problem)


class Coded(str):
    """A campaign problem, `field: reason` in English, with the code and values that word
    its reason in the reader's language (the catalogue's `reason.<code>`)."""

    code: str
    values: dict[str, Any]


def coded(field: str, code: str, **values: Any) -> Coded:
    line = Coded(f"{field}: {say_in('en')(f'reason.{code}', values)}")
    line.code, line.values = code, values
    return line


class CampaignProblems(ValueError):
    """Everything that makes a campaign impossible, one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Partner(_Strict):
    name: ShortName
    role: str = ""  # CHU, association, council, region, health directorate, …
    contact: ShortName | None = None  # a phone or an address, as the road sheet prints it


class BaseSite(_Strict):
    """Where units sleep and start: a facility of the registry, or a point."""

    name: ShortName
    facility: Identifier | None = None  # registry id (e.g. a provincial hospital)
    lon: float | None = None
    lat: float | None = None
    contact: ShortName | None = None  # who answers at the base (a phone, a name)


class Team(_Strict):
    name: Label
    staff: dict[str, int] = Field(  # specialty → number of staff
        json_schema_extra={
            "additionalProperties": {"type": "integer", "minimum": 0, "maximum": MAX_COUNT}
        }
    )

    @field_validator("staff")
    @classmethod
    def _staff(cls, value: dict[str, int]) -> dict[str, int]:
        for specialty, n in value.items():
            if n < 0:
                raise ValueError(f"{specialty}: staff must be ≥ 0, got {n}")
            if n > MAX_COUNT:
                raise ValueError(f"{specialty}: staff must be at most {MAX_COUNT:,}, got {n}")
        return value


class Unit(_Strict):
    name: Label
    base: str  # a base's name
    team: str  # a team's name
    contact: ShortName | None = None  # the unit's own phone, for its road sheet
    capacity: dict[str, int] = Field(  # specialty → consultations a day
        json_schema_extra={"additionalProperties": {"type": "integer", "maximum": MAX_COUNT}}
    )

    @field_validator("capacity")
    @classmethod
    def _capacity(cls, value: dict[str, int]) -> dict[str, int]:
        # A unit sees at most MAX_COUNT patients a day per specialty: beyond is a typing slip.
        for specialty, n in value.items():
            if n > MAX_COUNT:
                raise ValueError(
                    f"{specialty}: capacity must be at most {MAX_COUNT:,} consultations a day, "
                    f"got {n}"
                )
        return value


class Hours(_Strict):
    start: time = time(8, 30)
    end: time = time(16, 30)

    @property
    def minutes(self) -> tuple[float, float]:
        return (self.start.hour * 60 + self.start.minute, self.end.hour * 60 + self.end.minute)


class Site(_Strict):
    """A user's stop instead of the commune reference point (a souk, a school)."""

    commune: str
    name: ShortName
    lon: float
    lat: float


class CampaignSpec(_Strict):
    name: ShortName
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
    units: list[Unit]  # at least one: `no_unit`, worded, among the campaign's problems
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

    @model_validator(mode="after")
    def _against_catalogue(self, info: ValidationInfo) -> CampaignSpec:
        context = info.context or {}
        if "catalogue" in context:
            self._catalogue = dict(context["catalogue"])
        if "today" in context:
            problems = campaign_problems(self, context["today"])
            if problems:
                raise CampaignProblems(problems)
        return self

    _catalogue: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def catalogue(self) -> dict[str, Any]:
        """The catalogue the spec was validated against (specialties, groups, defaults)."""
        if not self._catalogue:
            raise RuntimeError("a campaign spec is validated with its catalogue in context")
        return self._catalogue

    def known_specialties(self) -> dict[str, dict[str, Any]]:
        return dict(self.catalogue["specialties"])

    def weight_values(self) -> dict[str, float]:
        return {**self.catalogue["weights"], **self.weights}

    def attendance_rates(self) -> dict[str, float]:
        rates = {k: float(v["attendance_rate"]) for k, v in self.known_specialties().items()}
        return {**rates, **self.attendance}

    def setting(self, key: str) -> Any:
        return self.settings.get(key, self.catalogue["settings"][key])

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


def location(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as a campaign file names it: `units[0].capacity.x`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# ---------------------------------------------------------------------------- feasibility


def _date_problems(spec: CampaignSpec, today: date) -> list[str]:
    problems: list[str] = []
    if spec.end < spec.start:
        problems.append(coded("end", "end_before_start", end=str(spec.end), start=str(spec.start)))
    if spec.start < today:
        problems.append(coded("start", "start_in_past", start=str(spec.start), today=str(today)))
    start, end = spec.hours.minutes
    if end <= start:
        problems.append(coded("hours", "day_ends_before_it_starts", end=str(spec.hours.end)))
    for i, day in enumerate(spec.rest_days):
        if isinstance(day, str) and day.lower() not in WEEKDAYS:
            problems.append(coded(f"rest_days[{i}]", "not_a_weekday", value=repr(day)))
    if not problems and not spec.working_days():
        problems.append(coded("rest_days", "every_day_a_rest_day"))
    return problems


def _team_problems(spec: CampaignSpec) -> list[str]:
    known = spec.known_specialties()
    problems = [
        f"specialties[{i}]: unknown specialty {s!r} (known: {', '.join(known)})"
        for i, s in enumerate(spec.specialties)
        if s not in known
    ]
    for i, b in enumerate(spec.bases):
        if b.facility is None and (b.lon is None or b.lat is None):
            problems.append(f"bases[{i}] ({b.name}): give a facility id or lon and lat")
    for i, t in enumerate(spec.teams):
        problems += [f"teams[{i}].staff.{s}: unknown specialty" for s in t.staff if s not in known]
    return problems


def _capacity_problem(spec: CampaignSpec, where: str, team: Team | None, s: str, n: int) -> str:
    if s not in spec.known_specialties():
        return f"{where}.capacity.{s}: unknown specialty"
    if n <= 0:
        return coded(f"{where}.capacity.{s}", "zero_capacity", n=n)
    if team is not None and team.staff.get(s, 0) <= 0:
        return coded(f"{where}.capacity.{s}", "no_staff", team=team.name, specialty=s)
    return ""


def _unit_problems(spec: CampaignSpec) -> list[str]:
    teams = {t.name: t for t in spec.teams}
    bases = {b.name for b in spec.bases}
    problems: list[str] = []
    offered: dict[str, int] = {}
    for i, u in enumerate(spec.units):
        where = f"units[{i}] ({u.name})"
        if u.base not in bases:
            problems.append(f"{where}.base: no base named {u.base!r}")
        team = teams.get(u.team)
        if team is None:
            problems.append(f"{where}.team: no team named {u.team!r}")
        for s, n in u.capacity.items():
            problem = _capacity_problem(spec, where, team, s, n)
            if problem:
                problems.append(problem)
            else:
                offered[s] = offered.get(s, 0) + n
    if not spec.units:
        return [*problems, coded("units", "no_unit")]
    known = spec.known_specialties()
    for s in spec.specialties:
        if s in known and s not in offered:
            label = {lang: known[s][f"label_{lang}"] for lang in ("fr", "ar", "en")}
            problems.append(coded("specialties", "specialty_not_offered", specialty=label))
    # Every stop gets all the campaign's specialties, so every unit brings them all.
    for i, u in enumerate(spec.units):
        lacking = [s for s in spec.specialties if s in offered and u.capacity.get(s, 0) <= 0]
        if lacking:
            problems.append(
                f"units[{i}] ({u.name}).capacity: no capacity for {', '.join(lacking)}; every "
                "stop gets all the campaign's specialties, so every unit needs them"
            )
    return problems


def _duplicate_problems(spec: CampaignSpec) -> list[str]:
    problems: list[str] = []
    for field, names in (
        ("bases", [b.name for b in spec.bases]),
        ("teams", [t.name for t in spec.teams]),
        ("units", [u.name for u in spec.units]),
        ("specialties", list(spec.specialties)),
    ):
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            problems.append(coded(field, "given_twice", names=", ".join(twice)))
    return problems


def _rate_problems(spec: CampaignSpec) -> list[str]:
    parts = spec.catalogue["weights"]
    problems = []
    for key, value in spec.weight_values().items():
        if key not in parts:
            problems.append(f"weights.{key}: unknown part (known: {', '.join(parts)})")
        elif not value >= 0:
            problems.append(f"weights.{key}: must be ≥ 0, got {value}")
    if sum(spec.weight_values().values()) <= 0:
        problems.append("weights: at least one weight must be > 0")
    known = spec.known_specialties()
    for key, rate in spec.attendance.items():
        if key not in known:
            problems.append(f"attendance.{key}: unknown specialty")
        elif not 0 <= rate <= 1:
            problems.append(f"attendance.{key}: a rate between 0 and 1, got {rate}")
    return problems


def _setting_problem(key: str, setting: Any, defaults: Mapping[str, Any]) -> str:
    if key not in defaults:
        return f"settings.{key}: unknown setting"
    if isinstance(defaults[key], str):
        if not isinstance(setting, str):
            return f"settings.{key}: a text such as {defaults[key]!r}, got {setting!r}"
        return ""
    if isinstance(setting, (str, bool)) or not (setting >= 0 and math.isfinite(setting)):
        return f"settings.{key}: a number ≥ 0, got {setting!r}"
    if isinstance(defaults[key], int) and setting != int(setting):
        return f"settings.{key}: a whole number, got {setting!r}"
    return ""


def _setting_problems(spec: CampaignSpec, earlier: bool) -> list[str]:
    defaults = spec.catalogue["settings"]
    problems = [
        problem
        for key, setting in spec.settings.items()
        if (problem := _setting_problem(key, setting, defaults))
    ]
    if not (earlier or problems):
        if float(spec.setting("time_limit_s")) <= 0:
            problems.append("settings.time_limit_s: must be > 0 seconds")
        if int(spec.setting("max_days_per_stop")) < 1:
            problems.append("settings.max_days_per_stop: at least 1 visit")
        if not 0 <= int(spec.setting("seed")) <= MAX_SEED:
            problems.append(f"settings.seed: from 0 to {MAX_SEED:,} (the solver's 32 bits)")
    overlap = set(spec.force_in) & set(spec.force_out)
    if overlap:
        problems.append(f"force_in/force_out: {', '.join(sorted(overlap))} forced both in and out")
    return problems


def campaign_problems(spec: CampaignSpec, today: date) -> list[str]:
    """Everything that makes a campaign impossible whatever the communes: dates,
    specialties, teams, units, capacities, weights, settings; in the order a planner
    reads the file."""
    checks: list[Callable[[CampaignSpec], list[str]]] = [
        lambda s: _date_problems(s, today),
        _team_problems,
        _unit_problems,
        _duplicate_problems,
        _rate_problems,
    ]
    problems = [problem for check in checks for problem in check(spec)]
    return problems + _setting_problems(spec, bool(problems))
