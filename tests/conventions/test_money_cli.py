"""`qurb conventions contribute|contributions|disburse|disbursements|execution` on the
real territory tree (SQLite and PostgreSQL): a party's user writes its own party's money
and not another's, a disbursement beyond the commitment or with a bad date is refused,
and the execution is the one worked by hand (1,000,000 committed and one unknown,
250,000 disbursed: 25 %, 1 unknown)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from qurb.app.cli import app
from qurb.conventions.model import ConventionFields, PartyIn
from qurb.conventions.partial_dates import PartialDate
from qurb.conventions.service import create_convention
from qurb.identity.permissions import Role
from qurb.kernel.actor import Actor
from qurb.platform.database import transaction
from tests.accounts import add_account, add_partner
from tests.partners import write_territories

runner = CliRunner()
COUNCIL, CHU = "conseil-rabat", "chu-ibn-sina"
FIELDS = ConventionFields(
    reference="RABAT-MONEY",
    title_fr="Convention de financement",
    start_on=PartialDate(2026, 1, 1),
    end_on=PartialDate(2027, 12, 31),
    territories=("04.421",),
)


def test_a_partys_money_on_the_command_line(
    region_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QURB_LANG", "en")
    factory = write_territories(region_engine)
    db = region_engine.url.render_as_string(hide_password=False)
    add_partner(factory, COUNCIL, "provincial_council", "04.421")
    add_partner(factory, CHU, "chu", "04")
    with transaction(factory) as s:
        parties = (PartyIn(COUNCIL, "financer"), PartyIn(CHU, "implementer"))
        create_convention(s, Actor.local("secretariat"), FIELDS, parties)
    secretariat = add_account(factory, "secretariat", Role.CONVENTION_SECRETARIAT)
    council = add_account(factory, "council", Role.CONVENTION_PARTY, partner=COUNCIL)

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["conventions", *args, "--db", db])
        return result.exit_code, result.output

    monkeypatch.setenv("QURB_TOKEN", council.token)
    money = ("--kind", "money", "--year", "2026")
    code, output = run(
        "contribute", "RABAT-MONEY", "--partner", COUNCIL, *money, "--amount", "1 000 000"
    )
    assert code == 0 and "added" in output, output
    code, output = run("contribute", "RABAT-MONEY", "--partner", CHU, *money, "--amount", "5")
    assert code != 0 and "another party" in output, output
    monkeypatch.setenv("QURB_TOKEN", secretariat.token)
    code, output = run("contribute", "RABAT-MONEY", "--partner", COUNCIL, "--kind", "money")
    assert code == 0, output
    code, output = run("contribute", "RABAT-MONEY", "--partner", CHU, *money, "--amount", "-5")
    assert code == 2 and "negative" in output, output

    code, output = run("contributions", "RABAT-MONEY", "--format", "json")
    rows = json.loads(output)["rows"]
    assert [(r["partner_id"], r["year"], r["amount"]) for r in rows] == [
        (COUNCIL, None, None),
        (COUNCIL, 2026, "1000000.00"),
    ]
    committed = str(rows[1]["id"])
    monkeypatch.setenv("QURB_TOKEN", council.token)
    pay = ("disburse", "RABAT-MONEY", "--contribution", committed, "--partner", COUNCIL)
    code, output = run(*pay, "--amount", "250000", "--on", "2026-03-15", "--to-partner", CHU)
    assert code == 0 and "recorded" in output, output
    code, output = run(*pay, "--amount", "750000.01", "--on", "2026-04-01")
    assert code == 2 and "beyond the commitment" in output, output
    code, output = run(*pay, "--amount", "1", "--on", "15/03/2026")
    assert code == 2 and "not a date" in output, output
    code, output = run(*pay, "--amount", "1", "--on", "2028-01-01")
    assert code == 2 and "outside the convention's period" in output, output

    code, output = run("disbursements", "RABAT-MONEY", "--format", "json")
    [paid] = json.loads(output)["rows"]
    assert (paid["on"], paid["amount"], paid["to"]) == ("2026-03-15", "250000.00", CHU)
    code, output = run("execution", "RABAT-MONEY", "--format", "json")
    assert code == 0, output
    lines = json.loads(output)["rows"]
    whole = lines[0]
    assert (whole["scope"], whole["committed_mad"], whole["disbursed_mad"]) == (
        "convention",
        "1000000.00",
        "250000.00",
    )
    assert (whole["percent"], whole["unknown_commitments"]) == ("25.0", 1)
    code, output = run("execution", "RABAT-MONEY")
    assert code == 0 and "financial execution" in output, output
