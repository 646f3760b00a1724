"""Reports from a CSV or XLSX file on the small region of `tests/regions.py`, on SQLite and
PostgreSQL: all or nothing, every bad cell named by its row (the header is line 1)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy.orm import Session, sessionmaker

from qurb.algo.travel import StraightLineModel
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.errors import InputError
from qurb.platform.database import transaction
from qurb.watch.imports import COLUMNS, import_reports, read_report_file
from qurb.watch.service import ReportFilter, catchments_on, list_reports

Factory = Callable[..., sessionmaker[Session]]
CATCHMENTS = catchments_on(StraightLineModel(speed_kph=60.0))
BY = Actor.local("reporter")
DR = "ESSP-99.991.03.07-dr-tafraout"
CSR = "ESSP-99.991.03.05-csr-ait-lhou"
HEADER = ",".join(COLUMNS)


@pytest.fixture
def db(small_region_db: Factory, monkeypatch: pytest.MonkeyPatch) -> sessionmaker[Session]:
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    return small_region_db()


def _import(db: sessionmaker[Session], path: Path) -> list[int]:
    given = read_report_file(path)
    with transaction(db) as s:
        return [r.id for r in import_reports(s, BY, given, path.name, CATCHMENTS)]


def test_a_file_makes_one_report_per_facility_and_period(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "novembre.csv"
    path.write_text(
        f"{HEADER}\n"
        f"chronic,{DR},2026-11,htn_registered,f,40\n"
        f"chronic,{DR},2026-11,htn_registered,m,35\n"
        f"chronic,{CSR},2026-11,htn_registered,f,0\n"
        f"mdo,{DR},2026W47,measles,f|1-4,2\n",
        encoding="utf-8",
    )
    assert len(_import(db, path)) == 3
    with transaction(db) as s:
        chronic = list_reports(s, ReportFilter("chronic", "2026-11"))
        mdo = list_reports(s, ReportFilter("mdo", "2026W47"))
    assert [(r.facility_id, [v.value for v in r.values], r.zero) for r in chronic] == [
        (CSR, [0], True),
        (DR, [40, 35], False),
    ]
    assert [(v.element, v.disaggregation, v.value) for v in mdo[0].values] == [
        ("measles", "f|1-4", 2)
    ]


def test_a_bad_file_names_every_bad_cell_and_writes_nothing(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "novembre.csv"
    path.write_text(
        f"{HEADER}\n"
        f"chronic,{DR},2026-11,htn_registered,f,-4\n"  # line 2
        f"chronic,{DR},2026-11,htn_registered,m,3.5\n"  # line 3
        f"chronic,{CSR},2026-11,htn_seen,f,beaucoup\n"  # line 4
        f"chronic,{CSR},2026-11,htn_seen,m,2\n"  # line 5: good
        f"chronic,nowhere,2026-11,htn_seen,f,1\n"  # line 6
        f"mdo,{CSR},2026-11,measles,f|1-4,1\n",  # line 7: a month for a weekly data set
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        _import(db, path)
    assert [(e.row, e.field, e.code) for e in caught.value.errors] == [
        (2, "value", "count_negative"),
        (3, "value", "count_fractional"),
        (4, "value", "count_not_number"),
        (6, "facility", "no_facility"),
        (7, "period", "period_not_of_type"),
    ]
    with transaction(db) as s:
        assert list_reports(s, ReportFilter(current_only=False)) == []


def test_an_xlsx_file_and_a_duplicate_in_the_database(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "novembre.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(COLUMNS))
    sheet.append(["chronic", DR, "2026-11", "dm_registered", "f", 12])
    sheet.append(["chronic", DR, "2026-11", "dm_registered", "m", 9])
    book.save(path)
    assert len(_import(db, path)) == 1
    # The same file again: the period is reported already; nothing more is written.
    with pytest.raises(InputError) as caught:
        _import(db, path)
    assert [(e.row, e.field, e.code) for e in caught.value.errors] == [
        (2, "period", "report_exists")
    ]
