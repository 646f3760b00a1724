"""The money API's bodies and answers: a contribution (money or in kind), a tranche, a
disbursement or expenditure to write, each amount as a number or a text ("1 000 000",
"250000,50"; null when unknown) read by the service, which names a bad one; the
contributions, disbursements and financial execution read back (amounts in MAD as
decimal strings, null when unknown)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from qurb.algo.execution import FinancialExecution
from qurb.conventions.model import SHORT_MAX_CHARS, TEXT_MAX_CHARS
from qurb.conventions.money_model import (
    ITEM_MAX_CHARS,
    NAME_MAX_CHARS,
    REFERENCE_MAX_CHARS,
    AmountChange,
    Contribution,
    ContributionIn,
    Disbursement,
    DisbursementIn,
    FinancialReport,
    InKindTotal,
    Tranche,
    TrancheIn,
)
from qurb.conventions.schemas import PartialText, parse_dates

Amount = Annotated[str, Field(max_length=40)] | int | float | None
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContributionBody(_Body):
    """A party's contribution. `kind`: money, staff, equipment, medicines_supplies,
    vehicles or premises. Money: `amount` committed (MAD). In kind: `quantity` and its
    `unit` (staff: days or fte, with `profession` and `specialty`; equipment: items;
    medicines_supplies: items, boxes or lots; vehicles: items or months; premises: m2 or
    months), `valuation` (MAD) with its `valuation_method`; equipment: the registry's
    `equipment_id` and the receiving `facility_id`. `item`: a key co-funded contributions
    share. `year` null: unknown."""

    partner_id: str = Field(max_length=80)
    kind: str = Field(max_length=24)
    year: int | None = Field(default=None, ge=1, le=9999)
    item: str | None = Field(default=None, max_length=ITEM_MAX_CHARS)
    description_fr: str | None = Field(default=None, max_length=TEXT_MAX_CHARS)
    description_ar: str | None = Field(default=None, max_length=TEXT_MAX_CHARS)
    amount: Amount = None
    quantity: Amount = None
    unit: str | None = Field(default=None, max_length=24)
    profession: str | None = Field(default=None, max_length=NAME_MAX_CHARS)
    specialty: str | None = Field(default=None, max_length=NAME_MAX_CHARS)
    valuation: Amount = None
    valuation_method: str | None = Field(default=None, max_length=TEXT_MAX_CHARS)
    equipment_id: Id | None = None
    facility_id: str | None = Field(default=None, max_length=80)

    def contribution(self) -> ContributionIn:
        return ContributionIn(**self.model_dump(exclude={"amendment_number"}))


class ContributionUpdateBody(ContributionBody):
    """A contribution's fields replaced; `amendment_number`: the convention's amendment
    that changed its amounts (kept in their history)."""

    amendment_number: int | None = Field(default=None, ge=1, le=1000)


class TrancheBody(_Body):
    """A planned tranche: `due_on` (YYYY-MM-DD, YYYY-MM, YYYY, --MM-DD; null: unknown),
    its `amount`, a `condition` (free text)."""

    due_on: PartialText = Field(default=None, max_length=10)
    amount: Amount = None
    condition: str | None = Field(default=None, max_length=TEXT_MAX_CHARS)

    def tranche(self) -> TrancheIn:
        due = parse_dates({"due_on": self.due_on})["due_on"]
        return TrancheIn(due, self.amount, self.condition)


class DisbursementBody(_Body):
    """Money paid (`kind` disbursement) or spent (expenditure) by `from_partner_id`
    against its money contribution `contribution_id`, on a whole date (null: unknown), to
    a party (`to_partner_id`) or a named payee (`to_payee`)."""

    contribution_id: Id
    from_partner_id: str = Field(max_length=80)
    kind: str = Field(default="disbursement", max_length=16)
    on: date | None = None
    amount: Amount = None
    to_partner_id: str | None = Field(default=None, max_length=80)
    to_payee: str | None = Field(default=None, max_length=SHORT_MAX_CHARS)
    reference: str | None = Field(default=None, max_length=REFERENCE_MAX_CHARS)

    def disbursement(self) -> DisbursementIn:
        return DisbursementIn(**self.model_dump())


# ---------------------------------------------------------------------------- answers


class AmountChangeRead(BaseModel):
    field: str
    previous: Decimal | None
    value: Decimal | None
    amendment_number: int | None
    changed_at: datetime
    changed_by: str

    @classmethod
    def of(cls, change: AmountChange) -> AmountChangeRead:
        return cls(**change.__dict__)


class TrancheRead(BaseModel):
    id: int
    contribution_id: int
    due_on: str | None
    amount: Decimal | None
    condition: str | None
    version: int

    @classmethod
    def of(cls, t: Tranche) -> TrancheRead:
        return cls(
            id=t.id,
            contribution_id=t.contribution_id,
            due_on=t.due_on.iso(),
            amount=t.amount,
            condition=t.condition,
            version=t.version,
        )


class ContributionRead(BaseModel):
    """A contribution; a co-funded one with its item's known total (`item_total`, the
    co-funders whose amount is unknown: `item_unknown`) and its share of it in %."""

    id: int
    convention_id: int
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
    item_total: Decimal | None
    item_unknown: int
    share_percent: Decimal | None
    version: int
    created_at: datetime
    created_by: str
    history: list[AmountChangeRead]
    tranches: list[TrancheRead]

    @classmethod
    def of(cls, c: Contribution) -> ContributionRead:
        return cls(
            id=c.id,
            convention_id=c.convention_id,
            **c.values.__dict__,
            item_total=c.item_total,
            item_unknown=c.item_unknown,
            share_percent=c.share,
            version=c.version,
            created_at=c.created_at,
            created_by=c.created_by,
            history=[AmountChangeRead.of(h) for h in c.history],
            tranches=[TrancheRead.of(t) for t in c.tranches],
        )


class DisbursementRead(BaseModel):
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

    @classmethod
    def of(cls, d: Disbursement) -> DisbursementRead:
        return cls(**d.__dict__)


class FinancialRead(BaseModel):
    """Known disbursed ÷ known committed (MAD); unknown amounts counted, never 0;
    `percent` null when unknown."""

    committed_mad: Decimal
    disbursed_mad: Decimal
    unknown_commitments: int
    unknown_disbursements: int
    percent: Decimal | None

    @classmethod
    def of(cls, e: FinancialExecution) -> FinancialRead:
        return cls(
            committed_mad=e.committed_mad,
            disbursed_mad=e.disbursed_mad,
            unknown_commitments=e.unknown_commitments,
            unknown_disbursements=e.unknown_disbursements,
            percent=e.percent,
        )


class PartyFinancialRead(FinancialRead):
    partner_id: str | None = None
    year: int | None = None


class InKindRead(BaseModel):
    """Contributions in kind of a kind (and a party; null: all): the sum of the known
    valuations at their stated methods, how many are valued, how many are not."""

    kind: str
    partner_id: str | None
    valued_mad: Decimal
    valued: int
    unknown: int

    @classmethod
    def of(cls, t: InKindTotal) -> InKindRead:
        return cls(**t.__dict__)


def _keyed(e: FinancialExecution, partner: str | None, year: int | None) -> PartyFinancialRead:
    return PartyFinancialRead(**FinancialRead.of(e).model_dump(), partner_id=partner, year=year)


class ExecutionRead(BaseModel):
    """Financial execution of the convention, by party, by year (of the commitment; of
    the disbursement's date; null: unknown) and by both; in kind apart; the expenditures'
    known sum and how many are unknown."""

    convention: FinancialRead
    by_party: list[PartyFinancialRead]
    by_year: list[PartyFinancialRead]
    by_party_year: list[PartyFinancialRead]
    in_kind: list[InKindRead]
    spent_mad: Decimal
    unknown_spent: int

    @classmethod
    def of(cls, r: FinancialReport) -> ExecutionRead:
        years = sorted(r.by_year, key=lambda y: (y is None, y or 0))
        pairs = sorted(r.by_party_year, key=lambda k: (k[0], k[1] is None, k[1] or 0))
        return cls(
            convention=FinancialRead.of(r.convention),
            by_party=[_keyed(r.by_party[p], p, None) for p in sorted(r.by_party)],
            by_year=[_keyed(r.by_year[y], None, y) for y in years],
            by_party_year=[_keyed(r.by_party_year[k], *k) for k in pairs],
            in_kind=[InKindRead.of(t) for t in r.in_kind],
            spent_mad=r.spent_mad,
            unknown_spent=r.unknown_spent,
        )
