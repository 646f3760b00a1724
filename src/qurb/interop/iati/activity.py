"""Conventions as IATI 2.03 activity XML (`iati-activities`), valid against the
standard's activity schema, written from `model`'s plain values with the standard
library's ElementTree (writing needs no schema-aware library; the tests validate the
result against the 2.03 XSD).

What is written and what is not, so that the file never says more than Qurb knows:

* the elements in the order the schema's sequence requires;
* titles and descriptions as one `narrative` per known language, each with its xml:lang;
* a participating organisation per (party, role) that IATI has a code for
  (`model.PARTY_ROLES`); its `ref` only when the partner has an IATI identifier;
* only the activity dates that are known; the recipient country (Morocco, 100 %); the
  sub-national locations given, each with what is known of it (name, GeoNames
  identifier, point);
* budgets and transactions whose amounts (and, for a transaction, date) are known, in
  MAD; the others are left out, and `left_out` counts them for the face to say so.

The schema requires what an unknown cannot give: a title, a description, a reporting
organisation with its IATI identifier and type, a participating organisation, an activity
date. An activity
missing one is refused with a coded error rather than written invalid or with made-up
values.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from qurb.interop.iati.model import (
    PARTY_ROLES,
    Activity,
    Budget,
    Location,
    Organisation,
    Participant,
    Texts,
    Transaction,
)
from qurb.kernel.errors import InputError

IATI_VERSION = "2.03"
CURRENCY = "MAD"
_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_CENTIME = Decimal("0.01")
WGS84 = "http://www.opengis.net/def/crs/EPSG/0/4326"  # the schema's name for latitude, longitude


@dataclass(frozen=True)
class LeftOut:
    """What an activity holds that its XML does not, because it is unknown."""

    budgets: int  # amount unknown
    transactions: int  # amount or date unknown
    participants: int  # no role IATI codes (beneficiary, secretariat only)


def left_out(activity: Activity) -> LeftOut:
    return LeftOut(
        sum(1 for b in activity.budgets if b.amount_mad is None),
        sum(1 for t in activity.transactions if not _known(t)),
        sum(1 for p in activity.participants if not _iati_roles(p)),
    )


def _known(transaction: Transaction) -> bool:
    return transaction.amount_mad is not None and transaction.day is not None


def _iati_roles(participant: Participant) -> list[int]:
    """The participant's IATI role codes, each once, in code order."""
    return sorted({int(PARTY_ROLES[r]) for r in participant.roles if r in PARTY_ROLES})


def _sub(parent: ET.Element, tag: str, **attributes: str) -> ET.Element:
    return ET.SubElement(parent, tag, {k.replace("_", "-"): v for k, v in attributes.items()})


def _narratives(parent: ET.Element, texts: Texts) -> None:
    for lang, text in texts.known():
        _sub(parent, "narrative", **{_LANG: lang}).text = text


def _organisation(parent: ET.Element, tag: str, org: Organisation, **attributes: str) -> None:
    if org.iati_ref:
        attributes["ref"] = org.iati_ref
    if org.type_code:
        attributes["type"] = org.type_code
    _narratives(_sub(parent, tag, **attributes), org.name)


def _amount(parent: ET.Element, amount_mad: Decimal, value_date: date) -> None:
    value = _sub(parent, "value", currency=CURRENCY, value_date=value_date.isoformat())
    value.text = str(amount_mad.quantize(_CENTIME))


def _check(activity: Activity) -> None:
    """Refuse an activity the schema cannot take without made-up values."""
    reporting = activity.reporting_org
    values = {"activity": activity.identifier}
    if not activity.identifier.strip():
        raise InputError(code="iati_identifier_missing")
    if not activity.title.known():
        raise InputError(code="iati_title_missing", values=values)
    if activity.description is None or not activity.description.known():
        raise InputError(code="iati_description_missing", values=values)
    if not reporting.iati_ref or not reporting.type_code:
        raise InputError(code="iati_reporting_org_incomplete", values=values)
    if not any(_iati_roles(p) for p in activity.participants):
        raise InputError(code="iati_no_participant", values=values)
    dates = activity.dates
    known = (dates.planned_start, dates.actual_start, dates.planned_end, dates.actual_end)
    if all(day is None for day in known):
        raise InputError(code="iati_no_known_date", values=values)


def _dates(element: ET.Element, activity: Activity) -> None:
    dates = activity.dates
    for code, day in (
        ("1", dates.planned_start),
        ("2", dates.actual_start),
        ("3", dates.planned_end),
        ("4", dates.actual_end),
    ):
        if day is not None:
            _sub(element, "activity-date", type=code, iso_date=day.isoformat())


def _location(element: ET.Element, location: Location) -> None:
    written = _sub(element, "location", **({"ref": location.ref} if location.ref else {}))
    if location.reach is not None:
        _sub(written, "location-reach", code=str(int(location.reach)))
    if location.geonames_id:
        _sub(written, "location-id", vocabulary="G1", code=location.geonames_id)
    if location.name.known():
        _narratives(_sub(written, "name"), location.name)
    if location.point is not None:
        latitude, longitude = location.point
        point = _sub(written, "point", srsName=WGS84)
        _sub(point, "pos").text = f"{latitude:.6f} {longitude:.6f}"  # degrees, to ~0.1 m
        exactness = "1" if location.exact else "2"  # GeographicExactness: exact, approximate
        _sub(written, "exactness", code=exactness)
    if location.location_class is not None:
        _sub(written, "location-class", code=str(int(location.location_class)))


def _budget(element: ET.Element, budget: Budget) -> None:
    if budget.amount_mad is None:
        return
    written = _sub(element, "budget", type="1", status=str(int(budget.status)))
    _sub(written, "period-start", iso_date=budget.period_start.isoformat())
    _sub(written, "period-end", iso_date=budget.period_end.isoformat())
    _amount(written, budget.amount_mad, budget.period_start)


def _transaction(element: ET.Element, transaction: Transaction) -> None:
    if transaction.amount_mad is None or transaction.day is None:
        return
    attributes = {"ref": transaction.reference} if transaction.reference else {}
    written = _sub(element, "transaction", **attributes)
    _sub(written, "transaction-type", code=str(int(transaction.kind)))
    _sub(written, "transaction-date", iso_date=transaction.day.isoformat())
    _amount(written, transaction.amount_mad, transaction.day)
    if transaction.description is not None and transaction.description.known():
        _narratives(_sub(written, "description"), transaction.description)
    if transaction.provider is not None:
        _organisation(written, "provider-org", transaction.provider)
    if transaction.receiver is not None:
        _organisation(written, "receiver-org", transaction.receiver)


def _activity(parent: ET.Element, activity: Activity) -> None:
    _check(activity)
    attributes = {"default_currency": CURRENCY, _LANG: activity.default_lang}
    if activity.last_updated is not None:
        attributes["last_updated_datetime"] = _datetime(activity.last_updated)
    element = _sub(parent, "iati-activity", **attributes)
    _sub(element, "iati-identifier").text = activity.identifier.strip()
    _organisation(element, "reporting-org", activity.reporting_org)
    _narratives(_sub(element, "title"), activity.title)
    if activity.description is not None:  # checked: known
        _narratives(_sub(element, "description", type="1"), activity.description)
    for participant in activity.participants:
        for role in _iati_roles(participant):
            _organisation(element, "participating-org", participant.organisation, role=str(role))
    _sub(element, "activity-status", code=str(int(activity.status)))
    _dates(element, activity)
    _sub(element, "recipient-country", code=activity.recipient_country, percentage="100")
    for location in activity.locations:
        _location(element, location)
    for budget in activity.budgets:
        _budget(element, budget)
    for transaction in activity.transactions:
        _transaction(element, transaction)


def _datetime(moment: datetime) -> str:
    """An aware moment in UTC, to the second (a naive one is refused: its zone is unknown)."""
    if moment.tzinfo is None:
        raise InputError(code="iati_naive_datetime", values={"moment": moment.isoformat()})
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def write_activities(activities: Sequence[Activity], generated: datetime) -> bytes:
    """The activities as one `iati-activities` document (UTF-8, with its declaration);
    every activity checked before any is written. The schema wants at least one."""
    if not activities:
        raise InputError(code="iati_no_activity")
    for activity in activities:
        _check(activity)
    root = ET.Element(
        "iati-activities", {"version": IATI_VERSION, "generated-datetime": _datetime(generated)}
    )
    for activity in activities:
        _activity(root, activity)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
