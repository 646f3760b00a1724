"""Golden outputs of the HTTP API and of the command line, pinned before the code moves.

What is pinned
--------------
* API: the status code, content type and body of every `/api` route on a fixed set of
  requests (small territories: the provinces of Ifrane 03.271 and Boulemane 03.131, the
  commune of Oued Ifrane 03.271.03.05), reads first, then the writes in a fixed order on
  one private copy of the national database, then a handful of error answers.
  `/openapi.json` is not pinned (it will gain typed models), nor the HTML pages.
* CLI: the `--format csv` and `--format json` output (stdout) and exit code of every
  command of README.md, on its own private copy of the national database. Not run:
  `db init` and `data build` / `data check` (they rebuild or re-check the dataset),
  `serve` (it serves), `network build` (it builds a road network from a PBF; the network
  commands are covered by their own tests) and `access fit` (it writes a model file).
  Commands without a `--format` option (`facilities add/update/close`, `caravan record`)
  are pinned by their text output.

Golden files live in `tests/app/goldens/{api,cli}/`: `index.json` lists every request or
command in order with its status or exit code and content type, and names one file per
request or command holding its body (`.json`, `.csv`, or the text as-is: `.ics`, `.txt`).

Comparison ("added fields only"): the new output must contain the golden.
* JSON: every key of a golden object is present with an equal value (recursively); lists
  have equal length and equal items in order; numbers equal exactly.
* CSV: the comment lines (`#`) are identical; every golden column is present with identical
  cells in the same row order and the same number of rows (new columns are allowed).
* Text (iCalendar, plain text): identical.
The index entries (status, content type, exit code) are JSON and compared the same way.

Volatile values (generated ids, timestamps, durations, temporary paths) are replaced by
placeholders before recording and before comparing: see `NORMALISE_TEXT` and
`NORMALISE_PATHS` below; nothing else is normalised.

Recording: `QURB_RECORD_GOLDENS=1 pytest tests/app/test_goldens.py` rewrites the files;
without it the test compares and, on a mismatch, names the file and the path of the first
differing value.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import shutil
import traceback
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from qurb.app.cli import app as cli_app
from qurb.app.web import create_app
from qurb.platform.database import make_engine, make_sessionmaker
from qurb.platform.settings import Settings
from tests.accounts import add_account, as_someone

with warnings.catch_warnings():  # Starlette prefers httpx2; httpx is what is installed
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

GOLDENS = Path(__file__).resolve().parent / "goldens"
RECORD = os.environ.get("QURB_RECORD_GOLDENS", "") not in ("", "0")

IFRANE = "03.271"  # province, 160,904 inhabitants
BOULEMANE = "03.131"  # province, 205,411 inhabitants
OUED_IFRANE = "03.271.03.05"  # rural commune of Ifrane
AZROU_CSU = "essp-03.271.01.01-ahadaf"  # an ESSP of Azrou (Ifrane)
MISSOUR_HOSPITAL = "hosp-03.131.01.03-marche-verte"  # Hôpital provincial de Missour
# Caravans are dated far ahead (a campaign in the past is refused) and away from Ramadan
# (Morocco's clock changes then, which would move the UTC times of the calendar).
CARAVAN_START, CARAVAN_END = "2035-06-04", "2035-06-08"  # Monday to Friday
AFTER_CARAVAN = "2035-07-02"  # `--today` for recording the visits

# ------------------------------------------------------------------ normalisation
# Regexes applied to every body (JSON, CSV or text) before recording and comparing.
NORMALISE_TEXT: list[tuple[re.Pattern[str], str]] = [
    # Saved caravan campaigns: `cv-<slug of the name>-<random hex>`.
    (re.compile(r"\b(cv-[a-z0-9-]+?)-[0-9a-f]{6,}\b"), r"\1-<id>"),
    # Facilities added to the registry: `user-<province>-<slug of the name>-<random hex>`.
    (re.compile(r"\b(user-[0-9.]+-[a-z0-9-]+?)-[0-9a-f]{8}\b"), r"\1-<id>"),
    # Timestamps of writes (registry history, saved campaigns and scenarios, records),
    # ISO 8601 with a time of day, with or without offset or fraction.
    (
        re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?"),
        "<timestamp>",
    ),
    # iCalendar stamp of when the file was made.
    (re.compile(r"^DTSTAMP:\d{8}T\d{6}Z?\r?$", re.M), "DTSTAMP:<timestamp>"),
]
# Saved siting scenarios have a random id with no prefix (12 hex digits): each one is
# taken from the response that creates it and replaced by `<scenario-N>` everywhere
# (`Book.register`).
# JSON paths whose values are volatile, as key suffixes matched at any depth (a saved plan
# or scenario repeats its solver report under `plan.solver`): how long the solvers ran and,
# for the caravan solver (PyVRP, stopped by a time limit), how many iterations that allowed.
NORMALISE_PATHS: dict[tuple[str, ...], str] = {
    ("solver", "runtime_s"): "<duration>",  # caravan plans (PyVRP)
    ("solver", "iterations"): "<iterations>",  # caravan plans (PyVRP)
    ("solver", "seconds"): "<duration>",  # siting scenarios (HiGHS or greedy + swap)
}


def normalise_text(text: str, tmp: Path | None = None) -> str:
    if tmp is not None:  # absolute temporary paths (files given to the CLI)
        text = text.replace(str(tmp), "<tmp>")
    for pattern, replacement in NORMALISE_TEXT:
        text = pattern.sub(replacement, text)
    return text


def normalise_json(value: Any, path: tuple[str, ...] = ()) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            here = (*path, key)
            suffix = next((p for p in NORMALISE_PATHS if here[-len(p) :] == p), None)
            out[key] = NORMALISE_PATHS[suffix] if suffix else normalise_json(item, here)
        return out
    if isinstance(value, list):
        return [normalise_json(v, path) for v in value]
    return value


# ------------------------------------------------------------------ comparison


def first_json_difference(golden: Any, new: Any, path: str = "$") -> str | None:
    """The path of the first value of `golden` that `new` does not contain, or None."""
    if isinstance(golden, dict):
        if not isinstance(new, dict):
            return f"{path}: golden is an object, new is {type(new).__name__}"
        for key, value in golden.items():
            if key not in new:
                return f"{path}.{key}: missing"
            found = first_json_difference(value, new[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(golden, list):
        if not isinstance(new, list):
            return f"{path}: golden is a list, new is {type(new).__name__}"
        if len(golden) != len(new):
            return f"{path}: {len(golden)} items in the golden, {len(new)} now"
        for i, (g, n) in enumerate(zip(golden, new, strict=True)):
            found = first_json_difference(g, n, f"{path}[{i}]")
            if found:
                return found
        return None
    # Exact equality, and the same JSON type (1 and 1.0 and True differ); a float with its
    # last digits apart only (a model fitted by another build of the linear algebra).
    if type(golden) is not type(new) or not (golden == new or _close_floats(golden, new)):
        return f"{path}: golden {golden!r}, now {new!r}"
    return None


# Relative difference two floats may have and still be the golden's: what the last two or
# three of a double's 16 significant digits are worth, never a rounded figure's change.
FLOAT_REL_TOL = 1e-12


def _close_floats(golden: object, new: object) -> bool:
    if isinstance(golden, str) and isinstance(new, str):  # a CSV cell
        if not any(c in golden for c in ".eE") or not any(c in new for c in ".eE"):
            return False
        try:
            golden, new = float(golden), float(new)
        except ValueError:
            return False
    if not isinstance(golden, float) or not isinstance(new, float):
        return False
    return math.isclose(golden, new, rel_tol=FLOAT_REL_TOL, abs_tol=0.0)


def _split_csv(text: str) -> tuple[list[str], list[dict[str, str]], list[str]]:
    lines = text.splitlines()
    comments = [line for line in lines if line.startswith("#")]
    reader = csv.DictReader(line for line in lines if not line.startswith("#"))
    rows = list(reader)
    return comments, rows, list(reader.fieldnames or [])


def first_csv_difference(golden: str, new: str) -> str | None:
    g_comments, g_rows, g_columns = _split_csv(golden)
    n_comments, n_rows, n_columns = _split_csv(new)
    if g_comments != n_comments:
        for i, (g, n) in enumerate(zip(g_comments, n_comments, strict=False)):
            if g != n:
                return f"comment line {i + 1}: golden {g!r}, now {n!r}"
        return f"comment lines: {len(g_comments)} in the golden, {len(n_comments)} now"
    missing = [c for c in g_columns if c not in n_columns]
    if missing:
        return f"columns missing: {missing}"
    if len(g_rows) != len(n_rows):
        return f"{len(g_rows)} rows in the golden, {len(n_rows)} now"
    for i, (g_row, n_row) in enumerate(zip(g_rows, n_rows, strict=True)):
        for column in g_columns:
            if g_row[column] != n_row[column] and not _close_floats(g_row[column], n_row[column]):
                return (
                    f"row {i + 1}, column {column}: golden {g_row[column]!r}, now {n_row[column]!r}"
                )
    return None


def first_text_difference(golden: str, new: str) -> str | None:
    g_lines, n_lines = golden.splitlines(), new.splitlines()
    for i, (g, n) in enumerate(zip(g_lines, n_lines, strict=False)):
        if g != n:
            return f"line {i + 1}: golden {g!r}, now {n!r}"
    if len(g_lines) != len(n_lines):
        return f"{len(g_lines)} lines in the golden, {len(n_lines)} now"
    return None


# ------------------------------------------------------------------ the golden book


@dataclass
class Book:
    """The outputs of one suite (api or cli), recorded or compared in order."""

    folder: Path
    entries: list[dict[str, Any]] = field(default_factory=list)
    bodies: dict[str, str] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)
    ids: dict[str, str] = field(default_factory=dict)

    def register(self, generated: str, kind: str) -> None:
        """A generated id, replaced by a numbered placeholder in every later body."""
        count = sum(1 for v in self.ids.values() if v.startswith(f"<{kind}-"))
        self.ids.setdefault(generated, f"<{kind}-{count + 1}>")

    def normalise(self, text: str) -> str:
        for generated, placeholder in self.ids.items():
            text = text.replace(generated, placeholder)
        return text

    def add(self, name: str, entry: dict[str, Any], kind: str, body: str) -> None:
        assert name not in self.names, f"two goldens named {name}"
        self.names.add(name)
        filename = f"{len(self.entries) + 1:03d}-{name}.{kind}"
        body = self.normalise(body)
        entry = json.loads(normalise_text(self.normalise(json.dumps(entry, ensure_ascii=False))))
        if kind == "json":
            body = json.dumps(normalise_json(json.loads(body)), ensure_ascii=False, indent=1)
        self.entries.append({"name": name, **entry, "file": filename})
        self.bodies[filename] = body

    def finish(self) -> None:
        index = {"entries": self.entries}
        if RECORD:
            if self.folder.exists():
                shutil.rmtree(self.folder)
            self.folder.mkdir(parents=True)
            for filename, body in self.bodies.items():
                (self.folder / filename).write_text(
                    body if body.endswith("\n") else body + "\n", encoding="utf-8", newline=""
                )
            (self.folder / "index.json").write_text(
                json.dumps(index, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
            )
            return
        golden_index = json.loads((self.folder / "index.json").read_text(encoding="utf-8"))
        problems: list[str] = []
        found = first_json_difference(golden_index, index)
        if found:
            problems.append(f"{self.folder / 'index.json'}: {found}")
        for entry in golden_index["entries"]:
            filename = entry["file"]
            path = self.folder / filename
            golden = path.read_text(encoding="utf-8")
            new = self.bodies.get(filename)
            if new is None:
                problems.append(f"{path}: not produced")
                continue
            if filename.endswith(".json"):
                found = first_json_difference(json.loads(golden), json.loads(new))
            elif filename.endswith(".csv"):
                found = first_csv_difference(golden, new)
            else:
                found = first_text_difference(golden, new)
            if found:
                problems.append(f"{path}: {found}")
        assert not problems, "outputs differ from the goldens:\n" + "\n".join(problems)


# ------------------------------------------------------------------ API


def caravan_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Caravane golden Boulemane",
        "territory": BOULEMANE,
        "start": CARAVAN_START,
        "end": CARAVAN_END,
        "specialties": ["general_medicine", "paediatrics"],
        "hours": {"start": "08:30:00", "end": "17:00:00"},
        "partners": [{"name": "Délégation provinciale de la santé de Boulemane"}],
        "bases": [{"name": "Hôpital provincial de Missour", "facility": MISSOUR_HOSPITAL}],
        "teams": [{"name": "Équipe A", "staff": {"general_medicine": 2, "paediatrics": 1}}],
        "units": [
            {
                "name": "Unité mobile 1",
                "base": "Hôpital provincial de Missour",
                "team": "Équipe A",
                "capacity": {"general_medicine": 120, "paediatrics": 50},
            }
        ],
        "settings": {"time_limit_s": 1},
    }
    body.update(changes)
    return body


class Api:
    def __init__(self, client: TestClient, book: Book) -> None:
        self.client, self.book = client, book

    def call(
        self,
        name: str,
        method: str,
        url: str,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        register: str | None = None,
        anonymous: bool = False,
        version: int | None = None,
    ) -> Any:
        # The client acts as `tester`; an empty Authorization header asks as nobody. A
        # write to a facility names the version it changes (If-Match).
        headers = {"Authorization": ""} if anonymous else {}
        if version is not None:
            headers["If-Match"] = f'"{version}"'
        response = self.client.request(method, url, params=params, json=json_body, headers=headers)
        if register:
            self.book.register(response.json()["id"], register)
        content_type = response.headers.get("content-type", "")
        entry: dict[str, Any] = {"method": method, "url": url}
        if params is not None:
            entry["params"] = params
        if json_body is not None:
            entry["json"] = json_body
        if version is not None:
            entry["if_match"] = headers["If-Match"]
        entry["status"] = response.status_code
        entry["content_type"] = content_type
        text = normalise_text(response.text)
        if "json" in content_type:
            kind = "json"
        elif "csv" in content_type:
            kind = "csv"
        elif "calendar" in content_type:
            kind = "ics"
        else:
            kind = "txt"
        self.book.add(name, entry, kind, text)
        return response.json() if kind == "json" else response.text

    def get(self, name: str, url: str, **params: Any) -> Any:
        return self.call(name, "GET", url, params=params or None)


@pytest.fixture
def api_client(scratch_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """An app on a private copy of the national database, asked by `tester`, an
    administrator (its token also acts for the command line's writes in between)."""
    url = scratch_db
    app = create_app(Settings(database_url=url))
    tester = add_account(app.state.qurb.factory, "tester")
    monkeypatch.setenv("QURB_TOKEN", tester.token)
    with TestClient(app, raise_server_exceptions=False) as client:
        client.database_url = url
        yield as_someone(client, tester)


def test_api_goldens(api_client: TestClient, tmp_path: Path) -> None:
    api = Api(api_client, Book(GOLDENS / "api"))
    t = "/api/territories"
    # Territories.
    api.get("territories-regions", t)
    api.get("territories-search-ifrane", t, q="Ifrane")
    api.get("territories-within-ifrane", t, parent=IFRANE)
    api.get("territory-children-ifrane", f"{t}/{IFRANE}/children")
    api.get("territory-ifrane", f"{t}/{IFRANE}")
    api.get("territory-oued-ifrane", f"{t}/{OUED_IFRANE}")
    api.get("territory-needs-ifrane", f"{t}/{IFRANE}/needs")
    api.get("territory-needs-fes-meknes-by-province", f"{t}/03/needs", by="province")
    api.get("territory-gaps-ifrane", f"{t}/{IFRANE}/gaps")
    api.get("territory-gaps-ifrane-all", f"{t}/{IFRANE}/gaps", only_gaps="false")
    api.get("territory-gaps-boulemane-emonc", f"{t}/{BOULEMANE}/gaps", norms="who-emonc-2009")
    # Facilities.
    f = "/api/facilities"
    api.get("facilities-ifrane", f, territory=IFRANE, limit=500)
    api.get("facilities-ifrane-secondary", f, territory=IFRANE, level="secondary")
    api.get("facilities-ifrane-private", f, territory=IFRANE, sector="private", limit=500)
    api.get("facilities-geojson-ifrane", f"{f}.geojson", territory=IFRANE)
    api.get("facility-azrou-csu", f"{f}/{AZROU_CSU}")
    api.get("facility-missour-hospital", f"{f}/{MISSOUR_HOSPITAL}")
    api.get("facility-azrou-csu-history", f"{f}/{AZROU_CSU}/history")
    api.get("facility-missour-hospital-referrals", f"{f}/{MISSOUR_HOSPITAL}/referrals")
    # Map layers and indicators.
    api.get("layer-provinces-of-fes-meknes", "/api/layers/provinces", parent="03")
    api.get("layer-communes-of-ifrane", "/api/layers/communes", parent=IFRANE)
    indicators = api.get("indicators", "/api/indicators")
    for indicator in indicators:
        api.get(
            f"indicator-{indicator['id']}-ifrane-communes",
            f"/api/indicators/{indicator['id']}",
            level="commune",
            parent=IFRANE,
        )
    # Access and siting (reads).
    api.get("access-ifrane", f"/api/access/{IFRANE}")
    api.get(
        "access-ifrane-secondary",
        f"/api/access/{IFRANE}",
        level="secondary",
        thresholds=[30, 60, 120],
    )
    api.get("access-ifrane-delivery", f"/api/access/{IFRANE}", service="delivery")
    api.get("access-ifrane-referral", f"/api/access/{IFRANE}/referral")
    api.get("access-ifrane-distance", f"/api/access/{IFRANE}/distance")
    what_if = {
        "territory": BOULEMANE,
        "level": "secondary",
        "within_minutes": 60,
        "sites": [{"lon": -3.59, "lat": 33.39, "label": "HPr Tissaf"}],
    }
    api.call("access-what-if-boulemane", "POST", "/api/access/what-if", json_body=what_if)
    # Reference tables.
    for route in ("definitions", "services", "norms", "categories", "config"):
        api.get(route, f"/api/{route}")

    # Writes, in this order, on this database.
    created = api.call(
        "facility-create",
        "POST",
        f,
        json_body={
            "name": "Douar Golden",
            "category": "DR",
            "commune": OUED_IFRANE,
            "reason": "new",
        },
    )
    fid = created["id"]
    api.call(
        "facility-update-name-ar",
        "PATCH",
        f"{f}/{fid}",
        json_body={"name_ar": "دوار", "reason": "counted"},
        version=1,  # as created; each change makes the next
    )
    api.call(
        "facility-recategorise", "PATCH", f"{f}/{fid}", json_body={"category": "CSR-1"}, version=2
    )
    api.call(
        "facility-services",
        "PATCH",
        f"{f}/{fid}",
        json_body={"add_services": ["delivery"], "reason": "midwife posted"},
        version=3,
    )
    api.call(
        "facility-close", "POST", f"{f}/{fid}/close", json_body={"reason": "merged"}, version=4
    )
    api.get("facility-created-history", f"{f}/{fid}/history")
    api.get("facility-created", f"{f}/{fid}")
    siting = {"territory": BOULEMANE, "level": "secondary", "add": 1, "within_minutes": 60}
    scenario = api.call(
        "siting-boulemane", "POST", "/api/siting", json_body=siting, register="scenario"
    )
    api.get("scenarios", "/api/scenarios")
    api.get("scenario", f"/api/scenarios/{scenario['id']}")
    # Caravans: plan (saved in local mode), its outputs, records, report.
    c = "/api/caravans"
    plan = api.call("caravan-plan", "POST", c, params={"seed": 1}, json_body=caravan_body())
    cid = plan["id"]
    api.get("caravans", c)
    api.get("caravan", f"{c}/{cid}")
    api.get("caravan-routes-geojson", f"{c}/{cid}/routes.geojson")
    api.get("caravan-calendar-ics", f"{c}/{cid}/calendar.ics")
    api.get("caravan-plan-csv", f"{c}/{cid}/plan.csv")
    api.get("caravan-report-before-records", f"{c}/{cid}/report")
    record = {"stop": 1, "kind": "consultation", "item": "paediatrics", "sex": "F"}
    record |= {"age_band": "0-4", "count": 6}
    api.call(
        "caravan-records-future-refused",
        "POST",
        f"{c}/{cid}/records",
        json_body={"rows": [record]},
    )
    # The visits are in the future: they are recorded by the CLI, which takes `--today`.
    rows = tmp_path / "records.csv"
    rows.write_text(
        "stop,kind,item,sex,age_band,count,facility,service\n"
        "1,consultation,paediatrics,F,0-4,6,,\n"
        f"1,referral,paediatrics,F,0-4,1,{MISSOUR_HOSPITAL},general_medicine\n",
        encoding="utf-8",
    )
    db = api_client.database_url
    result = CliRunner().invoke(
        cli_app, ["caravan", "record", cid, str(rows), "--today", AFTER_CARAVAN, "--db", db]
    )
    assert result.exit_code == 0, result.output
    api.get("caravan-report-after-records", f"{c}/{cid}/report")
    api.get("facility-missour-hospital-referrals-after", f"{f}/{MISSOUR_HOSPITAL}/referrals")

    # Error answers.
    api.get("error-unknown-territory", f"{t}/99.999")
    api.get("error-unknown-territory-access", "/api/access/99.999")
    api.get("error-unknown-facility", f"{f}/essp-nope")
    api.get("error-unknown-layer", "/api/layers/douars")
    api.get("error-unknown-scenario", "/api/scenarios/nope")
    api.get("error-unknown-caravan", f"{c}/cv-nope-000000")
    api.call(
        "error-facility-create-invalid",
        "POST",
        f,
        json_body={"name": "", "category": "ZZ", "commune": "Atlantis", "beds": -1},
    )
    api.call(
        "error-facility-close-again",
        "POST",
        f"{f}/{fid}/close",
        json_body={"reason": "merged"},
        version=5,
    )
    api.call(
        "error-caravan-invalid",
        "POST",
        c,
        json_body=caravan_body(end="2035-06-01", specialties=["surgery"]),  # no past dates:
        # their message names today's date
    )
    api.call(
        "error-siting-invalid",
        "POST",
        "/api/siting",
        json_body={"territory": BOULEMANE, "level": "secondary", "add": 90},
    )
    api.call(
        "error-what-if-outside-morocco",
        "POST",
        "/api/access/what-if",
        json_body={**what_if, "sites": [{"lon": 2.35, "lat": 48.85}]},
    )
    api.get("error-unknown-indicator", "/api/indicators/population")
    api.get("error-indicator-level", "/api/indicators/population_2024", level="country")
    # A closed facility is read-only until it is reopened (pinned after the rest).
    api.call(
        "error-facility-update-closed", "PATCH", f"{f}/{fid}", json_body={"name_ar": "5"}, version=5
    )
    api.call(
        "facility-reopen",
        "POST",
        f"{f}/{fid}/reopen",
        json_body={"reason": "staff back"},
        version=5,
    )
    api.call(
        "error-facility-reopen-open",
        "POST",
        f"{f}/{fid}/reopen",
        json_body={"reason": "x"},
        version=6,
    )
    # A change naming a version the facility has moved past, and one naming none.
    api.call(
        "error-facility-stale-version", "PATCH", f"{f}/{fid}", json_body={"name_ar": "6"}, version=1
    )
    api.call("error-facility-no-if-match", "PATCH", f"{f}/{fid}", json_body={"name_ar": "6"})
    # Signing in: who asks (nobody), a refused sign-in, bad input, a read needing an account.
    api.call("auth-me-anonymous", "GET", "/api/auth/me", anonymous=True)
    api.call(
        "error-sign-in-refused",
        "POST",
        "/api/auth/sign-in",
        json_body={"username": "nobody", "password": "not the password"},
    )
    api.call("error-sign-in-no-password", "POST", "/api/auth/sign-in", json_body={"username": "x"})
    api.call("error-auth-tokens-anonymous", "GET", "/api/auth/tokens", anonymous=True)
    api.call("error-history-anonymous", "GET", f"{f}/{AZROU_CSU}/history", anonymous=True)
    api.book.finish()


# ------------------------------------------------------------------ CLI

CAMPAIGN_TOML = f"""name = "Caravane golden Boulemane"
territory = "Boulemane"
start = {CARAVAN_START}
end = {CARAVAN_END}
rest_days = ["saturday", "sunday"]
specialties = ["general_medicine", "paediatrics"]

[hours]
start = 08:30:00
end = 17:00:00

[[partners]]
name = "Délégation provinciale de la santé de Boulemane"

[[bases]]
name = "Missour"
facility = "{MISSOUR_HOSPITAL}"

[[teams]]
name = "A"
staff = {{ general_medicine = 2, paediatrics = 1 }}

[[units]]
name = "Unité mobile 1"
base = "Missour"
team = "A"
capacity = {{ general_medicine = 120, paediatrics = 50 }}
"""


# Commands that read no database (they take no `--db`).
NO_DB = {"norms", "definitions", "services", "categories", ("data", "report"), ("watch", "detect")}
AGONA = Path(__file__).resolve().parents[1] / "data" / "surveillance" / "salmonella.agona.csv"


class Cli:
    def __init__(self, db: str, tmp: Path, book: Book, token: str) -> None:
        self.db, self.tmp, self.book = db, tmp, book
        # A fixed width: Rich wraps messages at the terminal's width.
        env = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb", "QURB_TOKEN": token}
        self.runner = CliRunner(env=env)

    def run(self, name: str, *args: str, kind: str = "txt", register: str | None = None) -> str:
        no_db = args[0] in NO_DB or tuple(args[:2]) in NO_DB
        result = self.runner.invoke(cli_app, [*args] if no_db else [*args, "--db", self.db])
        shown = [a.replace(str(self.tmp), "<tmp>") for a in args]
        stdout = normalise_text(result.stdout, self.tmp)
        entry = {"args": shown, "exit_code": result.exit_code}
        if result.exit_code != 0 and not name.startswith("error-"):
            # An exception the command did not turn into words exits 1 silently: show it.
            trace = "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else ""
            raise AssertionError(f"{args}: exit {result.exit_code}\n{result.output}\n{trace}")
        if register:
            self.book.register(json.loads(result.stdout)["id"], register)
        if kind == "txt" or result.exit_code != 0:
            self.book.add(name, entry, "txt", stdout + normalise_text(result.stderr, self.tmp))
        else:
            self.book.add(name, entry, kind, stdout)
        return result.stdout

    def both(self, name: str, *args: str, register: str | None = None) -> Any:
        """The command as JSON and as CSV; the JSON parsed. A command that saves what it
        makes (`register`: its kind of id) saves it from the JSON run only."""
        out = self.run(f"{name}-json", *args, "--format", "json", kind="json", register=register)
        no_save = ("--no-save",) if register else ()
        self.run(f"{name}-csv", *args, *no_save, "--format", "csv", kind="csv")
        return json.loads(out)

    def ok(self, name: str, *args: str, kind: str = "txt") -> str:
        """`run`, for a command that must succeed."""
        before = len(self.book.entries)
        out = self.run(name, *args, kind=kind)
        entry = self.book.entries[before]
        assert entry["exit_code"] == 0, (args, self.book.bodies[entry["file"]])
        return out


def test_cli_goldens(scratch_db: str, tmp_path: Path) -> None:
    db = scratch_db
    engine = make_engine(db)
    amina = add_account(make_sessionmaker(engine), "amina")  # the writes act with her token
    engine.dispose()
    cli = Cli(db, tmp_path, Book(GOLDENS / "cli"), token=amina.token)
    # Territories, needs, gaps.
    cli.both("territories", "territories")
    cli.both("territories-within-ifrane", "territories", "--within", "Ifrane")
    cli.both("territory-oued-ifrane", "territory", OUED_IFRANE)
    cli.both("territory-ifrane-arabic", "territory", "إفران")
    cli.both("needs-ifrane", "needs", "--territory", "Ifrane")
    cli.both("needs-by-region", "needs", "--by", "region")
    cli.both("gaps-ifrane", "gaps", "-t", "Ifrane")
    cli.both("gaps-ifrane-all", "gaps", "-t", "Ifrane", "--all")
    cli.both(
        "gaps-boulemane-emonc-by-province",
        "gaps",
        "-t",
        "Boulemane",
        "--norms",
        "who-emonc-2009",
        "--by",
        "province",
    )
    # Facilities.
    cli.both("facilities-ifrane", "facilities", "--territory", "Ifrane")
    cli.both(
        "facilities-ifrane-primary", "facilities", "--territory", "Ifrane", "--level", "primary"
    )
    cli.both(
        "facilities-ifrane-private", "facilities", "--territory", IFRANE, "--sector", "private"
    )
    cli.run(
        "facilities-ifrane-private-geojson",
        "facilities",
        "--territory",
        IFRANE,
        "--sector",
        "private",
        "--format",
        "geojson",
        kind="json",
    )
    cli.both("facilities-history-azrou-csu", "facilities", "history", AZROU_CSU)
    cli.both(
        "facilities-changes-2022-2024", "facilities", "changes", "--from", "2022", "--to", "2024"
    )
    # Reference tables.
    cli.both("norms", "norms")
    cli.both("definitions", "definitions")
    cli.both("definitions-ar-estimates", "definitions", "--lang", "ar", "--kind", "estimate")
    cli.both("services", "services")
    cli.both("categories", "categories")
    cli.both("data-report", "data", "report")
    # Access.
    cli.both("access-summary", "access", "summary")
    cli.both(
        "access-nearest-ifrane-secondary",
        "access",
        "nearest",
        "-t",
        "Ifrane",
        "--level",
        "secondary",
    )
    cli.both(
        "access-nearest-boulemane-delivery",
        "access",
        "nearest",
        "-t",
        "Boulemane",
        "--service",
        "delivery",
        "--thresholds",
        "30,60",
    )
    cli.both("access-referral-ifrane", "access", "referral", "-t", "Ifrane", "--threshold", "90")
    cli.both(
        "access-catchments-ifrane-hp", "access", "catchments", "-t", "Ifrane", "--category", "HP"
    )
    cli.both(
        "access-2sfca-boulemane",
        "access",
        "2sfca",
        "-t",
        "Boulemane",
        "--level",
        "primary",
        "--catchment",
        "60",
        "--decay",
        "gaussian",
    )
    cli.both("access-distance-ifrane", "access", "distance", "-t", "Ifrane")
    cli.both("access-model", "access", "model")
    points = tmp_path / "douars.csv"
    points.write_text(
        "lon,lat,population,label\n-5.17,33.53,1200,Douar A\n-5.05,33.25,800,Douar B\n",
        encoding="utf-8",
    )
    cli.both("access-nearest-points", "access", "nearest", "--points", str(points))
    # Whole tables (the facilities, national, as CSV only: its JSON is large).
    cli.both("export-territories", "export", "territories")
    cli.both("export-communes", "export", "communes")
    cli.run(
        "export-facilities-public-csv",
        "export",
        "facilities",
        "--sector",
        "public",
        "--format",
        "csv",
        kind="csv",
    )
    # Registry writes, in this order.
    created = cli.run(
        "facilities-add",
        "facilities",
        "add",
        "--name",
        "Douar Golden",
        "--category",
        "DR",
        "--commune",
        OUED_IFRANE,
    )
    fid = re.search(r"\b(user-[^\s:,]+)", created)
    assert fid, created
    cli.run(
        "facilities-update",
        "facilities",
        "update",
        fid.group(1),
        "--category",
        "CSR-1",
        "--name",
        "Douar Golden 4",
        "--add-service",
        "delivery",
        "--reason",
        "upgraded",
    )
    cli.run("facilities-close", "facilities", "close", fid.group(1), "--reason", "merged")
    cli.both("facilities-history-added", "facilities", "history", fid.group(1))
    # Siting and scenarios.
    scenario = cli.both(
        "site-boulemane",
        "site",
        "-t",
        "Boulemane",
        "--level",
        "secondary",
        "--add",
        "1",
        "--within",
        "60",
        register="scenario",
    )
    cli.both(
        "site-ifrane-p-median",
        "site",
        "-t",
        "Ifrane",
        "--level",
        "secondary",
        "--add",
        "1",
        "--objective",
        "time",
        register="scenario",
    )
    sites = tmp_path / "sites.csv"
    sites.write_text(
        "lon,lat,label,cost_mad\n"
        "-4.13,33.08,Site Tissaf,4000000\n"
        "-4.75,33.37,Site Boulemane,3500000\n",
        encoding="utf-8",
    )
    cli.both(
        "site-boulemane-candidates",
        "site",
        "-t",
        "Boulemane",
        "--level",
        "secondary",
        "--add",
        "1",
        "--candidates",
        str(sites),
        register="scenario",
    )
    cli.both("scenarios-list", "scenarios", "list")
    sid = scenario["id"]
    cli.both("scenarios-show", "scenarios", "show", sid)
    sid2 = json.loads(
        cli.run("scenarios-list-again", "scenarios", "list", "--format", "json", kind="json")
    )
    ids = [s["id"] for s in sid2["rows"]]
    cli.both("scenarios-compare", "scenarios", "compare", *ids[:2])
    # Caravans.
    toml = tmp_path / "campaign.toml"
    toml.write_text(CAMPAIGN_TOML, encoding="utf-8")
    today = ("--today", CARAVAN_START)
    cli.both("caravan-priority", "caravan", "priority", str(toml))
    plan = cli.run(
        "caravan-plan",
        "caravan",
        "plan",
        str(toml),
        "--format",
        "json",
        "--time-limit",
        "1",
        "--seed",
        "1",
        "--ics",
        str(tmp_path / "plan.ics"),
        "--geojson",
        str(tmp_path / "routes.geojson"),
        *today,
        kind="json",
    )
    cid = json.loads(plan)["id"]
    cli.book.add(
        "caravan-plan-ics",
        {"file_of": "caravan-plan"},
        "ics",
        normalise_text((tmp_path / "plan.ics").read_text(encoding="utf-8"), tmp_path),
    )
    cli.book.add(
        "caravan-plan-routes-geojson",
        {"file_of": "caravan-plan"},
        "json",
        normalise_text((tmp_path / "routes.geojson").read_text(encoding="utf-8"), tmp_path),
    )
    cli.both("caravan-list", "caravan", "list")
    cli.both("caravan-show", "caravan", "show", cid)
    records = tmp_path / "records.csv"
    records.write_text(
        "stop,kind,item,sex,age_band,count,facility,service\n"
        "1,consultation,paediatrics,F,0-4,6,,\n"
        f"1,referral,paediatrics,F,0-4,1,{MISSOUR_HOSPITAL},general_medicine\n",
        encoding="utf-8",
    )
    cli.run("caravan-record", "caravan", "record", cid, str(records), "--today", AFTER_CARAVAN)
    cli.both("caravan-report", "caravan", "report", cid)
    cli.both("caravan-referrals-missour", "caravan", "referrals", "--facility", MISSOUR_HOSPITAL)
    # Errors.
    cli.run("error-unknown-territory", "gaps", "-t", "Fes-Meknez", "--format", "json")
    cli.run("error-unknown-facility", "facilities", "history", "essp-nope", "--format", "json")
    # A closed facility is read-only until it is reopened (pinned after the rest).
    closed = fid.group(1)
    cli.run("error-facilities-update-closed", "facilities", "update", closed, "--name", "Douar 5")
    cli.run(
        "facilities-reopen",
        "facilities",
        "reopen",
        closed,
        "--reason",
        "staff back",
    )
    cli.run("error-facilities-reopen-open", "facilities", "reopen", closed, "--reason", "x")
    # Outbreak detection on the Salmonella Agona series, as R surveillance (pinned last).
    series = tmp_path / "salmonella-agona.csv"
    series.write_bytes(AGONA.read_bytes())
    cli.both("watch-detect-agona-noufaily", "watch", "detect", str(series), "--method", "noufaily",
             "--last", "8")  # fmt: skip
    cli.book.finish()
