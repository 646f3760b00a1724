"""`qurb conventions deliverables|deliverable|actual|physical` on the small region of
`tests/regions.py` (SQLite and PostgreSQL): a deliverable added by the secretariat's
token (one whose owner is not a party refused, named), actuals reported by the owner
party's token (another party's refused; "N/A" for a count named), listed and the
physical execution worked by hand: 50 of 100 and yes → (0.5 + 1) / 2 = 75 %."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from qurb.app.cli import app
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.platform.database import transaction
from tests.accounts import add_account, add_partner
from tests.conventions.test_deliverables import BY, CHU, COUNCIL, FIELDS, PARTIES
from tests.regions import HP_TIZGUI, PROVINCE_CODE, REGION_CODE

Factory = Callable[..., sessionmaker[Session]]
runner = CliRunner()


def test_add_report_list_and_physical_execution(
    small_region_db: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qurb.conventions.service import create_convention

    monkeypatch.setenv("QURB_LANG", "en")
    factory = small_region_db()
    add_partner(factory, COUNCIL, "provincial_council", PROVINCE_CODE)
    add_partner(factory, CHU, "chu", REGION_CODE)
    with transaction(factory) as s:
        create_convention(s, BY, FIELDS, PARTIES)
    db = factory.kw["bind"].url.render_as_string(hide_password=False)
    secretariat = add_account(factory, "secretariat", Role.CONVENTION_SECRETARIAT)
    chu = add_account(
        factory, "chu-user", Role.CONVENTION_PARTY, Scope(partners=[CHU]), partner=CHU
    )
    council = add_account(
        factory, "council-user", Role.CONVENTION_PARTY, Scope(partners=[COUNCIL]), partner=COUNCIL
    )

    def run(token: str, *args: str) -> tuple[int, str]:
        monkeypatch.setenv("QURB_TOKEN", token)
        result = runner.invoke(app, ["conventions", *args, "--db", db])
        return result.exit_code, result.output

    ref = FIELDS.reference
    scanners = ["--what-fr", "Scanners", "--kind", "count", "--target", "100"]
    code, output = run(secretariat.token, "deliverable", ref, *scanners, "--owner", "nobody")
    assert code == 2 and "owner" in output and "not a party" in output, output
    code, output = run(
        secretariat.token,
        "deliverable",
        ref,
        *scanners,
        "--owner",
        CHU,
        "--deadline",
        "2027-06",
        "--ref",
        f"facility:{HP_TIZGUI}",
    )
    assert code == 0 and "Deliverable 1 added" in output, output
    system = ["--what-fr", "Système", "--kind", "yes_no", "--owner", COUNCIL]
    assert run(secretariat.token, "deliverable", ref, *system)[0] == 0
    code, output = run(chu.token, "deliverable", ref, *system)
    assert code == 2, output  # a party's user adds none

    code, output = run(chu.token, "actual", ref, "1", "2026", "N/A")
    assert code == 2 and "actual" in output, output
    code, output = run(chu.token, "actual", ref, "2", "2026", "oui")
    assert code == 2 and "owned by council-99991" in output, output
    code, output = run(chu.token, "actual", ref, "1", "2026", "50")
    assert code == 0 and "2026: 50 reported" in output, output
    code, output = run(council.token, "actual", ref, "2", "2026", "oui")
    assert code == 0, output

    code, output = run(secretariat.token, "deliverables", ref, "--format", "json")
    assert code == 0, output
    document = json.loads(output)
    assert "no published dataset" in document["attribution"]
    assert [(r["id"], r["owner"], r["period"], r["actual"]) for r in document["rows"]] == [
        (1, CHU, "2026", 50),
        (2, COUNCIL, "2026", True),
    ]
    assert document["rows"][0]["references"] == [f"facility:{HP_TIZGUI}"]
    code, output = run(secretariat.token, "physical", ref, "2026", "--format", "json")
    assert code == 0, output
    [whole] = json.loads(output)["rows"]
    assert (whole["percent"], whole["measured"], whole["unknown_actual"]) == ("75.0", 2, 0)
    code, output = run(secretariat.token, "physical", ref, "2026")
    assert code == 0 and "physical execution 75.0 %" in output, output
