"""What the caravans read of the registry and the territory: typed facts, not rows."""

from __future__ import annotations

from sqlalchemy.orm import Session

from qurb.registry.lookups import FacilityBrief, facility_brief, facility_briefs, facility_exists
from qurb.territory.lookups import unit_briefs
from tests.caravan_requests import BASE_FACILITY


def test_a_facility_by_id(national_session: Session) -> None:
    missour = facility_brief(national_session, BASE_FACILITY)
    assert isinstance(missour, FacilityBrief)
    assert missour.id == BASE_FACILITY and missour.status == "open"
    assert missour.commune_code.startswith("03.131.")  # Missour, province of Boulemane
    assert facility_exists(national_session, BASE_FACILITY)
    assert facility_brief(national_session, "no-such-facility") is None
    assert not facility_exists(national_session, "no-such-facility")
    found = facility_briefs(national_session, [BASE_FACILITY, "no-such-facility"])
    assert list(found) == [BASE_FACILITY] and found[BASE_FACILITY] == missour
    assert facility_briefs(national_session, []) == {}


def test_units_by_code(national_session: Session) -> None:
    found = unit_briefs(national_session, {"03.131", "99.999"})
    assert list(found) == ["03.131"]
    boulemane = found["03.131"]
    assert boulemane.name_fr == "Boulemane" and boulemane.name_ar == "بولمان"
    assert boulemane.population_2024 is not None and boulemane.population_2024 > 100_000
    assert unit_briefs(national_session, []) == {}
