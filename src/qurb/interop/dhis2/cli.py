"""`qurb dhis2 export-metadata | export-values | import`: the DHIS2 exchange as files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from qurb.platform.cli import DbOption, TerritoryOption, open_session, out
from qurb.platform.database import default_url
from qurb.platform.output import say

dhis2_app = typer.Typer(
    help="The DHIS2 exchange: organisation units and data sets as metadata, reports as "
    "dataValueSets out and in.",
    no_args_is_help=True,
)

OutputOption = Annotated[Path, typer.Option("--output", "-o", help="The JSON file to write.")]
SchemeOption = Annotated[
    str, typer.Option("--id-scheme", help="Identifiers: code (Qurb's codes) or uid (DHIS2 UIDs).")
]


def _write(path: Path, data: dict[str, Any], said: str) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    out.print(said, markup=False)


@dhis2_app.command("export-metadata")
def export_metadata_cmd(
    output: OutputOption, territory: TerritoryOption = "MA", db: DbOption = None
) -> None:
    """The territory and facility tree as DHIS2 organisation units, with the data sets,
    their data elements and category option combos (DHIS2's /api/metadata JSON)."""
    from qurb.interop.dhis2.metadata import metadata

    with open_session(db) as session:
        data = metadata(session, territory)
    count = len(data["organisationUnits"])
    _write(output, data, say("cli.dhis2.written_metadata", count=count, path=str(output)))


@dhis2_app.command("export-values")
def export_values_cmd(
    dataset: Annotated[
        str, typer.Option("--dataset", help="Data set id (see `qurb datasets list`).")
    ],
    period: Annotated[
        str, typer.Option("--period", help="Period: 2026W5 (a week) or 2026-01 (a month).")
    ],
    output: OutputOption,
    territory: TerritoryOption = "MA",
    id_scheme: SchemeOption = "code",
    db: DbOption = None,
) -> None:
    """A data set's current reports for a period in a territory as DHIS2 dataValueSets
    JSON."""
    from qurb.interop.dhis2.metadata import exported_facilities
    from qurb.interop.dhis2.payload import IdScheme
    from qurb.interop.dhis2.service import export_values
    from qurb.territory.service import TerritoryIndex

    scheme = _scheme(id_scheme)
    with open_session(db) as session:
        index = TerritoryIndex.from_session(session)
        ids = [f.id for f in exported_facilities(session, index, index.resolve(territory).code)]
        data = export_values(session, dataset, period, ids, IdScheme(scheme))
    count = len(data["dataValues"])
    _write(output, data, say("cli.dhis2.written_values", count=count, path=str(output)))


def _scheme(text: str) -> str:
    from qurb.interop.dhis2.payload import IdScheme
    from qurb.kernel.errors import InputError

    if text not in {s.value for s in IdScheme}:
        values = {"value": repr(text), "allowed": ", ".join(s.value for s in IdScheme)}
        raise InputError(code="dhis2_bad_id_scheme", values=values)
    return text


def _read_payload(file: Path) -> Any:
    from pydantic import ValidationError

    from qurb.interop.dhis2.payload import DataValueSetIn
    from qurb.kernel.errors import InputError
    from qurb.kernel.i18n import problem
    from qurb.kernel.rows import too_many
    from qurb.platform.files import InputFileError

    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputFileError(code="no_such_file", values={"path": str(file)}) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        values = {"path": file.name, "detail": str(error)}
        raise InputError(code="dhis2_not_json", values=values) from None
    try:
        return DataValueSetIn.model_validate(data)
    except ValidationError as error:
        problems = [
            problem(where, "dhis2_bad_form", None, detail=e["msg"])
            for e in error.errors()
            for where in (".".join(str(p) for p in e["loc"]),)
        ]
        raise too_many(problems, file.name) from None


@dhis2_app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="A DHIS2 dataValueSets JSON file.")],
    id_scheme: SchemeOption = "code",
    db: DbOption = None,
) -> None:
    """Import DHIS2 dataValueSets (watch.report over each facility, as the token's
    account), all or nothing: every bad value is named by its index in dataValues."""
    from qurb.identity.cli_access import token_guard
    from qurb.identity.permissions import Permission
    from qurb.interop.dhis2.payload import IdScheme
    from qurb.interop.dhis2.service import import_values
    from qurb.registry.targets import facility_target
    from qurb.territory.service import TerritoryIndex

    scheme = IdScheme(_scheme(id_scheme))
    payload = _read_payload(file)
    with open_session(db or default_url(), write=True) as session:
        guard = token_guard(session, Permission.WATCH_REPORT)
        index = TerritoryIndex.from_session(session)
        done = import_values(
            session,
            lambda f: guard.over(facility_target(session, index, f)),
            payload,
            scheme,
            source=file.name,
        )
    c = done.counts
    out.print(
        say(
            "cli.dhis2.imported",
            imported=c.imported,
            updated=c.updated,
            ignored=c.ignored,
            submitted=len(done.submitted),
            corrected=len(done.corrected),
        ),
        markup=False,
    )
