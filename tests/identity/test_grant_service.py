"""Grants in the database, on SQLite and PostgreSQL: DHIS2's rule (nobody grants more
than they hold, nor beyond where they hold it) over the real territory tree, what an
account's grants let it do over a target, and anonymising, which keeps the audit chain
intact and holds no name."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from typer.testing import CliRunner

from qurb.app.cli import app as cli_app
from qurb.audit.keys import KEY_FILE_VARIABLE
from qurb.identity import account_service, grant_service, token_service
from qurb.identity._account_tables import AccountTokenRow
from qurb.identity.accounts import Grant, account_actor
from qurb.identity.grant_service import permissions_for, target_in
from qurb.identity.permissions import Permission, Role, permissions_of
from qurb.identity.scopes import Scope
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Forbidden, NotFound
from qurb.platform.database import transaction
from tests.identity.accounts_db import LOCAL, Db, dumped, sign_in
from tests.identity.territory_tree import territory_index

INDEX = territory_index()
PARTNERS = {"drs-fes-meknes", "chu-hassan-ii-fes"}  # stands in for the partners' registry
FES_MEKNES, FES, AGDAL = "03", "03.231", "03.231.01.01"
SIDI_BERNOUSSI_PREFECTURE, SIDI_BERNOUSSI, ANFA = "06.141.01.50", "06.141.01.51", "06.141.01.01"
CASABLANCA_COMMUNE = "06.141.01.0"


def partner_exists(partner_id: str) -> bool:
    return partner_id in PARTNERS


def give(db: Db, actor: Actor, account_id: int, role: Role, scope: Scope, **more: object) -> Grant:
    with transaction(db.factory) as session:
        return grant_service.grant(
            session,
            actor,
            account_id,
            role,
            scope,
            index=INDEX,
            partner_exists=partner_exists,
            signer=db.key,
            **more,  # type: ignore[arg-type]
        )


def refused(db: Db, actor: Actor, account_id: int, role: Role, scope: Scope) -> str:
    """The code of a refused grant; the session is committed after the refusal, and the
    audit trail must not have grown."""
    before = len(db.entries())
    with transaction(db.factory) as session, pytest.raises((Forbidden, NotFound)) as raised:
        grant_service.grant(
            session,
            actor,
            account_id,
            role,
            scope,
            index=INDEX,
            partner_exists=partner_exists,
            signer=db.key,
        )
    assert len(db.entries()) == before
    with transaction(db.factory) as session:
        assert all(
            g.role is not role or g.scope != scope
            for g in grant_service.grants_of(session, account_id)
        )
    return raised.value.code


@pytest.fixture
def people(db: Db) -> dict[str, int]:
    """A DRS partner administrator over Fès-Meknès, one over the préfecture
    d'arrondissements of Sidi Bernoussi, a registry editor, and Youssef with no grant."""
    ids = {name: db.create(name) for name in ("drs", "bernoussi", "editor", "youssef")}
    give(
        db,
        LOCAL,
        ids["drs"],
        Role.PARTNER_ADMINISTRATOR,
        Scope(territories={FES_MEKNES}),
        on_behalf_of="drs-fes-meknes",
    )
    give(
        db,
        LOCAL,
        ids["bernoussi"],
        Role.PARTNER_ADMINISTRATOR,
        Scope(territories={SIDI_BERNOUSSI_PREFECTURE}),
    )
    give(db, LOCAL, ids["editor"], Role.REGISTRY_EDITOR, Scope(territories={FES}))
    return ids


def test_a_partner_administrator_grants_within_their_scope_and_it_is_audited(
    db: Db, people: dict[str, int]
) -> None:
    drs = account_actor(people["drs"])
    given = give(
        db,
        drs,
        people["youssef"],
        Role.REGISTRY_EDITOR,
        Scope(territories={FES}),
        on_behalf_of="drs-fes-meknes",
    )
    assert (given.role, given.scope.territories, given.partner_id) == (
        Role.REGISTRY_EDITOR,
        {FES},
        "drs-fes-meknes",
    )
    assert given.granted_by == f"account:{people['drs']}"
    entry = db.entries()[-1]
    assert (entry.action, entry.entity_id, entry.actor, entry.actor_kind) == (
        "grant.create",
        str(given.id),
        str(people["drs"]),
        "account",
    )
    with transaction(db.factory) as session:
        drs_grant = grant_service.live_grants(session, people["drs"])[0]
    assert entry.grant_id == str(drs_grant.id) and entry.territory_code == FES
    assert entry.after is not None and entry.after["scope"]["territories"] == [FES]


def test_a_grant_outside_the_granters_scope_is_refused(db: Db, people: dict[str, int]) -> None:
    drs = account_actor(people["drs"])
    assert (
        refused(db, drs, people["youssef"], Role.VIEWER, Scope(territories={"06"}))
        == "grant_not_yours"
    )
    assert refused(db, drs, people["youssef"], Role.VIEWER, Scope()) == "grant_not_yours"
    assert (
        refused(db, drs, people["youssef"], Role.VIEWER, Scope(partners={"chu-hassan-ii-fes"}))
        == "grant_not_yours"
    )
    # Within Fès-Meknès and restricted further: allowed.
    give(
        db,
        drs,
        people["youssef"],
        Role.VIEWER,
        Scope(territories={AGDAL}, partners={"chu-hassan-ii-fes"}),
    )


def test_a_grant_of_a_role_with_more_permissions_is_refused(db: Db, people: dict[str, int]) -> None:
    drs = account_actor(people["drs"])
    fes = Scope(territories={FES})
    assert refused(db, drs, people["youssef"], Role.ADMINISTRATOR, fes) == "grant_not_yours"
    give(db, drs, people["youssef"], Role.PARTNER_ADMINISTRATOR, fes)  # the same permissions
    # A registry editor holds no granting permission at all, even for a viewer's role.
    editor = account_actor(people["editor"])
    assert (
        refused(db, editor, people["youssef"], Role.VIEWER, Scope(territories={AGDAL}))
        == "grant_not_yours"
    )


def test_scopes_on_casablancas_arrondissements(db: Db, people: dict[str, int]) -> None:
    bernoussi = account_actor(people["bernoussi"])
    give(db, bernoussi, people["youssef"], Role.WATCH_REPORTER, Scope(territories={SIDI_BERNOUSSI}))
    assert (
        refused(db, bernoussi, people["youssef"], Role.VIEWER, Scope(territories={ANFA}))
        == "grant_not_yours"
    )
    assert (
        refused(
            db, bernoussi, people["youssef"], Role.VIEWER, Scope(territories={CASABLANCA_COMMUNE})
        )
        == "grant_not_yours"
    )
    with transaction(db.factory) as session:
        inside = permissions_for(session, people["youssef"], target_in(INDEX, SIDI_BERNOUSSI))
        anfa = permissions_for(session, people["youssef"], target_in(INDEX, ANFA))
        holder = permissions_for(session, people["bernoussi"], target_in(INDEX, "06.141.01.53"))
    assert Permission.WATCH_REPORT in inside and anfa == frozenset()
    assert Permission.PARTNERS_ADMIN in holder


def test_permissions_over_a_target_follow_live_grants(db: Db, people: dict[str, int]) -> None:
    def over(code: str) -> frozenset[Permission]:
        with transaction(db.factory) as session:
            return permissions_for(session, people["editor"], target_in(INDEX, code))

    P = Permission
    assert over(AGDAL) == permissions_of(Role.VIEWER) | {P.REGISTRY_EDIT}
    assert over("03.061") == frozenset()  # Meknès: beside Fès, not in it
    with transaction(db.factory) as session:
        [editor_grant] = grant_service.live_grants(session, people["editor"])
    with transaction(db.factory) as session:
        grant_service.revoke(
            session, account_actor(people["drs"]), editor_grant.id, index=INDEX, signer=db.key
        )
    assert over(AGDAL) == frozenset()
    assert db.entries()[-1].action == "grant.revoke"
    # A disabled account's grants give nothing.
    with transaction(db.factory) as session:
        account_service.set_disabled(session, LOCAL, "drs", True, signer=db.key)
        assert permissions_for(session, people["drs"], target_in(INDEX, AGDAL)) == frozenset()


def test_revoking_follows_the_granting_rule(db: Db, people: dict[str, int]) -> None:
    with transaction(db.factory) as session:
        [bernoussi_grant] = grant_service.live_grants(session, people["bernoussi"])
    before = len(db.entries())
    with transaction(db.factory) as session, pytest.raises(Forbidden):
        grant_service.revoke(
            session,
            account_actor(people["drs"]),
            bernoussi_grant.id,
            index=INDEX,
            signer=db.key,
        )
    assert len(db.entries()) == before


def test_unknown_partners_territories_and_roles_are_refused(db: Db, people: dict[str, int]) -> None:
    youssef = people["youssef"]
    assert (
        refused(db, LOCAL, youssef, Role.VIEWER, Scope(partners={"no-such-partner"}))
        == "grant_unknown_partner"
    )
    assert (
        refused(db, LOCAL, youssef, Role.VIEWER, Scope(territories={"99.999"}))
        == "grant_unknown_territory"
    )
    with transaction(db.factory) as session, pytest.raises(Exception) as bad_role:
        grant_service.grant(
            session,
            LOCAL,
            youssef,
            "minister",
            Scope(),
            index=INDEX,
            partner_exists=partner_exists,
            signer=db.key,
        )
    assert getattr(bad_role.value, "code", "") == "grant_unknown_role"


def test_anonymising_keeps_the_audit_chain_intact_and_names_nobody(
    db: Db, people: dict[str, int], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    db.create("fatima", email="fatima.z@example.ma")
    with transaction(db.factory) as session:
        fatima = account_service.get_account(session, "fatima")
        token_service.create_token(session, LOCAL, fatima.id, "script", signer=db.key)
    give(db, account_actor(people["drs"]), fatima.id, Role.VIEWER, Scope(territories={FES}))
    sign_in(db, "fatima", "wrong wrong wrong")
    with transaction(db.factory) as session:
        gone = account_service.anonymise(session, LOCAL, "fatima", signer=db.key)
    assert (gone.username, gone.display_name, gone.email) == (
        f"anonymised-{fatima.id}",
        "anonymised",
        None,
    )
    assert gone.disabled and gone.anonymised
    with transaction(db.factory) as session:
        assert session.query(AccountTokenRow).filter_by(account_id=fatima.id).count() == 0
        assert grant_service.live_grants(session, fatima.id) == []
    assert sign_in(db, "fatima").refusal == "account_sign_in_refused"
    text = dumped(db.entries())
    assert "fatima" not in text.lower() and "example.ma" not in text
    env = {KEY_FILE_VARIABLE: str(tmp_path / "audit.key"), "COLUMNS": "200"}
    verified = CliRunner().invoke(cli_app, ["audit", "verify", "--db", db.url], env=env)
    assert verified.exit_code == 0, verified.output
    assert f"{db.loaded() + len(db.entries())} entries, chain intact" in verified.output


def test_account_writes_by_an_account_need_the_permission(db: Db, people: dict[str, int]) -> None:
    editor, drs = account_actor(people["editor"]), account_actor(people["drs"])
    youssef = account_actor(people["youssef"])
    before = len(db.entries())
    with transaction(db.factory) as session:
        for actor in (editor, drs):  # a partner administrator lacks accounts.admin
            with pytest.raises(Forbidden) as refused_write:
                account_service.set_disabled(session, actor, "youssef", True, signer=db.key)
            assert refused_write.value.code == "account_not_allowed"
        with pytest.raises(Forbidden):
            token_service.create_token(session, editor, people["youssef"], "x", signer=db.key)
    assert len(db.entries()) == before
    with transaction(db.factory) as session:  # partners.admin may create staff accounts
        new = account_service.NewAccount("nadia", "Nadia", "a long enough secret")
        account_service.create_account(session, drs, new, signer=db.key)
        token_service.create_token(session, youssef, people["youssef"], "mine", signer=db.key)
    assert [(e.action, e.actor) for e in db.entries()[before:]] == [
        ("account.create", str(people["drs"])),
        ("token.create", str(people["youssef"])),
    ]


def test_permissions_for_reads_the_grants_in_one_query(db: Db, people: dict[str, int]) -> None:
    statements: list[str] = []
    engine = db.factory.kw["bind"]

    def seen(_conn, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    target = target_in(INDEX, AGDAL)  # the ancestors come from the index, not the database
    with transaction(db.factory) as session:
        event.listen(engine, "before_cursor_execute", seen)
        try:
            found = permissions_for(session, people["drs"], target)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
    assert Permission.PARTNERS_ADMIN in found
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
