"""Campaign files: what is read, and every impossible campaign named by its field."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from qurb.caravans.catalogue import (
    caravan_catalogue,
    check_campaign,
    parse_campaign,
    read_campaign_file,
)
from qurb.caravans.model import (
    CampaignError,
)

TODAY = date(2027, 1, 4)


def spec(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "Test",
        "territory": "03.131",
        "start": "2027-01-11",
        "end": "2027-01-22",
        "rest_days": ["saturday", "dimanche"],
        "specialties": ["general_medicine", "paediatrics"],
        "bases": [{"name": "HP", "facility": "hosp-x"}],
        "teams": [{"name": "A", "staff": {"general_medicine": 2, "paediatrics": 1}}],
        "units": [
            {
                "name": "U1",
                "base": "HP",
                "team": "A",
                "capacity": {"general_medicine": 100, "paediatrics": 40},
            }
        ],
    }
    base.update(changes)
    return base


def problems(data: dict[str, Any]) -> str:
    with pytest.raises(CampaignError) as info:
        check_campaign(parse_campaign(data), TODAY)
    return str(info.value)


def test_working_days_skip_rest_weekdays_and_dates() -> None:
    campaign = parse_campaign(spec(rest_days=["saturday", "sunday", "2027-01-13"]))
    check_campaign(campaign, TODAY)
    days = campaign.working_days()
    # 11–22 January 2027: two weeks Monday–Friday, less Wednesday 13th.
    assert len(days) == 9
    assert date(2027, 1, 13) not in days and date(2027, 1, 16) not in days
    assert days[0] == date(2027, 1, 11) and days[-1] == date(2027, 1, 22)
    assert campaign.hours.minutes == (510.0, 990.0)  # 08:30–16:30 by default


def test_settings_fall_back_to_the_catalogue() -> None:
    campaign = parse_campaign(spec(settings={"setup_minutes": 45}, weights={"norm_gap": 0}))
    assert campaign.setting("setup_minutes") == 45
    assert (
        campaign.setting("threshold_minutes")
        == caravan_catalogue()["settings"]["threshold_minutes"]
    )
    weights = campaign.weight_values()
    assert weights["norm_gap"] == 0 and weights["beyond_threshold"] == 3.0


def test_types_and_missing_keys_name_the_field() -> None:
    data = spec(start="not a date")
    del data["units"]
    with pytest.raises(CampaignError) as info:
        parse_campaign(data, "c.toml")
    text = str(info.value)
    assert text.startswith("c.toml: 2 problem(s)")
    assert "start:" in text and "units:" in text


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(CampaignError, match="colour"):
        parse_campaign(spec(colour="blue"))


def test_dates_in_the_past_and_reversed() -> None:
    text = problems(spec(start="2027-01-01", end="2026-12-31"))
    assert "start: 2027-01-01 is in the past (today is 2027-01-04)" in text
    assert "end: 2026-12-31 is before start" in text


def test_zero_capacity_names_unit_and_specialty() -> None:
    units = [
        {
            "name": "U1",
            "base": "HP",
            "team": "A",
            "capacity": {"general_medicine": 0, "paediatrics": 40},
        }
    ]
    text = problems(spec(units=units))
    assert "units[0] (U1).capacity.general_medicine: zero capacity" in text
    # ... and so general medicine, required, has no unit left.
    assert "required specialty General medicine" in text


def test_no_team_for_a_required_specialty() -> None:
    text = problems(spec(specialties=["general_medicine", "paediatrics", "ophthalmology"]))
    assert "no team and unit with capacity for the required specialty Ophthalmology" in text


def test_capacity_without_staff_and_unknown_references() -> None:
    units = [
        {"name": "U1", "base": "Nowhere", "team": "B", "capacity": {"general_medicine": 10}},
        {"name": "U2", "base": "HP", "team": "A", "capacity": {"ophthalmology": 10}},
    ]
    text = problems(spec(units=units, specialties=["general_medicine"]))
    assert "units[0] (U1).base: no base named 'Nowhere'" in text
    assert "units[0] (U1).team: no team named 'B'" in text
    assert "units[1] (U2).capacity.ophthalmology: team A has no ophthalmology staff" in text


def test_every_day_a_rest_day() -> None:
    text = problems(spec(start="2027-01-16", end="2027-01-17"))
    assert "every day of the campaign is a rest day" in text


def test_bad_weights_attendance_settings_and_forcing() -> None:
    text = problems(
        spec(
            weights={"beyond_threshold": -1, "charisma": 2},
            attendance={"paediatrics": 1.5},
            settings={"speed": 3},
            force_in=["Guigou"],
            force_out=["Guigou"],
            specialties=["general_medicine", "surgery"],
        )
    )
    for expected in (
        "weights.beyond_threshold: must be ≥ 0",
        "weights.charisma: unknown part",
        "attendance.paediatrics: a rate between 0 and 1",
        "settings.speed: unknown setting",
        "Guigou forced both in and out",
        "specialties[1]: unknown specialty 'surgery'",
    ):
        assert expected in text


def test_a_base_needs_a_facility_or_a_point() -> None:
    text = problems(spec(bases=[{"name": "HP"}]))
    assert "bases[0] (HP): give a facility id or lon and lat" in text


def test_the_example_file_reads(tmp_path: Path) -> None:
    example = Path(__file__).parents[2] / "examples" / "caravan-boulemane.toml"
    campaign = read_campaign_file(example)
    check_campaign(campaign, date(2026, 12, 1))
    assert campaign.territory == "Boulemane" and len(campaign.units) == 2
    broken = tmp_path / "broken.toml"
    broken.write_text("name = 'x\n", encoding="utf-8")
    with pytest.raises(CampaignError, match=r"broken\.toml: not valid TOML"):
        read_campaign_file(broken)
    with pytest.raises(CampaignError, match="no such file"):
        read_campaign_file(tmp_path / "missing.toml")


def test_settings_must_have_their_type() -> None:
    text = problems(spec(settings={"seed": "abc", "norm": 3, "max_days_per_stop": 1.5}))
    assert "settings.seed: a number ≥ 0, got 'abc'" in text
    assert "settings.norm: a text such as" in text
    assert "settings.max_days_per_stop: a whole number, got 1.5" in text
    text = problems(spec(settings={"time_limit_s": 0, "max_days_per_stop": 0}))
    assert "settings.time_limit_s: must be > 0 seconds" in text
    assert "settings.max_days_per_stop: at least 1 visit" in text


def test_every_unit_brings_every_specialty_and_names_are_unique() -> None:
    units = [
        {
            "name": "U1",
            "base": "HP",
            "team": "A",
            "capacity": {"general_medicine": 100, "paediatrics": 40},
        },
        {"name": "U1", "base": "HP", "team": "A", "capacity": {"general_medicine": 100}},
    ]
    text = problems(
        spec(units=units, specialties=["general_medicine", "paediatrics", "paediatrics"])
    )
    assert "units[1] (U1).capacity: no capacity for paediatrics" in text
    assert "units: U1 given more than once" in text
    assert "specialties: paediatrics given more than once" in text
