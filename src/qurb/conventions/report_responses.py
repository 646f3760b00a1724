"""A yearly execution report served (the convention's, the partner's): a printable page,
its PDF (WeasyPrint), or an XLSX workbook as an attachment; never cached (the figures
move with every entry)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from fastapi import Response
from fastapi.responses import HTMLResponse

from qurb.conventions.minutes import render_pdf
from qurb.platform.downloads import content_disposition

NO_CACHE = {"Cache-Control": "no-store"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ReportFormat = Literal["html", "pdf", "xlsx"]
# The responses' types, for the OpenAPI document.
REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/html": {"schema": {"type": "string"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            XLSX: {"schema": {"type": "string", "format": "binary"}},
        }
    }
}


def report_response(
    name: str, format: ReportFormat, page: Callable[[bool], str], book: Callable[[], bytes]
) -> Response:
    """The report named `name` (its file's name, no suffix) in `format`: `page(served)`
    writes its HTML (served: linking the site's style sheet), `book()` its workbook."""
    if format == "xlsx":
        headers = {"Content-Disposition": content_disposition(f"{name}.xlsx"), **NO_CACHE}
        return Response(book(), media_type=XLSX, headers=headers)
    if format == "html":
        return HTMLResponse(page(True), headers=NO_CACHE)
    headers = {"Content-Disposition": content_disposition(f"{name}.pdf", "inline"), **NO_CACHE}
    return Response(render_pdf(page(False)), media_type="application/pdf", headers=headers)
