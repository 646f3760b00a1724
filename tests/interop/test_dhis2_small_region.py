"""The DHIS2 exchange on the small region of `tests/regions.py`, on SQLite and
PostgreSQL: its organisation unit tree (codes, parents, levels worked out from the
region's nesting: HCP puts a cercle and its communes side by side under the
province), a round trip of reports through `dataValueSets`, a payload with
unknown codes and bad values (all or nothing, every bad value named by its index) and
the importer's grants.

Reports are of the chronic data set (monthly, by sex); November 2026 is over on the
tests' clock (3 December 2026). Catchments as in tests/watch: DR Tafraout's holds 13,500
people, CSR Aït Lhou's 12,000."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from qurb.algo.travel import StraightLineModel
from qurb.interop.dhis2.metadata import metadata
from qurb.interop.dhis2.model import DEFAULT_COC_UID, uid
from qurb.interop.dhis2.payload import DataValueSetIn, IdScheme
from qurb.interop.dhis2.service import export_values, import_values
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Forbidden, InputError
from qurb.platform.database import transaction
from qurb.registry.model import Facility
from qurb.watch.service import (
    RawValue,
    ReportFilter,
    ReportInput,
    catchments_on,
    confirm_report,
    list_reports,
    submit_report,
)
from tests.regions import (
    AIT_LHOU,
    CERCLE_CODE,
    HP_TIZGUI,
    PROVINCE_CODE,
    REGION_CODE,
    TAFRAOUT,
    TIZGUI,
)

Factory = Callable[..., sessionmaker[Session]]
CATCHMENTS = catchments_on(StraightLineModel(speed_kph=60.0))
REPORTER = Actor.local("reporter")
DR = "ESSP-99.991.03.07-dr-tafraout"
CSR = "ESSP-99.991.03.05-csr-ait-lhou"
UID = re.compile(r"^[A-Za-z][A-Za-z0-9]{10}$")


@pytest.fixture
def db(small_region_db: Factory, monkeypatch: pytest.MonkeyPatch) -> sessionmaker[Session]:
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    return small_region_db()


def _reporter(_facility: Facility) -> Actor:
    return REPORTER


def _import(db: sessionmaker[Session], payload: dict[str, Any], actor_for: Any = _reporter) -> Any:
    with transaction(db) as s:
        return import_values(
            s, actor_for, DataValueSetIn.model_validate(payload), IdScheme.CODE, CATCHMENTS
        )


def _refused(db: sessionmaker[Session], payload: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(InputError) as caught:
        _import(db, payload)
    return [(e.field, e.code) for e in caught.value.errors]


def _value(element: str, coc: str, unit: str, value: object, period: str = "202611") -> dict:
    return {
        "dataElement": element,
        "categoryOptionCombo": coc,
        "orgUnit": unit,
        "period": period,
        "value": value,
    }


def _reports(db: sessionmaker[Session], period: str = "2026-11") -> list[tuple]:
    with transaction(db) as s:
        found = list_reports(s, ReportFilter("chronic", period))
    return [
        (r.facility_id, r.revision, tuple((v.element, v.disaggregation, v.value) for v in r.values))
        for r in found
    ]


def test_the_org_unit_tree_of_the_small_region(db: sessionmaker[Session]) -> None:
    with transaction(db) as s:
        units = {u["code"]: u for u in metadata(s)["organisationUnits"]}
    tree = {code: (u.get("parent", {}).get("id"), u["level"]) for code, u in units.items()}
    assert tree == {
        "MA": (None, 1),
        REGION_CODE: (uid("ou", "MA"), 2),
        PROVINCE_CODE: (uid("ou", REGION_CODE), 3),
        TIZGUI: (uid("ou", PROVINCE_CODE), 4),
        "99.991.01.03": (uid("ou", PROVINCE_CODE), 4),
        CERCLE_CODE: (uid("ou", PROVINCE_CODE), 4),
        AIT_LHOU: (uid("ou", PROVINCE_CODE), 4),
        TAFRAOUT: (uid("ou", PROVINCE_CODE), 4),
        "99.991.03.09": (uid("ou", PROVINCE_CODE), 4),
        HP_TIZGUI: (uid("ou", TIZGUI), 5),
        "ESSP-99.991.01.01-csu-centre": (uid("ou", TIZGUI), 5),
        "ESSP-99.991.01.01-csu-hay-salam": (uid("ou", TIZGUI), 5),
        "ESSP-99.991.01.03-csu-ouled-amar": (uid("ou", "99.991.01.03"), 5),
        CSR: (uid("ou", AIT_LHOU), 5),
        DR: (uid("ou", TAFRAOUT), 5),
    }
    assert all(UID.match(u["id"]) and u["id"] == uid("ou", c) for c, u in units.items())
    assert len({u["id"] for u in units.values()}) == 15
    dr = units[DR]
    assert (dr["name"], dr["shortName"], dr["openingDate"]) == (
        "DR Tafraout",
        "DR Tafraout",
        "1970-01-01",
    )
    assert dr["geometry"] == {"type": "Point", "coordinates": [-7.0, 31.21]}
    assert "geometry" not in units[TAFRAOUT]


def test_the_metadata_names_the_combos_of_the_disaggregations(db: sessionmaker[Session]) -> None:
    with transaction(db) as s:
        data = metadata(s, PROVINCE_CODE)
    combos = {c["code"]: c for c in data["categoryOptionCombos"]}
    assert {"sex:m", "sex:f"} <= set(combos)
    assert combos["sex:f"]["categoryOptions"] == [{"id": uid("co", "sex:f")}]
    chronic = next(d for d in data["dataSets"] if d["code"] == "chronic")
    assert chronic["periodType"] == "Monthly"
    # The chronic data set is reported by the primary-care facilities and the hospitals.
    assert {"id": uid("ou", DR)} in chronic["organisationUnits"]
    assert data["qurb"]["sources"]


def test_a_round_trip_gives_the_same_reports(db: sessionmaker[Session]) -> None:
    with transaction(db) as s:
        for facility, f, m in ((DR, 120, 80), (CSR, 0, 0)):
            values = [
                RawValue("htn_registered", "f", f, "f"),
                RawValue("htn_registered", "m", m, "m"),
                RawValue("dm_registered", "f", 7, "x"),
            ]
            submit_report(
                s, REPORTER, ReportInput("chronic", facility, "2026-11", values), CATCHMENTS
            )
    before = _reports(db)
    with transaction(db) as s:
        exported = export_values(s, "chronic", "2026-11", [DR, CSR])
    assert exported["period"] == "202611"
    assert len(exported["dataValues"]) == 6
    assert _value("htn_registered", "sex:f", DR, "120") in exported["dataValues"]
    # The same payload again: every value is already there.
    again = _import(db, exported).summary()
    assert again["importCount"] == {"imported": 0, "updated": 0, "ignored": 6, "deleted": 0}
    assert _reports(db) == before
    # The same values for October: the same reports, a month earlier.
    october = {
        **exported,
        "period": "202610",
        "dataValues": [{**v, "period": "202610"} for v in exported["dataValues"]],
    }
    done = _import(db, october)
    assert (done.counts.imported, len(done.submitted)) == (6, 2)
    assert _reports(db, "2026-10") == before
    # A changed value is a correction (a new version); the zero report stays a report.
    changed = _import(db, {"dataValues": [_value("htn_registered", "sex:f", DR, "121")]})
    assert (changed.counts.updated, changed.counts.ignored, len(changed.corrected)) == (1, 0, 1)
    assert dict((r[0], r[1]) for r in _reports(db)) == {DR: 2, CSR: 1}
    assert dict((r[0], r[2]) for r in _reports(db))[CSR] == (
        ("dm_registered", "f", 7),
        ("htn_registered", "f", 0),
        ("htn_registered", "m", 0),
    )


def test_a_value_by_uid(db: sessionmaker[Session]) -> None:
    with transaction(db) as s:
        done = import_values(
            s,
            _reporter,
            DataValueSetIn.model_validate(
                {
                    "dataValues": [
                        {
                            "dataElement": uid("de", "htn_registered"),
                            "orgUnit": uid("ou", DR),
                            "categoryOptionCombo": uid("coc", "sex:f"),
                            "period": "202611",
                            "value": "3",
                        }
                    ]
                }
            ),
            IdScheme.UID,
            CATCHMENTS,
        )
    assert done.counts.imported == 1
    assert _reports(db) == [(DR, 1, (("htn_registered", "f", 3),))]
    assert DEFAULT_COC_UID == "HllvX50cXC0"


def test_a_payload_with_unknown_codes_is_refused_whole(db: sessionmaker[Session]) -> None:
    with transaction(db) as s:
        report = submit_report(
            s,
            REPORTER,
            ReportInput("chronic", CSR, "2026-10", [RawValue("htn_registered", "f", 5, "f")]),
            CATCHMENTS,
        )
        confirm_report(s, REPORTER, report.id)
    payload = {
        "dataValues": [
            _value("htn_registered", "sex:f", DR, "10"),  # good, yet not written
            _value("no_such_element", "sex:f", DR, "1"),
            _value("htn_registered", "sex:x", DR, "1"),
            _value("htn_registered", "sex:m", "ESSP-nowhere", "1"),
            _value("htn_registered", "sex:m", TAFRAOUT, "1"),
            _value("htn_registered", "sex:m", DR, "1", period="2026W5"),
            _value("dm_registered", "sex:f", DR, "-1"),
            _value("dm_registered", "sex:m", DR, "1.5"),
            _value("dm_seen", "sex:m", DR, "abc"),
            _value("htn_registered", "sex:f", CSR, "6", period="202610"),
            _value("htn_registered", "sex:f", DR, "11"),
            _value("htn_seen", "sex:f", DR, "20000"),
        ]
    }
    assert _refused(db, payload) == [
        ("dataValues[1].dataElement", "dhis2_unknown_element"),
        ("dataValues[2].categoryOptionCombo", "dhis2_unknown_combo"),
        ("dataValues[3].orgUnit", "dhis2_unknown_org_unit"),
        ("dataValues[4].orgUnit", "dhis2_org_unit_territory"),
        ("dataValues[5].period", "dhis2_bad_period"),
        ("dataValues[6].value", "dhis2_count_negative"),
        ("dataValues[7].value", "dhis2_count_fractional"),
        ("dataValues[8].value", "dhis2_count_not_number"),
        ("dataValues[10].value", "dhis2_value_twice"),
        ("dataValues[11].value", "count_above_catchment"),
        ("dataValues[9].orgUnit", "dhis2_report_frozen"),
    ]
    assert _reports(db) == []


def test_the_importer_needs_the_grant_over_each_facility(db: sessionmaker[Session]) -> None:
    def only_dr(facility: Facility) -> Actor:
        if facility.id != DR:
            raise Forbidden(code="outside_scope", values={"target": facility.id})
        return REPORTER

    payload = {
        "dataValues": [
            _value("htn_registered", "sex:f", DR, "1"),
            _value("htn_registered", "sex:f", CSR, "2"),
        ]
    }
    with pytest.raises(Forbidden):
        _import(db, payload, only_dr)
    assert _reports(db) == []
    done = _import(db, {"dataValues": payload["dataValues"][:1]}, only_dr)
    assert done.counts.imported == 1


def test_a_frozen_report_sent_again_unchanged_is_ignored(db: sessionmaker[Session]) -> None:
    with transaction(db) as s:
        report = submit_report(
            s,
            REPORTER,
            ReportInput("chronic", CSR, "2026-10", [RawValue("htn_registered", "f", 5, "f")]),
            CATCHMENTS,
        )
        confirm_report(s, REPORTER, report.id)
    done = _import(db, {"dataValues": [_value("htn_registered", "sex:f", CSR, "5", "202610")]})
    assert (done.counts.ignored, done.unchanged) == (1, (report.id,))
    assert _refused(
        db, {"dataValues": [_value("htn_registered", "sex:m", CSR, "0", "202610")]}
    ) == [("dataValues[0].orgUnit", "dhis2_report_frozen")]
