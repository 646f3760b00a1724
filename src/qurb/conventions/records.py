"""A convention as the services return it (typed, never ORM rows), read from its rows,
and its public summary. Pure: no I/O."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from qurb.conventions.model import ConventionFields, Person
from qurb.conventions.partial_dates import PartialDate


@dataclass(frozen=True)
class Party:
    partner_id: str
    partner_name_fr: str
    partner_name_ar: str
    role: str | None
    signatories: tuple[Person, ...] = ()
    contacts: tuple[Person, ...] = ()


@dataclass(frozen=True)
class Article:
    number: int
    title: str | None
    text_fr: str | None
    text_ar: str | None


@dataclass(frozen=True)
class Amendment:
    id: int
    number: int
    on: PartialDate
    changes_end: bool
    end_on: PartialDate | None
    previous_end_on: PartialDate | None
    note: str | None


@dataclass(frozen=True)
class DocumentInfo:
    id: int
    amendment_id: int | None
    filename: str
    kind: str
    size: int
    sha256: str
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class Convention:
    id: int
    fields: ConventionFields
    status: str
    version: int
    created_at: datetime
    created_by: str
    parties: tuple[Party, ...] = ()
    articles: tuple[Article, ...] = ()
    amendments: tuple[Amendment, ...] = ()
    documents: tuple[DocumentInfo, ...] = ()

    @property
    def reference(self) -> str:
        return self.fields.reference

    def snapshot(self) -> dict[str, Any]:
        """As the audit trail keeps it (JSON-safe; documents by name and checksum, never
        their bytes)."""
        return _json(
            {
                "id": self.id,
                **asdict(self.fields),
                "status": self.status,
                "parties": [asdict(p) for p in self.parties],
                "articles": [asdict(a) for a in self.articles],
                "amendments": [asdict(a) for a in self.amendments],
                "documents": [
                    {"id": d.id, "filename": d.filename, "kind": d.kind, "sha256": d.sha256}
                    for d in self.documents
                ],
            }
        )


def _json(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"year", "month", "day"}:
            return PartialDate(**value).iso()
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


@dataclass(frozen=True)
class PublicParty:
    name_fr: str
    name_ar: str
    role: str | None
    partner_id: str  # its page: /conventions?partner=<id> (the figures it shows are public)


@dataclass(frozen=True)
class ConventionSummary:
    """What the public reads of a published convention: title, parties, dates,
    territories, object; no documents, no contacts, no signatories."""

    id: int
    reference: str
    title_fr: str
    title_ar: str | None
    object_fr: str | None
    object_ar: str | None
    kind: str
    status: str
    signature_on: PartialDate
    signature_place: str | None
    start_on: PartialDate
    end_on: PartialDate
    territories: tuple[str, ...]
    parties: tuple[PublicParty, ...]


def summary(convention: Convention) -> ConventionSummary:
    f = convention.fields
    return ConventionSummary(
        id=convention.id,
        reference=f.reference,
        title_fr=f.title_fr,
        title_ar=f.title_ar,
        object_fr=f.object_fr,
        object_ar=f.object_ar,
        kind=f.kind,
        status=convention.status,
        signature_on=f.signature_on,
        signature_place=f.signature_place,
        start_on=f.start_on,
        end_on=f.end_on,
        territories=f.territories,
        parties=tuple(
            PublicParty(p.partner_name_fr, p.partner_name_ar, p.role, p.partner_id)
            for p in convention.parties
        ),
    )
