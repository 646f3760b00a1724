"""`qurb conventions deliverables|deliverable|amend-deliverable|actual|physical …`: a convention's
deliverables listed with their indicator and latest actual, one added or amended (the
token's account holding `conventions.manage` over every territory the convention covers), an
actual reported for a period (`conventions.party` acting for the owner party, or the
secretariat), a period's physical execution. Registered on `qurb conventions` by
`register` (cli.py), so that these commands read the conventions' own."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from qurb.platform.cli import DbOption, FormatOption, open_session, out
from qurb.platform.output import OutputFormat, render, say

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from qurb.conventions.deliverable_model import Deliverable
    from qurb.conventions.records import Convention
    from qurb.identity.guard import Guard
    from qurb.kernel.actor import Actor

COLUMNS = [
    "id",
    "what_fr",
    "owner",
    "article",
    "deadline",
    "weight",
    "status",
    "kind",
    "unit",
    "baseline",
    "target",
    "period",
    "actual",
]
SCORE_COLUMNS = ["id", "what_fr", "owner", "kind", "target", "actual", "ratio", "left_out"]


ConventionArg = Annotated[str, typer.Argument(help="The convention's id or reference.")]
WhatAr = Annotated[str | None, typer.Option(help="What is to be delivered, in Arabic.")]
Article = Annotated[int | None, typer.Option(help="The article it implements.")]
Deadline = Annotated[
    str | None, typer.Option(help="Due by: YYYY-MM-DD, YYYY-MM, YYYY or --MM-DD (no year).")
]
Unit = Annotated[str | None, typer.Option(help="The indicator's unit.")]
Baseline = Annotated[str | None, typer.Option(help="The indicator's baseline.")]
Target = Annotated[str | None, typer.Option(help="The indicator's target.")]


def _plain(value: object) -> object:
    from decimal import Decimal

    return str(value) if isinstance(value, Decimal) else value


def _row(item: Deliverable) -> dict[str, Any]:
    latest = item.actuals[-1] if item.actuals else None
    return {
        "id": item.id,
        "what_fr": item.what_fr,
        "what_ar": item.what_ar,
        "owner": item.owner,
        "article": item.article,
        "deadline": item.deadline.iso(),
        "weight": _plain(item.weight),
        "status": item.status,
        "kind": item.indicator_kind,
        "unit": item.indicator_unit,
        "baseline": _plain(item.baseline),
        "target": _plain(item.target),
        "period": latest.period if latest else None,
        "actual": _plain(latest.value) if latest else None,
        "references": [f"{r.kind}:{r.ref}" for r in item.references],
        "documents": list(item.documents),
        "version": item.version,
    }


def _find(session: Session, convention: str) -> Convention:
    from qurb.conventions.cli import _find as find

    return find(session, convention)


def _guard(session: Session, party: bool) -> Guard:
    """The token's account, holding `conventions.party` (a report) or
    `conventions.manage` (an addition)."""
    from qurb.identity.cli_access import token_guard
    from qurb.identity.permissions import Permission

    wanted = Permission.CONVENTIONS_PARTY if party else Permission.CONVENTIONS_MANAGE
    return token_guard(session, wanted)


def _reporter(session: Session, convention: Convention, owner: str) -> Actor:
    """The token's account reporting on `owner`'s deliverable: acting for that partner
    (`conventions.party`), or the secretariat (`conventions.manage`)."""
    from dataclasses import replace

    from qurb.conventions.listing import targets_of
    from qurb.identity.permissions import Permission
    from qurb.kernel.errors import Forbidden
    from qurb.territory.service import TerritoryIndex

    targets = targets_of(TerritoryIndex.from_session(session), convention)
    guard = _guard(session, party=True)
    allowed = [t for t in targets if guard.allows(t)]
    if not allowed:
        guard.over(targets[0])
    mine = next((g for g in guard.grants_over(allowed[0]) if g.partner_id == owner), None)
    if mine is not None:
        return replace(guard.actor, grant=str(mine.id), partner=mine.partner_id)
    manage = Permission.CONVENTIONS_MANAGE
    if all(manage in guard.principal.permissions_over(t) for t in targets):
        return replace(guard.over(allowed[0]), partner=None)
    raise Forbidden(code="deliverable_not_yours", values={"id": convention.id, "owner": owner})


def deliverables(
    convention: ConventionArg,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """A convention's deliverables: owner, deadline, status, indicator, latest actual."""
    from qurb.conventions.cli import OWN_ENTRIES
    from qurb.conventions.deliverable_service import list_deliverables

    with open_session(db) as session:
        found = _find(session, convention)
        rows = [_row(d) for d in list_deliverables(session, found.id)]
    title = say("cli.deliverables.title", reference=found.reference, count=len(rows))
    columns = COLUMNS if fmt is OutputFormat.TABLE else list(rows[0]) if rows else COLUMNS
    render(rows, columns, fmt, title=title, sources=OWN_ENTRIES)


def deliverable(
    convention: ConventionArg,
    what_fr: Annotated[str, typer.Option(help="What is to be delivered, in French.")],
    owner: Annotated[str, typer.Option(help="The owner party's partner id.")],
    kind: Annotated[str, typer.Option(help="The indicator: count, percentage, money or yes_no.")],
    what_ar: WhatAr = None,
    article: Article = None,
    deadline: Deadline = None,
    weight: Annotated[str | None, typer.Option(help="Its weight (≥ 0; none: equal).")] = None,
    unit: Unit = None,
    baseline: Baseline = None,
    target: Target = None,
    ref: Annotated[
        list[str] | None,
        typer.Option(
            help="An object it concerns, KIND:ID (facility, equipment, project, campaign, "
            "territory; repeatable)."
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Add a deliverable to a convention (conventions.manage over its territories: the
    token's account; audited)."""
    from qurb.conventions.deliverable_schemas import DeliverableBody
    from qurb.conventions.deliverable_service import create_deliverable
    from qurb.conventions.listing import targets_of
    from qurb.territory.service import TerritoryIndex

    references = [{"kind": k, "ref": r} for k, _, r in (x.partition(":") for x in ref or [])]
    indicator = {"kind": kind, "unit": unit, "baseline": baseline, "target": target}
    body = DeliverableBody.model_validate(
        {
            "what_fr": what_fr,
            "what_ar": what_ar,
            "owner": owner,
            "article": article,
            "deadline": deadline,
            "weight": weight,
            "indicator": indicator,
            "references": references,
        }
    )
    with open_session(db, write=True) as session:
        found = _find(session, convention)
        index = TerritoryIndex.from_session(session)
        guard = _guard(session, party=False)
        actor = [guard.over(t) for t in targets_of(index, found)][-1]
        made = create_deliverable(session, actor, found.id, body.deliverable(), index=index)
    out.print(escape(say("cli.deliverables.added", id=made.id, reference=found.reference)))


def _amended_body(current: Deliverable, given: dict[str, Any]) -> dict[str, Any]:
    """The deliverable as it is, the options given replacing their fields."""
    body: dict[str, Any] = {
        "what_fr": current.what_fr,
        "what_ar": current.what_ar,
        "owner": current.owner,
        "article": current.article,
        "deadline": current.deadline.iso(),
        "weight": _plain(current.weight),
        "indicator": {
            "kind": current.indicator_kind,
            "unit": current.indicator_unit,
            "baseline": _plain(current.baseline),
            "target": _plain(current.target),
        },
        "references": [{"kind": r.kind, "ref": r.ref} for r in current.references],
    }
    for name, value in given.items():
        if value is None:
            continue
        if name in {"kind", "unit", "baseline", "target"}:
            body["indicator"][name] = value
        elif name == "ref":
            body["references"] = [
                {"kind": k, "ref": r} for k, _, r in (x.partition(":") for x in value)
            ]
        else:
            body[name] = value
    return body


def amend(
    convention: ConventionArg,
    deliverable_id: Annotated[int, typer.Argument(help="The deliverable's id.")],
    amendment: Annotated[
        int | None, typer.Option(help="The number of the amendment (avenant) that decides it.")
    ] = None,
    what_fr: Annotated[str | None, typer.Option(help="What is to be delivered, in French.")] = None,
    what_ar: WhatAr = None,
    owner: Annotated[str | None, typer.Option(help="The owner party's partner id.")] = None,
    article: Article = None,
    deadline: Deadline = None,
    weight: Annotated[str | None, typer.Option(help="Its weight (≥ 0).")] = None,
    kind: Annotated[
        str | None, typer.Option(help="The indicator: count, percentage, money or yes_no.")
    ] = None,
    unit: Unit = None,
    baseline: Baseline = None,
    target: Target = None,
    ref: Annotated[
        list[str] | None,
        typer.Option(help="The objects it concerns, KIND:ID (repeatable; replaces them all)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Change a deliverable (the options given; the others kept), each change kept in its
    history; once the convention is signed, its owner, deadline, weight, kind and target
    change only with --amendment (conventions.manage: the token's account; audited)."""
    from qurb.conventions.deliverable_amend import update_deliverable
    from qurb.conventions.deliverable_schemas import DeliverableAmendBody
    from qurb.conventions.deliverable_service import get_deliverable
    from qurb.conventions.listing import targets_of
    from qurb.territory.service import TerritoryIndex

    given = {
        "what_fr": what_fr,
        "what_ar": what_ar,
        "owner": owner,
        "article": article,
        "deadline": deadline,
        "weight": weight,
        "kind": kind,
        "unit": unit,
        "baseline": baseline,
        "target": target,
        "ref": ref,
    }
    with open_session(db, write=True) as session:
        found = _find(session, convention)
        current = get_deliverable(session, found.id, deliverable_id)
        body = DeliverableAmendBody.model_validate(
            {**_amended_body(current, given), "amendment_number": amendment}
        )
        index = TerritoryIndex.from_session(session)
        guard = _guard(session, party=False)
        actor = [guard.over(t) for t in targets_of(index, found)][-1]
        after = update_deliverable(
            session,
            actor,
            found.id,
            deliverable_id,
            body.deliverable(),
            amendment_number=amendment,
            if_version=current.version,
            index=index,
        )
    changed = len(after.changes) - len(current.changes)
    out.print(escape(say("cli.deliverables.amended", id=deliverable_id, changed=changed)))


def actual(
    convention: ConventionArg,
    deliverable_id: Annotated[int, typer.Argument(help="The deliverable's id.")],
    period: Annotated[str, typer.Argument(help="A year (2026) or a year-month (2026-03).")],
    value: Annotated[str, typer.Argument(help="The actual, of the indicator's kind.")],
    note: Annotated[str | None, typer.Option(help="A note on this report.")] = None,
    db: DbOption = None,
) -> None:
    """Report a deliverable's actual for a period (conventions.party acting for its owner,
    or conventions.manage: the token's account; audited)."""
    from qurb.conventions.deliverable_service import get_deliverable, report_actual

    with open_session(db, write=True) as session:
        found = _find(session, convention)
        owner = get_deliverable(session, found.id, deliverable_id).owner
        actor = _reporter(session, found, owner)
        report_actual(session, actor, found.id, deliverable_id, period, value, note)
    values = {"id": deliverable_id, "period": period.strip(), "value": value}
    out.print(escape(say("cli.deliverables.reported", **values)))


def physical(
    convention: ConventionArg,
    period: Annotated[str, typer.Argument(help="A year (2026) or a year-month (2026-03).")],
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """A period's physical execution: the mean of min(actual ÷ target, 1) over the
    deliverables owed, with each one's part."""
    from qurb.conventions.cli import OWN_ENTRIES
    from qurb.conventions.deliverable_service import physical_execution

    with open_session(db) as session:
        found = _find(session, convention)
        report = physical_execution(session, found.id, period)
    e = report.execution
    rows = [
        {
            "id": s.deliverable.id,
            "what_fr": s.deliverable.what_fr,
            "owner": s.deliverable.owner,
            "kind": s.deliverable.indicator_kind,
            "target": _plain(s.deliverable.target),
            "actual": _plain(s.actual),
            "ratio": _plain(s.ratio),
            "left_out": s.left_out,
        }
        for s in report.scores
    ]
    title = say(
        "cli.deliverables.physical",
        reference=found.reference,
        period=report.period,
        percent="–" if e.percent is None else str(e.percent),
        measured=e.measured,
        unknown=e.unknown_actual,
        without_target=e.without_target,
    )
    if fmt is not OutputFormat.TABLE:
        whole = {
            "period": report.period,
            "ratio": _plain(e.ratio),
            "percent": _plain(e.percent),
            "measured": e.measured,
            "unknown_actual": e.unknown_actual,
            "without_target": e.without_target,
            "dropped": report.dropped,
            "weighted": report.weighted,
            "deliverables": rows,
        }
        render([whole], list(whole), fmt, sources=OWN_ENTRIES)
        return
    render(rows, SCORE_COLUMNS, fmt, title=title, sources=OWN_ENTRIES)


def register(app: typer.Typer) -> None:
    """Add these commands to `qurb conventions`."""
    app.command("deliverables")(deliverables)
    app.command("deliverable")(deliverable)
    app.command("amend-deliverable")(amend)
    app.command("actual")(actual)
    app.command("physical")(physical)
