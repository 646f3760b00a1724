"""The conventions API's bodies and answers: a convention to write (its dates in ISO
8601's partial forms: `YYYY-MM-DD`, `YYYY-MM`, `YYYY`, `--MM-DD`; null when unknown), its
parties, an article, an amendment, a status move; a convention read in full; the public
summary of a published one."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from qurb.conventions.model import (
    MAX_ARTICLES,
    MAX_TERRITORIES,
    REFERENCE_MAX_CHARS,
    SHORT_MAX_CHARS,
    TEXT_MAX_CHARS,
    TITLE_MAX_CHARS,
    AmendmentIn,
    ArticleIn,
    ConventionFields,
    PartyIn,
    Person,
    refuse,
)
from qurb.conventions.partial_dates import PartialDate, PartialDateError, parse_partial
from qurb.conventions.records import Convention, ConventionSummary, DocumentInfo
from qurb.conventions.views import PublicFigures
from qurb.kernel.errors import FieldError

MAX_PEOPLE = 50
MAX_PARTIES = 100
PartialText = str | None


def parse_dates(named: dict[str, str | None]) -> dict[str, PartialDate]:
    """Each partial date by its field; every bad one named together."""
    out: dict[str, PartialDate] = {}
    problems: list[FieldError] = []
    for name, text in named.items():
        try:
            out[name] = parse_partial(text, name)
        except PartialDateError as error:
            problems.extend(error.errors)
    refuse(problems)
    return out


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PersonBody(_Body):
    name: str = Field(max_length=SHORT_MAX_CHARS)
    title: str | None = Field(default=None, max_length=SHORT_MAX_CHARS)
    email: str | None = Field(default=None, max_length=SHORT_MAX_CHARS)
    phone: str | None = Field(default=None, max_length=SHORT_MAX_CHARS)

    def person(self) -> Person:
        return Person(self.name, self.title, self.email, self.phone)


class PartyBody(_Body):
    """A registered partner (`partner_id`, see /api/partners) and its `role`: financer,
    implementer, beneficiary, supervisor or secretariat (null: not published); its
    signatories and contacts."""

    partner_id: str = Field(max_length=80)
    role: str | None = Field(default=None, max_length=24)
    signatories: list[PersonBody] = Field(default_factory=list, max_length=MAX_PEOPLE)
    contacts: list[PersonBody] = Field(default_factory=list, max_length=MAX_PEOPLE)

    def party(self) -> PartyIn:
        return PartyIn(
            self.partner_id,
            self.role,
            tuple(p.person() for p in self.signatories),
            tuple(p.person() for p in self.contacts),
        )


class ArticleBody(_Body):
    number: int = Field(ge=1, le=MAX_ARTICLES)
    title: str | None = Field(default=None, max_length=TITLE_MAX_CHARS)
    text_fr: str | None = Field(default=None, max_length=TEXT_MAX_CHARS)
    text_ar: str | None = Field(default=None, max_length=TEXT_MAX_CHARS)

    def article(self) -> ArticleIn:
        return ArticleIn(self.number, self.title, self.text_fr, self.text_ar)


class ConventionBody(_Body):
    """A convention's own fields. `kind`: partnership, mutualisation, financing, caravans
    or other. `territories`: HCP codes. `source`: where its facts come from."""

    reference: str = Field(max_length=REFERENCE_MAX_CHARS)
    title_fr: str = Field(max_length=TITLE_MAX_CHARS)
    title_ar: str | None = Field(default=None, max_length=TITLE_MAX_CHARS)
    object_fr: str | None = Field(default=None, max_length=TEXT_MAX_CHARS)
    object_ar: str | None = Field(default=None, max_length=TEXT_MAX_CHARS)
    kind: str = Field(default="partnership", max_length=24)
    deliberation_number: str | None = Field(default=None, max_length=SHORT_MAX_CHARS)
    deliberation_on: PartialText = Field(default=None, max_length=10)
    approval_required: bool = False
    approval_on: PartialText = Field(default=None, max_length=10)
    signature_on: PartialText = Field(default=None, max_length=10)
    signature_place: str | None = Field(default=None, max_length=SHORT_MAX_CHARS)
    start_on: PartialText = Field(default=None, max_length=10)
    end_on: PartialText = Field(default=None, max_length=10)
    territories: list[str] = Field(default_factory=list, max_length=MAX_TERRITORIES)
    published: bool = False
    source: str | None = Field(default=None, max_length=TEXT_MAX_CHARS)

    def fields(self) -> ConventionFields:
        names = ("deliberation_on", "approval_on", "signature_on", "start_on", "end_on")
        dates = parse_dates({name: getattr(self, name) for name in names})
        return ConventionFields(
            reference=self.reference,
            title_fr=self.title_fr,
            title_ar=self.title_ar,
            object_fr=self.object_fr,
            object_ar=self.object_ar,
            kind=self.kind,
            deliberation_number=self.deliberation_number,
            approval_required=self.approval_required,
            signature_place=self.signature_place,
            territories=tuple(self.territories),
            published=self.published,
            source=self.source,
            **dates,
        )


class ConventionCreateBody(ConventionBody):
    """A new convention (a draft) with its parties and articles."""

    parties: list[PartyBody] = Field(default_factory=list, max_length=MAX_PARTIES)
    articles: list[ArticleBody] = Field(default_factory=list, max_length=MAX_ARTICLES)


class PartiesBody(_Body):
    parties: list[PartyBody] = Field(max_length=MAX_PARTIES)


class StatusBody(_Body):
    """draft, signed, approved, in_force, suspended, closed or terminated."""

    status: str = Field(max_length=24)


class AmendmentBody(_Body):
    """An amendment: its number, its date, the end date it sets (null: unchanged)."""

    number: int = Field(ge=1, le=1000)
    on: PartialText = Field(default=None, max_length=10)
    new_end_on: PartialText = Field(default=None, max_length=10)
    note: str | None = Field(default=None, max_length=TEXT_MAX_CHARS)

    def amendment(self) -> AmendmentIn:
        dates = parse_dates({"on": self.on, "new_end_on": self.new_end_on})
        new_end = dates["new_end_on"] if self.new_end_on else None
        return AmendmentIn(self.number, dates["on"], new_end, self.note)


# ---------------------------------------------------------------------------- answers


class PersonRead(BaseModel):
    name: str
    title: str | None
    email: str | None
    phone: str | None


class PartyRead(BaseModel):
    partner_id: str
    name_fr: str
    name_ar: str
    role: str | None
    signatories: list[PersonRead]
    contacts: list[PersonRead]


class ArticleRead(BaseModel):
    number: int
    title: str | None
    text_fr: str | None
    text_ar: str | None


class AmendmentRead(BaseModel):
    number: int
    on: str | None
    changes_end: bool
    end_on: str | None
    previous_end_on: str | None
    note: str | None


class DocumentRead(BaseModel):
    id: int
    amendment_id: int | None
    filename: str
    kind: str
    size: int
    sha256: str
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, info: DocumentInfo) -> DocumentRead:
        return cls(**vars(info))


def _people(people: tuple[Person, ...]) -> list[PersonRead]:
    return [PersonRead(**vars(p)) for p in people]


class ConventionRead(BaseModel):
    """A convention in full; a date null when unknown, else in ISO 8601's partial form."""

    id: int
    reference: str
    title_fr: str
    title_ar: str | None
    object_fr: str | None
    object_ar: str | None
    kind: str
    deliberation_number: str | None
    deliberation_on: str | None
    approval_required: bool
    approval_on: str | None
    signature_on: str | None
    signature_place: str | None
    start_on: str | None
    end_on: str | None
    territories: list[str]
    published: bool
    source: str | None
    status: str
    version: int
    parties: list[PartyRead]
    articles: list[ArticleRead]
    amendments: list[AmendmentRead]
    documents: list[DocumentRead]

    @classmethod
    def of(cls, convention: Convention) -> ConventionRead:
        f = convention.fields
        return cls(
            id=convention.id,
            reference=f.reference,
            title_fr=f.title_fr,
            title_ar=f.title_ar,
            object_fr=f.object_fr,
            object_ar=f.object_ar,
            kind=f.kind,
            deliberation_number=f.deliberation_number,
            deliberation_on=f.deliberation_on.iso(),
            approval_required=f.approval_required,
            approval_on=f.approval_on.iso(),
            signature_on=f.signature_on.iso(),
            signature_place=f.signature_place,
            start_on=f.start_on.iso(),
            end_on=f.end_on.iso(),
            territories=list(f.territories),
            published=f.published,
            source=f.source,
            status=convention.status,
            version=convention.version,
            parties=[
                PartyRead(
                    partner_id=p.partner_id,
                    name_fr=p.partner_name_fr,
                    name_ar=p.partner_name_ar,
                    role=p.role,
                    signatories=_people(p.signatories),
                    contacts=_people(p.contacts),
                )
                for p in convention.parties
            ],
            articles=[ArticleRead(**vars(a)) for a in convention.articles],
            amendments=[
                AmendmentRead(
                    number=a.number,
                    on=a.on.iso(),
                    changes_end=a.changes_end,
                    end_on=a.end_on.iso() if a.end_on else None,
                    previous_end_on=a.previous_end_on.iso() if a.previous_end_on else None,
                    note=a.note,
                )
                for a in convention.amendments
            ],
            documents=[DocumentRead.of(d) for d in convention.documents],
        )


class PublicPartyRead(BaseModel):
    name_fr: str
    name_ar: str
    role: str | None
    partner_id: str


class KindTotalRead(BaseModel):
    kind: str
    known_mad: Decimal = Field(description="the known sum: money committed, or valuations")
    unknown: int = Field(description="contributions of this kind whose amount is unknown")


class PublicFiguresRead(BaseModel):
    """Committed by kind, the financial execution (known disbursed ÷ known committed
    money) and the physical execution of the current year, each with its unknowns."""

    by_kind: list[KindTotalRead]
    committed_mad: Decimal
    unknown_commitments: int
    disbursed_mad: Decimal
    unknown_disbursements: int
    financial_ratio: Decimal | None
    period: str
    physical_ratio: Decimal | None
    measured: int
    unknown_actual: int
    without_target: int

    @classmethod
    def of(cls, f: PublicFigures) -> PublicFiguresRead:
        cent, ratio = Decimal("0.01"), f.totals.financial_ratio
        return cls(
            by_kind=[
                KindTotalRead(kind=k.kind, known_mad=k.known_mad.quantize(cent), unknown=k.unknown)
                for k in f.by_kind
            ],
            committed_mad=f.totals.committed_mad.quantize(cent),
            unknown_commitments=f.totals.unknown_commitments,
            disbursed_mad=f.totals.disbursed_mad.quantize(cent),
            unknown_disbursements=f.totals.unknown_disbursements,
            financial_ratio=None if ratio is None else ratio.quantize(Decimal("0.0001")),
            period=f.period,
            physical_ratio=f.physical_ratio,
            measured=f.measured,
            unknown_actual=f.unknown_actual,
            without_target=f.without_target,
        )


class SummaryRead(BaseModel):
    """A published convention as anyone reads it: no documents, no contacts; its
    figures (committed by kind, financial and physical execution)."""

    id: int
    reference: str
    title_fr: str
    title_ar: str | None
    object_fr: str | None
    object_ar: str | None
    kind: str
    status: str
    signature_on: str | None
    signature_place: str | None
    start_on: str | None
    end_on: str | None
    territories: list[str]
    parties: list[PublicPartyRead]
    figures: PublicFiguresRead | None = None

    @classmethod
    def of(cls, found: ConventionSummary, figures: PublicFigures | None = None) -> SummaryRead:
        return cls(
            **{
                k: v
                for k, v in vars(found).items()
                if k not in ("signature_on", "start_on", "end_on", "territories", "parties")
            },
            signature_on=found.signature_on.iso(),
            start_on=found.start_on.iso(),
            end_on=found.end_on.iso(),
            territories=list(found.territories),
            parties=[PublicPartyRead(**vars(p)) for p in found.parties],
            figures=None if figures is None else PublicFiguresRead.of(figures),
        )
