"""Reports on the small region of `tests/regions.py`, on SQLite and PostgreSQL: submitted,
refused for each bad input, corrected, confirmed (and then frozen), and the completeness
of a period worked out by hand.

Catchments on the straight-line model at 60 km/h, every facility: each commune's
reference point goes to its nearest facility. Tizgui (−7, 31.0) → the HP standing on it
(60,000); Ouled Amar (30.9) → CSU Ouled Amar at 30.91 (24,000); Aït Lhou (31.1) → CSR
Aït Lhou at 31.11 (12,000); Tafraout (31.2) and Imi n'Ouzrou (31.3) → DR Tafraout at
31.21 (9,000 + 4,500 = 13,500). The two CSU of Tizgui are nobody's nearest: no catchment,
so their counts are not checked against one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from qurb.audit import service as audit
from qurb.audit.service import EntryFilter
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Conflict, InputError
from qurb.platform.database import transaction
from qurb.watch.completeness import compute_completeness
from qurb.watch.model import ReportStatus
from qurb.watch.service import (
    RawValue,
    ReportFilter,
    ReportInput,
    confirm_report,
    correct_report,
    list_reports,
    submit_report,
    validate_dataset,
)
from tests.regions import HP_TIZGUI, PROVINCE_CODE, TAFRAOUT, TIZGUI
from tests.watch_reports import (
    CATCHMENTS,
    CSR,
    CSU_CENTRE,
    CSU_HAY_SALAM,
    CSU_OULED_AMAR,
    DR,
    PROVINCE,
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


def _chronic(facility: str, period: str = "2026-11", **cells: object) -> ReportInput:
    values = [
        RawValue(element, sex, value, f"values[{i}].value")
        for i, ((element, sex), value) in enumerate(
            {tuple(k.rsplit("_", 1)): v for k, v in cells.items()}.items()
        )
    ]
    return ReportInput("chronic", facility, period, values)


def _submit(db: sessionmaker[Session], given: ReportInput) -> int:
    with _session(db) as s:
        return submit_report(s, REPORTER, given, CATCHMENTS).id


def _refused(db: sessionmaker[Session], given: ReportInput) -> list[tuple[str, str]]:
    with pytest.raises(InputError) as caught, _session(db) as s:
        submit_report(s, REPORTER, given, CATCHMENTS)
    return [(e.field, e.code) for e in caught.value.errors]


def test_a_report_is_stored_with_its_cells_and_audited(db: sessionmaker[Session]) -> None:
    report_id = _submit(db, _chronic(DR, htn_registered_f=120, htn_registered_m=80))
    with _session(db) as s:
        [report] = list_reports(s, ReportFilter("chronic", "2026-11"))
        entries = audit.entries(s, EntryFilter(entity_kind="report"))
    assert (report.id, report.facility_id, report.revision, report.status) == (
        report_id,
        DR,
        1,
        ReportStatus.SUBMITTED,
    )
    assert [(v.element, v.disaggregation, v.value) for v in report.values] == [
        ("htn_registered", "f", 120),
        ("htn_registered", "m", 80),
    ]
    assert not report.zero
    assert [(e.action, e.entity_id, e.territory_code) for e in entries] == [
        ("report.submit", str(report_id), TAFRAOUT)
    ]


def test_a_zero_report_is_a_report(db: sessionmaker[Session]) -> None:
    _submit(db, _chronic(CSR, htn_registered_f=0, htn_registered_m=0))
    with _session(db) as s:
        [report] = list_reports(s, ReportFilter("chronic", "2026-11"))
    assert report.zero and [v.value for v in report.values] == [0, 0]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (-1, "count_negative"),
        (1.5, "count_fractional"),
        ("douze", "count_not_number"),
        ("", "count_not_number"),
    ],
)
def test_a_count_must_be_whole_and_not_negative(
    db: sessionmaker[Session], value: object, code: str
) -> None:
    given = _chronic(DR, htn_registered_f=3, htn_registered_m=value)
    assert _refused(db, given) == [("values[1].value", code)]


def test_a_count_above_the_catchment_is_refused(db: sessionmaker[Session]) -> None:
    # DR Tafraout's catchment: Tafraout 9,000 + Imi n'Ouzrou 4,500 = 13,500 people.
    assert _refused(db, _chronic(DR, htn_registered_f=7_000, htn_registered_m=6_501)) == [
        ("values[0].value", "count_above_catchment")
    ]
    _submit(db, _chronic(DR, htn_registered_f=7_000, htn_registered_m=6_500))  # 13,500: kept


def test_a_facility_with_no_catchment_is_not_checked_against_one(
    db: sessionmaker[Session],
) -> None:
    _submit(db, _chronic(CSU_CENTRE, htn_registered_f=200_000))


def test_a_period_in_the_future_still_running_or_of_another_type(
    db: sessionmaker[Session],
) -> None:
    assert _refused(db, _chronic(DR, "2027-01", htn_seen_f=1)) == [("period", "period_in_future")]
    assert _refused(db, _chronic(DR, "2026-12", htn_seen_f=1)) == [("period", "period_not_over")]
    assert _refused(db, _chronic(DR, "2026W45", htn_seen_f=1)) == [("period", "period_not_of_type")]


def test_a_facility_that_does_not_report_the_data_set(db: sessionmaker[Session]) -> None:
    # The chronic-disease data set is reported by the ESSP (DR, CSR, CSU), not hospitals.
    assert _refused(db, _chronic(HP_TIZGUI, htn_seen_f=1)) == [
        ("facility", "facility_not_reporting")
    ]


def test_unknown_elements_and_cells_are_named(db: sessionmaker[Session]) -> None:
    values = [
        RawValue("asthma", "", 1, "values[0].value"),
        RawValue("htn_seen", "x", 1, "values[1].value"),
        RawValue("htn_seen", "f", 1, "values[2].value"),
        RawValue("htn_seen", "f", 2, "values[3].value"),
    ]
    assert _refused(db, ReportInput("chronic", DR, "2026-11", values)) == [
        ("values[0].value", "value_unknown_element"),
        ("values[1].value", "value_unknown_disaggregation"),
        ("values[3].value", "value_twice"),
    ]


def test_a_duplicate_report_is_refused(db: sessionmaker[Session]) -> None:
    _submit(db, _chronic(DR, htn_seen_f=1))
    assert _refused(db, _chronic(DR, htn_seen_f=2)) == [("period", "report_exists")]


def test_a_correction_is_a_new_version_and_a_confirmed_report_is_frozen(
    db: sessionmaker[Session],
) -> None:
    first = _submit(db, _chronic(DR, htn_seen_f=1))
    with _session(db) as s:
        second = correct_report(
            s, REPORTER, first, [RawValue("htn_seen", "f", 4, "v")], "typo", 1, CATCHMENTS
        )
    assert (second.revision, second.values[0].value, second.reason) == (2, 4, "typo")
    with _session(db) as s:
        everything = list_reports(s, ReportFilter("chronic", current_only=False))
        current = list_reports(s, ReportFilter("chronic"))
    assert [(r.revision, r.current) for r in everything] == [(1, False), (2, True)]
    assert [r.id for r in current] == [second.id]
    # The earlier version is kept, and no longer open to a change.
    with pytest.raises(Conflict) as superseded, _session(db) as s:
        correct_report(s, REPORTER, first, [], "again", catchments=CATCHMENTS)
    assert superseded.value.code == "report_superseded"
    with _session(db) as s:
        confirmed = confirm_report(s, PROVINCE, second.id, second.version)
    assert (confirmed.status, confirmed.confirmed_by) == (ReportStatus.CONFIRMED, "province")
    with pytest.raises(Conflict) as frozen, _session(db) as s:
        correct_report(s, REPORTER, second.id, [RawValue("htn_seen", "f", 5, "v")], "late")
    assert frozen.value.code == "report_frozen"
    with pytest.raises(Conflict) as twice, _session(db) as s:
        confirm_report(s, PROVINCE, second.id)
    assert twice.value.code == "report_frozen"
    with _session(db) as s:
        actions = [e.action for e in audit.entries(s, EntryFilter(entity_kind="report"))]
    assert actions == ["report.submit", "report.correct", "report.confirm"]


def test_completeness_of_a_month_in_the_province(db: sessionmaker[Session], moment: Clock) -> None:
    # Chronic diseases, November 2026, due 5 December. Expected: the five ESSP (the HP
    # does not report it). DR on time (3 Dec), a zero report from the CSR on time, CSU
    # Ouled Amar late (6 Dec); the two CSU of Tizgui silent.
    _submit(db, _chronic(DR, htn_seen_f=10))
    _submit(db, _chronic(CSR, htn_seen_f=0))
    moment.moment = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
    _submit(db, _chronic(CSU_OULED_AMAR, htn_seen_m=3))
    with _session(db) as s:
        result = compute_completeness(s, PROVINCE_CODE, "chronic", "2026-11")
    assert (result.period, result.due) == ("2026-11", date(2026, 12, 5))
    total = result.territory
    assert (total.expected, total.received, total.on_time) == (5, 3, 2)
    assert (total.completeness_pct, total.timeliness_pct) == (60.0, 40.0)
    units = {u.code: (u.level, u.expected, u.received, u.on_time) for u in result.units}
    assert units == {
        PROVINCE_CODE: ("province", 5, 3, 2),
        TIZGUI: ("commune", 2, 0, 0),
        "99.991.01.03": ("commune", 1, 1, 0),
        "99.991.03.05": ("commune", 1, 1, 1),
        TAFRAOUT: ("commune", 1, 1, 1),
    }
    assert sorted(f.facility_id for f in result.silent) == [CSU_CENTRE, CSU_HAY_SALAM]
    assert [f.facility_id for f in result.facilities if f.zero] == [CSR]
    # The region holds the province: the same counts, one more unit.
    with _session(db) as s:
        region = compute_completeness(s, "99", "chronic", "2026-11")
    assert {u.code: u.received for u in region.units if u.level != "commune"} == {
        "99": 3,
        PROVINCE_CODE: 3,
    }


def test_completeness_counts_the_current_version_over_the_whole_country(
    db: sessionmaker[Session], moment: Clock
) -> None:
    # The CSR's zero report (3 Dec) corrected on 6 Dec to 4 seen: received on its first
    # version's day, so on time, no longer a zero report, named by its new version. The
    # country (its reports read without a list of facilities) counts as the province.
    _submit(db, _chronic(DR, htn_seen_f=10))
    first = _submit(db, _chronic(CSR, htn_seen_f=0))
    moment.moment = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
    with _session(db) as s:
        second = correct_report(
            s, REPORTER, first, [RawValue("htn_seen", "f", 4, "v")], "count", 1, CATCHMENTS
        )
    with _session(db) as s:
        province = compute_completeness(s, PROVINCE_CODE, "chronic", "2026-11")
        country = compute_completeness(s, "MA", "chronic", "2026-11")
    [csr] = [f for f in province.facilities if f.facility_id == CSR]
    assert (csr.received, csr.on_time, csr.zero, csr.report_id, csr.received_on) == (
        True,
        True,
        False,
        second.id,
        date(2026, 12, 3),
    )
    total = country.territory
    assert (total.level, total.expected, total.received, total.on_time) == ("country", 5, 2, 2)
    assert country.facilities == province.facilities


def test_a_period_with_no_report_is_silent_everywhere(db: sessionmaker[Session]) -> None:
    with _session(db) as s:
        result = compute_completeness(s, PROVINCE_CODE, "mdo", "2026W47")
    # The notifiable diseases are reported by the ESSP and the hospitals: all six.
    assert (result.territory.expected, result.territory.received) == (6, 0)
    assert result.territory.completeness_pct == 0.0
    with _session(db) as s:
        nothing = compute_completeness(s, "99.991.03.09", "mdo", "2026W47")
    assert (nothing.territory.expected, nothing.territory.completeness_pct) == (0, None)


def test_the_notifiable_diseases_wait_for_their_validation(db: sessionmaker[Session]) -> None:
    with _session(db) as s:
        validation = validate_dataset(s, Actor.local("delm"), "mdo")
    assert (validation.dataset_id, validation.validated_by) == ("mdo", "delm")
    with pytest.raises(Conflict) as again, _session(db) as s:
        validate_dataset(s, Actor.local("delm"), "mdo")
    assert again.value.code == "dataset_already_validated"
    with pytest.raises(Conflict) as needless, _session(db) as s:
        validate_dataset(s, Actor.local("delm"), "chronic")
    assert needless.value.code == "dataset_needs_no_validation"
    with _session(db) as s:
        entries = audit.entries(s, EntryFilter(entity_kind="dataset"))
    assert [(e.action, e.entity_id) for e in entries] == [("dataset.validate", "mdo")]
