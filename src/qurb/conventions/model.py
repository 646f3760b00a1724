"""A partnership convention's types and rules: kinds, statuses and their moves, parties'
roles, the fields a convention carries and their checks, a document's kind read from its
content. Pure: no I/O."""

from __future__ import annotations

import enum
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace

from qurb.conventions.partial_dates import UNKNOWN, PartialDate, is_before
from qurb.kernel.errors import FieldError, InputError, QurbError
from qurb.kernel.i18n import problem

REFERENCE_MAX_CHARS = 80
TITLE_MAX_CHARS = 300
TEXT_MAX_CHARS = 20_000
SHORT_MAX_CHARS = 200
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_TERRITORIES = 200
MAX_ARTICLES = 500


class ConventionError(QurbError):
    """A convention refused as asked (its code says why)."""


class ConventionInputError(ConventionError, InputError):
    """A convention's fields refused, each named; nothing was written."""


class ConventionKind(enum.StrEnum):
    PARTNERSHIP = "partnership"
    MUTUALISATION = "mutualisation"
    FINANCING = "financing"
    CARAVANS = "caravans"
    OTHER = "other"


class ConventionStatus(enum.StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    APPROVED = "approved"
    IN_FORCE = "in_force"
    SUSPENDED = "suspended"
    CLOSED = "closed"
    TERMINATED = "terminated"


class PartyRole(enum.StrEnum):
    FINANCER = "financer"
    IMPLEMENTER = "implementer"
    BENEFICIARY = "beneficiary"
    SUPERVISOR = "supervisor"
    SECRETARIAT = "secretariat"


class PersonKind(enum.StrEnum):
    SIGNATORY = "signatory"
    CONTACT = "contact"


class DocumentKind(enum.StrEnum):
    PDF = "pdf"
    JPEG = "jpeg"
    PNG = "png"
    XLSX = "xlsx"


S = ConventionStatus
# Where each status may move: forward along the life of a convention; a suspension is
# lifted back into force; closed and terminated are final.
MOVES: dict[ConventionStatus, frozenset[ConventionStatus]] = {
    S.DRAFT: frozenset({S.SIGNED, S.TERMINATED}),
    S.SIGNED: frozenset({S.APPROVED, S.IN_FORCE, S.TERMINATED}),
    S.APPROVED: frozenset({S.IN_FORCE, S.TERMINATED}),
    S.IN_FORCE: frozenset({S.SUSPENDED, S.CLOSED, S.TERMINATED}),
    S.SUSPENDED: frozenset({S.IN_FORCE, S.CLOSED, S.TERMINATED}),
    S.CLOSED: frozenset(),
    S.TERMINATED: frozenset(),
}


@dataclass(frozen=True)
class Person:
    """A signatory or a contact person of a party (a contact's e-mail and phone)."""

    name: str
    title: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class PartyIn:
    """A registered partner and its role (None: not published, left unknown)."""

    partner_id: str
    role: str | None
    signatories: tuple[Person, ...] = ()
    contacts: tuple[Person, ...] = ()


@dataclass(frozen=True)
class ArticleIn:
    number: int
    title: str | None = None
    text_fr: str | None = None
    text_ar: str | None = None


@dataclass(frozen=True)
class ConventionFields:
    """What a convention records of itself (its parties, articles, amendments and
    documents are written apart). Every date partial; unknown stays unknown."""

    reference: str
    title_fr: str
    title_ar: str | None = None
    object_fr: str | None = None
    object_ar: str | None = None
    kind: str = ConventionKind.PARTNERSHIP.value
    deliberation_number: str | None = None
    deliberation_on: PartialDate = UNKNOWN
    approval_required: bool = False
    approval_on: PartialDate = UNKNOWN
    signature_on: PartialDate = UNKNOWN
    signature_place: str | None = None
    start_on: PartialDate = UNKNOWN
    end_on: PartialDate = UNKNOWN
    territories: tuple[str, ...] = ()
    published: bool = False
    source: str | None = None


@dataclass(frozen=True)
class AmendmentIn:
    """An amendment (avenant): its number, its date, and what it changes (for now the
    end date; None: it does not change it)."""

    number: int
    on: PartialDate = UNKNOWN
    new_end_on: PartialDate | None = None
    note: str | None = None


def refused(problems: Sequence[FieldError], source: str = "") -> ConventionInputError:
    """The refusal of every problem found (each with its code), in `source` (a file)."""
    return ConventionInputError(problems, source)


def refuse(problems: Sequence[FieldError]) -> None:
    """Refuse when any problem was found; nothing is written then."""
    if problems:
        raise refused(problems)


def clean(text: str | None) -> str | None:
    """Blanks folded; None for nothing."""
    return " ".join(text.split()) or None if text is not None else None


def _strip(text: str | None) -> str | None:
    return (text or "").strip() or None


def cleaned(fields: ConventionFields) -> ConventionFields:
    """Names' blanks folded, texts stripped, blanks as None."""
    return replace(
        fields,
        reference=clean(fields.reference) or "",
        title_fr=clean(fields.title_fr) or "",
        title_ar=clean(fields.title_ar),
        object_fr=_strip(fields.object_fr),
        object_ar=_strip(fields.object_ar),
        deliberation_number=clean(fields.deliberation_number),
        signature_place=clean(fields.signature_place),
        source=_strip(fields.source),
        territories=tuple(code.strip() for code in fields.territories),
    )


def _text_problem(
    name: str, value: str | None, limit: int, *, required: bool = False
) -> list[FieldError]:
    if value is None or not value.strip():
        return [problem(name, "convention_field_required")] if required else []
    if len(value) > limit:
        return [problem(name, "convention_field_too_long", max=limit)]
    return []


def _choice_problem(name: str, value: str, choices: Sequence[str]) -> list[FieldError]:
    if value in choices:
        return []
    return [problem(name, "convention_choice", value=repr(value), choices=", ".join(choices))]


def check_fields(fields: ConventionFields) -> list[FieldError]:
    """Every problem of a convention's own fields (the territories are checked against
    the territory index by the service)."""
    problems = [
        *_text_problem("reference", fields.reference, REFERENCE_MAX_CHARS, required=True),
        *_text_problem("title_fr", fields.title_fr, TITLE_MAX_CHARS, required=True),
        *_text_problem("title_ar", fields.title_ar, TITLE_MAX_CHARS),
        *_text_problem("object_fr", fields.object_fr, TEXT_MAX_CHARS),
        *_text_problem("object_ar", fields.object_ar, TEXT_MAX_CHARS),
        *_text_problem("deliberation_number", fields.deliberation_number, SHORT_MAX_CHARS),
        *_text_problem("signature_place", fields.signature_place, SHORT_MAX_CHARS),
        *_text_problem("source", fields.source, TEXT_MAX_CHARS),
        *_choice_problem("kind", fields.kind, [k.value for k in ConventionKind]),
    ]
    if is_before(fields.end_on, fields.start_on):
        values = {"end": str(fields.end_on), "start": str(fields.start_on)}
        problems.append(problem("end_on", "convention_end_before_start", **values))
    if not fields.approval_required and not fields.approval_on.is_unknown:
        problems.append(problem("approval_on", "convention_approval_not_required"))
    if len(fields.territories) > MAX_TERRITORIES:
        problems.append(problem("territories", "convention_too_many", max=MAX_TERRITORIES))
    return problems


def check_move(
    current: ConventionStatus, target: ConventionStatus, fields: ConventionFields
) -> None:
    """A status move allowed from `current`; "in force" refused while a required approval
    is missing (its date wholly unknown: no approval recorded)."""
    if target not in MOVES[current]:
        values = {"status": current.value, "target": target.value}
        raise ConventionError(code="convention_move_refused", values=values)
    if target is S.IN_FORCE and fields.approval_required and fields.approval_on.is_unknown:
        raise ConventionError(code="convention_approval_missing")


def status_of(text: str) -> ConventionStatus:
    try:
        return ConventionStatus(text)
    except ValueError:
        choices = ", ".join(s.value for s in ConventionStatus)
        found = problem("status", "convention_choice", value=repr(text), choices=choices)
        raise refused([found]) from None


def check_party(party: PartyIn, row: int | None = None) -> list[FieldError]:
    name = f"parties[{row}]" if row is not None else "party"
    roles = [r.value for r in PartyRole]
    problems = [] if party.role is None else _choice_problem(f"{name}.role", party.role, roles)
    for kind, people in (("signatories", party.signatories), ("contacts", party.contacts)):
        for n, person in enumerate(people):
            where = f"{name}.{kind}[{n}]"
            problems += _text_problem(f"{where}.name", person.name, SHORT_MAX_CHARS, required=True)
            for part in ("title", "email", "phone"):
                problems += _text_problem(f"{where}.{part}", getattr(person, part), SHORT_MAX_CHARS)
    return problems


def check_article(article: ArticleIn, taken: frozenset[int]) -> list[FieldError]:
    problems: list[FieldError] = []
    if not 1 <= article.number <= MAX_ARTICLES:
        problems.append(problem("number", "convention_article_number", max=MAX_ARTICLES))
    elif article.number in taken:
        problems.append(problem("number", "convention_article_taken", number=article.number))
    problems += _text_problem("title", article.title, TITLE_MAX_CHARS)
    problems += _text_problem("text_fr", article.text_fr, TEXT_MAX_CHARS)
    problems += _text_problem("text_ar", article.text_ar, TEXT_MAX_CHARS)
    return problems


def check_amendment(
    amendment: AmendmentIn, taken: frozenset[int], start_on: PartialDate
) -> list[FieldError]:
    problems: list[FieldError] = []
    if amendment.number < 1:
        problems.append(problem("number", "convention_amendment_number"))
    elif amendment.number in taken:
        number = amendment.number
        problems.append(problem("number", "convention_amendment_taken", number=number))
    if amendment.new_end_on is not None and is_before(amendment.new_end_on, start_on):
        dates = {"end": str(amendment.new_end_on), "start": str(start_on)}
        problems.append(problem("new_end_on", "convention_end_before_start", **dates))
    problems += _text_problem("note", amendment.note, TEXT_MAX_CHARS)
    return problems


# ---------------------------------------------------------------------------- documents

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _is_xlsx(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return False
    return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)


def detect_kind(content: bytes) -> DocumentKind | None:
    """A document's kind read from its first bytes (an XLSX: a zip holding
    `[Content_Types].xml` and `xl/`); None for any other content."""
    if content.startswith(b"%PDF-"):
        return DocumentKind.PDF
    if content.startswith(b"\xff\xd8\xff"):
        return DocumentKind.JPEG
    if content.startswith(PNG_SIGNATURE):
        return DocumentKind.PNG
    if content.startswith(b"PK\x03\x04") and _is_xlsx(content):
        return DocumentKind.XLSX
    return None


def check_document(filename: str, claimed: str | None, content: bytes) -> DocumentKind:
    """The kind of a document to store: at most MAX_DOCUMENT_BYTES, one of the kinds by
    its content, and the kind claimed (if any) the one found."""
    problems = _text_problem("filename", filename, SHORT_MAX_CHARS, required=True)
    if len(content) > MAX_DOCUMENT_BYTES:
        limit: dict[str, object] = {"size": len(content), "max": MAX_DOCUMENT_BYTES}
        problems.append(problem("content", "convention_document_too_large", **limit))
        raise refused(problems)
    found = detect_kind(content)
    kinds = [k.value for k in DocumentKind]
    if claimed is not None and claimed not in kinds:
        problems += _choice_problem("kind", claimed, kinds)
    elif found is None:
        problems.append(problem("content", "convention_document_kind", kinds=", ".join(kinds)))
    elif claimed is not None and claimed != found.value:
        values = {"claimed": claimed, "found": found.value}
        problems.append(problem("kind", "convention_document_not_claimed", **values))
    if problems or found is None:
        raise refused(problems)
    return found
