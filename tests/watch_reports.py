"""The periodic reports' shared test pieces on the small region of `tests/regions.py`:
its facilities' ids, catchments on the straight-line model at 60 km/h (each commune's
reference point to its nearest facility: Tizgui → the HP, 60,000; Ouled Amar → CSU Ouled
Amar, 24,000; Aït Lhou → CSR Aït Lhou, 12,000; Tafraout and Imi n'Ouzrou → DR Tafraout,
13,500; the two CSU of Tizgui are nobody's nearest), the actors who report and confirm,
and a clock fixed on 3 December 2026 at 09:00 UTC."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from qurb.algo.travel import StraightLineModel
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.platform.database import transaction
from qurb.watch.service import RawValue, ReportInput, catchments_on, submit_report

Factory = Callable[..., sessionmaker[Session]]
CATCHMENTS = catchments_on(StraightLineModel(speed_kph=60.0))
REPORTER = Actor.local("reporter")
PROVINCE = Actor.local("province")
DR = "ESSP-99.991.03.07-dr-tafraout"
CSR = "ESSP-99.991.03.05-csr-ait-lhou"
CSU_CENTRE = "ESSP-99.991.01.01-csu-centre"
CSU_HAY_SALAM = "ESSP-99.991.01.01-csu-hay-salam"
CSU_OULED_AMAR = "ESSP-99.991.01.03-csu-ouled-amar"


class Clock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment


@pytest.fixture
def moment(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fixed = Clock()
    monkeypatch.setattr(clock, "now", fixed.now)
    return fixed


TYPHOID_BASELINE = [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]  # weeks 2026W37..W47


def typhoid_spike(factory: sessionmaker[Session], facility: str, spike: int = 20) -> int:
    """The facility's typhoid reports, 1 or 2 cases weeks 2026W37–W47 and `spike` in W48
    (20: EARS C2 alarms at the facility and, alone in its commune, at its commune; see
    tests/watch/test_signals_small_region.py); the id of the W48 report."""
    last = 0
    for week, count in zip(range(37, 49), [*TYPHOID_BASELINE, spike], strict=True):
        values = [RawValue("typhoid", "m|15+", count, "values[0].value")]
        given = ReportInput("mdo", facility, f"2026W{week}", values)
        with transaction(factory) as s:  # type: ignore[var-annotated]
            last = submit_report(s, REPORTER, given, CATCHMENTS).id
    return last
