"""The examples from the public record (`examples/conventions/`) import on the real
territory tree (SQLite and PostgreSQL), their partners created once, and every field that
was not published is unknown: amounts are not modelled yet, so no article, duration,
deliberation, approval, year or role is given."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from qurb.conventions.imports import import_convention, read_convention_file
from qurb.conventions.model import ConventionInputError
from qurb.conventions.partial_dates import PartialDate
from qurb.identity.partner_service import PartnerFilter, list_partners
from qurb.kernel.actor import Actor
from qurb.platform.database import transaction
from tests.partners import write_territories

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "conventions"
BY = Actor.local("secretariat")


def test_the_examples_hold_only_what_was_published(region_engine: Engine) -> None:
    factory = write_territories(region_engine)
    files = sorted(EXAMPLES.glob("*.toml"))
    assert [f.name for f in files] == [
        "fes-council-chu-associations.toml",
        "fes-council-chu.toml",
        "rabat-mutualisation.toml",
        "tanger-ampcc-cnom.toml",
    ]
    imported = {}
    with transaction(factory) as s:
        for file in files:
            imported[file.stem] = import_convention(
                s, BY, read_convention_file(file), source=str(file)
            )
    with factory() as s:
        partners = list_partners(s, PartnerFilter(active=None))
    # 2 + 6 in Fès (the council and the CHU once), 4 in Rabat, 2 in Tanger.
    assert len(partners) == 14
    assert len(imported["fes-council-chu"].partners_created) == 0
    assert len(imported["fes-council-chu-associations"].partners_created) == 8
    for name, done in imported.items():
        convention = done.convention
        f = convention.fields
        assert (convention.status, f.published) == ("signed", True), name
        assert convention.articles == () and convention.amendments == (), name
        assert convention.documents == (), name
        for unknown in (f.deliberation_on, f.approval_on, f.start_on, f.end_on):
            assert unknown.is_unknown, name
        assert f.signature_on.year is None, name  # no year was published anywhere
        assert f.deliberation_number is None and not f.approval_required, name
        assert f.title_ar is None and f.object_ar is None, name
        assert all(p.role is None for p in convention.parties), name
        assert f.source and f.object_fr, name
    fes = imported["fes-council-chu"].convention
    assert fes.fields.signature_on == PartialDate(None, 12, 1)
    assert (fes.fields.signature_place, fes.fields.territories) == ("Fès", ("03.231",))
    associations = imported["fes-council-chu-associations"].convention
    assert len(associations.parties) == 8
    assert {p.partner_id for p in fes.parties} <= {p.partner_id for p in associations.parties}
    rabat = imported["rabat-mutualisation"].convention
    assert rabat.fields.signature_on.is_unknown and rabat.fields.kind == "mutualisation"
    tanger = imported["tanger-ampcc-cnom"].convention
    assert tanger.fields.signature_on.is_unknown and tanger.fields.territories == ("MA",)
    assert [s.name for p in tanger.parties for s in p.signatories] == [
        "Mohamed Boudra",
        "Mohammadin Boubekri",
    ]
    assert all(p.contacts == () for c in imported.values() for p in c.convention.parties)


def test_a_bad_file_is_named_with_every_bad_field_and_nothing_is_written(
    region_engine: Engine, tmp_path: Path
) -> None:
    factory = write_territories(region_engine)
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'status = "signed"\n[convention]\nreference = "X"\ntitle_fr = "T"\n'
        'signature_on = "1 December"\nterritories = ["03.231", "99.999"]\n'
        '[[parties]]\nname_fr = "Nouveau partenaire"\nkind = "association"\nterritory = "MA"\n'
        '[[parties]]\nname_fr = "Autre"\nkind = "nobody"\nterritory = "MA"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConventionInputError) as refused:
        read_convention_file(bad)
    assert refused.value.source == str(bad)
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("parties.1.kind", "pydantic.enum")
    ]
    bad.write_text(bad.read_text(encoding="utf-8").replace('"nobody"', '"association"'))
    file = read_convention_file(bad)
    with pytest.raises(ConventionInputError) as refused, transaction(factory) as s:
        import_convention(s, BY, file, source=str(bad))
    assert refused.value.source == str(bad)
    assert [(e.field, e.code) for e in refused.value.errors] == [("signature_on", "partial_date")]
    bad.write_text(bad.read_text(encoding="utf-8").replace('"1 December"', '"--12-01"'))
    with pytest.raises(ConventionInputError) as refused, transaction(factory) as s:
        import_convention(s, BY, read_convention_file(bad), source=str(bad))
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("territories[1]", "convention_territory")
    ]
    with factory() as s:  # the partners made before the refusal are gone with it
        assert list_partners(s, PartnerFilter(active=None)) == []
