"""A convention's money, pure: contributions (money, or in kind: staff, equipment,
medicines and supplies, vehicles, premises), their tranches, disbursements and
expenditures, each checked field by field (amounts read as money by
`algo.execution.read_value`: a negative or non-numeric amount is named, never rounded),
and the typed results the service answers. Unknown stays unknown (None), never 0.

What needs the database (a party of the convention, a registry item, the convention's
dates, the commitment a disbursement pays) is the service's (money_service.py)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from qurb.algo.execution import FinancialExecution, IndicatorKind, read_value
from qurb.conventions.model import SHORT_MAX_CHARS, TEXT_MAX_CHARS
from qurb.conventions.partial_dates import UNKNOWN, PartialDate
from qurb.kernel.errors import FieldError
from qurb.kernel.i18n import problem

ITEM_MAX_CHARS = 80
NAME_MAX_CHARS = 80
REFERENCE_MAX_CHARS = 120
FIRST_YEAR, LAST_YEAR = 1956, 2100  # a convention of independent Morocco's health services


class ContributionKind(enum.StrEnum):
    MONEY = "money"
    STAFF = "staff"
    EQUIPMENT = "equipment"
    MEDICINES_SUPPLIES = "medicines_supplies"
    VEHICLES = "vehicles"
    PREMISES = "premises"


class DisbursementKind(enum.StrEnum):
    DISBURSEMENT = "disbursement"  # paid by a party (counts in the financial execution)
    EXPENDITURE = "expenditure"  # spent by a party (reported apart)


K = ContributionKind
# The units a quantity of each kind in kind is counted in.
UNITS: dict[ContributionKind, tuple[str, ...]] = {
    K.STAFF: ("days", "fte"),
    K.EQUIPMENT: ("items",),
    K.MEDICINES_SUPPLIES: ("items", "boxes", "lots"),
    K.VEHICLES: ("items", "months"),
    K.PREMISES: ("m2", "months"),
}
# Asked of in-kind contributions only; equipment's registry links of equipment only.
IN_KIND_FIELDS = ("quantity", "unit", "valuation", "valuation_method")
STAFF_FIELDS = ("profession", "specialty")
EQUIPMENT_FIELDS = ("equipment_id", "facility_id")
AMOUNT_FIELDS = ("amount", "quantity", "valuation")  # whose changes are kept


@dataclass(frozen=True)
class ContributionIn:
    """A contribution as asked: amounts raw (a number, a text, None: unknown), read by
    `check_contribution`."""

    partner_id: str
    kind: str
    year: int | None = None
    item: str | None = None
    description_fr: str | None = None
    description_ar: str | None = None
    amount: object = None
    quantity: object = None
    unit: str | None = None
    profession: str | None = None
    specialty: str | None = None
    valuation: object = None
    valuation_method: str | None = None
    equipment_id: int | None = None
    facility_id: str | None = None


@dataclass(frozen=True)
class ContributionValues:
    """A contribution checked: amounts as Decimal MAD (None: unknown), texts cleaned."""

    partner_id: str
    kind: str
    year: int | None
    item: str | None
    description_fr: str | None
    description_ar: str | None
    amount: Decimal | None
    quantity: Decimal | None
    unit: str | None
    profession: str | None
    specialty: str | None
    valuation: Decimal | None
    valuation_method: str | None
    equipment_id: int | None
    facility_id: str | None


@dataclass(frozen=True)
class TrancheIn:
    due_on: PartialDate = UNKNOWN
    amount: object = None
    condition: str | None = None


@dataclass(frozen=True)
class DisbursementIn:
    """A disbursement or expenditure as asked (its amount raw; its date whole or None)."""

    contribution_id: int
    from_partner_id: str
    kind: str = DisbursementKind.DISBURSEMENT.value
    on: date | None = None
    amount: object = None
    to_partner_id: str | None = None
    to_payee: str | None = None
    reference: str | None = None


# ---------------------------------------------------------------------------- checks


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def _too_long(name: str, value: str | None, limit: int) -> list[FieldError]:
    if value is not None and len(value) > limit:
        return [problem(name, "convention_field_too_long", max=limit)]
    return []


def _choice(name: str, value: str | None, choices: tuple[str, ...]) -> list[FieldError]:
    if value in choices:
        return []
    return [problem(name, "convention_choice", value=repr(value), choices=", ".join(choices))]


def read_money(raw: object, name: str, problems: list[FieldError]) -> Decimal | None:
    """`raw` as MAD to the centime (None: unknown); a bad one added to `problems`."""
    value = read_value(IndicatorKind.MONEY, raw, name)
    if isinstance(value, FieldError):
        problems.append(value)
        return None
    return None if value is None else Decimal(value)


def _not_for_kind(values: ContributionIn, names: tuple[str, ...]) -> list[FieldError]:
    return [
        problem(name, "money_field_not_for_kind", kind=values.kind)
        for name in names
        if getattr(values, name) not in (None, "")
    ]


def _in_kind_problems(c: ContributionIn, kind: ContributionKind) -> list[FieldError]:
    problems = _not_for_kind(c, ("amount",))
    if c.quantity not in (None, "") and not _text(c.unit):
        problems.append(problem("unit", "money_unit_required"))
    if _text(c.unit) is not None:
        problems += _choice("unit", _text(c.unit), UNITS[kind])
    if c.valuation not in (None, "") and not _text(c.valuation_method):
        problems.append(problem("valuation_method", "money_method_required"))
    if kind is K.STAFF and not _text(c.profession):
        problems.append(problem("profession", "convention_field_required"))
    if kind is not K.STAFF:
        problems += _not_for_kind(c, STAFF_FIELDS)
    if kind is not K.EQUIPMENT:
        problems += _not_for_kind(c, EQUIPMENT_FIELDS)
    return problems


def check_contribution(c: ContributionIn) -> tuple[ContributionValues, list[FieldError]]:
    """The contribution read, and every problem of its own fields (its party and its
    registry links are the service's to check)."""
    problems = _choice("kind", c.kind, tuple(k.value for k in ContributionKind))
    if c.year is not None and not FIRST_YEAR <= c.year <= LAST_YEAR:
        problems.append(problem("year", "money_year", first=FIRST_YEAR, last=LAST_YEAR))
    if not problems:
        kind = ContributionKind(c.kind)
        if kind is K.MONEY:
            problems += _not_for_kind(c, IN_KIND_FIELDS + STAFF_FIELDS + EQUIPMENT_FIELDS)
        else:
            problems += _in_kind_problems(c, kind)
    for name, limit in (
        ("item", ITEM_MAX_CHARS),
        ("description_fr", TEXT_MAX_CHARS),
        ("description_ar", TEXT_MAX_CHARS),
        ("profession", NAME_MAX_CHARS),
        ("specialty", NAME_MAX_CHARS),
        ("valuation_method", TEXT_MAX_CHARS),
    ):
        problems += _too_long(name, _text(getattr(c, name)), limit)
    values = ContributionValues(
        partner_id=c.partner_id.strip(),
        kind=c.kind,
        year=c.year,
        item=_text(c.item),
        description_fr=_text(c.description_fr),
        description_ar=_text(c.description_ar),
        amount=read_money(c.amount, "amount", problems),
        quantity=read_money(c.quantity, "quantity", problems),
        unit=_text(c.unit),
        profession=_text(c.profession),
        specialty=_text(c.specialty),
        valuation=read_money(c.valuation, "valuation", problems),
        valuation_method=_text(c.valuation_method),
        equipment_id=c.equipment_id,
        facility_id=_text(c.facility_id),
    )
    return values, problems


def check_tranche(t: TrancheIn) -> tuple[Decimal | None, list[FieldError]]:
    problems: list[FieldError] = []
    amount = read_money(t.amount, "amount", problems)
    problems += _too_long("condition", _text(t.condition), TEXT_MAX_CHARS)
    return amount, problems


def check_disbursement(d: DisbursementIn) -> tuple[Decimal | None, list[FieldError]]:
    """Its amount read, and the problems of its own fields."""
    problems = _choice("kind", d.kind, tuple(k.value for k in DisbursementKind))
    amount = read_money(d.amount, "amount", problems)
    if _text(d.to_partner_id) and _text(d.to_payee):
        problems.append(problem("to_payee", "money_two_payees"))
    problems += _too_long("to_payee", _text(d.to_payee), SHORT_MAX_CHARS)
    problems += _too_long("reference", _text(d.reference), REFERENCE_MAX_CHARS)
    return amount, problems


def beyond_commitment(
    committed: Decimal | None, disbursed_before: Decimal, amount: Decimal | None
) -> bool:
    """Would a disbursement of `amount` take the known total paid against a commitment
    beyond it? Unknown (and so allowed) when the commitment or the amount is unknown."""
    if committed is None or amount is None:
        return False
    return disbursed_before + amount > committed


def share_percent(part: Decimal | None, whole: Decimal) -> Decimal | None:
    """A co-funder's share of an item's known total, in % to one decimal; None when its
    part is unknown or the total is nothing."""
    if part is None or whole == 0:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True)
class AmountChange:
    field: str
    previous: Decimal | None
    value: Decimal | None
    amendment_number: int | None
    changed_at: datetime
    changed_by: str


@dataclass(frozen=True)
class Tranche:
    id: int
    contribution_id: int
    due_on: PartialDate
    amount: Decimal | None
    condition: str | None
    version: int


@dataclass(frozen=True)
class Contribution:
    id: int
    convention_id: int
    values: ContributionValues
    version: int
    created_at: datetime
    created_by: str
    history: tuple[AmountChange, ...] = ()
    tranches: tuple[Tranche, ...] = ()
    item_total: Decimal | None = None  # the item's known total (its co-funders' sum)
    item_unknown: int = 0  # the item's co-funders whose amount is unknown
    share: Decimal | None = None  # its share of the item's known total, %

    @property
    def worth(self) -> Decimal | None:
        """Its amount (money) or valuation (in kind), MAD."""
        v = self.values
        return v.amount if v.kind == ContributionKind.MONEY else v.valuation


@dataclass(frozen=True)
class Disbursement:
    id: int
    convention_id: int
    contribution_id: int
    kind: str
    on: date | None
    amount: Decimal | None
    from_partner_id: str
    to_partner_id: str | None
    to_payee: str | None
    reference: str | None
    version: int
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class InKindTotal:
    """The contributions in kind of one kind (and party, when named): the sum of the
    known valuations, how many are valued and how many are not."""

    kind: str
    partner_id: str | None
    valued_mad: Decimal
    valued: int
    unknown: int


@dataclass(frozen=True)
class FinancialReport:
    """Financial execution of a convention, by party, by year and by both; in kind
    apart at its stated valuations; expenditures apart."""

    convention: FinancialExecution
    by_party: dict[str, FinancialExecution]
    by_year: dict[int | None, FinancialExecution]
    by_party_year: dict[tuple[str, int | None], FinancialExecution]
    in_kind: tuple[InKindTotal, ...] = field(default=())
    spent_mad: Decimal = Decimal(0)
    unknown_spent: int = 0
