"""Conventions written and read through their services on the small region of
`tests/regions.py`, on SQLite and PostgreSQL: checked whole before anything is written,
audited in the write's transaction, versions for If-Match, parties that are registered
partners, amendments keeping the end date they replaced, documents told by their content,
lists filtered by territory, partner and status, and the public's published summaries."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from qurb.audit import service as audit
from qurb.audit.service import EntryFilter
from qurb.conventions._tables import ConventionRow, DocumentRow, PartyRow
from qurb.conventions.documents import attach_document, get_document
from qurb.conventions.listing import (
    ConventionFilter,
    convention_targets,
    list_conventions,
    published_summaries,
    published_summary,
    targets_of,
)
from qurb.conventions.model import (
    AmendmentIn,
    ArticleIn,
    ConventionError,
    ConventionFields,
    ConventionInputError,
    PartyIn,
    Person,
)
from qurb.conventions.partial_dates import PartialDate
from qurb.conventions.service import (
    ConventionNotFound,
    add_amendment,
    add_article,
    create_convention,
    get_convention,
    move_status,
    set_parties,
    update_convention,
)
from qurb.identity.scopes import Scope, covers
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Conflict, StaleVersion
from qurb.platform.database import transaction
from qurb.territory.service import TerritoryIndex
from tests.accounts import add_partner
from tests.conventions.test_model import PDF, PNG
from tests.regions import AIT_LHOU, IMI, PROVINCE_CODE, REGION_CODE, TIZGUI

Factory = Callable[..., sessionmaker[Session]]
BY = Actor.local("secretariat")
COUNCIL, CHU, ASSOCIATION = "council-99991", "chu-99", "association-sante"

SIGNED_1_DECEMBER = ConventionFields(
    reference="CP-99991-CHU",
    title_fr="Convention entre le conseil préfectoral et le CHU",
    title_ar="اتفاقية بين المجلس الإقليمي والمركز الاستشفائي الجامعي",
    object_fr="Équiper les établissements de santé.",
    kind="partnership",
    signature_on=PartialDate(None, 12, 1),  # "Monday 1 December", no year printed
    signature_place="Tizgui",
    territories=(PROVINCE_CODE,),
    source="A press report of the signing meeting.",
)
PARTIES = (
    PartyIn(COUNCIL, "financer", signatories=(Person("M. Président", "Président"),)),
    PartyIn(CHU, "implementer", contacts=(Person("Mme Directrice", email="dir@chu.example"),)),
)


def _region(small_region_db: Factory) -> sessionmaker[Session]:
    factory = small_region_db()
    add_partner(factory, COUNCIL, "provincial_council", PROVINCE_CODE)
    add_partner(factory, CHU, "chu", REGION_CODE)
    add_partner(factory, ASSOCIATION, "association", TIZGUI)
    return factory


def _count(factory: sessionmaker[Session], table: type) -> int:
    with factory() as s:
        return s.scalar(select(func.count()).select_from(table)) or 0


def _new(factory: sessionmaker[Session], fields: ConventionFields = SIGNED_1_DECEMBER) -> int:
    with transaction(factory) as s:
        return create_convention(s, BY, fields, PARTIES, [ArticleIn(1, "Objet")]).id


def test_a_convention_keeps_what_is_known_and_leaves_the_rest_unknown(
    small_region_db: Factory,
) -> None:
    factory = _region(small_region_db)
    with transaction(factory) as s:
        made = create_convention(s, BY, SIGNED_1_DECEMBER, PARTIES, [ArticleIn(1, "Objet")])
    with factory() as s:
        read = get_convention(s, made.id)
        [entry] = audit.entries(s, EntryFilter(entity_kind="convention"))
    assert read == made
    assert (read.status, read.version, read.created_by) == ("draft", 1, "secretariat")
    signature = read.fields.signature_on
    assert (signature.year, signature.month, signature.day) == (None, 12, 1)
    assert read.fields.start_on.is_unknown and read.fields.end_on.is_unknown
    assert read.fields.deliberation_number is None and read.fields.approval_on.is_unknown
    assert read.fields.territories == (PROVINCE_CODE,)
    council, chu = read.parties
    assert (council.partner_id, council.role, council.signatories) == (
        COUNCIL,
        "financer",
        (Person("M. Président", "Président"),),
    )
    assert chu.contacts == (Person("Mme Directrice", email="dir@chu.example"),)
    assert [a.number for a in read.articles] == [1]
    assert entry.action == "convention.create" and entry.entity_id == str(made.id)
    assert entry.after is not None and entry.after["signature_on"] == "--12-01"
    assert entry.territory_code == PROVINCE_CODE


def test_a_duplicate_reference_is_refused_by_name(small_region_db: Factory) -> None:
    factory = _region(small_region_db)
    _new(factory)
    with pytest.raises(Conflict) as refused, transaction(factory) as s:
        create_convention(s, BY, SIGNED_1_DECEMBER, PARTIES)
    assert refused.value.code == "convention_reference_taken"
    assert refused.value.values == {"reference": "'CP-99991-CHU'"}
    assert (_count(factory, ConventionRow), _count(factory, PartyRow)) == (1, 2)


def test_every_bad_field_is_named_and_nothing_is_written(small_region_db: Factory) -> None:
    factory = _region(small_region_db)
    bad = ConventionFields(
        "CP-2",
        "Titre",
        start_on=PartialDate(2025, 6, 1),
        end_on=PartialDate(2025, 1, 1),
        territories=(IMI, "99.999"),
    )
    parties = (PartyIn(COUNCIL, "financer"), PartyIn("not-a-partner", "boss"))
    with pytest.raises(ConventionInputError) as refused, transaction(factory) as s:
        create_convention(s, BY, bad, parties, [ArticleIn(0)])
    found = {(e.field, e.code) for e in refused.value.errors}
    assert found == {
        ("end_on", "convention_end_before_start"),
        ("territories[1]", "convention_territory"),
        ("parties[1].role", "convention_choice"),
        ("parties[1].partner_id", "convention_not_a_partner"),
        ("articles[0].number", "convention_article_number"),
    }
    assert _count(factory, ConventionRow) == 0
    with factory() as s:
        assert audit.entries(s, EntryFilter(entity_kind="convention")) == []


def test_in_force_waits_for_a_required_approval(small_region_db: Factory) -> None:
    factory = _region(small_region_db)
    needs_approval = ConventionFields(
        **{**vars(SIGNED_1_DECEMBER), "approval_required": True}  # type: ignore[arg-type]
    )
    convention_id = _new(factory, needs_approval)
    with transaction(factory) as s:
        signed = move_status(s, BY, convention_id, "signed", if_version=1)
    assert (signed.status, signed.version) == ("signed", 2)
    with pytest.raises(ConventionError) as refused, transaction(factory) as s:
        move_status(s, BY, convention_id, "in_force")
    assert refused.value.code == "convention_approval_missing"
    approved = ConventionFields(
        **{**vars(needs_approval), "approval_on": PartialDate(2026, 1)}  # type: ignore[arg-type]
    )
    with pytest.raises(StaleVersion), transaction(factory) as s:
        update_convention(s, BY, convention_id, approved, if_version=1)
    with transaction(factory) as s:
        update_convention(s, BY, convention_id, approved, if_version=2)
        in_force = move_status(s, BY, convention_id, "in_force", if_version=3)
    assert (in_force.status, in_force.version) == ("in_force", 4)
    assert in_force.fields.approval_on == PartialDate(2026, 1)
    with factory() as s:
        actions = [e.action for e in audit.entries(s, EntryFilter(entity_kind="convention"))]
    assert actions == [
        "convention.create",
        "convention.status",
        "convention.update",
        "convention.status",
    ]
    with pytest.raises(ConventionError) as backwards, transaction(factory) as s:
        move_status(s, BY, convention_id, "draft")
    assert backwards.value.code == "convention_move_refused"


def test_an_amendment_moves_the_end_and_keeps_the_one_it_replaced(
    small_region_db: Factory,
) -> None:
    factory = _region(small_region_db)
    dated = ConventionFields(
        **{  # type: ignore[arg-type]
            **vars(SIGNED_1_DECEMBER),
            "start_on": PartialDate(2026, 1, 1),
            "end_on": PartialDate(2028, 12, 31),
        }
    )
    convention_id = _new(factory, dated)
    with transaction(factory) as s:
        add_amendment(s, BY, convention_id, AmendmentIn(1, PartialDate(2027, 3)))
        amended = add_amendment(
            s, BY, convention_id, AmendmentIn(2, new_end_on=PartialDate(2030, 12, 31))
        )
    first, second = amended.amendments
    assert (first.changes_end, first.end_on, first.on) == (False, None, PartialDate(2027, 3))
    assert second.previous_end_on == PartialDate(2028, 12, 31)
    assert second.end_on == amended.fields.end_on == PartialDate(2030, 12, 31)
    with pytest.raises(ConventionInputError) as refused, transaction(factory) as s:
        add_amendment(s, BY, convention_id, AmendmentIn(2, new_end_on=PartialDate(2025, 1, 1)))
    assert {(e.field, e.code) for e in refused.value.errors} == {
        ("number", "convention_amendment_taken"),
        ("new_end_on", "convention_end_before_start"),
    }
    with transaction(factory) as s:
        add_article(s, BY, convention_id, ArticleIn(2, "Durée"))
        with pytest.raises(ConventionInputError):
            add_article(s, BY, convention_id, ArticleIn(2, "Encore"))
    with factory() as s:
        assert [a.number for a in get_convention(s, convention_id).articles] == [1, 2]


def test_a_document_is_stored_with_its_checksum_and_refused_when_not_what_it_claims(
    small_region_db: Factory,
) -> None:
    factory = _region(small_region_db)
    convention_id = _new(factory)
    with transaction(factory) as s:
        add_amendment(s, BY, convention_id, AmendmentIn(1))
        stored = attach_document(s, BY, convention_id, "signée.pdf", PDF, claimed="pdf")
        scan = attach_document(s, BY, convention_id, "avenant.png", PNG, amendment_number=1)
    assert (stored.kind, stored.size) == ("pdf", len(PDF))
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
    assert scan.amendment_id is not None and scan.kind == "png"
    with factory() as s:
        info, content = get_document(s, convention_id, stored.id)
        convention = get_convention(s, convention_id)
    assert (info, content) == (stored, PDF)
    assert [d.filename for d in convention.documents] == ["signée.pdf", "avenant.png"]
    with pytest.raises(ConventionInputError) as refused, transaction(factory) as s:
        attach_document(s, BY, convention_id, "faux.pdf", PNG, claimed="pdf")
    assert [e.code for e in refused.value.errors] == ["convention_document_not_claimed"]
    with pytest.raises(ConventionInputError) as no_such, transaction(factory) as s:
        attach_document(s, BY, convention_id, "avenant.pdf", PDF, amendment_number=9)
    assert [e.field for e in no_such.value.errors] == ["amendment"]
    assert _count(factory, DocumentRow) == 2
    with pytest.raises(ConventionNotFound), factory() as s:
        get_document(s, convention_id + 1, stored.id)


def test_parties_are_replaced_whole_and_must_be_partners(small_region_db: Factory) -> None:
    factory = _region(small_region_db)
    convention_id = _new(factory)
    with pytest.raises(ConventionInputError) as refused, transaction(factory) as s:
        set_parties(
            s, BY, convention_id, [PartyIn(COUNCIL, "financer"), PartyIn("nobody", "financer")]
        )
    assert [(e.field, e.values) for e in refused.value.errors] == [
        ("parties[1].partner_id", {"id": "'nobody'"})
    ]
    with transaction(factory) as s:
        three = set_parties(s, BY, convention_id, [*PARTIES, PartyIn(ASSOCIATION, "beneficiary")])
    assert [p.partner_id for p in three.parties] == [COUNCIL, CHU, ASSOCIATION]
    assert three.version == 2


def test_lists_filter_and_a_grant_limited_to_some_conventions_sees_only_those(
    small_region_db: Factory,
) -> None:
    factory = _region(small_region_db)
    province = _new(factory)
    imi_only = ConventionFields(
        **{  # type: ignore[arg-type]
            **vars(SIGNED_1_DECEMBER),
            "reference": "CP-IMI",
            "territories": (IMI,),
            "published": True,
        }
    )
    with transaction(factory) as s:
        imi = create_convention(s, BY, imi_only, [PartyIn(ASSOCIATION, "implementer")]).id
    with factory() as s:
        index = TerritoryIndex.from_session(s)

        def listed(flt: ConventionFilter, scope: Scope = Scope.everything()) -> list[str]:
            found = list_conventions(s, flt, lambda t: covers(scope, t), index=index)
            return [c.reference for c in found]

        assert listed(ConventionFilter()) == ["CP-99991-CHU", "CP-IMI"]
        # A commune inside the province sees the province's convention too.
        assert listed(ConventionFilter(territory=IMI)) == ["CP-99991-CHU", "CP-IMI"]
        assert listed(ConventionFilter(territory=AIT_LHOU)) == ["CP-99991-CHU"]
        assert listed(ConventionFilter(partner=ASSOCIATION)) == ["CP-IMI"]
        assert listed(ConventionFilter(status="signed")) == []
        assert listed(ConventionFilter(), Scope(conventions=[str(imi)])) == ["CP-IMI"]
        assert listed(ConventionFilter(), Scope(partners=[CHU])) == ["CP-99991-CHU"]
        assert listed(ConventionFilter(), Scope(territories=[IMI])) == ["CP-IMI"]
        # Writing a convention over the province needs a grant over the province.
        targets = targets_of(index, get_convention(s, province))
        assert not all(covers(Scope(territories=[IMI]), t) for t in targets)
        assert all(covers(Scope(territories=[REGION_CODE]), t) for t in targets)
        # A grant limited to some conventions creates none (no id yet).
        assert not covers(Scope(conventions=["1"]), convention_targets(index, [IMI])[0])
        public = published_summaries(s, ConventionFilter(), index=index)
        assert [p.reference for p in public] == ["CP-IMI"]
        assert public[0].parties[0].role == "implementer"
        assert not hasattr(public[0].parties[0], "contacts")
        assert not hasattr(public[0], "documents")
        with pytest.raises(ConventionNotFound):
            published_summary(s, province)
