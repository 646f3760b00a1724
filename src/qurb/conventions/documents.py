"""A convention's documents: the signed scan and its annexes, an amendment's signed copy.
Their bytes are stored in the database (every server process sees them), with their kind
told by their content (PDF, JPEG, PNG or XLSX), their size (at most 20 MB) and SHA-256."""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from qurb.conventions._tables import DocumentRow
from qurb.conventions.model import check_document, clean, refuse
from qurb.conventions.records import DocumentInfo
from qurb.conventions.service import (
    ConventionNotFound,
    Versions,
    changed,
    document_info,
    locked,
    read,
)
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.i18n import problem


def attach_document(
    session: Session,
    actor: Actor,
    convention_id: int,
    filename: str,
    content: bytes,
    *,
    claimed: str | None = None,
    amendment_number: int | None = None,
    if_version: Versions = None,
) -> DocumentInfo:
    """Store a document (PDF, JPEG, PNG or XLSX, told by its content; at most 20 MB)
    with its SHA-256, attached to the convention or one of its amendments."""
    kind = check_document(filename, claimed, content)
    row = locked(session, convention_id, if_version)
    before = read(session, row)
    amendment_id = None
    if amendment_number is not None:
        found = [a for a in before.amendments if a.number == amendment_number]
        if not found:
            values = {"number": amendment_number}
            refuse([problem("amendment", "convention_no_amendment", **values)])
        amendment_id = found[0].id
    document = DocumentRow(
        convention_id=row.id,
        amendment_id=amendment_id,
        filename=clean(filename),
        kind=kind.value,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        created_at=clock.now(),
        created_by=actor.name,
    )
    session.add(document)
    session.flush()
    changed(session, actor, row, "convention.document", before)
    return document_info(document)


def get_document(
    session: Session, convention_id: int, document_id: int
) -> tuple[DocumentInfo, bytes]:
    row = session.get(DocumentRow, document_id)
    if row is None or row.convention_id != convention_id:
        raise ConventionNotFound(code="no_convention_document", values={"id": document_id})
    return document_info(row), row.content
