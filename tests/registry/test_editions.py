from __future__ import annotations

from collections import Counter

import openpyxl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qurb.kernel.names import fold_name
from qurb.registry._tables import FacilityEditionRow
from qurb.registry.edition_changes import edition_changes
from qurb.registry.editions import EditionChange, EditionEntry, Pairing, compute_edition_diff
from tests.environment import SOURCES


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


def test_moves_and_renamings_are_paired_by_hand() -> None:
    """Ids hold the commune and the folded name: a move or a new spelling is a new id."""
    earlier = [
        EditionEntry("x-c1-souk", "Souk", "DR", "01.001.01.01"),  # moves to c2
        EditionEntry(
            "x-c1-oulad-mhamed", "Oulad Mhamed", "DR", "01.001.01.01"
        ),  # upgraded, respelt
        EditionEntry("x-c3-hay-salam-1", "Hay Salam 1", "CSU-1", "01.001.01.03"),
        EditionEntry("x-c4-tnine", "Tnine", "CSR-1", "01.001.01.05"),  # renamed
        EditionEntry("x-c5-a", "A", "DR", "01.001.01.07"),  # two closures, one opening:
        EditionEntry("x-c5-b", "B", "DR", "01.001.01.07"),  # nothing to pair on
        EditionEntry("x-c6-souk", "Souk", "DR", "02.002.01.01"),  # another province
    ]
    later = [
        EditionEntry("x-c2-souk", "Souk", "CSR-1", "01.001.01.02"),
        EditionEntry("x-c1-ouled-mhamed", "Ouled Mhamed", "CSR-1", "01.001.01.01"),
        EditionEntry("x-c3-hay-salam-2", "Hay Salam 2", "CSU-1", "01.001.01.04"),
        EditionEntry("x-c4-ait-malek", "Ait Malek", "CSR-1", "01.001.01.05"),
        EditionEntry("x-c5-c", "C", "DR", "01.001.01.07"),
        EditionEntry("x-c6-souk", "Souk", "DR", "02.002.01.01"),
    ]
    diffs = {d.facility_id: d for d in compute_edition_diff(earlier, later)}
    souk = diffs["x-c2-souk"]
    assert souk.change is EditionChange.MOVED_RECATEGORISED
    assert (souk.facility_id_before, souk.commune_before) == ("x-c1-souk", "01.001.01.01")
    assert (souk.category_before, souk.category_after, souk.paired_by) == (
        "DR",
        "CSR-1",
        Pairing.SAME_NAME,
    )
    ali = diffs["x-c1-ouled-mhamed"]
    assert ali.change is EditionChange.RECATEGORISED and ali.paired_by is Pairing.SIMILAR_NAME
    assert ali.name_before == "Oulad Mhamed"
    # Names that differ by a number are two facilities (ratio 91, but 1 is not 2).
    assert diffs["x-c3-hay-salam-1"].change is EditionChange.CLOSED
    assert diffs["x-c3-hay-salam-2"].change is EditionChange.OPENED
    tnine = diffs["x-c4-ait-malek"]
    assert tnine.change is EditionChange.RENAMED and tnine.name_before == "Tnine"
    assert tnine.paired_by is Pairing.ONLY_CHANGE_IN_COMMUNE
    assert {diffs[f].change for f in ("x-c5-a", "x-c5-b")} == {EditionChange.CLOSED}
    assert diffs["x-c5-c"].change is EditionChange.OPENED
    assert "x-c6-souk" not in diffs  # unchanged
    assert "x-c1-souk" not in diffs and "x-c1-oulad-mhamed" not in diffs  # paired, not closed
    assert len(diffs) == 8


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


def test_the_eight_moves_and_recategorisations_of_2022_2024(national_session: Session) -> None:
    """ESSP listed in 2024 in another commune or under another name and category: one line
    each, not a closure and an opening."""
    diffs = edition_changes(national_session, 2022, 2024, "ESSP")
    paired = {
        (d.name_before, d.commune_before, d.category_before): (
            d.change,
            d.name,
            d.commune_code,
            d.category_after,
        )
        for d in diffs
        if d.facility_id_before
        and d.change is not EditionChange.RENAMED  # same commune, category: renamed only
    }
    moved, recategorised, both = (
        EditionChange.MOVED,
        EditionChange.RECATEGORISED,
        EditionChange.MOVED_RECATEGORISED,
    )
    assert paired == {
        # Mediouna → Al Majjatia Oulad Taleb, CSU-1 → CSR-1
        ("Al Hamd", "06.355.01.03", "CSU-1"): (both, "Al Hamd", "06.355.01.07", "CSR-1"),
        # Ech-Challalate → Ain Harrouda (Mohammedia)
        ("Diar Mansour", "06.371.01.07", "CSU-1"): (
            moved,
            "Diar Mansour",
            "06.371.01.03",
            "CSU-1",
        ),
        # Laqsir → Bitit (El Hajeb)
        ("Ait Brahim", "03.171.05.07", "DR"): (moved, "Ait Brahim", "03.171.05.05", "DR"),
        ("Oulad Mhamed", "04.281.05.03", "DR"): (
            recategorised,
            "Ouled Mhamed",
            "04.281.05.03",
            "CSR-1",
        ),
        ("Ikhourbane", "09.273.05.27", "DR"): (recategorised, "Ikhorbane", "09.273.05.27", "CSR-1"),
        ("Midar", "02.167.01.13", "CSU-2"): (recategorised, "Itahriouen", "02.167.01.13", "CSU-1"),
        ("Bejaad", "05.311.01.01", "CSU-1"): (
            recategorised,
            "Moulay Hassan Bejaad",
            "05.311.01.01",
            "CSU-2",
        ),
        ("Irhalne (Dchira Jihadia (Chalet))", "09.273.01.13", "CSU-2"): (
            recategorised,
            "Dcheira Irhalne",
            "09.273.01.13",
            "CSU-1",
        ),
    }
    closed_or_opened = {
        d.name for d in diffs if d.change in (EditionChange.CLOSED, EditionChange.OPENED)
    }
    assert not closed_or_opened & {"Al Hamd", "Diar Mansour", "Ait Brahim", "Midar"}
    # A move across a territory's border is listed in both communes, as a move.
    challalate = edition_changes(national_session, 2022, 2024, "ESSP", territory="06.371.01.07")
    assert (moved, "Diar Mansour") in [(d.change, d.name) for d in challalate]
    ain_harrouda = edition_changes(national_session, 2022, 2024, "ESSP", territory="06.371.01.03")
    assert (moved, "Diar Mansour") in [(d.change, d.name) for d in ain_harrouda]


def test_the_centres_named_after_dates_are_one_facility_across_editions(
    national_session: Session,
) -> None:
    """Ouezzane's 9 Juillet and Laayoune's 25 Mars (CSU-1 in both lists; the spreadsheet
    stored their names as dates of the year each file was saved) keep their id and category
    from 2022 to 2024: no line at all, neither a renaming nor a closure and an opening."""
    ids = {"essp-01.405.01.09-9-juillet", "essp-11.321.01.03-25-mars"}
    listed = set(
        national_session.scalars(
            select(FacilityEditionRow.facility_id).where(FacilityEditionRow.facility_id.in_(ids))
        )
    )
    assert listed == ids
    diffs = edition_changes(national_session, 2022, 2024, "ESSP")
    touching = [d for d in diffs if {d.facility_id, d.facility_id_before} & ids]
    assert touching == []
