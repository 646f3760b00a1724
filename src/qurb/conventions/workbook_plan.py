"""What a convention's workbook read changes, row by row, checked against the records
before anything is written: each row with an id matched to its record of this convention
(its version the record's), compared with it (unchanged: nothing to write), its fields
checked by the models' own checks (types, choices, parties of the convention, amounts
within bounds, dates within the convention); every problem kept with its sheet, row and
column. Each change is a write through the service functions, made later by the import
(`workbook_import`), with the actor its `Authority` gives."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Protocol

from sqlalchemy.orm import Session

from qurb.conventions.committee_model import check_action_move
from qurb.conventions.committee_service import move_action
from qurb.conventions.deliverable_amend import update_deliverable
from qurb.conventions.deliverable_model import (
    ConventionFrame,
    DeliverableIn,
    DeliverableStatus,
    IndicatorIn,
    check_deliverable,
    check_move,
    check_period,
    typed,
)
from qurb.conventions.deliverable_service import (
    create_deliverable,
    get_deliverable,
    move_deliverable,
    report_actual,
)
from qurb.conventions.model import PartyIn
from qurb.conventions.money_model import (
    ContributionIn,
    DisbursementIn,
    check_contribution,
    check_disbursement,
)
from qurb.conventions.money_service import (
    add_contribution,
    add_disbursement,
    update_contribution,
    update_disbursement,
)
from qurb.conventions.partial_dates import PartialDate, is_before
from qurb.conventions.service import set_parties
from qurb.conventions.workbook import WorkbookContent, record_rows
from qurb.conventions.workbook_reader import ReadBook, ReadRow, located
from qurb.conventions.workbook_sheets import (
    COLUMNS,
    CONTRIBUTIONS,
    DECISIONS,
    DELIVERABLES,
    DISBURSEMENTS,
    PARTIES,
    Column,
    Kind,
    cell_text,
    read_cell,
)
from qurb.identity.partner_service import partner_exists
from qurb.kernel.actor import Actor
from qurb.kernel.errors import FieldError
from qurb.kernel.i18n import problem


class Authority(Protocol):
    """Who writes each change (the faces build it from the account's grants); each
    refuses (403) what the account may not do."""

    def manager(self) -> Actor:
        """The secretariat: the parties, deliverables added and moved."""
        ...

    def for_money(self, partners: Sequence[str]) -> Actor:
        """The money of these parties: the secretariat, or a user of each."""
        ...

    def reporter(self, owner: str) -> Actor:
        """A deliverable's actual: its owner party's user, or the secretariat."""
        ...

    def for_action(self, owner: str) -> tuple[Actor, str | None]:
        """A decision's action: its owner party's user (that party), or the secretariat
        (None)."""
        ...


Write = Callable[[Session, Authority], object]


@dataclass(frozen=True)
class Change:
    sheet: str
    number: int
    created: bool
    write: Write
    counted: bool = True  # a row's change (the parties' one write is not another)


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    unchanged: dict[str, int] = field(default_factory=dict)
    problems: list[FieldError] = field(default_factory=list)

    def keep(self, row: ReadRow) -> None:
        self.unchanged[row.sheet] = self.unchanged.get(row.sheet, 0) + 1

    def refuse(self, row: ReadRow, key: str, found: FieldError) -> None:
        self.problems.append(located(row.sheet, row.number, key, found))

    def refuse_all(self, row: ReadRow, found: Sequence[FieldError]) -> bool:
        for one in found:
            self.refuse(row, one.field, one)
        return bool(found)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _as_read(sheet: str, record: dict[str, Any]) -> dict[str, Any]:
    """A record's row as the import reads it back from the cells the writer wrote."""
    return {c.key: read_cell(c, cell_text(record.get(c.key))).value for c in COLUMNS[sheet]}


class Planner:
    def __init__(self, session: Session, book: ReadBook, content: WorkbookContent) -> None:
        self.session, self.book, self.content = session, book, content
        self.convention = content.convention
        # Each sheet's records by id (a party, which has none, by its partner and role).
        self.records = {
            sheet: {
                r.get("id", (r.get("partner_id"), r.get("role"))): _as_read(sheet, r) for r in rows
            }
            for sheet, rows in record_rows(content).items()
        }
        self.plan = Plan()
        self.parties = {p.partner_id for p in self.convention.parties}

    def run(self) -> Plan:
        self._parties(self.book.rows.get(PARTIES, []))
        for sheet, planned in (
            (CONTRIBUTIONS, self._contribution),
            (DELIVERABLES, self._deliverable),
            (DISBURSEMENTS, self._disbursement),
            (DECISIONS, self._decision),
        ):
            for row in self.book.rows.get(sheet, []):
                record = self._record(row)
                if not isinstance(record, bool):
                    planned(row, record)
        return self.plan

    # ------------------------------------------------------------------ shared checks

    def _record(self, row: ReadRow) -> dict[str, Any] | bool | None:
        """The row's record (None: a new row), or False when the row names none of this
        convention's or an old version of it (refused)."""
        row_id = row.cells.get("id")
        if row_id is None:
            return None
        record = self.records[row.sheet].get(row_id)
        if record is None:
            values = {"id": row_id, "reference": self.convention.reference}
            self.plan.refuse(row, "id", problem("id", "workbook_not_this_convention", **values))
            return False
        version = row.cells.get("version")
        if version is not None and version != record["version"]:
            values = {"id": row_id, "version": version, "current": record["version"]}
            self.plan.refuse(row, "version", problem("version", "workbook_stale_row", **values))
            return False
        problems = [
            problem(c.key, "workbook_read_only")
            if c.read_only
            else problem(c.key, "workbook_fixed_column")
            for c in COLUMNS[row.sheet]
            if (c.read_only or c.fixed) and not _same(c, row.cells.get(c.key), record)
        ]
        return False if self.plan.refuse_all(row, problems) else record

    def _party(self, row: ReadRow, key: str, required: bool = True) -> list[FieldError]:
        partner = row.cells.get(key)
        if partner is None:
            return [problem(key, "convention_field_required")] if required else []
        if partner in self.parties:
            return []
        values = {"id": repr(partner), "reference": self.convention.reference}
        return [problem(key, "money_not_a_party", **values)]

    def _changed(self, row: ReadRow, record: dict[str, Any] | None, keys: Sequence[str]) -> bool:
        if record is not None and all(row.cells.get(k) == record.get(k) for k in keys):
            self.plan.keep(row)
            return False
        return True

    def _add(self, row: ReadRow, created: bool, write: Write) -> None:
        self.plan.changes.append(Change(row.sheet, row.number, created, write))

    # ------------------------------------------------------------------ parties

    def _parties(self, rows: list[ReadRow]) -> None:
        """Parties matched by partner (and role, for a partner of two roles): a partner's
        one role changed, a new partner added; a party left out stays."""
        current = [
            PartyIn(p.partner_id, p.role, p.signatories, p.contacts)
            for p in self.convention.parties
        ]
        wanted = list(current)
        seen: set[tuple[str, str | None]] = set()
        first = 0  # the first row changed: where a refusal of the parties' write is named
        for row in rows:
            partner, role = row.cells.get("partner_id"), row.cells.get("role")
            found = self._party_row_problems(row, partner, role, seen)
            if self.plan.refuse_all(row, found) or partner is None:
                continue
            seen.add((partner, role))
            same = [i for i, p in enumerate(wanted) if p.partner_id == partner]
            if any(wanted[i].role == role for i in same):
                self.plan.keep(row)
                continue
            if len(same) == 1 and sum(1 for p, _ in seen if p == partner) == 1:
                kept = wanted[same[0]]
                wanted[same[0]] = PartyIn(partner, role, kept.signatories, kept.contacts)
                self._add(row, False, _no_write)
            else:
                wanted.append(PartyIn(partner, role))
                self._add(row, True, _no_write)
            first = first or row.number
        self.parties |= {p.partner_id for p in wanted}
        if first:
            write = _set_parties(self.convention.id, wanted, self.book.about.get("version"))
            self.plan.changes.append(Change(PARTIES, first, False, write, counted=False))

    def _party_row_problems(
        self, row: ReadRow, partner: str | None, role: str | None, seen: set[Any]
    ) -> list[FieldError]:
        if partner is None:
            return [problem("partner_id", "convention_field_required")]
        if (partner, role) in seen:
            return [problem("partner_id", "convention_party_twice", id=repr(partner))]
        if partner not in self.parties and not partner_exists(self.session, partner):
            return [problem("partner_id", "convention_not_a_partner", id=repr(partner))]
        record = next(
            (r for r in self.records[PARTIES].values() if r["partner_id"] == partner), None
        )
        return [
            problem(key, "workbook_read_only")
            for key in ("name_fr", "name_ar")
            if record is not None
            and row.cells.get(key) is not None
            and row.cells.get(key) != record.get(key)
        ]

    # ------------------------------------------------------------------ money

    def _contribution(self, row: ReadRow, record: dict[str, Any] | None) -> None:
        c = row.cells
        if c.get("kind") is None:
            self.plan.refuse(row, "kind", problem("kind", "convention_field_required"))
            return
        asked = ContributionIn(
            partner_id=c.get("partner_id") or "",
            kind=c["kind"],
            **{k: c.get(k) for k in ("year", "item", "description_fr", "description_ar")},
            amount=_text(c.get("amount")),
            quantity=_text(c.get("quantity")),
            valuation=_text(c.get("valuation")),
            **{k: c.get(k) for k in ("unit", "profession", "specialty", "valuation_method")},
            equipment_id=c.get("equipment_id"),
            facility_id=c.get("facility_id"),
        )
        _, found = check_contribution(asked)
        found += self._party(row, "partner_id")
        number = c.get("amendment_number")
        if number is not None and number not in {a.number for a in self.convention.amendments}:
            found.append(problem("amendment_number", "money_no_amendment", number=number))
        if self.plan.refuse_all(row, found):
            return
        keys = [col.key for col in COLUMNS[CONTRIBUTIONS][2:-1]]
        if not self._changed(row, record, keys):
            return
        cid = self.convention.id
        if record is None:
            self._add(
                row,
                True,
                lambda s, a: add_contribution(s, a.for_money([asked.partner_id]), cid, asked),
            )
            return
        rid, old, version = record["id"], record["partner_id"], record["version"]
        self._add(
            row,
            False,
            lambda s, a: update_contribution(
                s,
                a.for_money([old, asked.partner_id]),
                cid,
                rid,
                asked,
                amendment_number=number,
                if_version=version,
            ),
        )

    def _disbursement(self, row: ReadRow, record: dict[str, Any] | None) -> None:
        c = row.cells
        found = []
        for key in ("contribution_id", "kind"):
            if c.get(key) is None:
                found.append(problem(key, "convention_field_required"))
        if self.plan.refuse_all(row, found):
            return
        asked = DisbursementIn(
            contribution_id=c["contribution_id"],
            from_partner_id=c.get("from_partner_id") or "",
            kind=c["kind"],
            on=c.get("on"),
            amount=_text(c.get("amount")),
            to_partner_id=c.get("to_partner_id"),
            to_payee=c.get("to_payee"),
            reference=c.get("reference"),
        )
        found = check_disbursement(asked)[1] + self._party(row, "from_partner_id")
        found += self._party(row, "to_partner_id", required=False)
        found += self._in_convention(asked.on, "on")
        if asked.contribution_id not in self.records[CONTRIBUTIONS]:
            values = {"id": asked.contribution_id, "reference": self.convention.reference}
            found.append(problem("contribution_id", "workbook_not_this_convention", **values))
        if self.plan.refuse_all(row, found):
            return
        if not self._changed(row, record, [col.key for col in COLUMNS[DISBURSEMENTS][2:]]):
            return
        cid = self.convention.id
        if record is None:
            self._add(
                row,
                True,
                lambda s, a: add_disbursement(s, a.for_money([asked.from_partner_id]), cid, asked),
            )
            return
        rid, old, version = record["id"], record["from_partner_id"], record["version"]
        self._add(
            row,
            False,
            lambda s, a: update_disbursement(
                s, a.for_money([old, asked.from_partner_id]), cid, rid, asked, if_version=version
            ),
        )

    def _in_convention(self, on: date | None, key: str) -> list[FieldError]:
        if on is None:
            return []
        day = PartialDate(on.year, on.month, on.day)
        start, end = self.convention.fields.start_on, self.convention.fields.end_on
        if is_before(day, start) or is_before(end, day):
            values = {"on": on.isoformat(), "start": str(start) or "?", "end": str(end) or "?"}
            return [problem(key, "money_date_outside", **values)]
        return []

    # ------------------------------------------------------------------ deliverables

    def _deliverable(self, row: ReadRow, record: dict[str, Any] | None) -> None:
        """A new deliverable added (then moved, its actual reported, when the row says
        so); a recorded one amended when its fields differ (the row's `amendment` the
        amendment deciding it, which a signed convention asks for what was committed),
        moved to the row's status, its actual reported when the row's period, value or
        note differ from its latest report."""
        c = row.cells
        kind = c.get("indicator_kind")
        edited = record is not None and _edited(row, record)
        found: list[FieldError] = []
        if kind is None:
            found.append(problem("indicator_kind", "convention_field_required"))
        elif record is None or edited:
            found += check_deliverable(self._new_deliverable(row), self._frame())
        current = DeliverableStatus(record["status"] if record else DeliverableStatus.PLANNED)
        status = DeliverableStatus(c.get("status") or current)
        if status != current:
            found += check_move(current, status)
        report, wrong = self._report(row, record, kind) if kind else (False, [])
        if self.plan.refuse_all(row, found + wrong):
            return
        moved = status != current
        if record is not None and not moved and not report and not edited:
            self.plan.keep(row)
            return
        write = self._deliverable_write(
            row, record, status.value if moved else None, report, edited
        )
        self._add(row, record is None, write)

    def _report(
        self, row: ReadRow, record: dict[str, Any] | None, kind: str
    ) -> tuple[bool, list[FieldError]]:
        """Is an actual to report (and the problems of the row's period, value, note)?"""
        period, actual, note = (row.cells.get(k) for k in ("period", "actual", "note"))
        if period is None:
            given = actual is not None or note is not None
            return False, [problem("period", "convention_field_required")] if given else []
        value, found = typed(kind, actual, "actual")
        found += check_period(period)
        if found:
            return False, found
        if record is not None and (record["period"], record["note"]) == (period, note):
            return typed(kind, record["actual"], "actual")[0] != value, []
        return True, []

    def _frame(self) -> ConventionFrame:
        fields = self.convention.fields
        return ConventionFrame(
            partners=frozenset(self.parties),
            articles=frozenset(a.number for a in self.convention.articles),
            start_on=fields.start_on,
            end_on=fields.end_on,
        )

    def _new_deliverable(self, row: ReadRow) -> DeliverableIn:
        c = row.cells
        return DeliverableIn(
            what_fr=c.get("what_fr") or "",
            owner=c.get("owner") or "",
            indicator=IndicatorIn(
                kind=c.get("indicator_kind") or "",
                unit=c.get("indicator_unit"),
                baseline=c.get("baseline"),
                target=c.get("target"),
            ),
            what_ar=c.get("what_ar"),
            article=c.get("article"),
            deadline=c.get("deadline") or PartialDate(),
            weight=c.get("weight"),
        )

    def _deliverable_write(
        self,
        row: ReadRow,
        record: dict[str, Any] | None,
        status: str | None,
        report: bool,
        edited: bool,
    ) -> Write:
        cid = self.convention.id
        item = self._new_deliverable(row) if record is None or edited else None
        version = None if record is None else record["version"]
        c = row.cells

        def write(session: Session, authority: Authority) -> object:
            nonlocal version
            if record is None:
                assert item is not None
                made = create_deliverable(session, authority.manager(), cid, item)
                did, owner = made.id, made.owner
            else:
                did, owner = record["id"], record["owner"]
            if record is not None and item is not None:  # amended: its objects kept
                held = get_deliverable(session, cid, did).references
                amended = update_deliverable(
                    session,
                    authority.manager(),
                    cid,
                    did,
                    replace(item, references=held),
                    amendment_number=c.get("amendment"),
                    if_version=version,
                )
                owner, version = amended.owner, amended.version
            if status is not None:
                actor = authority.manager()
                move_deliverable(session, actor, cid, did, status, if_version=version)
            if report:
                actor = authority.reporter(owner)
                report_actual(session, actor, cid, did, c["period"], c.get("actual"), c.get("note"))
            return did

        return write

    # ------------------------------------------------------------------ decisions

    def _decision(self, row: ReadRow, record: dict[str, Any] | None) -> None:
        if record is None:
            self.plan.refuse(row, "id", problem("id", "workbook_decision_new"))
            return
        c = row.cells
        if not self._changed(row, record, ("status", "done_on", "note")):
            return
        status = c.get("status")
        if status is None:
            self.plan.refuse(row, "status", problem("status", "convention_field_required"))
            return
        found = check_action_move(record["status"], status, c.get("done_on"), c.get("note"))
        if self.plan.refuse_all(row, found):
            return
        cid, rid, owner, version = (
            self.convention.id,
            record["id"],
            record["owner_partner_id"],
            record["version"],
        )
        done_on, note = c.get("done_on"), c.get("note")

        def write(session: Session, authority: Authority) -> object:
            actor, party = authority.for_action(owner)
            return move_action(
                session,
                actor,
                cid,
                rid,
                status,
                done_on=done_on,
                note=note,
                party=party,
                if_version=version,
            )

        self._add(row, False, write)


# A recorded deliverable's fields a row may change (by amendment, once signed).
DELIVERABLE_FIELDS = (
    "what_fr",
    "what_ar",
    "owner",
    "article",
    "deadline",
    "weight",
    "indicator_kind",
    "indicator_unit",
    "baseline",
    "target",
)


def _edited(row: ReadRow, record: dict[str, Any]) -> bool:
    """Does the row change any of its deliverable's fields? A blank cell is unknown (a
    change when the record knows it); an indicator's value compared as its kind reads it."""
    columns = {c.key: c for c in COLUMNS[DELIVERABLES]}
    for key in DELIVERABLE_FIELDS:
        given, held = row.cells.get(key), record.get(key)
        if given == held:
            continue
        if columns[key].kind == Kind.VALUE and given is not None and held is not None:
            kind = row.cells.get("indicator_kind") or record["indicator_kind"]
            if typed(kind, given, key)[0] == typed(kind, held, key)[0]:
                continue
        return True
    return False


def _same(column: Column, given: Any, record: dict[str, Any]) -> bool:
    """A read-only or fixed cell as its record holds it (blank: left as it is); an
    indicator's value compared as its kind reads it (`5000` and 5000 the same)."""
    held = record.get(column.key)
    if given is None or given == held:
        return True
    if column.kind == Kind.VALUE:
        kind = record["indicator_kind"]
        return typed(kind, given, column.key)[0] == typed(kind, held, column.key)[0]
    return False


def _no_write(session: Session, authority: Authority) -> None:
    """A parties row: written with the others by one `set_parties`."""


def _set_parties(convention_id: int, parties: list[PartyIn], version: Any) -> Write:
    wanted = version if isinstance(version, int) else None
    return lambda s, a: set_parties(s, a.manager(), convention_id, parties, if_version=wanted)


def plan_changes(session: Session, book: ReadBook, content: WorkbookContent) -> Plan:
    """Every row's change, or every problem."""
    return Planner(session, book, content).run()
