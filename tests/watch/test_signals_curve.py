"""A signal's epidemic curve and the signals' points, on the small region of
`tests/regions.py`.

CSU Ouled Amar, alone in its commune, reports typhoid weeks 2026W37 to W48: 1 or 2
cases a week, then 20 in W48 (as tests/watch/test_signals_small_region.py). The EARS C2
signal's curve over 14 weeks: W35 and W36 unknown (no report), W37–W47 the counts, W48
20; C2's baseline (the 7 weeks ending two weeks before) is whole from W46 on, so the upper
bound is NA before W46 and W48's is 1.43 + 3.09 × 0.53 ≈ 3.08 (mean and sd of W39–W45);
W48 alone alarms."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from qurb.algo.outbreak.earsc import EarsParams, ears_c
from qurb.algo.outbreak.series import series_from
from qurb.app.web import create_app
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.platform.database import transaction
from qurb.platform.settings import Settings
from qurb.registry.service import get_facility
from qurb.territory.service import TerritoryIndex
from qurb.watch._tables import SignalRow
from qurb.watch.service import RawValue, ReportInput, submit_report
from qurb.watch.signals import list_signals
from qurb.watch.signals_curve import _centroid, get_signal, signal_curve, signal_points
from tests.accounts import add_account, as_someone
from tests.regions import OULED_AMAR, PROVINCE_CODE, SMALL_COMMUNES, TIZGUI
from tests.watch_reports import (
    CATCHMENTS,
    CSU_CENTRE,
    CSU_OULED_AMAR,
    REPORTER,
    Clock,
    Factory,
    moment,
)
from tests.web_clients import TestClient

__all__ = ["moment"]

BASELINE = [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]  # W37..W47


@pytest.fixture
def db(small_region_db: Factory, moment: Clock) -> sessionmaker[Session]:
    return small_region_db()


def _report(
    db: sessionmaker[Session], week: int, element: str, count: int, facility: str = CSU_OULED_AMAR
) -> None:
    values = [RawValue(element, "m|15+", count, "values[0].value")]
    with transaction(db) as s:
        submit_report(s, REPORTER, ReportInput("mdo", facility, f"2026W{week}", values),
                      CATCHMENTS)  # fmt: skip


def _typhoid_spike(db: sessionmaker[Session]) -> None:
    for week, count in zip(range(37, 48), BASELINE, strict=True):
        _report(db, week, "typhoid", count)
    _report(db, 48, "typhoid", 20)


def _signal_id(db: sessionmaker[Session], unit: str, element: str = "typhoid") -> int:
    with transaction(db) as s:
        query = select(SignalRow.id).where(
            SignalRow.unit_code == unit, SignalRow.element == element
        )
        return s.scalars(query).one()


def test_the_curve_is_the_pure_ears_c2_on_the_units_series(db: sessionmaker[Session]) -> None:
    _typhoid_spike(db)
    with transaction(db) as s:
        signal = get_signal(s, _signal_id(db, CSU_OULED_AMAR))
        curve = signal_curve(s, signal, 14)
    # its last week is the signal's own figures, as the detection rerun stored them
    last = curve.weeks[-1]
    assert (last.week, last.observed, last.alarm) == (signal.week, signal.observed, signal.alarm)
    assert last.upperbound == pytest.approx(signal.upperbound, rel=1e-12)
    assert (curve.method, curve.level, curve.element, curve.element_en) == (
        "ears-c2", "facility", "typhoid", "Typhoid fever",
    )  # fmt: skip
    assert [w.week for w in curve.weeks] == [f"2026W{n}" for n in range(35, 49)]
    observed = [None, None, *BASELINE, 20]
    assert [w.observed for w in curve.weeks] == observed
    # the pure function on the same weeks (and the 9 unknown ones C2 looks back) agrees
    first = curve.weeks[0].start
    before = [first - timedelta(weeks=9 - i) for i in range(9)]
    pure = ears_c(
        series_from([None] * 9 + observed, before + [w.start for w in curve.weeks]),
        range(9, 23),
        EarsParams(method="C2", baseline=7),
    )
    assert [w.upperbound for w in curve.weeks] == list(pure.upperbound)
    assert [w.alarm for w in curve.weeks] == list(pure.alarm)
    # by hand: NA until W46 (a baseline week unknown), W48's bound from W39–W45
    assert [w.upperbound is None for w in curve.weeks] == [True] * 11 + [False] * 3
    w48 = curve.weeks[-1]
    mean, sd = 10 / 7, math.sqrt((4 * (1 - 10 / 7) ** 2 + 3 * (2 - 10 / 7) ** 2) / 6)
    assert w48.upperbound == pytest.approx(mean + 3.090232 * sd, abs=1e-5)
    assert [w.alarm for w in curve.weeks[-3:]] == [False, False, True]
    assert all(w.expected is None for w in curve.weeks)  # EARS gives no expected count


def test_the_communes_curve_and_a_single_case_one(db: sessionmaker[Session]) -> None:
    _typhoid_spike(db)
    _report(db, 48, "cholera", 1, CSU_CENTRE)
    with transaction(db) as s:
        commune = signal_curve(s, get_signal(s, _signal_id(db, OULED_AMAR)), 3)
        cholera = signal_curve(s, get_signal(s, _signal_id(db, CSU_CENTRE, "cholera")), 3)
    # the commune holds the CSU alone: the same counts
    assert [(w.week, w.observed) for w in commune.weeks] == [
        ("2026W46", 2), ("2026W47", 1), ("2026W48", 20),
    ]  # fmt: skip
    assert (cholera.method, cholera.level) == ("single-case", "facility")
    # CSU Centre reported W48 alone: W46 and W47 unknown; W48's one case alarms
    assert [(w.observed, w.alarm, w.upperbound) for w in cholera.weeks] == [
        (None, None, None), (None, None, None), (1, True, None),
    ]  # fmt: skip


def test_points_at_the_facility_and_the_territories(db: sessionmaker[Session]) -> None:
    _report(db, 48, "cholera", 1)  # raised at the facility, commune, province and region
    with transaction(db) as s:
        index = TerritoryIndex.from_session(s)
        found = signal_points(s, list_signals(s, PROVINCE_CODE, index=index), index)
        csu = get_facility(s, CSU_OULED_AMAR)
    points = {signal.unit_code: point for signal, point in found.points}
    ouled_amar = next(c for c in SMALL_COMMUNES if c.code == OULED_AMAR)
    assert points[CSU_OULED_AMAR] == (csu.lon, csu.lat)
    assert points[OULED_AMAR] == (ouled_amar.lon, ouled_amar.lat)
    # the province has no reference point nor display polygon: its communes' mean
    lon = math.fsum(c.lon for c in SMALL_COMMUNES) / len(SMALL_COMMUNES)
    lat = math.fsum(c.lat for c in SMALL_COMMUNES) / len(SMALL_COMMUNES)
    assert points[PROVINCE_CODE] == pytest.approx((lon, lat))


@pytest.fixture
def app_factory(db: sessionmaker[Session], region_engine: Engine) -> Iterator[object]:
    url = region_engine.url.render_as_string(hide_password=False)
    yield create_app(Settings(database_url=url))


def test_the_routes_answer_and_refuse(db: sessionmaker[Session], app_factory: object) -> None:
    _typhoid_spike(db)
    signal = _signal_id(db, CSU_OULED_AMAR)
    factory = app_factory.state.qurb.factory  # type: ignore[attr-defined]
    reader = add_account(factory, "reader", Role.VIEWER, Scope(territories=frozenset({OULED_AMAR})))
    elsewhere = add_account(
        factory, "elsewhere", Role.VIEWER, Scope(territories=frozenset({TIZGUI}))
    )
    with TestClient(app_factory) as client:  # type: ignore[arg-type]
        assert client.get(f"/api/watch/signals/{signal}/curve").status_code == 401
        assert client.get("/api/watch/signals.geojson?territory=99").status_code == 401
        as_someone(client, reader)
        answer = client.get(f"/api/watch/signals/{signal}/curve", params={"weeks": 3})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert [(w["week"], w["observed"], w["alarm"]) for w in body["weeks"]] == [
            ("2026W46", 2, False), ("2026W47", 1, False), ("2026W48", 20, True),
        ]  # fmt: skip
        assert (body["method"], body["parameters"]) == (
            "ears-c2", {"baseline": 7, "why": "short_history"},
        )  # fmt: skip
        assert body["weeks"][2]["upperbound"] == pytest.approx(3.0804, abs=1e-4)
        assert len(client.get(f"/api/watch/signals/{signal}/curve").json()["weeks"]) == 52
        for weeks in (0, 261):
            refused = client.get(f"/api/watch/signals/{signal}/curve", params={"weeks": weeks})
            assert refused.status_code == 422
        missing = client.get(f"/api/watch/signals/{signal + 1000}/curve")
        assert (missing.status_code, missing.json()["code"]) == (404, "signal_not_found")
        # An id past the table's 32-bit integers is a 422 before PostgreSQL sees it.
        for route in ("", "/curve"):
            huge = client.get(f"/api/watch/signals/{2**31}{route}")
            assert huge.status_code == 422, huge.text
        geo = client.get("/api/watch/signals.geojson", params={"territory": OULED_AMAR})
        assert geo.headers["content-type"].startswith("application/geo+json")
        features = geo.json()["features"]
        assert sorted(f["properties"]["unit_code"] for f in features) == sorted(
            [OULED_AMAR, CSU_OULED_AMAR]
        )
        assert all(f["geometry"]["type"] == "Point" for f in features)
        assert {f["properties"]["status"] for f in features} == {"active"}
        client.headers.update(elsewhere.headers)
        assert client.get(f"/api/watch/signals/{signal}/curve").status_code == 403
        refused = client.get("/api/watch/signals.geojson", params={"territory": OULED_AMAR})
        assert refused.status_code == 403


def test_a_polygons_centroid_counts_its_hole() -> None:
    """A 4 × 2 rectangle from (0, 0) has its centroid at (2, 1); a 1 × 1 hole at its right
    end, (3, 0)–(4, 1), moves it left: (8 × 2 − 1 × 3.5) ÷ 7 = 1.7857…, and (8 × 1 − 1 ×
    0.5) ÷ 7 = 1.0714…; a MultiPolygon of two equal squares sits between them."""
    outer = [[0, 0], [4, 0], [4, 2], [0, 2], [0, 0]]
    hole = [[3, 0], [3, 1], [4, 1], [4, 0], [3, 0]]  # wound the other way
    assert _centroid({"type": "Polygon", "coordinates": [outer]}) == pytest.approx((2.0, 1.0))
    holed = _centroid({"type": "Polygon", "coordinates": [outer, hole]})
    assert holed == pytest.approx((12.5 / 7, 7.5 / 7))
    square = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    moved = [[x + 10, y] for x, y in square]
    two = _centroid({"type": "MultiPolygon", "coordinates": [[square], [moved]]})
    assert two == pytest.approx((5.5, 0.5))
    assert _centroid({"type": "Point", "coordinates": [1, 2]}) is None
