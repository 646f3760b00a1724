"""The three catalogues of words check out: the same keys, the same placeholders, the
plural forms each language's rule needs; every key the code uses exists (keys built from
codes included, by enumerating the codes), and no key is left unused."""

from __future__ import annotations

import re
from pathlib import Path

from babel import Locale

from qurb.access.commune_tables import catalogue_keys
from qurb.app.cli import app, declared_commands, help_key, load_command, option_keys
from qurb.caravans.jobs_api import PHASES
from qurb.caravans.schedule import DROP_REASONS
from qurb.conventions.money_model import ContributionKind
from qurb.identity.partners import PartnerKind
from qurb.identity.permissions import Role
from qurb.kernel.i18n import (
    CLDR_LOCALES,
    LABEL_FILES,
    LANGS,
    PLACEHOLDER,
    catalogue,
    data_label,
    translate,
)
from qurb.kernel.rows import PYDANTIC_TYPES
from qurb.platform.background import STATUSES
from qurb.registry.model import Sector
from qurb.registry.points import ANY_TIER, TIERS
from qurb.sharing.model import Refusal
from qurb.territory.model import TerritoryLevel
from qurb.watch.indicator_model import BY_ID, NOTES

TABLE_KEYS = catalogue_keys()

SRC = Path(__file__).resolve().parents[2] / "src" / "qurb"
JS = sorted((SRC / "app" / "static" / "js").glob("*.js"))
PYTHON = sorted(p for p in SRC.rglob("*.py") if "databuild" not in p.parts)
TEMPLATES = sorted(SRC.rglob("templates/*.html"))
MARKUP = TEMPLATES + sorted((SRC / "app").glob("*pages.py"))


def placeholders(message: str | dict[str, str]) -> set[str]:
    texts = message.values() if isinstance(message, dict) else [message]
    return {name for text in texts for name in PLACEHOLDER.findall(text)}


def forms_needed(lang: str) -> set[str]:
    return set(Locale.parse(CLDR_LOCALES[lang]).plural_form.tags) | {"other"}


def test_the_three_catalogues_have_the_same_keys() -> None:
    keys = {lang: set(catalogue(lang)) for lang in LANGS}
    for lang in LANGS:
        assert keys[lang] == keys["en"], (
            lang,
            sorted(keys[lang] ^ keys["en"]),
        )


def test_a_message_has_the_same_placeholders_in_every_language() -> None:
    for key, english in catalogue("en").items():
        for lang in LANGS:
            message = catalogue(lang)[key]
            assert isinstance(message, dict) == isinstance(english, dict), (lang, key)
            if isinstance(message, dict):
                # Each form may leave out the count (Arabic's "two" says it in words) but
                # names nothing the other forms do not.
                assert placeholders(message) - {"count"} == placeholders(english) - {"count"}, (
                    lang,
                    key,
                )
            else:
                assert placeholders(message) == placeholders(english), (lang, key)


def test_a_plural_message_has_the_forms_its_language_needs() -> None:
    assert forms_needed("ar") == {"zero", "one", "two", "few", "many", "other"}
    plural = [key for key, m in catalogue("en").items() if isinstance(m, dict)]
    assert "error.problems" in plural and "caravan.record.done" in plural
    for key in plural:
        for lang in LANGS:
            assert set(catalogue(lang)[key]) == forms_needed(lang), (lang, key)


def test_labels_held_in_data_files_are_there_in_the_three_languages() -> None:
    import tomllib

    checked = 0
    for pattern, holder, fields in LABEL_FILES:
        paths = sorted(SRC.glob(pattern))
        assert paths, pattern
        for path in paths:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            found = data if holder == "*" else {"": data} if holder == "" else data[holder]
            entries = found.items() if isinstance(found, dict) else enumerate(found)
            for name, entry in entries:
                if not isinstance(entry, dict):
                    continue
                for field in fields:
                    for lang in LANGS:
                        assert data_label(entry, lang, field).strip(), (
                            path.name,
                            name,
                            field,
                            lang,
                        )
                        checked += 1
    # Every category, service, figure, specialty and rule: hundreds of labels read.
    assert checked > 500
    assert data_label({"name_fr": "Pédiatrie", "name_en": "Paediatrics"}, "en") == "Paediatrics"


def test_the_caravan_formula_s_english_is_the_definitions_own() -> None:
    from qurb.caravans.catalogue import caravan_figure

    formula = caravan_figure("expected_attendance").formula  # what the exports carry
    assert translate("en", "label.formula.expected_attendance") == formula


def test_plural_forms_are_chosen_by_cldr_rules() -> None:
    done = [translate("ar", "caravan.record.done", {"count": n}) for n in (0, 1, 2, 3, 11, 100)]
    assert done == [
        "لم يُسجَّل أي سطر (0).",
        "تم تسجيل سطر واحد (1).",
        "تم تسجيل سطرين (2).",
        "تم تسجيل 3 أسطر.",
        "تم تسجيل 11 سطرًا.",
        "تم تسجيل 100 سطر.",
    ]
    assert translate("fr", "caravan.record.done", {"count": 1}) == "1 ligne enregistrée."
    assert translate("fr", "caravan.record.done", {"count": 2}) == "2 lignes enregistrées."
    assert translate("en", "caravan.record.done", {"count": 1}) == "1 line recorded."


# ---------------------------------------------------------------- which keys the code uses

# A key the code names: t("key") in the page, data-i18n="key" in markup, any quoted
# catalogue-looking literal handed to a helper (row("panel.children", …)), and in Python
# translate(lang, "key") / say("key") / problem(field, "code") / code="code".
JS_LITERAL = re.compile(r"""["']([a-zA-Z_]+(?:\.[a-zA-Z0-9_]+)+)["']""")
JS_PREFIX = re.compile(r"`([a-zA-Z_]+(?:\.[a-zA-Z0-9_]+)*\.)\$\{")
# (A key the template fills in, `{{ p.words }}`, is named where it is given: the header's
# places in their Python `Place(…, "nav.map")`.)
MARKUP_KEY = re.compile(r"""data-i18n(?:-placeholder|-title)?=\\?["']([^"'\\{]+)""")
# A document's template words itself through the environment's t("key", …).
TEMPLATE_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")
PY_KEY = re.compile(r"""(?:translate\([^,()]+,\s*|say\(|words\()f?["']([a-z0-9_.{}]+)["']""")
PY_CODED = re.compile(r"""coded\(\s*[^,]+,\s*["']([a-z0-9_]+)["']""")
PY_PROBLEM = re.compile(r"""problem\(\s*[^,()]+(?:\([^()]*\))?[^,()]*,\s*["']([a-z0-9_]+)["']""")
PY_CODE = re.compile(
    r"""\bcode=(?:["']([a-z0-9_]+)["'] if .+? else ["']([a-z0-9_]+)["']|["']([a-z0-9_]+)["'])"""
)
# The command line's words: a quoted catalogue key of its own (`"cli.gaps.title"`, in a
# table's headings), and the prefix of a key it builds from a name (`f"cli.column.{c}"`).
PY_CLI_KEY = re.compile(r"""["']((?:cli|label|service|category|calendar|nav)\.[a-z0-9_.]+)["']""")
PY_PREFIX = re.compile(r"""f["']((?:cli|label|service|category|calendar)\.[a-z0-9_.]*\.)\{""")
JS_WORD = re.compile(r"""\bt\(["']([a-zA-Z_]+)["']""")
# Template strings in the page that are not catalogue keys (a figure's path in the data).
NOT_KEYS = {"census."}
# Keys the page builds from codes, with every code they can take.
BUILT = {
    "caravan.reason.": DROP_REASONS,
    "account.role.": tuple(role.value for role in Role),  # role labels, by role
    "level.": tuple(str(level) for level in TerritoryLevel),
    "sector.": tuple(s.value for s in Sector),
    "partner.kind.": tuple(k.value for k in PartnerKind),  # identity.partner_cli.kind_label
    # app.errors.HTTP_CODES; sharing.model.Refusal: a booking's refusals, by their code
    "error.": ("not_found", "method_not_allowed", *(r.value for r in Refusal)),
    "reason.pydantic.": PYDANTIC_TYPES,
    # caravans.records: more people seen than the commune has, by kind of record
    "reason.more_than_inhabitants.": ("consultation", "screening", "referral"),
    # watch.service: a report's period and counts, worded by the code watch.model gives
    "reason.": (
        "period_not_of_type",
        "period_in_future",
        "period_not_over",
        "count_negative",
        "count_fractional",
        "count_not_number",
    ),
    # algo.road_network: points too far from the roads, by their role
    "error.far_from_roads.": ("points", "origins", "destinations"),
    "cli.by.": tuple(str(level) for level in TerritoryLevel),
    "label.measure.": ("commune_graph", "straight_line", "road"),  # algo's Measure.worded
    # registry.points.FacilitySelector.describe: a hospital tier named in full
    "label.offer.tier.": (*TIERS, ANY_TIER),
    "": TABLE_KEYS,  # access.commune_tables: the tables' labels, units and marks
    # a planning job's status and phase, as its poll answers them (caravans.jobs_api)
    "caravan.job.status.": STATUSES,
    "caravan.job.phase.": PHASES,
    # norms.service.capacity_known_text; access.cli_model: the 2SFCA's index by supply
    "label.capacity_known.": ("beds", "doctors"),
    "cli.access.index_per_10000.": ("beds", "doctors"),
    "indicator.capacity_measure.": ("beds", "doctors"),  # indicators.capacity_indicators
    # watch.bulletin: an indicator's label and why its figure is unknown
    "watch.indicator.": tuple(BY_ID),
    "bulletin.note.": NOTES,
    # conventions.execution_report: a contribution in kind, by its kind
    "conventions.report.kind.": tuple(k.value for k in ContributionKind if k.value != "money"),
    # the words of the alerts the time-based jobs raise, kept with each alert as its key
    # watch.silent_job, .signals, .triage_service (an invitation to a signal's alert),
    # conventions.deliverable_job, .committee_jobs, .tranche_job; sharing.booking_service
    # (a booking approved, refused, displaced; a freed slot offered), .calendar_service
    "alert.": (
        "sharing_booking_approved",
        "sharing_booking_refused",
        "sharing_booking_displaced",
        "sharing_slot_offered",
        "sharing_mission_offered",
        "watch_silent",
        "watch_outbreak",
        "watch_triage_invitation",
        "deliverable_overdue",
        "committee_meeting_due",
        "committee_action_overdue",
        "tranche_due",
        "referral_status",  # referrals.service: a referral's status changed
    ),
}
# Prefixes the command line builds from names that the scan cannot list: every column a
# table heads (`platform.output.column_header`).
PY_BUILT_PREFIXES = {"cli.column."}


def help_keys() -> set[str]:
    """Every key the command line's help looks up: each command's one-line help and each
    option's, walking every command (`app.cli.word_help`)."""
    import typer

    keys: set[str] = set()

    def walk(command: object, path: str, subcommands: bool = True) -> None:
        keys.add(help_key(path))
        for param in getattr(command, "params", []):
            keys.update(option_keys(path, param))
        for name, sub in getattr(command, "commands", {}).items() if subcommands else ():
            walk(sub, f"{path} {name}")

    for declared in declared_commands():
        walk(load_command(declared), declared.name)
    walk(typer.main.get_command(app), "qurb", subcommands=False)
    return keys


def _read(paths: list[Path]) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in paths)


def used_keys() -> tuple[set[str], set[str]]:
    """(keys named whole, prefixes of keys built at run time)."""
    keys = set(catalogue("en"))
    js, markup, python = _read(JS), _read(MARKUP), _read(PYTHON)
    named = {k for k in JS_LITERAL.findall(js) if k in keys or _looks_like_a_lookup(js, k)}
    named |= set(JS_WORD.findall(js)) | set(MARKUP_KEY.findall(markup))
    named |= set(TEMPLATE_KEY.findall(_read(TEMPLATES)))
    named |= {k for k in PY_KEY.findall(python) if "{" not in k}
    named |= {k for k in PY_CLI_KEY.findall(python) if not k.endswith(".")}
    named |= {f"reason.{code}" for code in PY_PROBLEM.findall(python)}
    named |= {f"reason.{code}" for code in PY_CODED.findall(python)}
    coded = {c for group in PY_CODE.findall(python) for c in group if c}
    named |= {f"error.{code}" for code in coded}
    named |= {prefix + code for prefix, codes in BUILT.items() for code in codes}
    named |= help_keys() & keys  # a command or option may share its words (cli.help.option.*)
    prefixes = set(JS_PREFIX.findall(js)) - NOT_KEYS
    built = set(PY_PREFIX.findall(python))
    # Each one enumerated: in BUILT, or the help's keys (help_keys walks every command).
    enumerated = set(BUILT) | {p for p in built if p.startswith("cli.help.")}
    assert built - PY_BUILT_PREFIXES <= enumerated, built
    prefixes |= built & PY_BUILT_PREFIXES
    return named, prefixes


def _looks_like_a_lookup(js: str, key: str) -> bool:
    return f't("{key}"' in js or f"t('{key}'" in js


def test_every_key_the_code_names_exists() -> None:
    named, prefixes = used_keys()
    keys = set(catalogue("en"))
    assert named - keys == set()
    for prefix in prefixes:
        assert any(k.startswith(prefix) for k in keys), prefix
    # The lookups found are many: the scan itself is checked.
    assert {"app.subtitle", "reason.outside_morocco", "error.outside_scope"} <= named
    assert "caravan.reason.lower_priority" in named
    assert {"notice.title", "report.consultations", "calendar.description"} <= named


def test_every_key_is_used() -> None:
    named, prefixes = used_keys()
    # The Python lines of a record refusal (records.py builds them by kind).
    named |= {"record.line.row", "record.line.row_field", "error.row_field", "error.field"}
    named |= {"error.not_written", "reason.got"}  # kernel.errors
    unused = {
        k for k in catalogue("en") if k not in named and not any(k.startswith(p) for p in prefixes)
    }
    assert unused == set()
