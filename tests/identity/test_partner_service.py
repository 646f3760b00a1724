"""Partners in the database, on SQLite and PostgreSQL, over the real territory tree:
what is written is read back; lists filter by kind, by territory subtree (the tree, not
code prefixes) and by folded names; every write appends its audit entry in the same
transaction, and a refused write appends none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from qurb.audit import service as audit
from qurb.audit.keys import ServerKey
from qurb.identity.partner_service import (
    PartnerFilter,
    create_partner,
    get_partner,
    list_partners,
    partner_exists,
    set_active,
    update_partner,
)
from qurb.identity.partners import Contact, PartnerCreate, PartnerKind, PartnerUpdate
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Conflict, InputError, NotFound
from qurb.platform.database import transaction
from qurb.territory.service import TerritoryNotFound
from tests.partners import (
    AL_GHASSANI,
    CHU_FES,
    CHU_FES_UNIT,
    COMMUNE_SIDI_HARAZEM,
    COUNCIL_CASABLANCA,
    DRS_FES_MEKNES,
    EVERY_PARTNER,
    counts,
    known_facility,
    partner,
    partner_entries,
    server_key,
    write_territories,
)

AMINA = Actor.local("Amina")


@pytest.fixture
def db(region_engine: Engine, tmp_path: Path) -> tuple[sessionmaker[Session], ServerKey]:
    return write_territories(region_engine), server_key(tmp_path)


def _create(db: tuple[sessionmaker[Session], ServerKey], *partners: dict[str, Any]) -> None:
    factory, key = db
    for values in partners:
        with transaction(factory) as session:
            create_partner(
                session, AMINA, partner(**values), facility_exists=known_facility, signer=key
            )


def _ids(factory: sessionmaker[Session], flt: PartnerFilter) -> list[str]:
    with transaction(factory) as session:
        return [p.id for p in list_partners(session, flt)]


def test_a_partner_is_read_back_as_written_with_its_audit_entry(db: Any) -> None:
    factory, key = db
    _create(db, CHU_FES)
    with transaction(factory) as session:
        chu = get_partner(session, "chu-hassan-ii-fes")
        entries = partner_entries(session)
        assert audit.verify(session, key.public_key) == []
        assert partner_exists(session, "chu-hassan-ii-fes")
        assert not partner_exists(session, "chu-ibn-rochd")
    assert chu.kind is PartnerKind.CHU
    assert chu.name_fr == "Centre hospitalier universitaire Hassan II de Fès"
    assert chu.name_ar == "المركز الاستشفائي الجامعي الحسن الثاني بفاس"
    assert (chu.territory_code, chu.facility_id, chu.active) == ("03", CHU_FES_UNIT, True)
    assert chu.contacts == (
        Contact("Secrétariat de la direction", "Direction", None, "+212 500 000 000"),
        Contact("Service de la coopération", None, "cooperation@example.ma", None),
    )
    assert chu.created_at == chu.updated_at and chu.created_at.tzinfo is not None
    [entry] = entries
    assert (entry.action, entry.entity_kind, entry.entity_id) == (
        "partner.create",
        "partner",
        "chu-hassan-ii-fes",
    )
    assert (entry.actor, entry.territory_code, entry.before) == ("Amina", "03", None)
    assert entry.after == chu.snapshot()
    assert counts(factory) == (1, 2, 1)


def test_lists_filter_by_territory_subtree_kind_and_folded_names(db: Any) -> None:
    factory, _ = db
    _create(db, *EVERY_PARTNER)
    everyone = sorted(p["id"] for p in EVERY_PARTNER)
    assert _ids(factory, PartnerFilter()) == everyone
    # The region of Casablanca-Settat holds its prefecture's council, the délégation of
    # a préfecture d'arrondissements and an arrondissement's council.
    assert _ids(factory, PartnerFilter(territory="06")) == [
        "conseil-arrondissement-maarif",
        "conseil-prefectoral-casablanca",
        "delegation-ain-chock",
    ]
    # Maârif (06.141.01.03) lies in the préfecture d'arrondissements Casablanca-Anfa
    # (06.141.01.00), whose code is no prefix of its own: the tree says so, not the codes.
    assert _ids(factory, PartnerFilter(territory="06.141.01.00")) == [
        "conseil-arrondissement-maarif"
    ]
    assert _ids(factory, PartnerFilter(territory="Aïn-Chock")) == ["delegation-ain-chock"]
    # The prefecture of Fès holds Sidi Harazem; the CHU and the DRS cover the whole region.
    assert _ids(factory, PartnerFilter(territory="03.231")) == ["commune-sidi-harazem"]
    assert _ids(factory, PartnerFilter(territory="Fès-Meknès")) == [
        "chu-hassan-ii-fes",
        "commune-sidi-harazem",
        "drs-fes-meknes",
    ]
    assert _ids(factory, PartnerFilter(kind=PartnerKind.DRS)) == ["drs-fes-meknes"]
    assert _ids(factory, PartnerFilter(text="FES")) == ["chu-hassan-ii-fes", "drs-fes-meknes"]
    assert _ids(factory, PartnerFilter(text="فاس")) == ["chu-hassan-ii-fes", "drs-fes-meknes"]
    assert _ids(factory, PartnerFilter(text="maarif")) == ["conseil-arrondissement-maarif"]
    with pytest.raises(TerritoryNotFound):
        _ids(factory, PartnerFilter(territory="Atlantis"))


def test_an_update_changes_only_the_fields_given_and_is_audited(db: Any) -> None:
    factory, key = db
    _create(db, CHU_FES)
    with transaction(factory) as session:
        before = get_partner(session, "chu-hassan-ii-fes")
        after = update_partner(
            session,
            AMINA,
            "chu-hassan-ii-fes",
            PartnerUpdate(name_en="Hassan II University Hospital of Fès", facility_id=AL_GHASSANI),
            facility_exists=known_facility,
            signer=key,
        )
    assert after.name_en == "Hassan II University Hospital of Fès"
    assert after.facility_id == AL_GHASSANI
    assert (after.name_fr, after.contacts, after.created_at) == (
        before.name_fr,
        before.contacts,
        before.created_at,
    )
    with transaction(factory) as session:
        # The same values again: no change, nothing written.
        update_partner(
            session,
            AMINA,
            "chu-hassan-ii-fes",
            PartnerUpdate(name_en="Hassan II University Hospital of Fès"),
            facility_exists=known_facility,
            signer=key,
        )
        # Contacts given replace the list; clearing name_en is a change.
        update_partner(
            session,
            AMINA,
            "chu-hassan-ii-fes",
            PartnerUpdate(contacts=[{"name": "Bureau d'ordre"}], name_en=None),  # type: ignore[list-item]
            facility_exists=known_facility,
            signer=key,
        )
        entries = partner_entries(session)
        latest = get_partner(session, "chu-hassan-ii-fes")
    assert [e.action for e in entries] == ["partner.create", "partner.update", "partner.update"]
    first, second = entries[1], entries[2]
    assert first.before == before.snapshot()
    changed = {k for k in first.after or {} if (first.before or {})[k] != (first.after or {})[k]}
    assert changed == {"name_en", "facility_id"}
    assert second.after == latest.snapshot()
    assert latest.contacts == (Contact("Bureau d'ordre"),) and latest.name_en is None
    assert counts(factory) == (1, 1, 3)
    with transaction(factory) as session:
        cleared = update_partner(
            session,
            AMINA,
            "chu-hassan-ii-fes",
            PartnerUpdate(contacts=None),
            facility_exists=known_facility,
            signer=key,
        )
    assert cleared.contacts == ()
    assert counts(factory) == (1, 0, 4)


def test_deactivating_and_reactivating_are_audited_and_refused_twice(db: Any) -> None:
    factory, key = db
    _create(db, DRS_FES_MEKNES)
    with transaction(factory) as session:
        set_active(session, AMINA, "drs-fes-meknes", False, signer=key)
    assert _ids(factory, PartnerFilter()) == []
    assert _ids(factory, PartnerFilter(active=None)) == ["drs-fes-meknes"]
    with pytest.raises(Conflict) as refused, transaction(factory) as session:
        set_active(session, AMINA, "drs-fes-meknes", False, signer=key)
    assert refused.value.code == "partner_already_inactive"
    with transaction(factory) as session:
        assert set_active(session, AMINA, "drs-fes-meknes", True, signer=key).active
        actions = [e.action for e in partner_entries(session)]
    assert actions == ["partner.create", "partner.deactivate", "partner.reactivate"]


def test_an_unknown_id_is_not_found_and_nothing_is_audited(db: Any) -> None:
    factory, key = db
    with pytest.raises(NotFound) as missing, transaction(factory) as session:
        update_partner(
            session,
            AMINA,
            "chu-ibn-rochd",
            PartnerUpdate(name_en="x"),
            facility_exists=known_facility,
            signer=key,
        )
    assert (missing.value.code, missing.value.values) == (
        "partner_not_found",
        {"id": "'chu-ibn-rochd'"},
    )
    with pytest.raises(NotFound), transaction(factory) as session:
        set_active(session, AMINA, "chu-ibn-rochd", False, signer=key)
    with pytest.raises(NotFound), transaction(factory) as session:
        get_partner(session, "chu-ibn-rochd")
    assert counts(factory) == (0, 0, 0)


REFUSED = {
    "unknown territory": (
        {**DRS_FES_MEKNES, "territory_code": "03.999"},
        "territory_code",
        "partner_unknown_territory",
    ),
    "a commune partner over a prefecture": (
        {**COMMUNE_SIDI_HARAZEM, "territory_code": "03.231"},
        "territory_code",
        "partner_territory_level",
    ),
    "a DRS over a province": (
        {**DRS_FES_MEKNES, "territory_code": "03.231"},
        "territory_code",
        "partner_territory_level",
    ),
    "a provincial council over a préfecture d'arrondissements": (
        {**COUNCIL_CASABLANCA, "territory_code": "06.141.01.40"},
        "territory_code",
        "partner_territory_level",
    ),
    "a regional council over a commune": (
        {**COUNCIL_CASABLANCA, "kind": "regional_council", "territory_code": "03.231.81.05"},
        "territory_code",
        "partner_territory_level",
    ),
    "a facility named by a commune": (
        {**COMMUNE_SIDI_HARAZEM, "facility_id": AL_GHASSANI},
        "facility_id",
        "partner_facility_kind",
    ),
    "an unknown facility": (
        {**CHU_FES, "facility_id": "hosp-03.231.01.05-nowhere"},
        "facility_id",
        "partner_unknown_facility",
    ),
}


@pytest.mark.parametrize("case", REFUSED.values(), ids=list(REFUSED))
def test_a_partner_breaking_a_rule_is_refused_and_nothing_is_written(
    db: Any, case: tuple[dict[str, Any], str, str]
) -> None:
    values, field, code = case
    factory, key = db
    with pytest.raises(InputError) as refused, transaction(factory) as session:
        create_partner(
            session, AMINA, partner(**values), facility_exists=known_facility, signer=key
        )
    [problem] = refused.value.errors
    assert (problem.field, problem.code) == (field, code)
    assert counts(factory) == (0, 0, 0)


def test_a_wrong_level_names_what_the_kind_covers(db: Any) -> None:
    factory, key = db
    with pytest.raises(InputError) as refused, transaction(factory) as session:
        create_partner(
            session,
            AMINA,
            partner(**{**COMMUNE_SIDI_HARAZEM, "territory_code": "03.231"}),
            facility_exists=known_facility,
            signer=key,
        )
    [problem] = refused.value.errors
    assert problem.values == {
        "kind": "commune",
        "expected": "commune",
        "code": "03.231",
        "level": "province (prefecture)",
    }


def test_a_duplicate_id_is_a_conflict_and_nothing_more_is_written(db: Any) -> None:
    factory, _ = db
    _create(db, DRS_FES_MEKNES)
    with pytest.raises(Conflict) as refused:
        _create(db, {**DRS_FES_MEKNES, "name_fr": "Une autre direction"})
    assert refused.value.code == "partner_exists"
    assert counts(factory) == (1, 0, 1)


def test_an_update_breaking_a_rule_is_refused_and_not_audited(db: Any) -> None:
    factory, key = db
    _create(db, DRS_FES_MEKNES)
    for change, code in (
        (PartnerUpdate(kind=PartnerKind.COMMUNE), "partner_territory_level"),
        (PartnerUpdate(facility_id="hosp-nowhere"), "partner_unknown_facility"),
        (PartnerUpdate(territory_code="99.999"), "partner_unknown_territory"),
        (PartnerUpdate(name_fr=None), "partner_required"),
    ):
        with pytest.raises(InputError) as refused, transaction(factory) as session:
            update_partner(
                session, AMINA, "drs-fes-meknes", change, facility_exists=known_facility, signer=key
            )
        assert [p.code for p in refused.value.errors] == [code]
    with transaction(factory) as session:
        assert get_partner(session, "drs-fes-meknes").kind is PartnerKind.DRS
    assert counts(factory) == (1, 0, 1)


BAD_VALUES = {
    "name over 300 characters": ({"name_fr": "x" * 301}, "name_fr", "string_too_long"),
    "NUL in the Arabic name": ({"name_ar": "مجلس\x00"}, "name_ar", "value_error"),
    "blank French name": ({"name_fr": "   "}, "name_fr", "string_too_short"),
    "id not a slug": ({"id": "DRS Fès"}, "id", "string_pattern_mismatch"),
    "unknown kind": ({"kind": "club"}, "kind", "enum"),
    "email without @": (
        {"contacts": [{"name": "Accueil", "email": "accueil.example.ma"}]},
        "contacts.0.email",
        "string_pattern_mismatch",
    ),
    "email over 254 characters": (
        {"contacts": [{"name": "Accueil", "email": "a" * 250 + "@x.ma"}]},
        "contacts.0.email",
        "string_too_long",
    ),
    "phone with letters": (
        {"contacts": [{"name": "Accueil", "phone": "call me"}]},
        "contacts.0.phone",
        "string_pattern_mismatch",
    ),
    "phone over 32 characters": (
        {"contacts": [{"name": "Accueil", "phone": "0" * 33}]},
        "contacts.0.phone",
        "string_too_long",
    ),
    "contact without a name": (
        {"contacts": [{"email": "accueil@example.ma"}]},
        "contacts.0.name",
        "missing",
    ),
    "eleven contacts": (
        {"contacts": [{"name": f"N{i}"} for i in range(11)]},
        "contacts",
        "too_long",
    ),
}


@pytest.mark.parametrize("case", BAD_VALUES.values(), ids=list(BAD_VALUES))
def test_bad_values_are_refused_naming_their_field(case: tuple[dict[str, Any], str, str]) -> None:
    change, field, kind = case
    with pytest.raises(ValidationError) as refused:
        PartnerCreate.model_validate({**DRS_FES_MEKNES, **change})
    [error] = refused.value.errors()
    assert (".".join(str(p) for p in error["loc"]), error["type"]) == (field, kind)


def test_contacts_name_email_and_phone_loosely_but_bounded() -> None:
    created = PartnerCreate.model_validate(
        {
            **DRS_FES_MEKNES,
            "contacts": [
                {"name": " Accueil ", "email": "accueil@sante.gov.ma", "phone": "05 35 00 00 00"}
            ],
        }
    )
    assert created.contacts[0].name == "Accueil"
    assert created.contacts[0].phone == "05 35 00 00 00"
