"""The census denominators of the activity indicators, per commune, summed to the units
shown: expected births (norms' estimate, `norms.needs`), children 0-4, and the expected
patients of a supplied prevalence. The census changes only when the dataset is loaded
again: each commune's figure is kept in memory under the loaded dataset's checksum and
load time (read per request), so that a layer does not parse the census lines again."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.norms.needs import compute_profile
from qurb.platform.tables import DatasetMetaRow
from qurb.territory.census import AGE_BANDS
from qurb.territory.geography import read_census_lines_2024
from qurb.territory.model import Territory
from qurb.watch.indicator_model import Denominator, Prevalence, WatchIndicator

PROFILE_BASES = {
    Denominator.EXPECTED_BIRTHS: "births",
    Denominator.EXPECTED_PREGNANCIES: "births",
    Denominator.CHILDREN_0_4: "children_0_4",
}
KEPT = 64  # census figure sets kept (one per denominator, territory and loaded dataset)
_kept: OrderedDict[tuple[object, ...], dict[str, float | None]] = OrderedDict()


def _people_from(
    lines: Mapping[tuple[str, str], Mapping[str, float]], age_from: int
) -> float | None:
    """People aged `age_from` and over: HCP's band shares × the municipal population;
    unknown when a band is missing."""
    total = lines.get(("total", "all"), {})
    shares = [total.get(b) for b in AGE_BANDS[age_from // 5 :]]
    municipal = total.get("population_municipal")
    if municipal is None or any(s is None for s in shares):
        return None
    return sum(float(s or 0) for s in shares) / 100.0 * float(municipal)


def _per_commune(
    session: Session, base: str, codes: Sequence[str], prevalence: Prevalence | None
) -> dict[str, float | None]:
    lines = read_census_lines_2024(session, codes)
    out: dict[str, float | None] = {}
    for code in codes:
        mine = lines.get(code)
        if not mine or ("total", "all") not in mine:
            out[code] = None
        elif prevalence is not None:
            people = _people_from(mine, prevalence.age_from)
            out[code] = None if people is None else people * prevalence.share
        else:
            rows = [{"census": "2024", "area": a, "sex": s, **f} for (a, s), f in mine.items()]
            out[code] = compute_profile(code, rows).base(base)
    return out


def _loaded(session: Session) -> tuple[str | None, ...]:
    rows = session.execute(
        select(DatasetMetaRow.key, DatasetMetaRow.value).where(
            DatasetMetaRow.key.in_(("dataset_sha256", "loaded_at"))
        )
    )
    found: dict[str, str] = {key: value for key, value in rows}
    return found.get("dataset_sha256"), found.get("loaded_at")


def census_denominators(
    session: Session,
    indicator: WatchIndicator,
    communes: Sequence[Territory],
    units_of: Callable[[str], list[str]],
    prevalence: Prevalence | None,
) -> dict[str, float | None]:
    """Each unit's yearly (or standing) census denominator, summed over its communes
    (`units_of(commune)`: the units it lies in); unknown when one of them lacks it."""
    if indicator.denominator in PROFILE_BASES:
        base, supplied = PROFILE_BASES[indicator.denominator], None
    elif indicator.denominator is Denominator.PREVALENCE and prevalence is not None:
        base, supplied = "prevalence", prevalence
    else:
        return {}
    codes = tuple(c.code for c in communes)
    loaded = _loaded(session)
    key = (str(session.get_bind().engine.url), *loaded, base, supplied, codes)
    per_commune = _kept.get(key) if loaded[0] else None
    if per_commune is None:
        per_commune = _per_commune(session, base, codes, supplied)
        _kept[key] = per_commune
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    sums: dict[str, float | None] = {}
    for code, figure in per_commune.items():
        for unit in units_of(code):
            before = sums.get(unit, 0.0)
            sums[unit] = None if figure is None or before is None else before + figure
    return sums
