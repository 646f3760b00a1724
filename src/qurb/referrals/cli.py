"""`qurb referrals …`: list, show, send, move, counter-refer, import, measures, pathways.
Writes act as the token's account (`qurb login`), the service checking its grants
(`referrals.handle` over the side that acts); reads as the person who holds the database
file (trusted, as every local read)."""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from qurb.kernel.attribution import Attribution
from qurb.platform.cli import DbOption, FormatOption, open_session, out
from qurb.platform.output import OutputFormat, render, say

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from qurb.kernel.actor import Actor
    from qurb.referrals.reading import Referral

referrals_app = typer.Typer(
    help="Referrals along care pathways: list, show, send, move, counter-refer, import, "
    "measures, pathways.",
    no_args_is_help=True,
)
COLUMNS = [
    "id",
    "reference",
    "kind",
    "status",
    "service",
    "pathway",
    "origin_facility_id",
    "origin_stop_id",
    "destination_facility_id",
    "commune_code",
    "urgency",
    "sent_at",
    "version",
]
# Referrals are entries made in this database (codes of the registry and of the HCP, no
# published figure): no published source to name.
OWN = Attribution(frozenset())
EVENT_COLUMNS = ["at", "previous", "status", "reason", "actor"]
Id = Annotated[int, typer.Argument(help="The referral's id.", min=1)]
IfVersion = Annotated[
    int | None, typer.Option(help="Refuse if the record changed since this version.")
]


def _reader() -> Actor:
    from qurb.kernel.actor import Actor

    return Actor.local(getpass.getuser() or "cli")


def _writer(session: Session) -> Actor:
    from qurb.identity.cli_access import token_guard

    return token_guard(session).actor  # the service checks the grants over the referral


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _rows(referrals: list[Referral]) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in r.values().items()} for r in referrals]


def _versions(if_version: int | None) -> frozenset[int] | None:
    return None if if_version is None else frozenset({if_version})


def _said(referral: Referral) -> None:
    out.print(
        escape(
            say(
                "cli.referrals.moved",
                id=referral.id,
                reference=referral.reference,
                status=referral.status,
                version=referral.version,
            )
        )
    )


@referrals_app.command("list")
def referrals_list(
    status: Annotated[str | None, typer.Option(help="Only those at this status.")] = None,
    facility: Annotated[
        str | None, typer.Option(help="Only those from or to this facility (registry id).")
    ] = None,
    region: Annotated[
        str | None, typer.Option(help="Only those of this region (HCP code).")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest sent first.", min=1)] = 200,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Referrals, newest sent first."""
    from qurb.referrals.reading import ReferralFilter, list_referrals

    with open_session(db) as session:
        flt = ReferralFilter(status=status, facility=facility, region=region)
        found = list_referrals(session, _reader(), flt, limit)
    render(
        _rows(found), COLUMNS, fmt, title=say("cli.referrals.title", count=len(found)), sources=OWN
    )


@referrals_app.command("show")
def referrals_show(
    referral_id: Id, fmt: FormatOption = OutputFormat.TABLE, db: DbOption = None
) -> None:
    """One referral and every change of its status."""
    from qurb.referrals.reading import get_referral

    with open_session(db) as session:
        referral = get_referral(session, _reader(), referral_id)
    [row] = _rows([referral])
    events = [{k: _plain(v) for k, v in vars(e).items()} for e in referral.events]
    if fmt is not OutputFormat.TABLE:
        render([{**row, "events": events}], [*row, "events"], fmt, sources=OWN)
        return
    render([row], list(row), fmt, title=referral.reference, sources=OWN)
    render(events, EVENT_COLUMNS, fmt, title=say("cli.referrals.events"), sources=OWN)


@referrals_app.command("send")
def referrals_send(
    service: Annotated[str, typer.Option("--service", help="The registry service asked for.")],
    destination: Annotated[
        str, typer.Option("--destination", help="The destination facility (registry id).")
    ],
    commune: Annotated[
        str, typer.Option("--commune", help="The patient's commune of residence (HCP code).")
    ],
    origin: Annotated[
        str | None, typer.Option("--origin", help="The origin facility (registry id).")
    ] = None,
    stop: Annotated[int | None, typer.Option(help="Or the origin caravan stop's id.")] = None,
    pathway: Annotated[str | None, typer.Option(help="The care pathway (its code).")] = None,
    step: Annotated[
        int | None, typer.Option(help="The pathway's level sent to (0 the first).")
    ] = None,
    age_band: Annotated[str | None, typer.Option(help="0-4, 5-14, 15-49, 50-59 or 60+.")] = None,
    sex: Annotated[str | None, typer.Option(help="F or M.")] = None,
    reason: Annotated[str | None, typer.Option(help="Why (no name of a person).")] = None,
    urgency: Annotated[str, typer.Option(help="routine, urgent or emergency.")] = "routine",
    tele_expertise: Annotated[
        bool, typer.Option("--tele-expertise", help="Ask advice rather than refer.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Send a referral (referrals.handle over its origin: the token's account; audited)."""
    from qurb.referrals.checks import NewReferral
    from qurb.referrals.service import create

    kind = "tele_expertise" if tele_expertise else "referral"
    new = NewReferral(
        service, destination, commune, origin, stop, pathway, step, None, age_band, sex, reason,
        urgency, kind,
    )  # fmt: skip
    with open_session(db, write=True) as session:
        referral = create(session, _writer(session), new)
    _said(referral)


@referrals_app.command("move")
def referrals_move(
    referral_id: Id,
    status: Annotated[
        str,
        typer.Argument(
            help="accepted, refused, redirected, booked, seen, no_show, answered, converted "
            "or closed."
        ),
    ],
    reason: Annotated[
        str | None, typer.Option(help="A refusal's or a redirect's reason; an advice.")
    ] = None,
    destination: Annotated[
        str | None, typer.Option(help="A redirect's new destination (registry id).")
    ] = None,
    if_version: IfVersion = None,
    db: DbOption = None,
) -> None:
    """Move a referral's status (referrals.handle over the side that acts; audited)."""
    from qurb.kernel.errors import InputError
    from qurb.kernel.i18n import problem
    from qurb.referrals.model import Status
    from qurb.referrals.service import move

    try:
        target = Status(status)
    except ValueError:
        choices = [s.value for s in Status]
        raise InputError(
            [problem("status", "referral_choice", value=status, choices=choices)]
        ) from None
    with open_session(db, write=True) as session:
        referral = move(
            session,
            _writer(session),
            referral_id,
            target,
            reason,
            _versions(if_version),
            destination,
        )
    _said(referral)


@referrals_app.command("counter-refer")
def referrals_counter_refer(
    referral_id: Id,
    answer: Annotated[str, typer.Option("--answer", help="What was found and done.")],
    if_version: IfVersion = None,
    db: DbOption = None,
) -> None:
    """Counter-refer a seen referral back to its origin (audited).

    Needs referrals.handle over its destination: the token's account."""
    from qurb.referrals.service import counter_refer

    with open_session(db, write=True) as session:
        referral = counter_refer(
            session, _writer(session), referral_id, answer, _versions(if_version)
        )
    _said(referral)


@referrals_app.command("import")
def referrals_import(
    file: Annotated[Path, typer.Argument(help="A CSV or XLSX file of referrals.")],
    db: DbOption = None,
) -> None:
    """Send referrals from a file: all rows or none, every bad row named."""
    from qurb.referrals.imports import import_referrals, read_referral_file

    rows = read_referral_file(file)
    with open_session(db, write=True) as session:
        sent = import_referrals(session, _writer(session), rows, file.name)
    out.print(escape(say("cli.referrals.imported", count=sent)))


@referrals_app.command("measures")
def referrals_measures(
    territory: Annotated[
        str, typer.Option("--territory", "-t", help="A region's or a province's HCP code.")
    ],
    start: Annotated[str, typer.Option(help="First day of sending, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option(help="Last day of sending, YYYY-MM-DD.")],
    by: Annotated[str, typer.Option(help="pathway, service or commune.")] = "pathway",
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Waiting times in days (median, 90th percentile) and counter-referral rates.

    Of a region's or a province's referrals sent from START to END; the percentiles by
    numpy's linear method (Hyndman & Fan type 7)."""
    from qurb.kernel.errors import InputError
    from qurb.kernel.i18n import problem
    from qurb.referrals import measures
    from qurb.territory.service import TerritoryIndex

    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        raise InputError([problem("start/end", "referral_bad_day")]) from None
    with open_session(db) as session:
        index = TerritoryIndex.from_session(session)
        columns = measures.read_columns(session, index, territory, first, last)
        waiting = measures.waiting_times(columns, by)
        rates = measures.counter_referral_rates(columns)
    rows = measures.as_rows(waiting)
    render(
        rows,
        ["group", "interval", "count", "median_days", "p90_days"],
        fmt,
        title=say("cli.referrals.waiting"),
        sources=OWN,
    )
    if fmt is OutputFormat.TABLE:
        columns_of_rates = [
            "destination_facility_id",
            "service",
            "seen",
            "counter_referred",
            "rate",
        ]
        render(
            measures.as_rows(rates),
            columns_of_rates,
            fmt,
            title=say("cli.referrals.rates"),
            sources=OWN,
        )


@referrals_app.command("pathways")
def referrals_pathways(fmt: FormatOption = OutputFormat.TABLE) -> None:
    """The care pathways: each condition's levels, in order, each a registry service."""
    from qurb.referrals.pathways import pathways

    rows = [
        {
            "code": p.code,
            "name": p.name_fr,
            "levels": " → ".join(lv.service for lv in p.levels),
            "working_choice": p.working_choice,
            "source": p.source,
        }
        for p in pathways().values()
    ]
    render(
        rows,
        ["code", "name", "levels", "working_choice", "source"],
        fmt,
        title=say("cli.referrals.pathways"),
        sources=OWN,
    )
