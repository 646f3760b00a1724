"""The command line's registry writes act as the account of the personal API token
(`$QURB_TOKEN`), with `registry.edit` over each facility written, as the web's routes:
no token, a refused token, a role without the permission or a scope without the
facility writes nothing; a write names the account, its grant and its partner in the
audit trail. On a copy of the national database."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from qurb.app.cli import app
from qurb.audit import service as audit
from qurb.audit.service import signer_for
from qurb.identity import partner_service
from qurb.identity.partners import PartnerCreate, PartnerKind
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.kernel import clock
from qurb.platform.database import transaction
from tests.accounts import ROOT, add_account

runner = CliRunner()
AIN_BIDA = "essp-03.231.81.03-ain-bida"  # a health centre of the Fès préfecture (03.231)
DRS_FES = "drs-fes-meknes"


def _close(db: str) -> tuple[int, str]:
    result = runner.invoke(app, ["facilities", "close", AIN_BIDA, "--reason", "survey", "--db", db])
    return result.exit_code, " ".join(result.output.split())


def _entries(factory: sessionmaker[Session]) -> int:
    with transaction(factory) as session:
        return audit.count(session)


def _status(db: str) -> str:
    result = runner.invoke(app, ["facilities", "history", AIN_BIDA, "-f", "json", "--db", db])
    assert result.exit_code == 0, result.output
    return result.output


def test_without_a_token_nothing_is_written(
    scratch_db: str,
    scratch_factory: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no `qurb login` file
    before = _entries(scratch_factory)
    code, said = _close(scratch_db)
    assert code == 2
    assert said == (
        "error: this command writes as an account: run `qurb login`, or set $QURB_TOKEN "
        "to a personal API token"
    )
    assert _entries(scratch_factory) == before
    monkeypatch.setenv("QURB_LANG", "en")  # --lang sets it: put back after the test
    french = runner.invoke(
        app, ["--lang", "fr", "facilities", "close", AIN_BIDA, "--reason", "x", "--db", scratch_db]
    )
    assert "lancez `qurb login`" in french.output


def test_a_viewer_may_not_edit(
    scratch_db: str, scratch_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    viewer = add_account(scratch_factory, "viewer", Role.VIEWER)
    monkeypatch.setenv("QURB_TOKEN", viewer.token)
    before = _entries(scratch_factory)
    code, said = _close(scratch_db)
    assert code == 2 and "it needs registry.edit" in said, said
    assert _entries(scratch_factory) == before


def test_an_editor_of_another_region_is_outside_its_scope(
    scratch_db: str, scratch_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    tanger = add_account(
        scratch_factory, "tanger", Role.REGISTRY_EDITOR, Scope(territories=frozenset({"01"}))
    )
    monkeypatch.setenv("QURB_TOKEN", tanger.token)
    before, history = _entries(scratch_factory), _status(scratch_db)
    code, said = _close(scratch_db)
    assert code == 2 and "outside its roles' scope" in said, said
    updated = runner.invoke(
        app, ["facilities", "update", AIN_BIDA, "--name", "Centre 9", "--db", scratch_db]
    )
    assert updated.exit_code == 2 and "outside its roles' scope" in updated.output
    assert _entries(scratch_factory) == before and _status(scratch_db) == history


def test_an_import_with_one_row_outside_the_scope_writes_none(
    scratch_db: str,
    scratch_factory: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fes = add_account(
        scratch_factory, "fes", Role.REGISTRY_EDITOR, Scope(territories=frozenset({"03"}))
    )
    monkeypatch.setenv("QURB_TOKEN", fes.token)
    path = tmp_path / "two.csv"
    path.write_text(
        "name,category,commune\nDouar Fès,DR,03.231.81.03\nDouar Tanger,DR,01.511.01.01\n",
        encoding="utf-8",
    )
    before = _entries(scratch_factory)
    refused = runner.invoke(app, ["facilities", "import", str(path), "--db", scratch_db])
    assert refused.exit_code == 2 and "outside its roles' scope" in refused.output
    assert _entries(scratch_factory) == before
    path.write_text("name,category,commune\nDouar Fès,DR,03.231.81.03\n", encoding="utf-8")
    done = runner.invoke(app, ["facilities", "import", str(path), "--db", scratch_db])
    assert done.exit_code == 0 and "Imported 1 facilities" in done.output, done.output
    assert _entries(scratch_factory) == before + 1


def test_an_edit_is_audited_as_the_account_its_grant_and_partner(
    scratch_db: str, scratch_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction(scratch_factory) as session:
        drs = PartnerCreate(
            id=DRS_FES,
            kind=PartnerKind.DRS,
            name_fr="Direction régionale de la santé de Fès-Meknès",
            name_ar="المديرية الجهوية للصحة بفاس مكناس",
            territory_code="03",
        )
        partner_service.create_partner(
            session, ROOT, drs, facility_exists=lambda _f: True, signer=signer_for(session)
        )
    editor = add_account(
        scratch_factory,
        "salma",
        Role.REGISTRY_EDITOR,
        Scope(territories=frozenset({"03"})),
        partner=DRS_FES,
    )
    monkeypatch.setenv("QURB_TOKEN", editor.token)
    code, said = _close(scratch_db)
    assert code == 0, said
    with transaction(scratch_factory) as session:
        [*_, last] = audit.entries(session)
        [grant] = [g for g in _grants(session, editor.account_id)]
    assert (last.action, last.entity_id) == ("facility.close", AIN_BIDA)
    assert (last.actor, last.actor_kind) == (str(editor.account_id), "account")
    assert (last.grant_id, last.partner_id) == (str(grant), DRS_FES)
    history = runner.invoke(
        app, ["facilities", "history", AIN_BIDA, "-f", "json", "--db", scratch_db]
    )
    assert '"by": "salma"' in history.output


def test_an_expired_token_writes_nothing(
    scratch_db: str, scratch_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    someone = add_account(scratch_factory, "late")
    monkeypatch.setenv("QURB_TOKEN", someone.token)
    later = clock.now() + timedelta(days=91)  # a token lasts 90 days unless asked
    monkeypatch.setattr(clock, "now", lambda: later)
    before = _entries(scratch_factory)
    code, said = _close(scratch_db)
    assert code == 2 and said == "error: this token has expired"
    assert _entries(scratch_factory) == before


def _grants(session: Session, account_id: int) -> list[int]:
    from qurb.identity.grant_service import live_grants

    return [g.id for g in live_grants(session, account_id)]
