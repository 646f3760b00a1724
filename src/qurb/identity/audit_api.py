"""Reading the audit trail over HTTP: `GET /api/audit` (JSON pages) and
`GET /api/audit.csv` (for inspections). Only an account holding `audit.read` reads it, and
only the entries its grants with that permission cover (by territory, partner, facility):
a province's administrator sees what was done in the province, a national one everything.
The trail itself sits below identity; who may read which entry is identity's rule."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from qurb.audit import service as audit
from qurb.audit.model import AuditEntry
from qurb.identity.account_service import usernames
from qurb.identity.grant_service import target_in
from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.kernel.actor import ActorKind
from qurb.kernel.attribution import Attribution
from qurb.kernel.errors import InputError
from qurb.kernel.i18n import problem
from qurb.kernel.values import NO_NUL_PATTERN
from qurb.platform.csv_cells import csv_cell
from qurb.platform.http import SessionDep, StateDep
from qurb.platform.schemas import AUTH_RESPONSES, ERROR_RESPONSES
from qurb.territory.service import TerritoryIndex

router = APIRouter(prefix="/api", tags=["audit"])

ReadAudit = Annotated[Guard, needs(Permission.AUDIT_READ)]
OWN_ENTRIES = Attribution(frozenset())  # written in this database: no published source
MAX_PAGE = 1000  # entries per page
MAX_CSV = 100_000  # entries per CSV export: narrow the filters, or page with after
CSV_COLUMNS = (
    "seq", "time", "actor", "actor_kind", "partner_id", "grant_id", "action", "entity_kind",
    "entity_id", "territory_code", "reason", "request_id", "before", "after", "prev_hash",
    "hash",
)  # fmt: skip

# PostgreSQL stores no NUL: a filter holding one is a 422 naming it, on every engine.
Text = Annotated[str | None, Query(max_length=200, pattern=NO_NUL_PATTERN)]
# A moment as ISO 8601 text (a zone, or UTC), read by `_moment`: bounded like any text.
Moment = Annotated[
    str | None,
    Query(
        max_length=40,
        pattern=NO_NUL_PATTERN,
        description="ISO 8601, e.g. 2026-12-01T08:00:00+01:00",
    ),
]


class AuditEntryRead(BaseModel):
    seq: int
    time: datetime
    actor: str = Field(description="an account's id, `unverified:<name>`, a local or system name")
    actor_kind: str
    actor_username: str | None = Field(
        default=None,
        description="an account's username as it is now (`anonymised-<id>` once anonymised); "
        "the trail itself names the account by its id",
    )
    partner_id: str | None
    grant_id: str | None
    action: str
    entity_kind: str
    entity_id: str
    territory_code: str | None
    reason: str | None
    request_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    hash: str

    @classmethod
    def of(cls, entry: AuditEntry, usernames: Mapping[int, str]) -> AuditEntryRead:
        username = None
        if entry.actor_kind == ActorKind.ACCOUNT:
            username = usernames.get(int(entry.actor))
        return cls(
            **{name: getattr(entry, name) for name in cls.model_fields if name not in _EXTRA},
            actor_username=username,
            before=None if entry.before is None else dict(entry.before),
            after=None if entry.after is None else dict(entry.after),
        )


_JSON = ("before", "after")
_EXTRA = (*_JSON, "actor_username")


class AuditPage(BaseModel):
    entries: list[AuditEntryRead]
    next_after: int | None = Field(
        description="give it as `after` for the next page; null: no more entries"
    )


def _usernames(session: Session, entries: list[AuditEntry]) -> dict[int, str]:
    """The usernames of the accounts a page of entries names (one query)."""
    ids = {int(e.actor) for e in entries if e.actor_kind == ActorKind.ACCOUNT}
    return usernames(session, ids)


def _readable(
    session: Session,
    guard: Guard,
    index: TerritoryIndex,
    where: audit.EntryFilter,
    territory: str | None,
) -> Iterator[AuditEntry]:
    """The entries matching `where` (inside `territory`, when given) that one of the
    reader's grants holding audit.read covers, in order."""
    everything = any(
        g.live and g.scope.is_everything and Permission.AUDIT_READ in g.permissions
        for g in guard.principal.grants
    )
    inside = None if territory is None else index.resolve(territory).code
    for entry in audit.stream(session, where):
        if everything and inside is None:
            yield entry
            continue
        code = entry.territory_code
        if code is not None and code not in index.by_code:
            code = None  # a territory the tree no longer has: covered by no subtree
        target = target_in(
            index,
            code,
            partners=() if entry.partner_id is None else (entry.partner_id,),
            facility=entry.entity_id if entry.entity_kind == "facility" else None,
            convention=entry.entity_id if entry.entity_kind == "convention" else None,
        )
        if inside is not None and inside not in target.territory_chain:
            continue
        if everything or guard.allows(target):
            yield entry


class AuditQuery:
    """The filters the page of entries and the CSV export share."""

    def __init__(
        self,
        entity_kind: Text = None,
        entity_id: Text = None,
        actor: Text = None,
        partner: Text = None,
        territory: Annotated[
            str | None,
            Query(
                max_length=100,
                pattern=NO_NUL_PATTERN,
                description="inside this territory (code or name)",
            ),
        ] = None,
        since: Moment = None,
        until: Moment = None,
        after: Annotated[
            int | None, Query(ge=0, le=2**31 - 1, description="entries after this seq")
        ] = None,
    ) -> None:
        begin, end = _moment("since", since), _moment("until", until)
        self.where = audit.EntryFilter(entity_kind, entity_id, actor, partner, begin, end, after)
        self.territory = territory


AuditQueryDep = Annotated[AuditQuery, Depends()]


def _moment(name: str, text: str | None) -> datetime | None:
    """An ISO 8601 moment (UTC when it names no zone); a 422 naming the parameter else."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError([problem(name, "not_a_moment", got=repr(text))]) from None
    return moment.replace(tzinfo=UTC) if moment.utcoffset() is None else moment


@router.get(
    "/audit",
    response_model=AuditPage,
    summary="The audit trail's entries the reader's grants cover (audit.read)",
    responses={**ERROR_RESPONSES, **AUTH_RESPONSES},
)
def audit_entries(
    guard: ReadAudit,
    session: SessionDep,
    state: StateDep,
    query: AuditQueryDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 200,
) -> AuditPage:
    """Oldest first (`since` inclusive, `until` exclusive); page with `after` = the
    `next_after` of the page before."""
    index = state.part(TerritoryIndex)
    found: list[AuditEntry] = []
    for entry in _readable(session, guard, index, query.where, query.territory):
        found.append(entry)
        if len(found) == limit + 1:
            break
    more = len(found) > limit
    page = found[:limit]
    names = _usernames(session, page)
    return AuditPage(
        entries=[AuditEntryRead.of(e, names) for e in page],
        next_after=page[-1].seq if more and page else None,
    )


@router.get(
    "/audit.csv",
    summary="The same entries as a CSV file, for inspections (audit.read)",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
        **ERROR_RESPONSES,
        **AUTH_RESPONSES,
    },
)
def audit_csv(
    guard: ReadAudit, session: SessionDep, state: StateDep, query: AuditQueryDep
) -> Response:
    """One row per entry, before and after as JSON, after the `# Sources:` lines every
    Qurb CSV opens with; at most 100,000 rows (a longer trail: narrow the filters or
    continue `after` the last row's seq)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    index = state.part(TerritoryIndex)
    entries = _readable(session, guard, index, query.where, query.territory)
    for number, entry in enumerate(entries):
        if number == MAX_CSV:
            break
        writer.writerow([csv_cell(_cell(entry, column)) for column in CSV_COLUMNS])
    return Response(
        OWN_ENTRIES.csv_text(buffer.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="qurb-audit.csv"'},
    )


def _cell(entry: AuditEntry, column: str) -> Any:
    value = getattr(entry, column)
    if column in _JSON:
        return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, datetime):
        return value.isoformat()
    return "" if value is None else value
