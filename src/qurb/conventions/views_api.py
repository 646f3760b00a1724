"""The conventions seen from a partner and from a territory, for anyone: the figures of
the published conventions, and of those the reader's `conventions.read` grants reach.
Money per inhabitant is spread by population and says so (`rule`)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from qurb.conventions.kept_api import kept_response
from qurb.conventions.money_model import FIRST_YEAR, LAST_YEAR
from qurb.conventions.partner_report import compute_partner_report, report_html, report_xlsx
from qurb.conventions.report_responses import REPORT_RESPONSES, ReportFormat, report_response
from qurb.conventions.views import (
    ConventionLine,
    Deliveries,
    LayerUnit,
    Totals,
    partner_view,
    territory_layer,
    territory_view,
)
from qurb.identity.dependencies import PrincipalDep
from qurb.identity.permissions import Permission
from qurb.identity.principal import Principal
from qurb.identity.scopes import Target
from qurb.kernel import clock
from qurb.kernel.i18n import negotiate, translate
from qurb.kernel.values import NO_NUL_PATTERN
from qurb.platform.access import Public
from qurb.platform.http import SessionDep, StateDep
from qurb.platform.schemas import ERROR_RESPONSES
from qurb.platform.state import AppState
from qurb.territory.api import IndexDep

router = APIRouter(prefix="/api/conventions", tags=["conventions"], responses=ERROR_RESPONSES)

Code = Annotated[str, Query(max_length=64, pattern=NO_NUL_PATTERN, description="HCP code")]
PartnerPath = Annotated[str, Path(max_length=80, pattern=NO_NUL_PATTERN)]


class TotalsRead(BaseModel):
    committed_mad: Decimal
    unknown_commitments: int
    disbursed_mad: Decimal
    unknown_disbursements: int
    in_kind_mad: Decimal
    unknown_in_kind: int
    financial_ratio: Decimal | None = Field(description="disbursed ÷ committed (known)")

    @classmethod
    def of(cls, t: Totals) -> TotalsRead:
        cent = Decimal("0.01")
        ratio = t.financial_ratio
        return cls(
            committed_mad=t.committed_mad.quantize(cent),
            unknown_commitments=t.unknown_commitments,
            disbursed_mad=t.disbursed_mad.quantize(cent),
            unknown_disbursements=t.unknown_disbursements,
            in_kind_mad=t.in_kind_mad.quantize(cent),
            unknown_in_kind=t.unknown_in_kind,
            financial_ratio=None if ratio is None else ratio.quantize(Decimal("0.0001")),
        )


class DeliveriesRead(BaseModel):
    total: int
    delivered: int
    overdue: int

    @classmethod
    def of(cls, d: Deliveries) -> DeliveriesRead:
        return cls(total=d.total, delivered=d.delivered, overdue=d.overdue)


class LineRead(BaseModel):
    id: int
    reference: str
    title_fr: str
    title_ar: str | None
    status: str
    territories: list[str]
    roles: list[str]
    totals: TotalsRead
    deliveries: DeliveriesRead
    share: Decimal | None = Field(None, description="the territory's share of it (0–1)")

    @classmethod
    def of(cls, line: ConventionLine) -> LineRead:
        share = None if line.share is None else line.share.quantize(Decimal("0.000001"))
        return cls(
            id=line.id,
            reference=line.reference,
            title_fr=line.title_fr,
            title_ar=line.title_ar,
            status=line.status,
            territories=list(line.territories),
            roles=list(line.roles),
            totals=TotalsRead.of(line.totals),
            deliveries=DeliveriesRead.of(line.deliveries),
            share=share,
        )


class PartnerFiguresRead(BaseModel):
    partner_id: str
    name_fr: str | None = Field(None, description="to a reader seeing one of its conventions")
    name_ar: str | None = None
    name_en: str | None = None
    conventions: list[LineRead]
    totals: TotalsRead
    deliveries: DeliveriesRead


class ObjectRead(BaseModel):
    kind: str
    ref: str
    convention_id: int
    reference: str


class TerritoryFiguresRead(BaseModel):
    territory_code: str
    population: int | None
    conventions: list[LineRead]
    attributed: TotalsRead
    unspread: int = Field(description="conventions whose covered population is unknown")
    committed_per_inhabitant: Decimal | None
    in_kind_per_inhabitant: Decimal | None
    objects: list[ObjectRead]
    rule: str


class LayerUnitRead(BaseModel):
    code: str
    population: int | None
    conventions: int
    attributed: TotalsRead
    committed_per_inhabitant: Decimal | None
    in_kind_per_inhabitant: Decimal | None

    @classmethod
    def of(cls, unit: LayerUnit) -> LayerUnitRead:
        return cls(
            code=unit.code,
            population=unit.population,
            conventions=unit.conventions,
            attributed=TotalsRead.of(unit.attributed),
            committed_per_inhabitant=unit.committed_per_inhabitant,
            in_kind_per_inhabitant=unit.in_kind_per_inhabitant,
        )


class LayerRead(BaseModel):
    territory_code: str
    units: list[LayerUnitRead]
    rule: str


def _lang(request: Request) -> str:
    return negotiate(request.headers.get("accept-language"))


def _rule(request: Request) -> str:
    """The words saying how money is spread, in the reader's language."""
    lang = _lang(request)
    return translate(lang, "conventions.spread_rule")


def _reads(principal: Principal) -> Callable[[Target], bool]:
    def allows(target: Target) -> bool:
        return Permission.CONVENTIONS_READ in principal.permissions_over(target)

    return allows


async def _cached(
    request: Request,
    state: AppState,
    principal: Principal,
    asked: tuple[object, ...],
    make: Callable[[Session], BaseModel],
) -> Response:
    """The body `make` gives (on a read session), kept in memory until the next write
    (the audit trail's last seq, moved on by every write whichever process made it) or
    the next day, for every reader whose grants read the same conventions (the scopes of
    their grants holding `conventions.read`; anyone else: the published ones only)."""
    readers = frozenset(
        (g.role, g.scope)
        for g in principal.grants
        if g.live and Permission.CONVENTIONS_READ in g.permissions
    )
    return await kept_response(request, state, (*asked, readers), make, clock.now().date())


@router.get(
    "/partners/{partner_id}/figures",
    response_model=PartnerFiguresRead,
    summary="What a partner committed, disbursed, valued in kind and owns to deliver",
)
async def partner_figures(
    _: Public,
    request: Request,
    partner_id: PartnerPath,
    principal: PrincipalDep,
    state: StateDep,
    index: IndexDep,
) -> Response:
    """The partner's part of every convention it is a party to that the reader sees (the
    published ones, and those its `conventions.read` grants reach), and its names when
    it sees one; 404 for an unknown partner."""

    def make(session: Session) -> PartnerFiguresRead:
        view = partner_view(session, index, partner_id, _reads(principal), clock.now().date())
        name_fr, name_ar, name_en = view.names or (None, None, None)
        return PartnerFiguresRead(
            partner_id=view.partner_id,
            name_fr=name_fr,
            name_ar=name_ar,
            name_en=name_en,
            conventions=[LineRead.of(line) for line in view.conventions],
            totals=TotalsRead.of(view.totals),
            deliveries=DeliveriesRead.of(view.deliveries),
        )

    return await _cached(request, state, principal, ("partner", partner_id), make)


@router.get(
    "/partners/{partner_id}/report",
    response_class=Response,
    responses=REPORT_RESPONSES,
    summary="A partner's yearly execution report: its part of every convention it is a "
    "party to (HTML, PDF or XLSX)",
)
def partner_report(
    _: Public,
    partner_id: PartnerPath,
    principal: PrincipalDep,
    session: SessionDep,
    index: IndexDep,
    year: Annotated[int, Query(ge=FIRST_YEAR, le=LAST_YEAR)],
    lang: Annotated[Literal["fr", "ar", "en"], Query()] = "fr",
    format: Annotated[ReportFormat, Query()] = "html",
) -> Response:
    """The partner's yearly execution report for the council, over the conventions the
    reader sees as it sees the partner's figures (the published ones, and those its
    `conventions.read` grants reach): per convention its roles, the money it committed
    and disbursed that year, its in kind at the stated valuations, the deliverables it
    owns; the totals; each unknown said so; the formulas and sources. 404 for an unknown
    partner."""
    today = clock.today()
    found = compute_partner_report(session, partner_id, year, today, _reads(principal), index)
    return report_response(
        f"qurb-partner-report-{_file_part(partner_id)}-{year}-{lang}",
        format,
        lambda served: report_html(found, lang, today, served=served),
        lambda: report_xlsx(found, lang),
    )


def _file_part(text: str) -> str:
    """A partner's id as it may stand in a file's name (its letters, digits, - and _)."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in text)


@router.get(
    "/territory-figures",
    response_model=TerritoryFiguresRead,
    summary="The conventions covering a territory, their money per inhabitant (spread by "
    "population) and the objects they name",
)
async def territory_figures(
    _: Public,
    request: Request,
    territory: Code,
    principal: PrincipalDep,
    state: StateDep,
    index: IndexDep,
) -> Response:
    def make(session: Session) -> TerritoryFiguresRead:
        view = territory_view(session, index, territory, _reads(principal), clock.now().date())
        return TerritoryFiguresRead(
            territory_code=view.territory_code,
            population=view.population,
            conventions=[LineRead.of(line) for line in view.conventions],
            attributed=TotalsRead.of(view.attributed),
            unspread=view.unspread,
            committed_per_inhabitant=view.committed_per_inhabitant,
            in_kind_per_inhabitant=view.in_kind_per_inhabitant,
            objects=[ObjectRead(**vars(o)) for o in view.objects],
            rule=_rule(request),
        )

    asked = ("territory", territory, _lang(request))
    return await _cached(request, state, principal, asked, make)


@router.get(
    "/layer",
    response_model=LayerRead,
    summary="The units one level down: conventions' money and in kind per inhabitant",
)
async def layer(
    _: Public,
    request: Request,
    territory: Code,
    principal: PrincipalDep,
    state: StateDep,
    index: IndexDep,
) -> Response:
    def make(session: Session) -> LayerRead:
        units = territory_layer(session, index, territory, _reads(principal))
        code = index.resolve(territory).code
        return LayerRead(
            territory_code=code, units=[LayerUnitRead.of(u) for u in units], rule=_rule(request)
        )

    asked = ("layer", territory, _lang(request))
    return await _cached(request, state, principal, asked, make)
