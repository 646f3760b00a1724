"""The *fiche de liaison*: a referral and its counter-referral as a printable page in
French or Arabic (right to left), from `templates/fiche.html`, laid out as PDF by
WeasyPrint (imported on use). It carries what the referral records and nothing more: the
pseudonymous reference (the sending facility writes the patient's name beside it on
paper, never in Qurb), origin and destination, the patient's commune, age band and sex,
the reason, the urgency, the pathway, every status change with its time, and the answer
that came back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from qurb.kernel.errors import Unavailable
from qurb.platform.templating import DOCUMENT_CSS_URL, render
from qurb.referrals.pathways import pathways
from qurb.referrals.reading import Referral
from qurb.registry.facility_services import known_services
from qurb.registry.lookups import facility_briefs
from qurb.territory.service import TerritoryIndex

TEMPLATES = Path(__file__).resolve().parent / "templates"
LANGS = ("fr", "ar")
LOCAL = ZoneInfo("Africa/Casablanca")  # times on the form are Morocco's local time


class FichePdfUnavailable(Unavailable):
    """This server cannot lay out PDF pages (WeasyPrint or its Pango library is missing)."""


@dataclass(frozen=True)
class Names:
    origin: str
    destination: str
    commune: str
    service: str
    pathway: str | None


def _names(session: Session, index: TerritoryIndex, referral: Referral, lang: str) -> Names:
    briefs = facility_briefs(
        session, [f for f in (referral.origin_facility_id, referral.destination_facility_id) if f]
    )
    destination = briefs.get(referral.destination_facility_id)
    origin = briefs.get(referral.origin_facility_id or "")
    unit = index.by_code.get(referral.commune_code)
    commune = referral.commune_code
    if unit is not None:
        commune = f"{unit.name_ar if lang == 'ar' else unit.name_fr} ({unit.code})"
    service = known_services().get(referral.service)
    pathway = pathways().get(referral.pathway or "")
    return Names(
        origin.name if origin is not None else "",
        destination.name if destination is not None else referral.destination_facility_id,
        commune,
        (service.name_ar if lang == "ar" else service.name_fr) if service else referral.service,
        pathway.name(lang) if pathway is not None else None,
    )


def fiche_html(
    session: Session,
    index: TerritoryIndex,
    referral: Referral,
    lang: str,
    made: date,
    *,
    served: bool = False,
) -> str:
    """The form as a page in `lang` (fr, or ar right to left)."""
    if lang not in LANGS:
        raise ValueError(f"no fiche de liaison in {lang!r}")
    return render(
        TEMPLATES,
        "fiche.html",
        lang=lang,
        stylesheets=[DOCUMENT_CSS_URL] if served else [],
        inline_document_style=not served,
        referral=referral,
        names=_names(session, index, referral, lang),
        local=lambda moment: moment.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M"),
        made=made,
    )


def render_pdf(html: str) -> bytes:
    """The page laid out as PDF by WeasyPrint (imported on use)."""
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango's library is missing
        raise FichePdfUnavailable(code="pdf_unavailable", values={"reason": str(error)}) from None
    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf
