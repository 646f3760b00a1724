"""A served file's Content-Disposition: a plain ASCII name as it is; any other name as
RFC 6266's `filename*` (UTF-8, percent-encoded) beside an ASCII fallback, so the header
is always Latin-1 (what HTTP allows)."""

from __future__ import annotations

from qurb.platform.downloads import ascii_name, content_disposition


def test_an_ascii_name_is_sent_as_it_is() -> None:
    assert (
        content_disposition("qurb-06-gaps-fr.csv") == 'attachment; filename="qurb-06-gaps-fr.csv"'
    )
    assert content_disposition("a.pdf", "inline") == 'inline; filename="a.pdf"'


def test_any_other_name_is_sent_in_utf8_with_an_ascii_fallback() -> None:
    value = content_disposition('تقرير "2026".pdf', "inline")
    assert value == (
        'inline; filename="2026-.pdf"; '
        "filename*=UTF-8''%D8%AA%D9%82%D8%B1%D9%8A%D8%B1%20%222026%22.pdf"
    )
    value.encode("latin-1")  # what Starlette does with every header: no error


def test_a_name_of_no_ascii_letter_falls_back_to_download() -> None:
    assert ascii_name("تقرير") == "download"
    assert ascii_name("Fès é\r\nX-Injected: 1") == "F-s-X-Injected-1"
