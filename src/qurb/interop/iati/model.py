"""What an IATI 2.03 activity is made of, as plain values: the conventions' export fills
these and `activity.write_activities` writes them. Pure: no I/O.

The IATI codes used, from the 2.03 codelists:

* OrganisationRole: a convention party's role maps financer → Funding (1), supervisor →
  Accountable (2), implementer → Implementing (4). A beneficiary has no code of its own
  in the codelist (its four roles are about money and work: Funding, Accountable,
  Extending, Implementing), so a party that is only a beneficiary is not written as a
  participating organisation; calling it Implementing would say it did the work. The
  secretariat keeps the convention's records, which is none of the four either (Extending
  manages the funds on the funder's behalf): it is left out too.
* ActivityStatus: 1 Pipeline/identification, 2 Implementation, 3 Finalisation, 4 Closed,
  5 Cancelled, 6 Suspended (`status_of_convention` maps a convention's status).
* ActivityDateType: 1 planned start, 2 actual start, 3 planned end, 4 actual end.
* BudgetType 1 Original, BudgetStatus 1 Indicative / 2 Committed.
* TransactionType: 2 Outgoing Commitment, 3 Disbursement, 4 Expenditure (and 1 Incoming
  Funds, 11 Incoming Commitment for the reporting party's own receipts).
* GeographicLocationReach, GeographicLocationClass, GeographicExactness (1 exact, 2
  approximate) and GeographicVocabulary G1 (GeoNames) for a location.
* OrganisationType: the reporting organisation's type is required by the schema (10
  Government, 15 Other Public Sector, 22 National NGO, 80 Academic…); the caller names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import IntEnum


class OrganisationRole(IntEnum):
    FUNDING = 1
    ACCOUNTABLE = 2
    EXTENDING = 3
    IMPLEMENTING = 4


# A convention party's roles as IATI's (see the module's note for those left out).
PARTY_ROLES: dict[str, OrganisationRole] = {
    "financer": OrganisationRole.FUNDING,
    "supervisor": OrganisationRole.ACCOUNTABLE,
    "implementer": OrganisationRole.IMPLEMENTING,
}


class ActivityStatus(IntEnum):
    PIPELINE = 1
    IMPLEMENTATION = 2
    FINALISATION = 3
    CLOSED = 4
    CANCELLED = 5
    SUSPENDED = 6


# A convention's status (issue's list) as an activity's: before it is in force it is
# still being identified; "closed" is over and done, "terminated" ended before its term.
CONVENTION_STATUSES: dict[str, ActivityStatus] = {
    "draft": ActivityStatus.PIPELINE,
    "signed": ActivityStatus.PIPELINE,
    "approved": ActivityStatus.PIPELINE,
    "in_force": ActivityStatus.IMPLEMENTATION,
    "suspended": ActivityStatus.SUSPENDED,
    "closed": ActivityStatus.CLOSED,
    "terminated": ActivityStatus.CANCELLED,
}


def status_of_convention(status: str) -> ActivityStatus:
    """The IATI activity status of a convention's status (`in force` or `in_force`)."""
    return CONVENTION_STATUSES[status.strip().replace(" ", "_").replace("-", "_")]


class TransactionType(IntEnum):
    INCOMING_FUNDS = 1
    OUTGOING_COMMITMENT = 2
    DISBURSEMENT = 3
    EXPENDITURE = 4
    INCOMING_COMMITMENT = 11


class BudgetStatus(IntEnum):
    INDICATIVE = 1
    COMMITTED = 2


@dataclass(frozen=True)
class Texts:
    """One text in the languages it is known in (each written as a narrative with its
    xml:lang); an empty one is not written."""

    fr: str | None = None
    ar: str | None = None
    en: str | None = None

    def known(self) -> list[tuple[str, str]]:
        """(language, text) of each text given, French, Arabic then English."""
        given = (("fr", self.fr), ("ar", self.ar), ("en", self.en))
        return [(lang, text.strip()) for lang, text in given if text and text.strip()]


@dataclass(frozen=True)
class Organisation:
    """A partner as IATI names it: its IATI organisation identifier only when it has one
    (never made up from Qurb's codes), its type code when known."""

    name: Texts
    iati_ref: str | None = None
    type_code: str | None = None  # OrganisationType codelist


@dataclass(frozen=True)
class Participant:
    """A convention party and its roles (financer, supervisor, implementer, beneficiary,
    secretariat: those IATI has a code for are written, see `PARTY_ROLES`)."""

    organisation: Organisation
    roles: tuple[str, ...]


@dataclass(frozen=True)
class ActivityDates:
    """The activity's dates that are known (a partial or unknown date is None: the
    conventions keep "1 December" without a year as such, and it is not written)."""

    planned_start: date | None = None
    actual_start: date | None = None
    planned_end: date | None = None
    actual_end: date | None = None


@dataclass(frozen=True)
class Budget:
    """Money planned for a period of at most a year (MAD); written only when known."""

    period_start: date
    period_end: date
    amount_mad: Decimal | None
    status: BudgetStatus = BudgetStatus.COMMITTED

    @classmethod
    def for_year(
        cls, year: int, amount_mad: Decimal | None, status: BudgetStatus = BudgetStatus.COMMITTED
    ) -> Budget:
        """A calendar year's budget (a convention's contributions are per year)."""
        return cls(date(year, 1, 1), date(year, 12, 31), amount_mad, status)


@dataclass(frozen=True)
class Transaction:
    """Money that moved (MAD): written only when both its date and amount are known."""

    kind: TransactionType
    day: date | None
    amount_mad: Decimal | None
    provider: Organisation | None = None
    receiver: Organisation | None = None
    reference: str | None = None
    description: Texts | None = None


class LocationReach(IntEnum):
    ACTIVITY = 1  # the work happens there (a facility equipped, a caravan's stop)
    BENEFICIARIES = 2  # the people it is for live there (a territory the convention covers)


class LocationClass(IntEnum):
    ADMINISTRATIVE_REGION = 1  # a territory: region, province, commune
    POPULATED_PLACE = 2
    STRUCTURE = 3  # a facility
    OTHER_TOPOGRAPHICAL_FEATURE = 4


@dataclass(frozen=True)
class Location:
    """A sub-national place of the activity. `ref` is the publisher's own code for it
    (an HCP territory code, a facility code); `geonames_id` is written as a GeoNames
    location identifier (GeographicVocabulary G1) only when known; `point` is (latitude,
    longitude) in WGS 84 degrees, `exact` False for a place's representative point (a
    territory's), True for a facility's own position."""

    name: Texts
    ref: str | None = None
    geonames_id: str | None = None
    point: tuple[float, float] | None = None
    exact: bool = False
    reach: LocationReach | None = None
    location_class: LocationClass | None = None


@dataclass(frozen=True)
class Activity:
    """One convention as an IATI activity. `identifier` is the IATI activity identifier,
    which IATI wants prefixed by the reporting organisation's identifier."""

    identifier: str
    reporting_org: Organisation  # its iati_ref and type_code are required by the schema
    title: Texts
    status: ActivityStatus
    dates: ActivityDates
    participants: tuple[Participant, ...] = ()
    description: Texts | None = None
    budgets: tuple[Budget, ...] = ()
    transactions: tuple[Transaction, ...] = ()
    last_updated: datetime | None = None
    default_lang: str = "fr"
    recipient_country: str = "MA"
    locations: tuple[Location, ...] = ()
