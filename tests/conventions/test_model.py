"""A convention's pure rules: fields, status moves, a document's kind by its content."""

from __future__ import annotations

import io
import zipfile

import pytest

from qurb.conventions.model import (
    MAX_DOCUMENT_BYTES,
    ConventionError,
    ConventionFields,
    ConventionInputError,
    ConventionStatus,
    DocumentKind,
    check_document,
    check_fields,
    check_move,
    detect_kind,
)
from qurb.conventions.partial_dates import PartialDate

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def zipped(names: tuple[str, ...]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


XLSX = zipped(("[Content_Types].xml", "xl/workbook.xml", "_rels/.rels"))
DOCX = zipped(("[Content_Types].xml", "word/document.xml"))


def test_a_document_kind_is_read_from_its_content() -> None:
    assert detect_kind(PDF) is DocumentKind.PDF
    assert detect_kind(JPEG) is DocumentKind.JPEG
    assert detect_kind(PNG) is DocumentKind.PNG
    assert detect_kind(XLSX) is DocumentKind.XLSX
    assert detect_kind(DOCX) is None  # a zip, but not a workbook
    assert detect_kind(b"PK\x03\x04 not really a zip") is None
    assert detect_kind(b"hello") is None


def test_a_document_claimed_as_one_kind_but_another_is_refused() -> None:
    assert check_document("convention.pdf", "pdf", PDF) is DocumentKind.PDF
    assert check_document("scan.png", None, PNG) is DocumentKind.PNG
    with pytest.raises(ConventionInputError) as refused:
        check_document("convention.pdf", "pdf", PNG)
    [found] = refused.value.errors
    assert (found.field, found.code) == ("kind", "convention_document_not_claimed")
    assert found.values == {"claimed": "pdf", "found": "png"}
    with pytest.raises(ConventionInputError) as refused:
        check_document("notes.docx", None, DOCX)
    assert [e.code for e in refused.value.errors] == ["convention_document_kind"]


def test_a_document_over_20_mb_is_refused_with_its_size() -> None:
    big = PDF + b"\x00" * (MAX_DOCUMENT_BYTES + 1 - len(PDF))
    with pytest.raises(ConventionInputError) as refused:
        check_document("big.pdf", "pdf", big)
    [found] = refused.value.errors
    assert found.code == "convention_document_too_large"
    assert found.values == {"size": MAX_DOCUMENT_BYTES + 1, "max": 20 * 1024 * 1024}
    exactly = PDF + b"\x00" * (MAX_DOCUMENT_BYTES - len(PDF))
    assert check_document("limit.pdf", "pdf", exactly) is DocumentKind.PDF


def test_end_before_start_is_refused_only_when_both_are_known() -> None:
    fields = ConventionFields(
        "C-1", "Titre", start_on=PartialDate(2025, 6, 1), end_on=PartialDate(2025, 5, 31)
    )
    assert [p.code for p in check_fields(fields)] == ["convention_end_before_start"]
    year_only = ConventionFields(
        "C-1", "Titre", start_on=PartialDate(2025, 6, 1), end_on=PartialDate(2024)
    )
    assert check_fields(year_only) == []  # skipped, not guessed


def test_every_bad_field_is_named() -> None:
    fields = ConventionFields(" ", "", kind="gift", title_ar="x" * 301)
    found = {(p.field, p.code) for p in check_fields(fields)}
    assert found == {
        ("reference", "convention_field_required"),
        ("title_fr", "convention_field_required"),
        ("title_ar", "convention_field_too_long"),
        ("kind", "convention_choice"),
    }


def test_in_force_needs_the_approval_a_convention_requires() -> None:
    required = ConventionFields("C-1", "Titre", approval_required=True)
    with pytest.raises(ConventionError) as refused:
        check_move(ConventionStatus.SIGNED, ConventionStatus.IN_FORCE, required)
    assert refused.value.code == "convention_approval_missing"
    approved = ConventionFields(
        "C-1", "Titre", approval_required=True, approval_on=PartialDate(2025, 3)
    )
    check_move(ConventionStatus.SIGNED, ConventionStatus.IN_FORCE, approved)
    check_move(ConventionStatus.SIGNED, ConventionStatus.IN_FORCE, ConventionFields("C", "T"))


def test_closed_and_terminated_are_final() -> None:
    fields = ConventionFields("C-1", "Titre")
    for final in (ConventionStatus.CLOSED, ConventionStatus.TERMINATED):
        with pytest.raises(ConventionError) as refused:
            check_move(final, ConventionStatus.IN_FORCE, fields)
        assert refused.value.code == "convention_move_refused"
