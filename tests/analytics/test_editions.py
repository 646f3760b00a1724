from __future__ import annotations

from collections import Counter

import openpyxl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qurb.analytics.editions import EditionChange, EditionEntry, compute_edition_diff
from qurb.domain.names import fold_name
from qurb.services.registry import edition_changes
from qurb.storage.models import FacilityEditionRow

from ..conftest import SOURCES


def test_openings_closures_and_recategorisations_by_hand() -> None:
    earlier = [
        EditionEntry("a", "Douar A", "DR", "c1"),
        EditionEntry("b", "Centre B", "CSR-1", "c1"),
        EditionEntry("c", "Centre C", "CSR-1", "c2"),
    ]
    later = [
        EditionEntry("b", "Centre B", "CSR-2", "c1"),
        EditionEntry("c", "Centre C", "CSR-1", "c2"),
        EditionEntry("d", "Centre D", "CSU-1", "c2"),
    ]
    diffs = {d.facility_id: d for d in compute_edition_diff(earlier, later)}
    assert set(diffs) == {"a", "b", "d"}
    assert diffs["a"].change is EditionChange.CLOSED and diffs["a"].category_after is None
    assert diffs["b"].change is EditionChange.RECATEGORISED
    assert (diffs["b"].category_before, diffs["b"].category_after) == ("CSR-1", "CSR-2")
    assert diffs["d"].change is EditionChange.OPENED


def test_real_editions_balance(national_session: Session) -> None:
    """Openings minus closures is exactly the change in the lists' lengths."""
    diffs = edition_changes(national_session, 2022, 2024, "ESSP")
    opened = sum(d.change is EditionChange.OPENED for d in diffs)
    closed = sum(d.change is EditionChange.CLOSED for d in diffs)
    sizes = dict(
        national_session.execute(
            select(FacilityEditionRow.edition, func.count())
            .where(FacilityEditionRow.family == "ESSP")
            .group_by(FacilityEditionRow.edition)
        ).all()
    )
    assert sizes == {2022: 3174, 2024: 3224}
    assert opened - closed == 3224 - 3174
    fes = edition_changes(national_session, 2022, 2024, "ESSP", territory="Fès-Meknès")
    assert fes and all(d.commune_code.startswith("03.") for d in fes)


def _workbook_rows(name: str) -> list[tuple[str, str, str, str]]:
    """(délégation, commune, name, category) of an ESSP list, read straight from the file."""
    sheet = openpyxl.load_workbook(SOURCES / "moh" / name, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "Région") + 1
    return [
        (fold_name(str(r[1])), fold_name(str(r[2])), fold_name(str(r[3])), str(r[4]).strip())
        for r in rows[start:]
        if r[3]
    ]


def test_category_changes_seen_in_the_workbooks_are_reported(national_session: Session) -> None:
    """A health centre listed once in each edition, under the same délégation, commune and
    name, with another category, must come out as re-categorised."""
    centres = {"DR", "CSR-1", "CSR-2", "CSU-1", "CSU-2"}
    editions = []
    for name in (
        "etablissements-de-soins-de-sante-primaire-2022.xlsx",
        "etablissements-de-soins-de-sante-primaire-2024.xlsx",
    ):
        rows = _workbook_rows(name)
        keys = Counter(r[:3] for r in rows)
        editions.append({r[:3]: r[3] for r in rows if keys[r[:3]] == 1 and r[3] in centres})
    before, after = editions
    expected = {
        (k[2], before[k], after[k]) for k in before.keys() & after.keys() if before[k] != after[k]
    }
    assert len(expected) > 10
    diffs = edition_changes(national_session, 2022, 2024, "ESSP")
    reported = {
        (fold_name(d.name), d.category_before, d.category_after)
        for d in diffs
        if d.change is EditionChange.RECATEGORISED
    }
    assert expected <= reported
