"""Search a person would type, on the real national data: usual names from GeoNames
('Fez', 'Marrakesh', 'Tangier'), typos ('Taonate', 'Ouejda'), through the service, the API
and the command line."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from qurb.app.cli import app
from qurb.territory.service import TerritoryIndex, TerritoryNotFound

FES = "03.231"  # préfecture de Fès (the commune Fès is 03.231.01.0)
MARRAKECH = "07.351"  # préfecture de Marrakech
TANGER = "01.511.01.0"  # the commune of Tanger
TAOUNATE = "03.531"  # province de Taounate
OUJDA = "02.411.01.23"  # the commune of Oujda

runner = CliRunner()


@pytest.fixture(scope="module")
def index(national_engine) -> TerritoryIndex:
    with Session(national_engine) as session:
        return TerritoryIndex.from_session(session)


@pytest.mark.parametrize(
    ("typed", "code", "alias"),
    [("Fez", FES, "Fez"), ("marrakesh", MARRAKECH, "Marrakesh"), ("TANGIER", TANGER, "Tangier")],
)
def test_a_usual_name_resolves_like_the_units_own(
    index: TerritoryIndex, typed: str, code: str, alias: str
) -> None:
    found = index.resolve_match(typed)
    assert (found.territory.code, found.how, found.matched) == (code, "alias", alias)
    # Its code says nothing matched but the unit itself.
    own = index.resolve_match(code)
    assert (own.territory.code, own.how, own.matched) == (code, "name", None)


def test_fez_picks_what_fes_picks(index: TerritoryIndex) -> None:
    # The prefecture, the larger of the two units named Fès, for both spellings.
    assert index.resolve("Fez").code == index.resolve("Fès").code == FES


@pytest.mark.parametrize(
    ("typed", "code", "name"),
    [("Taonate", TAOUNATE, "Taounate"), ("Ouejda", OUJDA, "Oujda"), ("تاونت", TAOUNATE, "تاونات")],
)
def test_a_search_with_a_typo_finds_the_unit_and_says_which_name(
    index: TerritoryIndex, typed: str, code: str, name: str
) -> None:
    hits = index.find(typed)
    assert hits and hits[0].territory.code == code
    assert (hits[0].how, hits[0].matched) == ("close", name)
    assert index.search(typed)[0].code == code


def test_resolve_does_not_act_on_a_guess_but_names_it(index: TerritoryIndex) -> None:
    with pytest.raises(TerritoryNotFound, match=r"did you mean: Taounate \(03\.531\)"):
        index.resolve("Taonate")


def test_a_name_that_matches_nothing(index: TerritoryIndex) -> None:
    assert index.find("Qwxzbvk") == []
    with pytest.raises(TerritoryNotFound) as caught:
        index.resolve("Qwxzbvk")
    assert caught.value.code == "no_territory_named"


def test_an_alias_two_places_share_names_neither(index: TerritoryIndex) -> None:
    # GeoNames gives "Asila" to Asilah (34,011 inhabitants) and to Azilal (42,062): not ten
    # times apart, so the name is not kept for either; the error lists both.
    assert "asila" not in index.aliases
    with pytest.raises(TerritoryNotFound) as caught:
        index.resolve("Asila")
    assert "Assilah (01.511.01.01)" in str(caught.value)
    assert "Azilal (05.081)" in str(caught.value)


def test_a_search_by_usual_name_lists_the_units_with_the_alias(index: TerritoryIndex) -> None:
    hits = {h.territory.code: h for h in index.find("Marrakesh")}
    assert set(hits) == {MARRAKECH, "07.351.01.0"}
    assert {h.matched for h in hits.values()} == {"Marrakesh"}
    # A unit found by its own name says nothing matched but it.
    fezouane = next(h for h in index.find("Fez") if h.territory.name_fr == "Fezouane")
    assert (fezouane.how, fezouane.matched) == ("name", None)


def test_limits_hold_for_usual_names_and_typos(index: TerritoryIndex) -> None:
    with pytest.raises(TerritoryNotFound) as caught:
        index.find("Fez" * 40)
    assert caught.value.code == "name_too_long"
    # Punctuation alone folds to nothing: every unit, as before (the search was already so).
    assert len(index.find("-'.", limit=5)) == 5


def test_the_api_search_says_which_name_matched(read_client) -> None:
    cases = [
        ("Fez", FES, "alias", "Fez"),
        ("Marrakesh", MARRAKECH, "alias", "Marrakesh"),
        ("Tangier", TANGER, "alias", "Tangier"),
        ("Taonate", TAOUNATE, "close", "Taounate"),
        ("Ouejda", OUJDA, "close", "Oujda"),
        ("Fès", FES, "name", None),
    ]
    for query, code, how, matched in cases:
        items = read_client.get("/api/territories", params={"q": query}).json()["items"]
        assert items, query
        assert (items[0]["code"], items[0]["match"], items[0]["matched"]) == (code, how, matched)
    empty = read_client.get("/api/territories", params={"q": "Qwxzbvk"}).json()["items"]
    assert empty == []
    # A listing (no search) is as it was: no match members.
    listing = read_client.get("/api/territories").json()["items"]
    assert not {"match", "matched"} & set(listing[0])


def test_the_command_line_takes_usual_names_and_names_typos(scratch_db: str) -> None:
    by_alias = runner.invoke(app, ["needs", "-t", "Fez", "-f", "json", "--db", scratch_db])
    by_code = runner.invoke(app, ["needs", "-t", FES, "-f", "json", "--db", scratch_db])
    assert by_alias.exit_code == by_code.exit_code == 0
    assert json.loads(by_alias.output) == json.loads(by_code.output)
    typo = runner.invoke(app, ["needs", "-t", "Taonate", "--db", scratch_db])
    assert typo.exit_code == 2 and "did you mean: Taounate (03.531)" in typo.output
    found = runner.invoke(
        app, ["territories", "--search", "Ouejda", "-f", "json", "--db", scratch_db]
    )
    rows = json.loads(found.output)["rows"]
    assert found.exit_code == 0
    assert [(r["code"], r["matched"]) for r in rows] == [(OUJDA, "Oujda")]
