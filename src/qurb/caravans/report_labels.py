"""A campaign report's codes named in the reader's language: what the report's file
(`GET /api/caravans/{id}/report?lang=`) and its printable page show instead of codes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from qurb.caravans.catalogue import screenings
from qurb.caravans.model import AGE_BAND_CODES, RECORD_KINDS, SEXES
from qurb.caravans.outputs import specialty_names
from qurb.caravans.report import unit_names
from qurb.caravans.summaries import CampaignReport, ReportLabels
from qurb.kernel.i18n import data_label, translate
from qurb.registry.model import categories


def screening_names(codes: list[str], lang: str) -> dict[str, str]:
    """code → the screening's name in `lang` (`caravan.toml`); a code not in the list (a
    screening recorded before it) stays as is."""
    known = screenings()
    return {c: data_label(known[c], lang, "label") if c in known else c for c in codes}


def sex_age_name(key: str, lang: str) -> str:
    """`F 15-49` (a key of consultations_by_sex_age; `?` where not given) in words."""
    sex, _, band = key.partition(" ")
    parts = [
        translate(lang, f"caravan.sex.{sex}") if sex in SEXES else "",
        translate(lang, f"caravan.age.{band}") if band in AGE_BAND_CODES else "",
    ]
    shown = [p for p in parts if p]
    return translate(lang, "list.separator").join(shown) or translate(lang, "caravan.unstated")


def facility_name(name: str, category: str, lang: str) -> str:
    """A facility by its registry name and its category's name in `lang` (its code when
    the category is not known)."""
    known = categories().get(category)
    return f"{name} ({data_label(known, lang) if known else category})"


def report_labels(session: Session, report: CampaignReport, lang: str) -> ReportLabels:
    names = unit_names(session, report, lang)
    specialties = {*report.by_specialty, *(r.specialty for r in report.referrals)}
    return ReportLabels(
        lang=lang,
        territory=names.get(report.campaign.territory, report.campaign.territory),
        communes={s.code: names.get(s.code, s.commune) for s in report.stops},
        specialties=specialty_names(sorted(specialties), lang),
        screenings=screening_names(sorted({*screenings(), *report.screenings_by_item}), lang),
        kinds={k: translate(lang, f"caravan.kind.{k}") for k in RECORD_KINDS},
        age_bands={b: translate(lang, f"caravan.age.{b}") for b in AGE_BAND_CODES},
        sexes={s: translate(lang, f"caravan.sex.{s}") for s in SEXES},
        sex_age={k: sex_age_name(k, lang) for k in report.consultations_by_sex_age},
        facilities={
            r.facility_id: facility_name(r.facility, r.category, lang) for r in report.referrals
        },
    )


def labelled(session: Session, report: CampaignReport, lang: str) -> CampaignReport:
    """The report with its labels in `lang`."""
    return report.model_copy(update={"labels": report_labels(session, report, lang)})
