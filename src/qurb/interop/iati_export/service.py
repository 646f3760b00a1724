"""A convention as an IATI 2.03 activity, from what Qurb records of it, and the file of
activities for one convention or for every published one.

Choices, each so that the file says no more than Qurb knows:

* The reporting organisation is the convention's secretariat party (the partner that
  keeps its record), which must have an IATI organisation identifier (`iati_ref`); a
  convention without one is refused with a coded error saying what to give, never written
  under a made-up identifier.
* The activity's identifier is the reporting organisation's identifier, a hyphen, and the
  convention's reference with the characters IATI forbids in identifiers (blanks, / & | ?)
  replaced by hyphens, as the standard asks ("prefixed by the reporting organisation's").
* An organisation's type comes from its partner kind (`ORGANISATION_TYPES`, the IATI
  OrganisationType codelist); its `ref` only when the partner has an IATI identifier.
* A date is written only when it is a whole date (a published "Monday 1 December" with
  no year is unknown): start and end as planned dates; the start as the actual start once
  the convention is in force or later.
* The territories covered are locations whose beneficiaries live there (reach 2,
  administrative region), with their HCP code as `ref`, their French and Arabic names and
  their representative point (approximate).
* The description is the convention's object; one without a known object is refused (the
  schema requires a description; an invented one would say what no one signed).
* A budget per calendar year: the sum of that year's money contributions, written only
  when every one of them is known (a partial sum would understate it); a year with an
  unknown amount, and money contributions of an unknown year, are left out and counted.
* Disbursements and expenditures as transactions (types 3 and 4), from the paying party
  to the receiving party or payee, when their date and amount are known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from qurb.conventions.listing import published_ids
from qurb.conventions.money_model import ContributionKind, DisbursementKind
from qurb.conventions.money_service import list_contributions, list_disbursements
from qurb.conventions.records import Convention, Party
from qurb.conventions.service import get_convention
from qurb.identity.partner_service import get_partner
from qurb.identity.partners import Partner, PartnerKind
from qurb.interop.iati.activity import LeftOut, left_out, write_activities
from qurb.interop.iati.model import (
    Activity,
    ActivityDates,
    Budget,
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
from qurb.kernel import clock
from qurb.kernel.errors import InputError
from qurb.territory.service import TerritoryIndex

# A partner kind as an IATI organisation type (OrganisationType codelist, 2.03): the
# State's health administration is government (10); councils and communes are local
# government (11); CHU, hospitals, the GST and the professional orders are other public
# bodies (15); Moroccan associations are NGOs based in the partner country (24); faculties
# are academic (80); anything else is "other" (90).
ORGANISATION_TYPES: dict[PartnerKind, str] = {
    PartnerKind.MINISTRY: "10",
    PartnerKind.DRS: "10",
    PartnerKind.DELEGATION: "10",
    PartnerKind.REGIONAL_COUNCIL: "11",
    PartnerKind.PROVINCIAL_COUNCIL: "11",
    PartnerKind.COMMUNAL_COUNCIL: "11",
    PartnerKind.COMMUNE: "11",
    PartnerKind.GST: "15",
    PartnerKind.CHU: "15",
    PartnerKind.HOSPITAL: "15",
    PartnerKind.PROFESSIONAL_ORDER: "15",
    PartnerKind.ASSOCIATION: "24",
    PartnerKind.FACULTY: "80",
    PartnerKind.OTHER: "90",
}
_FORBIDDEN = re.compile(r"[\s/&|?]+")
_STARTED = frozenset({"in_force", "suspended", "closed", "terminated"})


@dataclass(frozen=True)
class IatiFile:
    """An IATI activities file and what its activities hold that it does not say."""

    xml: bytes
    references: tuple[str, ...]
    left_out: LeftOut


def organisation(partner: Partner) -> Organisation:
    return Organisation(
        name=Texts(fr=partner.name_fr, ar=partner.name_ar, en=partner.name_en),
        iati_ref=partner.iati_ref,
        type_code=ORGANISATION_TYPES[partner.kind],
    )


def _reporting(convention: Convention, partners: dict[str, Partner]) -> Partner:
    secretariat = [p for p in convention.parties if p.role == "secretariat"]
    if not secretariat:
        raise InputError(code="iati_no_secretariat", values={"reference": convention.reference})
    partner = partners[secretariat[0].partner_id]
    if not partner.iati_ref:
        raise InputError(
            code="iati_secretariat_without_ref",
            values={"reference": convention.reference, "partner": partner.id},
        )
    return partner


def _participants(
    parties: tuple[Party, ...], partners: dict[str, Partner]
) -> tuple[Participant, ...]:
    roles: dict[str, list[str]] = {}
    for party in parties:
        if party.role is not None:
            roles.setdefault(party.partner_id, []).append(party.role)
    return tuple(
        Participant(organisation(partners[pid]), tuple(found)) for pid, found in roles.items()
    )


def _locations(convention: Convention, index: TerritoryIndex) -> tuple[Location, ...]:
    found = []
    for code in convention.fields.territories:
        unit = index.by_code[code]
        point = None
        if unit.ref_lat is not None and unit.ref_lon is not None:
            point = (unit.ref_lat, unit.ref_lon)
        found.append(
            Location(
                name=Texts(fr=unit.name_fr, ar=unit.name_ar),
                ref=code,
                point=point,
                exact=False,
                reach=LocationReach.BENEFICIARIES,
                location_class=LocationClass.ADMINISTRATIVE_REGION,
            )
        )
    return tuple(found)


def _dates(convention: Convention) -> ActivityDates:
    start = convention.fields.start_on.as_date()
    return ActivityDates(
        planned_start=start,
        actual_start=start if convention.status in _STARTED else None,
        planned_end=convention.fields.end_on.as_date(),
    )


def _whole_sum(amounts: list[Decimal | None]) -> Decimal | None:
    """The sum, or None when one of the amounts is unknown."""
    known = [a for a in amounts if a is not None]
    return sum(known, Decimal(0)) if len(known) == len(amounts) else None


def _budgets(session: Session, convention_id: int) -> tuple[tuple[Budget, ...], int]:
    """A budget per year of the money contributions, and how many contributions have no
    known year (they belong to no budget)."""
    years: dict[int, list[Decimal | None]] = {}
    no_year = 0
    for c in list_contributions(session, convention_id):
        if c.values.kind != ContributionKind.MONEY:
            continue
        if c.values.year is None:
            no_year += 1
        else:
            years.setdefault(c.values.year, []).append(c.values.amount)
    budgets = tuple(
        Budget.for_year(year, _whole_sum(amounts)) for year, amounts in sorted(years.items())
    )
    return budgets, no_year


_TRANSACTION_KINDS = {
    DisbursementKind.DISBURSEMENT.value: TransactionType.DISBURSEMENT,
    DisbursementKind.EXPENDITURE.value: TransactionType.EXPENDITURE,
}


def _transactions(
    session: Session, convention_id: int, partners: dict[str, Partner]
) -> tuple[Transaction, ...]:
    def org(partner_id: str | None, payee: str | None = None) -> Organisation | None:
        if partner_id is not None and partner_id in partners:
            return organisation(partners[partner_id])
        return Organisation(Texts(fr=payee)) if payee else None

    return tuple(
        Transaction(
            kind=_TRANSACTION_KINDS[d.kind],
            day=d.on,
            amount_mad=d.amount,
            provider=org(d.from_partner_id),
            receiver=org(d.to_partner_id, d.to_payee),
            reference=d.reference,
        )
        for d in list_disbursements(session, convention_id)
        if d.kind in _TRANSACTION_KINDS
    )


def activity_of(session: Session, index: TerritoryIndex, convention: Convention) -> Activity:
    """The convention as an IATI activity (refused, coded, when the schema would need a
    value Qurb does not have)."""
    partners = {p.partner_id: get_partner(session, p.partner_id) for p in convention.parties}
    reporting = _reporting(convention, partners)
    fields = convention.fields
    own = _FORBIDDEN.sub("-", convention.reference).strip("-")
    description = Texts(fr=fields.object_fr, ar=fields.object_ar)
    return Activity(
        identifier=f"{reporting.iati_ref}-{own}",
        reporting_org=organisation(reporting),
        title=Texts(fr=fields.title_fr, ar=fields.title_ar),
        description=description if description.known() else None,
        status=status_of_convention(convention.status),
        dates=_dates(convention),
        participants=_participants(convention.parties, partners),
        locations=_locations(convention, index),
        budgets=_budgets(session, convention.id)[0],
        transactions=_transactions(session, convention.id, partners),
        last_updated=convention.created_at,
    )


def _file(session: Session, conventions: list[Convention], activities: list[Activity]) -> IatiFile:
    counts = [left_out(a) for a in activities]
    no_year = sum(_budgets(session, c.id)[1] for c in conventions)
    return IatiFile(
        xml=write_activities(activities, clock.now()),
        references=tuple(a.identifier for a in activities),
        left_out=LeftOut(
            budgets=sum(c.budgets for c in counts) + no_year,
            transactions=sum(c.transactions for c in counts),
            participants=sum(c.participants for c in counts),
        ),
    )


def convention_iati(session: Session, index: TerritoryIndex, convention_id: int) -> IatiFile:
    """One convention's IATI activities file."""
    convention = get_convention(session, convention_id)
    return _file(session, [convention], [activity_of(session, index, convention)])


def published_iati(session: Session, index: TerritoryIndex) -> IatiFile:
    """Every published convention's activity in one file (the public's: no documents, no
    contacts are in an activity anyway). Refused when none is published or one of them
    cannot be written (its code names the convention)."""
    conventions = [get_convention(session, cid) for cid in published_ids(session)]
    return _file(session, conventions, [activity_of(session, index, c) for c in conventions])


def generated_at() -> datetime:
    return clock.now()
