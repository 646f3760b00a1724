"""What partners committed and delivered, seen from a partner and from a territory: the
partner's page (every convention it is a party to, with what it committed, disbursed,
valued in kind and owns to deliver) and the territory's page and map layer (the
conventions covering it, money and in-kind per inhabitant, and the facilities, equipment
and projects they name).

Money per inhabitant is an allocation, and says so: a convention does not say where each
dirham goes, so its known committed money (and its in-kind valuations) is spread over the
territories it covers in proportion to their 2024 census population (`spread`). A unit's
share of a convention is then its population inside the covered territories ÷ the covered
population. Unknown amounts stay out of the sums and are counted; a unit without a census
population has no figure per inhabitant.

Who sees what: an account sees in full the conventions its `conventions.read` grants
reach (`allows`); anyone sees the published ones (their totals are in their published
summary too)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.conventions._deliverable_tables import DeliverableRow
from qurb.conventions._money_tables import ContributionRow, DisbursementRow
from qurb.conventions.deliverable_model import CLOSED, DeliverableStatus, ReferenceKind
from qurb.conventions.deliverable_service import (
    last_day,
    list_deliverables,
    physical_execution,
)
from qurb.conventions.listing import ConventionFilter, visible_conventions
from qurb.conventions.money_model import ContributionKind, DisbursementKind
from qurb.conventions.money_service import list_contributions
from qurb.conventions.partial_dates import PartialDate
from qurb.conventions.records import Convention
from qurb.identity.partner_service import get_partner
from qurb.identity.scopes import Target
from qurb.territory.model import Territory, TerritoryLevel
from qurb.territory.service import TerritoryIndex

ZERO = Decimal(0)


@dataclass(frozen=True)
class Totals:
    """Known sums (MAD) and how many amounts are unknown."""

    committed_mad: Decimal = ZERO
    unknown_commitments: int = 0
    disbursed_mad: Decimal = ZERO
    unknown_disbursements: int = 0
    in_kind_mad: Decimal = ZERO
    unknown_in_kind: int = 0

    @property
    def financial_ratio(self) -> Decimal | None:
        if self.committed_mad == ZERO:
            return None
        return self.disbursed_mad / self.committed_mad

    def plus(self, other: Totals) -> Totals:
        return Totals(
            self.committed_mad + other.committed_mad,
            self.unknown_commitments + other.unknown_commitments,
            self.disbursed_mad + other.disbursed_mad,
            self.unknown_disbursements + other.unknown_disbursements,
            self.in_kind_mad + other.in_kind_mad,
            self.unknown_in_kind + other.unknown_in_kind,
        )


@dataclass(frozen=True)
class Deliveries:
    """Deliverables owned: how many, delivered, past their known deadline and not done."""

    total: int = 0
    delivered: int = 0
    overdue: int = 0


@dataclass(frozen=True)
class ConventionLine:
    """One convention as a partner's or a territory's page lists it."""

    id: int
    reference: str
    title_fr: str
    title_ar: str | None
    status: str
    territories: tuple[str, ...]
    roles: tuple[str, ...]  # the partner's roles (partner view); every role (territory)
    totals: Totals
    deliveries: Deliveries
    share: Decimal | None = None  # territory view: the territory's share of it, 0–1


@dataclass(frozen=True)
class PartnerView:
    partner_id: str
    conventions: tuple[ConventionLine, ...]
    totals: Totals
    deliveries: Deliveries
    # Its names (fr, ar, en) to a reader that sees one of its conventions, where it is
    # named as a party already (partners are listed to no one on the web); else None.
    names: tuple[str, str, str | None] | None = None


@dataclass(frozen=True)
class FundedObject:
    """A facility, equipment item or project a convention names (a contribution's
    equipment or receiving facility, a deliverable's reference)."""

    kind: str
    ref: str
    convention_id: int
    reference: str


@dataclass(frozen=True)
class TerritoryView:
    territory_code: str
    population: int | None
    conventions: tuple[ConventionLine, ...]
    attributed: Totals  # the conventions' sums spread to the territory by population
    unspread: int  # conventions whose covered population is unknown: not spread
    objects: tuple[FundedObject, ...] = ()

    @property
    def committed_per_inhabitant(self) -> Decimal | None:
        return _per(self.attributed.committed_mad, self.population)

    @property
    def in_kind_per_inhabitant(self) -> Decimal | None:
        return _per(self.attributed.in_kind_mad, self.population)


@dataclass(frozen=True)
class LayerUnit:
    code: str
    population: int | None
    conventions: int
    attributed: Totals

    @property
    def committed_per_inhabitant(self) -> Decimal | None:
        return _per(self.attributed.committed_mad, self.population)

    @property
    def in_kind_per_inhabitant(self) -> Decimal | None:
        return _per(self.attributed.in_kind_mad, self.population)


def _per(amount: Decimal, population: int | None) -> Decimal | None:
    return None if not population else (amount / population).quantize(Decimal("0.01"))


# ---------------------------------------------------------------------------- sums


def sums_of(session: Session, ids: Sequence[int], partner: str | None = None) -> dict[int, Totals]:
    """Each convention's sums (a party's own, when `partner` is given), read in two
    queries whatever the number of conventions."""
    found: dict[int, list[Decimal | int]] = {i: [ZERO, 0, ZERO, 0, ZERO, 0] for i in ids}
    if not ids:
        return {}
    c = ContributionRow
    query = select(c.convention_id, c.kind, c.amount, c.valuation).where(c.convention_id.in_(ids))
    if partner is not None:
        query = query.where(c.partner_id == partner)
    for convention_id, kind, amount, valuation in session.execute(query):
        slot = 0 if kind == ContributionKind.MONEY.value else 4
        _count(found[convention_id], slot, amount if slot == 0 else valuation)
    d = DisbursementRow
    paid = select(d.convention_id, d.amount).where(
        d.convention_id.in_(ids), d.kind == DisbursementKind.DISBURSEMENT.value
    )
    if partner is not None:
        paid = paid.where(d.from_partner_id == partner)
    for convention_id, amount in session.execute(paid):
        _count(found[convention_id], 2, amount)
    return {i: Totals(*v) for i, v in found.items()}  # type: ignore[arg-type]


def _count(sums: list[Decimal | int], slot: int, amount: Decimal | None) -> None:
    if amount is None:
        sums[slot + 1] = int(sums[slot + 1]) + 1
    else:
        sums[slot] = Decimal(sums[slot]) + Decimal(amount)


def deliveries_of(
    session: Session, ids: Sequence[int], today: date, partner: str | None = None
) -> dict[int, Deliveries]:
    """Each convention's deliverables (a party's own, when `partner` is given): how many,
    delivered, past their known deadline and still owed."""
    counts = {i: [0, 0, 0] for i in ids}
    if not ids:
        return {}
    r = DeliverableRow
    query = select(
        r.convention_id, r.status, r.deadline_year, r.deadline_month, r.deadline_day
    ).where(r.convention_id.in_(ids))
    if partner is not None:
        query = query.where(r.owner_partner_id == partner)
    for convention_id, status, year, month, day in session.execute(query):
        row = counts[convention_id]
        row[0] += 1
        if status == DeliverableStatus.DELIVERED.value:
            row[1] += 1
        elif status not in CLOSED:
            due = last_day(PartialDate(year, month, day))
            row[2] += int(due is not None and due < today)
    return {i: Deliveries(*v) for i, v in counts.items()}


def _sum(totals: Iterable[Totals]) -> Totals:
    out = Totals()
    for t in totals:
        out = out.plus(t)
    return out


def _sum_deliveries(items: Iterable[Deliveries]) -> Deliveries:
    total = delivered = overdue = 0
    for d in items:
        total, delivered, overdue = total + d.total, delivered + d.delivered, overdue + d.overdue
    return Deliveries(total, delivered, overdue)


def _lines(
    session: Session,
    conventions: Sequence[Convention],
    today: date,
    partner: str | None = None,
    shares: dict[int, Decimal | None] | None = None,
) -> list[ConventionLine]:
    ids = [c.id for c in conventions]
    sums, deliveries = sums_of(session, ids, partner), deliveries_of(session, ids, today, partner)
    lines = []
    for convention in conventions:
        f = convention.fields
        roles = [p.role for p in convention.parties if partner is None or p.partner_id == partner]
        lines.append(
            ConventionLine(
                id=convention.id,
                reference=f.reference,
                title_fr=f.title_fr,
                title_ar=f.title_ar,
                status=convention.status,
                territories=f.territories,
                roles=tuple(dict.fromkeys(r for r in roles if r)),
                totals=sums[convention.id],
                deliveries=deliveries[convention.id],
                share=None if shares is None else shares.get(convention.id),
            )
        )
    return lines


# ---------------------------------------------------------------------------- spreading


def covered(index: TerritoryIndex, codes: Sequence[str]) -> list[str]:
    """The territories a convention covers, without those inside another it covers."""
    known = [c for c in dict.fromkeys(codes) if c in index.by_code]
    return [c for c in known if not any(o != c and index.is_within(c, o) for o in known)]


def share_of(index: TerritoryIndex, unit: Territory, codes: Sequence[str]) -> Decimal | None:
    """The unit's share of a convention's covered population (0–1); None when a covered
    territory's population (or the unit's, when it lies inside one) is unknown."""
    cover = covered(index, codes)
    populations = [index.by_code[c].population_2024 for c in cover]
    if not cover or any(p is None for p in populations):
        return None
    whole = sum(p or 0 for p in populations)
    inside = 0
    for code in cover:
        if index.is_within(unit.code, code):  # the unit lies inside a covered territory
            if unit.population_2024 is None:
                return None
            inside += unit.population_2024
        elif index.is_within(code, unit.code):  # a covered territory lies inside the unit
            inside += index.by_code[code].population_2024 or 0
    return Decimal(inside) / Decimal(whole) if whole else None


def _spread(totals: Totals, share: Decimal) -> Totals:
    """The sums times the share (unknown counts kept: an unknown stays unknown here)."""
    return Totals(
        totals.committed_mad * share,
        totals.unknown_commitments,
        totals.disbursed_mad * share,
        totals.unknown_disbursements,
        totals.in_kind_mad * share,
        totals.unknown_in_kind,
    )


# ---------------------------------------------------------------------------- views


def partner_view(
    session: Session,
    index: TerritoryIndex,
    partner_id: str,
    allows: Callable[[Target], bool],
    today: date,
) -> PartnerView:
    """Every convention the partner is a party to that the reader may see, with what
    the partner itself committed, disbursed, valued in kind and owns to deliver; NotFound
    (partner_not_found) for an unknown partner, as its report."""
    partner = get_partner(session, partner_id)
    found = visible_conventions(session, index, ConventionFilter(partner=partner_id), allows)
    lines = tuple(_lines(session, found, today, partner_id))
    names = (partner.name_fr, partner.name_ar, partner.name_en) if lines else None
    return PartnerView(
        partner_id,
        lines,
        _sum(line.totals for line in lines),
        _sum_deliveries(line.deliveries for line in lines),
        names,
    )


def _objects(session: Session, convention: Convention) -> list[FundedObject]:
    named: list[tuple[str, str]] = []
    for c in list_contributions(session, convention.id):
        if c.values.facility_id:
            named.append((ReferenceKind.FACILITY.value, c.values.facility_id))
        if c.values.equipment_id is not None:
            named.append((ReferenceKind.EQUIPMENT.value, str(c.values.equipment_id)))
    for d in list_deliverables(session, convention.id):
        named += [(r.kind, r.ref) for r in d.references if r.kind != ReferenceKind.TERRITORY]
    ref = convention.fields.reference
    return [FundedObject(k, r, convention.id, ref) for k, r in dict.fromkeys(named)]


def territory_view(
    session: Session,
    index: TerritoryIndex,
    code: str,
    allows: Callable[[Target], bool],
    today: date,
) -> TerritoryView:
    """The conventions covering the territory (or a place in it) that the reader may
    see, their sums spread to it by population, and the objects they name."""
    unit = index.resolve(code)
    found = visible_conventions(session, index, ConventionFilter(territory=unit.code), allows)
    shares = {c.id: share_of(index, unit, c.fields.territories) for c in found}
    lines = _lines(session, found, today, shares=shares)
    spread = [_spread(line.totals, line.share) for line in lines if line.share is not None]
    objects = [o for c in found for o in _objects(session, c)]
    return TerritoryView(
        unit.code,
        unit.population_2024,
        tuple(lines),
        _sum(spread),
        sum(line.share is None for line in lines),
        tuple(objects),
    )


NEXT_LEVEL = {
    TerritoryLevel.COUNTRY: TerritoryLevel.REGION,
    TerritoryLevel.REGION: TerritoryLevel.PROVINCE,
    TerritoryLevel.PROVINCE: TerritoryLevel.COMMUNE,
}


def territory_layer(
    session: Session, index: TerritoryIndex, code: str, allows: Callable[[Target], bool]
) -> list[LayerUnit]:
    """The units one level down (regions of the country, provinces of a region, communes
    of a province): the conventions' sums spread to each by population."""
    parent = index.resolve(code)
    level = NEXT_LEVEL.get(parent.level, TerritoryLevel.COMMUNE)
    return layer_units(session, index, parent, index.units_within(parent, level), allows)


def layer_units(
    session: Session,
    index: TerritoryIndex,
    parent: Territory,
    units: Sequence[Territory],
    allows: Callable[[Target], bool],
) -> list[LayerUnit]:
    """The conventions covering `parent` (or a place in it) that the reader may see,
    their sums spread to each of `units` (places inside `parent`) by population: the
    layer, and the map's indicator (`qurb.indicators.convention_indicators`)."""
    found = visible_conventions(session, index, ConventionFilter(territory=parent.code), allows)
    sums = sums_of(session, [c.id for c in found])
    out = []
    for unit in units:
        spread, count = [], 0
        for convention in found:
            share = share_of(index, unit, convention.fields.territories)
            if share:
                count += 1
                spread.append(_spread(sums[convention.id], share))
        out.append(LayerUnit(unit.code, unit.population_2024, count, _sum(spread)))
    return out


# ---------------------------------------------------------------------------- published


@dataclass(frozen=True)
class KindTotal:
    """The contributions of one kind: the known sum (money committed, or valuations in
    kind) in MAD and how many are unknown."""

    kind: str
    known_mad: Decimal
    unknown: int


@dataclass(frozen=True)
class PublicFigures:
    """What a published summary says of a convention's execution: committed by kind,
    the financial execution, and the physical execution of `period` (the current year)."""

    by_kind: tuple[KindTotal, ...]
    totals: Totals
    period: str
    physical_ratio: Decimal | None
    measured: int
    unknown_actual: int
    without_target: int


def public_figures(session: Session, convention_id: int, today: date) -> PublicFigures:
    kinds: dict[str, list[Decimal | int]] = {}
    c = ContributionRow
    query = select(c.kind, c.amount, c.valuation).where(c.convention_id == convention_id)
    for kind, amount, valuation in session.execute(query.order_by(c.kind)):
        sums = kinds.setdefault(kind, [ZERO, 0])
        _count(sums, 0, amount if kind == ContributionKind.MONEY.value else valuation)
    period = str(today.year)
    physical = physical_execution(session, convention_id, period).execution
    return PublicFigures(
        by_kind=tuple(KindTotal(k, Decimal(v[0]), int(v[1])) for k, v in kinds.items()),
        totals=sums_of(session, [convention_id])[convention_id],
        period=period,
        physical_ratio=physical.ratio,
        measured=physical.measured,
        unknown_actual=physical.unknown_actual,
        without_target=physical.without_target,
    )
