"""A meeting's minutes (procès-verbal), a printable page in French or Arabic (right to
left) from `templates/minutes.html`: the convention, the meeting's date, place and kind,
the attendance and the quorum against the rule of its day, the agenda with the articles
it concerns, the decisions with their owners and deadlines, and where each fact comes
from (who recorded it and when, the source given). Nothing is written that was not
recorded: an unknown place, quorum or deadline is said to be unknown. Laid out as PDF by
WeasyPrint (imported on use)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from qurb.conventions.committee_model import Meeting, Rule
from qurb.conventions.committee_service import get_meeting, get_rule
from qurb.conventions.records import Convention
from qurb.conventions.service import get_convention
from qurb.identity.account_service import usernames
from qurb.kernel.errors import Unavailable
from qurb.platform.templating import DOCUMENT_CSS_URL, render
from qurb.territory.service import TerritoryIndex

TEMPLATES = Path(__file__).resolve().parent / "templates"
LANGS = ("fr", "ar")


class MinutesPdfUnavailable(Unavailable):
    """This server cannot lay out PDF pages (WeasyPrint or its Pango library is missing)."""


@dataclass(frozen=True)
class Minutes:
    convention: Convention
    meeting: Meeting
    rule: Rule
    recorded_by: str  # who recorded the meeting: an account by its username
    rule_by: str | None  # who recorded the rule


def _who(session: Session, name: str | None) -> str | None:
    """An actor's name as written (an account's is its id: its username then)."""
    if name is None or not name.isdigit():
        return name
    return usernames(session, [int(name)]).get(int(name), name)


def compute_minutes(
    session: Session, convention_id: int, number: int, index: TerritoryIndex | None = None
) -> Minutes:
    convention = get_convention(session, convention_id)
    meeting = get_meeting(session, convention_id, number, index)
    rule = get_rule(session, convention_id)
    recorded_by = _who(session, meeting.created_by) or meeting.created_by
    return Minutes(convention, meeting, rule, recorded_by, _who(session, rule.updated_by))


def minutes_html(minutes: Minutes, lang: str, made: date, *, served: bool = False) -> str:
    """The minutes as a printable page in `lang` (fr, or ar right to left)."""
    if lang not in LANGS:
        raise ValueError(f"no minutes in {lang!r}")
    convention = minutes.convention
    names = {
        p.partner_id: (p.partner_name_ar if lang == "ar" else p.partner_name_fr) or p.partner_id
        for p in convention.parties
    }
    articles = {a.number: a.title for a in convention.articles}
    title = convention.fields.title_fr
    if lang == "ar" and convention.fields.title_ar:
        title = convention.fields.title_ar
    return render(
        TEMPLATES,
        "minutes.html",
        lang=lang,
        stylesheets=[DOCUMENT_CSS_URL] if served else [],
        inline_document_style=not served,
        convention=convention,
        convention_title=title,
        meeting=minutes.meeting,
        rule=minutes.rule,
        recorded_by=minutes.recorded_by,
        rule_by=minutes.rule_by,
        party_name=lambda partner: names.get(partner, partner),
        article_title=lambda number: articles.get(number),
        made=made,
    )


def render_pdf(html: str) -> bytes:
    """The page laid out as PDF by WeasyPrint (imported on use)."""
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango's library is missing
        raise MinutesPdfUnavailable(code="pdf_unavailable", values={"reason": str(error)}) from None
    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf
