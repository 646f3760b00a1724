from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qurb.analytics.editions import EditionChange, EditionEntry, compute_edition_diff
from qurb.services.registry import edition_changes
from qurb.storage.models import FacilityEditionRow


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
