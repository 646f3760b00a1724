"""`qurb conventions contributions|contribute|disbursements|disburse|execution`: a
convention's money on the command line (its commands join the `conventions` group). The
writes as the token's account: the secretariat (`conventions.manage` over the
convention) for any party, a party's user (`conventions.party`, its grant acting for the
party) for its own party only."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from qurb.kernel.attribution import Attribution
from qurb.platform.cli import DbOption, FormatOption, open_session, out
from qurb.platform.output import OutputFormat, render, say

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from qurb.conventions.money_model import Contribution, Disbursement
    from qurb.conventions.records import Convention
    from qurb.kernel.actor import Actor

# Entries made in this database, each convention naming where its facts come from.
OWN_ENTRIES = Attribution(frozenset())
CONTRIBUTION_COLUMNS = [
    "id",
    "partner_id",
    "kind",
    "year",
    "item",
    "amount",
    "quantity",
    "unit",
    "valuation",
    "valuation_method",
    "share_percent",
    "tranches",
    "version",
]
DISBURSEMENT_COLUMNS = [
    "id",
    "kind",
    "on",
    "amount",
    "from_partner_id",
    "to",
    "contribution_id",
    "reference",
    "version",
]
EXECUTION_COLUMNS = [
    "scope",
    "partner_id",
    "year",
    "kind",
    "committed_mad",
    "disbursed_mad",
    "percent",
    "unknown_commitments",
    "unknown_disbursements",
    "valued_mad",
    "valued",
    "unknown_valuations",
]

money_app = typer.Typer()

ConventionArg = Annotated[str, typer.Argument(help="The convention's id or reference.")]
PartnerOption = Annotated[str, typer.Option("--partner", help="The party (its partner id).")]


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _find(session: Session, convention: str) -> Convention:
    from qurb.conventions.service import find_convention, get_convention

    text = convention.strip()
    return get_convention(session, int(text)) if text.isdigit() else find_convention(session, text)


def _party_actor(session: Session, convention: Convention, partners: list[str]) -> Actor:
    """The token's account writing the money of `partners` (see money_api.party_actor)."""
    from qurb.conventions.money_api import party_actor
    from qurb.identity.cli_access import token_guard
    from qurb.identity.permissions import Permission
    from qurb.territory.service import TerritoryIndex

    guard = token_guard(session, Permission.CONVENTIONS_PARTY)
    return party_actor(guard, TerritoryIndex.from_session(session), convention, partners)


def _contribution_row(c: Contribution) -> dict[str, Any]:
    v = c.values
    return {
        "id": c.id,
        "partner_id": v.partner_id,
        "kind": v.kind,
        "year": v.year,
        "item": v.item,
        "amount": _money(v.amount),
        "quantity": _money(v.quantity),
        "unit": v.unit,
        "valuation": _money(v.valuation),
        "valuation_method": v.valuation_method,
        "share_percent": _money(c.share),
        "tranches": len(c.tranches),
        "version": c.version,
    }


def _disbursement_row(d: Disbursement) -> dict[str, Any]:
    return {
        "id": d.id,
        "kind": d.kind,
        "on": d.on.isoformat() if d.on else None,
        "amount": _money(d.amount),
        "from_partner_id": d.from_partner_id,
        "to": d.to_partner_id or d.to_payee,
        "contribution_id": d.contribution_id,
        "reference": d.reference,
        "version": d.version,
    }


@money_app.command("contributions")
def contributions(
    convention: ConventionArg, fmt: FormatOption = OutputFormat.TABLE, db: DbOption = None
) -> None:
    """A convention's contributions, money and in kind, by party and year."""
    from qurb.conventions.money_service import list_contributions

    with open_session(db) as session:
        found = _find(session, convention)
        rows = [_contribution_row(c) for c in list_contributions(session, found.id)]
    title = say("cli.conventions.contributions", reference=found.reference, count=len(rows))
    render(rows, CONTRIBUTION_COLUMNS, fmt, title=title, sources=OWN_ENTRIES)


@money_app.command("contribute")
def contribute(
    convention: ConventionArg,
    partner: PartnerOption,
    kind: Annotated[
        str,
        typer.Option(help="money, staff, equipment, medicines_supplies, vehicles or premises."),
    ],
    year: Annotated[
        int | None, typer.Option(help="The year it is for (unknown if left out).")
    ] = None,
    amount: Annotated[str | None, typer.Option(help="Money committed, in MAD.")] = None,
    quantity: Annotated[str | None, typer.Option(help="In kind: how much.")] = None,
    unit: Annotated[
        str | None,
        typer.Option(help="The quantity's unit: days, fte, items, boxes, lots, m2, months."),
    ] = None,
    profession: Annotated[str | None, typer.Option(help="Staff: the profession.")] = None,
    specialty: Annotated[str | None, typer.Option(help="Staff: the specialty.")] = None,
    valuation: Annotated[str | None, typer.Option(help="In kind: its value in MAD.")] = None,
    method: Annotated[str | None, typer.Option(help="How the valuation was made.")] = None,
    equipment: Annotated[
        int | None, typer.Option(help="Equipment: the registry item's id.")
    ] = None,
    facility: Annotated[
        str | None, typer.Option(help="Equipment: the receiving facility's id.")
    ] = None,
    item: Annotated[str | None, typer.Option(help="A key co-funded contributions share.")] = None,
    description_fr: Annotated[str | None, typer.Option(help="What it is, in French.")] = None,
    description_ar: Annotated[str | None, typer.Option(help="What it is, in Arabic.")] = None,
    db: DbOption = None,
) -> None:
    """Add a party's contribution (the token's account: the secretariat, or the party's
    own user; audited)."""
    from qurb.conventions.money_model import ContributionIn
    from qurb.conventions.money_service import add_contribution

    asked = ContributionIn(
        partner_id=partner,
        kind=kind,
        year=year,
        item=item,
        description_fr=description_fr,
        description_ar=description_ar,
        amount=amount,
        quantity=quantity,
        unit=unit,
        profession=profession,
        specialty=specialty,
        valuation=valuation,
        valuation_method=method,
        equipment_id=equipment,
        facility_id=facility,
    )
    with open_session(db, write=True) as session:
        found = _find(session, convention)
        actor = _party_actor(session, found, [partner])
        made = add_contribution(session, actor, found.id, asked)
    out.print(escape(say("cli.conventions.contributed", id=made.id, reference=found.reference)))


@money_app.command("disbursements")
def disbursements(
    convention: ConventionArg, fmt: FormatOption = OutputFormat.TABLE, db: DbOption = None
) -> None:
    """A convention's disbursements and expenditures, by date."""
    from qurb.conventions.money_service import list_disbursements

    with open_session(db) as session:
        found = _find(session, convention)
        rows = [_disbursement_row(d) for d in list_disbursements(session, found.id)]
    title = say("cli.conventions.disbursements", reference=found.reference, count=len(rows))
    render(rows, DISBURSEMENT_COLUMNS, fmt, title=title, sources=OWN_ENTRIES)


def _date(text: str | None) -> date | None:
    from qurb.conventions.model import refuse
    from qurb.kernel.i18n import problem

    if text is None or not text.strip():
        return None
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        refuse([problem("on", "money_not_a_date", value=repr(text[:40]))])
        raise  # pragma: no cover - refuse raised


@money_app.command("disburse")
def disburse(
    convention: ConventionArg,
    contribution: Annotated[int, typer.Option(help="The money contribution it pays (its id).")],
    partner: PartnerOption,
    amount: Annotated[
        str | None, typer.Option(help="The amount in MAD (unknown if left out).")
    ] = None,
    on: Annotated[
        str | None, typer.Option(help="The date: YYYY-MM-DD (unknown if left out).")
    ] = None,
    kind: Annotated[str, typer.Option(help="disbursement or expenditure.")] = "disbursement",
    to_partner: Annotated[
        str | None, typer.Option(help="Paid to this party (its partner id).")
    ] = None,
    to_payee: Annotated[str | None, typer.Option(help="Paid to this named payee.")] = None,
    reference: Annotated[
        str | None, typer.Option(help="Its reference (a transfer order…).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Record a disbursement or expenditure; refused beyond the party's current
    commitment or outside the convention's dates (the token's account; audited)."""
    from qurb.conventions.money_model import DisbursementIn
    from qurb.conventions.money_service import add_disbursement

    with open_session(db, write=True) as session:
        found = _find(session, convention)
        asked = DisbursementIn(
            contribution_id=contribution,
            from_partner_id=partner,
            kind=kind,
            on=_date(on),
            amount=amount,
            to_partner_id=to_partner,
            to_payee=to_payee,
            reference=reference,
        )
        actor = _party_actor(session, found, [partner])
        made = add_disbursement(session, actor, found.id, asked)
    out.print(escape(say("cli.conventions.disbursed", id=made.id, reference=found.reference)))


def _line(scope: str, partner: str | None, year: int | None, e: Any) -> dict[str, Any]:
    return {
        "scope": scope,
        "partner_id": partner,
        "year": year,
        "kind": "money",
        "committed_mad": _money(e.committed_mad),
        "disbursed_mad": _money(e.disbursed_mad),
        "percent": _money(e.percent),
        "unknown_commitments": e.unknown_commitments,
        "unknown_disbursements": e.unknown_disbursements,
    }


@money_app.command("execution")
def execution(
    convention: ConventionArg, fmt: FormatOption = OutputFormat.TABLE, db: DbOption = None
) -> None:
    """A convention's financial execution: disbursed ÷ committed money for the
    convention, each party, each year; unknown amounts counted, never 0; in kind apart
    at its stated valuations."""
    from qurb.conventions.money_execution import financial_execution

    with open_session(db) as session:
        found = _find(session, convention)
        report = financial_execution(session, found.id)
    rows = [_line("convention", None, None, report.convention)]
    rows += [_line("party", p, None, e) for p, e in sorted(report.by_party.items())]
    years = sorted(report.by_year.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
    rows += [_line("year", None, y, e) for y, e in years]
    pairs = sorted(
        report.by_party_year.items(), key=lambda kv: (kv[0][0], kv[0][1] is None, kv[0][1] or 0)
    )
    rows += [_line("party_year", p, y, e) for (p, y), e in pairs]
    rows += [
        {
            "scope": "in_kind",
            "partner_id": t.partner_id,
            "kind": t.kind,
            "valued_mad": _money(t.valued_mad),
            "valued": t.valued,
            "unknown_valuations": t.unknown,
        }
        for t in report.in_kind
    ]
    title = say("cli.conventions.execution", reference=found.reference)
    render(rows, EXECUTION_COLUMNS, fmt, title=title, sources=OWN_ENTRIES)
