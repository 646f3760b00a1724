"""The activity indicators on the small region of `tests/regions.py`, on SQLite and
PostgreSQL, worked by hand.

Expected births a year (norms' estimate: TFR / 35 × women 15-49; women are half the
municipal population, 56 % of them 15-49 in town, 49 % in the country): Tizgui 2.1 / 35 ×
29,750 × 0.56 = 999.6; Ouled Amar 2.1 / 35 × 12,000 × 0.56 = 403.2; Aït Lhou 2.8 / 35 ×
6,000 × 0.49 = 235.2; Tafraout 2.8 / 35 × 4,500 × 0.49 = 176.4; Imi n'Ouzrou 2.8 / 35 ×
2,250 × 0.49 = 88.2; the province the sum, 1,902.6. A month is 1/12 of it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from qurb.caravans._tables import CaravanCampaignRow, CaravanRecordRow, CaravanStopRow
from qurb.kernel.errors import InputError
from qurb.platform.database import transaction
from qurb.territory.model import TerritoryLevel
from qurb.watch.datasets import read_prevalence_file
from qurb.watch.figures import compute_indicator, indicator_trend
from qurb.watch.service import RawValue, ReportInput, submit_report
from tests.regions import PROVINCE_CODE, TAFRAOUT, TIZGUI
from tests.watch_reports import (
    CATCHMENTS,
    CSU_CENTRE,
    DR,
    REPORTER,
    Clock,
    Factory,
    moment,
)

__all__ = ["moment"]


@pytest.fixture
def db(small_region_db: Factory, moment: Clock) -> sessionmaker[Session]:
    return small_region_db()


def _session(db: sessionmaker[Session]) -> Iterator[Session]:
    return transaction(db)  # type: ignore[return-value]


def _submit(
    db: sessionmaker[Session], dataset: str, facility: str, period: str, **cells: int
) -> None:
    """Cells written `element__cell`: `measles__f_1to4` is measles, f|1-4; `__` alone the
    total; `p` stands for + (15p: 15+)."""
    values = []
    for i, (key, value) in enumerate(cells.items()):
        element, _, cell = key.partition("__")
        cell = cell.replace("_", "|").replace("to", "-").replace("p", "+")
        values.append(RawValue(element, cell, value, f"v[{i}]"))
    with _session(db) as s:
        submit_report(s, REPORTER, ReportInput(dataset, facility, period, values), CATCHMENTS)


def _by_code(figures: object) -> dict[str, object]:
    return {u.code: u for u in figures.units}  # type: ignore[attr-defined]


def test_incidence_per_100000_with_its_completeness(db: sessionmaker[Session]) -> None:
    # Measles in week 45: DR Tafraout 2 + 1 cases, CSU Tizgui Centre 6.
    _submit(db, "mdo", DR, "2026W45", measles__f_1to4=2, measles__m_5to14=1)
    _submit(db, "mdo", CSU_CENTRE, "2026W45", measles__f_15p=6)
    with _session(db) as s:
        figures = compute_indicator(s, PROVINCE_CODE, "incidence", "2026W45", element="measles")
    units = _by_code(figures)
    # 3 / 9,000 × 100,000 = 33.33; 6 / 60,000 × 100,000 = 10.0; 9 / 109,500 → 8.22.
    assert units[TAFRAOUT].value == 33.33 and units[TIZGUI].value == 10.0  # type: ignore[attr-defined]
    assert (figures.territory.numerator, figures.territory.value) == (9, 8.22)
    # Every one of the six facilities reports the notifiable diseases: 2 of 6 came in.
    assert (figures.territory.expected, figures.territory.received) == (6, 2)
    assert figures.territory.completeness_pct == 33.3
    assert not figures.denominator_estimate
    # Tizgui expects three reports (the HP and both CSU): one came in.
    assert units[TIZGUI].completeness_pct == 33.3  # type: ignore[attr-defined]
    # A commune no report came from has no figure (not zero).
    silent = units["99.991.03.05"]
    assert (silent.value, silent.note, silent.received) == (None, "no_report", 0)  # type: ignore[attr-defined]


def test_a_zero_report_gives_zero_incidence(db: sessionmaker[Session]) -> None:
    _submit(db, "mdo", DR, "2026W45", measles__f_1to4=0)
    with _session(db) as s:
        figures = compute_indicator(s, PROVINCE_CODE, "incidence", "2026W45", element="measles")
    assert _by_code(figures)[TAFRAOUT].value == 0.0  # type: ignore[attr-defined]


def test_antenatal_coverage_against_expected_pregnancies_an_estimate(
    db: sessionmaker[Session],
) -> None:
    _submit(db, "mother-child", CSU_CENTRE, "2026-11", anc1=50)
    _submit(db, "mother-child", DR, "2026-11", anc1=10)
    with _session(db) as s:
        figures = compute_indicator(s, PROVINCE_CODE, "anc1_coverage", "2026-11")
    units = _by_code(figures)
    assert figures.denominator == "expected_pregnancies" and figures.denominator_estimate
    # Tizgui 999.6 / 12 = 83.3: 50 / 83.3 = 60.02 %; Tafraout 176.4 / 12 = 14.7: 68.03 %.
    assert (units[TIZGUI].denominator, units[TIZGUI].value) == (83.3, 60.02)  # type: ignore[attr-defined]
    assert (units[TAFRAOUT].denominator, units[TAFRAOUT].value) == (14.7, 68.03)  # type: ignore[attr-defined]
    # The province: 60 / (1,902.6 / 12 = 158.55) = 37.84 %, from 2 of 6 reports.
    assert (figures.territory.denominator, figures.territory.value) == (158.55, 37.84)
    assert figures.territory.completeness_pct == 33.3


def _prevalence(tmp_path: Path) -> Path:
    path = tmp_path / "prevalence.toml"
    path.write_text(
        '[hypertension]\nshare = 0.5\nage_from = 60\nsource = "Enquête de test, 2026"\n',
        encoding="utf-8",
    )
    return path


def test_chronic_control_and_unknown_prevalence(db: sessionmaker[Session], tmp_path: Path) -> None:
    _submit(
        db,
        "chronic",
        DR,
        "2026-11",
        htn_registered__f=120,
        htn_registered__m=80,
        htn_controlled__f=30,
        htn_controlled__m=20,
    )
    with _session(db) as s:
        controlled = compute_indicator(s, PROVINCE_CODE, "htn_controlled", "2026-11")
        blind = compute_indicator(s, PROVINCE_CODE, "htn_coverage", "2026-11")
        known = compute_indicator(
            s,
            PROVINCE_CODE,
            "htn_coverage",
            "2026-11",
            prevalence=read_prevalence_file(_prevalence(tmp_path)),
        )
    # 50 controlled of 200 registered; five facilities report chronic diseases (not the HP).
    assert (controlled.territory.value, controlled.territory.expected) == (25.0, 5)
    # No prevalence supplied: the coverage is unknown, never a guess.
    tafraout = _by_code(blind)[TAFRAOUT]
    assert (tafraout.value, tafraout.denominator, tafraout.note) == (  # type: ignore[attr-defined]
        None,
        None,
        "prevalence_unknown",
    )
    # Supplied: half of the 60+ (14 % of 9,000 = 1,260) → 630 expected; 200 / 630 = 31.75 %.
    tafraout = _by_code(known)[TAFRAOUT]
    assert (tafraout.denominator, tafraout.value) == (630.0, 31.75)  # type: ignore[attr-defined]
    assert "Enquête de test, 2026" in known.sources


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("[hypertension]\nshare = 0.3\nage_from = 20\n", "prevalence_no_source"),
        ('[hypertension]\nshare = 30\nage_from = 20\nsource = "x"\n', "prevalence_bad_value"),
        ('[hypertension]\nshare = 0.3\nage_from = 18\nsource = "x"\n', "prevalence_bad_value"),
        ('[asthma]\nshare = 0.3\nsource = "x"\n', "prevalence_bad_value"),
        ("share = ", "prevalence_not_toml"),
    ],
)
def test_a_prevalence_file_is_checked(tmp_path: Path, text: str, code: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_prevalence_file(path)
    assert caught.value.code == code


def _caravan_visit(db: sessionmaker[Session], day: date, item: str, count: int) -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with _session(db) as s:
        if s.get(CaravanCampaignRow, "c1") is None:
            s.add(
                CaravanCampaignRow(
                    id="c1",
                    name="Caravane",
                    territory_code=PROVINCE_CODE,
                    start_date=date(2026, 11, 1),
                    end_date=date(2026, 12, 31),
                    spec={},
                    plan={},
                    created_at=now,
                    created_by="test",
                )
            )
            s.flush()
        number = len(list(s.query(CaravanStopRow).all())) + 1
        stop = CaravanStopRow(
            campaign_id="c1",
            number=number,
            commune_code=TAFRAOUT,
            label="Tafraout",
            visit_date=day,
            unit="U1",
            team="T1",
            arrival="08:00",
            departure="16:00",
            expected={},
        )
        s.add(stop)
        s.flush()
        s.add(
            CaravanRecordRow(
                stop_id=stop.id,
                kind="screening",
                item=item,
                sex="F",
                age_band="50-59",
                count=count,
                batch_sha256=f"{number:064d}",
                recorded_at=now,
                recorded_by="t",
            )
        )


def test_caravan_screenings_count_apart(db: sessionmaker[Session]) -> None:
    _submit(
        db,
        "chronic",
        DR,
        "2026-11",
        htn_registered__f=120,
        htn_registered__m=80,
        htn_seen__f=40,
        htn_seen__m=20,
    )
    _caravan_visit(db, date(2026, 11, 10), "blood_pressure", 15)
    _caravan_visit(db, date(2026, 12, 2), "blood_pressure", 99)  # another period
    _caravan_visit(db, date(2026, 11, 11), "oral_health", 40)  # mapped to nothing
    with _session(db) as s:
        figures = compute_indicator(s, PROVINCE_CODE, "htn_followed", "2026-11")
        controlled = compute_indicator(s, PROVINCE_CODE, "htn_controlled", "2026-11")
    tafraout = _by_code(figures)[TAFRAOUT]
    # Facilities: 60 seen of 200 registered = 30 %; with the caravan's 15: 75 / 200 = 37.5 %.
    assert (tafraout.numerator, tafraout.value) == (60, 30.0)  # type: ignore[attr-defined]
    assert (tafraout.caravan, tafraout.value_with_caravan) == (15, 37.5)  # type: ignore[attr-defined]
    # Completeness counts reports alone: 1 of 5, the caravan no report.
    assert (figures.territory.expected, figures.territory.received) == (5, 1)
    assert figures.territory.caravan == 15
    # An indicator no caravan record maps to has no caravan line.
    assert controlled.territory.caravan is None


def test_a_trend_per_period(db: sessionmaker[Session]) -> None:
    _submit(db, "mdo", DR, "2026W44", measles__f_1to4=1)
    _submit(db, "mdo", DR, "2026W46", measles__f_1to4=4)
    with _session(db) as s:
        trend = indicator_trend(s, TAFRAOUT, "incidence", "2026W46", 3, element="measles")
    # 1 / 9,000 × 100,000 = 11.11; week 45 silent: unknown; 4 → 44.44.
    assert [(p.period, p.value, p.received) for p in trend] == [
        ("2026W44", 11.11, 1),
        ("2026W45", None, 0),
        ("2026W46", 44.44, 1),
    ]


def test_region_level_and_bad_inputs(db: sessionmaker[Session]) -> None:
    with _session(db) as s:
        figures = compute_indicator(
            s, PROVINCE_CODE, "anc1_coverage", "2026-11", TerritoryLevel.PROVINCE
        )
        assert [u.code for u in figures.units] == [PROVINCE_CODE]
        for call, code in (
            (lambda: compute_indicator(s, PROVINCE_CODE, "nope", "2026-11"), "no_watch_indicator"),
            (
                lambda: compute_indicator(s, PROVINCE_CODE, "incidence", "2026W45", element="x"),
                "no_dataset_element",
            ),
            (
                lambda: compute_indicator(s, PROVINCE_CODE, "anc1_coverage", "2026W45"),
                "period_not_of_type",
            ),
        ):
            with pytest.raises(InputError) as caught:
                call()
            assert caught.value.code == code
