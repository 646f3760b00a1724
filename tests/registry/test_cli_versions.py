"""The command line's changes name the version they read when asked (`--if-version`):
refused, with the version now and nothing written, when the facility moved past it."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from qurb.app.cli import app
from qurb.registry.service import get_facility
from tests.accounts import Someone

runner = CliRunner()
MISSOUR = "hosp-03.131.01.03-marche-verte"  # Hôpital provincial de Missour


def _version(factory: sessionmaker[Session]) -> tuple[int, str]:
    with factory() as session:
        facility = get_facility(session, MISSOUR)
        return facility.version, facility.name


def _run(db: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--db", db])
    return result.exit_code, " ".join(result.output.split())


def test_a_change_at_the_version_read_applies_and_a_stale_one_is_refused(
    scratch_db: str, scratch_factory: sessionmaker[Session], cli_token: Someone
) -> None:
    version, _ = _version(scratch_factory)
    code, said = _run(
        scratch_db,
        "facilities",
        "update",
        MISSOUR,
        "--name",
        "Centre 120",
        "--if-version",
        str(version),
    )
    assert code == 0, said
    assert _version(scratch_factory) == (version + 1, "Centre 120")
    code, said = _run(
        scratch_db,
        "facilities",
        "update",
        MISSOUR,
        "--name",
        "Centre 130",
        "--if-version",
        str(version),
    )
    assert code == 2
    assert f"has changed since version {version}: it is at version {version + 1} now" in said
    assert _version(scratch_factory) == (version + 1, "Centre 120")
    code, said = _run(
        scratch_db, "facilities", "close", MISSOUR, "--reason", "x", "--if-version", str(version)
    )
    assert code == 2 and "nothing was written" in said
    code, said = _run(scratch_db, "facilities", "update", MISSOUR, "--name", "Centre 130")
    assert code == 0, said  # without --if-version: the facility as it is now
    assert _version(scratch_factory) == (version + 2, "Centre 130")
