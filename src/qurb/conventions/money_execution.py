"""A convention's financial execution, read from its money (money_service.py) by the
rules of `algo.execution`: disbursed ÷ committed money for the convention, each party,
each year and each party's year, unknown amounts counted apart, never 0; contributions in
kind apart at their stated valuations; expenditures apart."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy.orm import Session

from qurb.algo.execution import compute_financial_execution, compute_financial_execution_by
from qurb.conventions.money_model import (
    Contribution,
    ContributionKind,
    Disbursement,
    DisbursementKind,
    FinancialReport,
    InKindTotal,
)
from qurb.conventions.money_service import list_contributions, list_disbursements


def _in_kind(contributions: Sequence[Contribution]) -> tuple[InKindTotal, ...]:
    """Per kind (all parties, partner None) then per kind and party."""
    sums: dict[tuple[str, str | None], list[Decimal | None]] = defaultdict(list)
    for c in contributions:
        if c.values.kind == ContributionKind.MONEY:
            continue
        sums[(c.values.kind, None)].append(c.values.valuation)
        sums[(c.values.kind, c.values.partner_id)].append(c.values.valuation)
    order = [k.value for k in ContributionKind]
    keys = sorted(sums, key=lambda k: (k[1] is not None, order.index(k[0]), k[1] or ""))
    return tuple(
        InKindTotal(
            kind,
            partner,
            sum((v for v in sums[(kind, partner)] if v is not None), start=Decimal(0)),
            sum(1 for v in sums[(kind, partner)] if v is not None),
            sum(1 for v in sums[(kind, partner)] if v is None),
        )
        for kind, partner in keys
    )


# One amount of money: (the party, its year or None when unknown, MAD or None: unknown).
Move = tuple[str, int | None, Decimal | None]


def money_moves(
    contributions: Sequence[Contribution], disbursements: Sequence[Disbursement]
) -> tuple[list[Move], list[Move]]:
    """The convention's commitments in money (by the year of the commitment) and its
    disbursements (by the year of their date), each as (party, year, amount)."""
    money = [c for c in contributions if c.values.kind == ContributionKind.MONEY]
    paid = [d for d in disbursements if d.kind == DisbursementKind.DISBURSEMENT]
    committed = [(c.values.partner_id, c.values.year, c.values.amount) for c in money]
    disbursed = [(d.from_partner_id, d.on.year if d.on else None, d.amount) for d in paid]
    return committed, disbursed


def financial_execution(session: Session, convention_id: int) -> FinancialReport:
    """Disbursed ÷ committed money for the convention, each party, each year (of the
    commitment; of the disbursement's date), and each party and year; unknown amounts
    counted, never 0; in kind apart at its stated valuations; expenditures apart."""
    contributions = list_contributions(session, convention_id)
    moves = list_disbursements(session, convention_id)
    spent = [d for d in moves if d.kind == DisbursementKind.EXPENDITURE]
    committed, disbursed = money_moves(contributions, moves)
    return FinancialReport(
        convention=compute_financial_execution(
            [a for _, _, a in committed], [a for _, _, a in disbursed]
        ),
        by_party=compute_financial_execution_by(
            [(p, a) for p, _, a in committed], [(p, a) for p, _, a in disbursed]
        ),
        by_year=compute_financial_execution_by(
            [(y, a) for _, y, a in committed], [(y, a) for _, y, a in disbursed]
        ),
        by_party_year=compute_financial_execution_by(
            [((p, y), a) for p, y, a in committed], [((p, y), a) for p, y, a in disbursed]
        ),
        in_kind=_in_kind(contributions),
        spent_mad=sum((d.amount for d in spent if d.amount is not None), start=Decimal(0)),
        unknown_spent=sum(1 for d in spent if d.amount is None),
    )
