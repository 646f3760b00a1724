"""One row of what a visit gave, as a planner writes it, and every problem it has.

A row is read leniently (`VisitRecordRow`: the values as given, unknown columns kept
aside) and then checked against the campaign (`RecordContext`): each problem names its
field, in the order of the columns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from qurb.caravans.model import (
    AGE_BAND_CODES,
    AGE_ONLY,
    COUNT_MAX,
    RECORD_KINDS,
    SEX_ONLY,
    SEXES,
    TEXT_MAX,
)
from qurb.kernel.errors import FieldError
from qurb.kernel.i18n import problem as _problem
from qurb.kernel.values import is_identifier

RECORD_COLUMNS = ("stop", "kind", "item", "sex", "age_band", "count", "facility", "service")
CONSULTING = ("consultation", "referral")  # kinds whose item is one of the campaign's specialties
# What a row's item is, by kind: a specialty of the campaign, a screening of the controlled
# list (caravan.toml), or free text (medicines, until a sourced list is supplied).
ITEM_LISTS = {
    "consultation": "specialties",
    "screening": "screenings",
    "medicine": "free_text",
    "referral": "specialties",
}
FACILITY_KINDS = ("referral",)  # kinds whose row names the facility receiving it


@dataclass(frozen=True)
class RecordContext:
    """What a row is checked against: the campaign's visits, its specialties, the day,
    which of the facilities the rows name exist in the registry, and the controlled list
    of screenings (`caravan.toml`; medicines are free text)."""

    campaign_id: str
    visit_dates: Mapping[int, date]  # visit number → planned date
    specialties: frozenset[str]
    today: date
    facilities: frozenset[str]
    screenings: frozenset[str] = frozenset()


def _text(value: Any) -> str:
    return str(value or "").strip()


class VisitRecordRow(BaseModel):
    """The values of one row as given (any type: a CSV gives text, a sheet numbers)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    stop: Any = None
    kind: Any = None
    item: Any = None
    sex: Any = None
    age_band: Any = None
    count: Any = None
    facility: Any = None
    service: Any = None

    @property
    def unknown_columns(self) -> list[str]:
        return sorted(self.model_extra or {})

    @property
    def stop_number(self) -> int | None:
        try:
            return int(str(self.stop if self.stop is not None else "").strip())
        except ValueError:
            return None

    @property
    def kind_code(self) -> str:
        return _text(self.kind).lower()

    @property
    def item_code(self) -> str:
        return _text(self.item)

    @property
    def sex_code(self) -> str | None:
        return _text(self.sex).upper() or None

    @property
    def band(self) -> str | None:
        return _text(self.age_band) or None

    @property
    def facility_id(self) -> str | None:
        return _text(self.facility) or None

    @property
    def service_text(self) -> str | None:
        return _text(self.service) or None

    @property
    def count_value(self) -> int | None:
        """The count when it is a whole number in range, else None (see `problems`)."""
        return _count(self.count)[0]

    def problems(self, context: RecordContext) -> list[FieldError]:
        """Every problem of the row, each naming its field; none: the row can be recorded."""
        if self.unknown_columns:
            columns = ", ".join(self.unknown_columns)
            return [_problem("", "unknown_columns", columns=columns)]
        found = [
            *self._stop_problems(context),
            *self._code_problems(context),
            *_count(self.count)[1],
            *self._consistency_problems(),
            *self._referral_problems(context),
        ]
        return found

    def values(self) -> dict[str, Any]:
        """The columns of a stored record (a row without problems)."""
        return {
            "kind": self.kind_code,
            "item": self.item_code,
            "sex": self.sex_code,
            "age_band": self.band,
            "count": self.count_value,
            "facility_id": self.facility_id,
            "service": self.service_text,
        }

    def _stop_problems(self, context: RecordContext) -> list[FieldError]:
        number = self.stop_number
        if number is None:
            return [_problem("stop", "not_a_visit_number", value=repr(self.stop))]
        planned = context.visit_dates.get(number)
        if planned is None:
            return [_problem("stop", "no_visit", number=number, campaign=context.campaign_id)]
        if planned > context.today:
            return [_problem("stop", "visit_after_today", number=number, date=str(planned))]
        return []

    def _code_problems(self, context: RecordContext) -> list[FieldError]:
        found = []
        kind, item, sex, band = self.kind_code, self.item_code, self.sex_code, self.band
        if kind not in RECORD_KINDS:
            kinds = ", ".join(RECORD_KINDS)
            found.append(_problem("kind", "not_one_of", value=repr(kind), codes=kinds))
        if not item:
            found.append(_problem("item", "item_missing"))
        elif kind in CONSULTING and item not in context.specialties:
            found.append(_problem("item", "not_a_specialty", value=repr(item)))
        elif kind == "screening" and item not in context.screenings:
            codes = ", ".join(sorted(context.screenings))
            found.append(_problem("item", "not_a_screening", value=repr(item), codes=codes))
        if sex is not None and sex not in SEXES:
            found.append(_problem("sex", "not_a_sex", value=repr(self.sex)))
        if band is not None and band not in AGE_BAND_CODES:
            codes = ", ".join(AGE_BAND_CODES)
            found.append(_problem("age_band", "not_one_of", value=repr(band), codes=codes))
        return found

    def _consistency_problems(self) -> list[FieldError]:
        found = []
        item, sex, band = self.item_code, self.sex_code, self.band
        if self.kind_code in CONSULTING:
            if item in SEX_ONLY and sex is not None and sex != SEX_ONLY[item]:
                found.append(_problem("sex", "sex_only", item=item, only=SEX_ONLY[item], sex=sex))
            if item in AGE_ONLY and band is not None and band not in AGE_ONLY[item]:
                ages = ", ".join(AGE_ONLY[item])
                found.append(_problem("age_band", "age_only", item=item, ages=ages, band=band))
        for name, text in (("item", item), ("service", self.service_text or "")):
            if len(text) > TEXT_MAX:
                found.append(_problem(name, "too_long", max=TEXT_MAX))
            elif "\x00" in text:
                found.append(_problem(name, "nul_character"))
        return found

    def _referral_problems(self, context: RecordContext) -> list[FieldError]:
        facility = self.facility_id
        if self.kind_code == "referral":
            if facility is None:
                return [_problem("facility", "referral_without_facility")]
            if not is_identifier(facility):
                return [_problem("facility", "not_a_registry_id", value=repr(facility))]
            if facility not in context.facilities:
                return [_problem("facility", "no_facility", id=repr(facility))]
            return []
        if facility is not None or self.service_text is not None:
            return [_problem("facility/service", "facility_outside_referral")]
        return []


def _count(raw: Any) -> tuple[int | None, list[FieldError]]:
    """A count: a whole number from 0 to COUNT_MAX (a decimal comma allowed)."""
    try:
        number = float(str(raw).replace(",", "."))
        if number != int(number):
            return None, [_problem("count", "not_whole", value=repr(raw))]
    except (TypeError, ValueError, OverflowError):  # OverflowError: "inf"
        return None, [_problem("count", "not_a_number", value=repr(raw))]
    if number < 0:
        return None, [_problem("count", "negative", value=repr(raw))]
    if number > COUNT_MAX:
        return None, [_problem("count", "too_large", value=repr(raw))]
    return int(number), []
