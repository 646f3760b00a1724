"""Benchmark: a national weekly outbreak-detection run for the latest week, every method
at every level, from arrays already in memory (issue figure: 3,400 facilities × 20
diseases with 5 years of weekly history, under 60 s on 2 cores; at least 100× the
throughput of R `surveillance`'s farringtonFlexible per series-week, measured in the
same run on a sample of the same series).

The series are SYNTHETIC (seeded), made as in Noufaily et al. (2013), "An improved
algorithm for outbreak detection in multiple surveillance systems", Statistics in
Medicine 32(7):1206-1222: a negative-binomial baseline of mean
mu(t) = exp(theta + beta t + gamma1 cos(2 pi t / 52) + gamma2 sin(2 pi t / 52)) and
variance phi mu(t); outbreaks whose size is a Poisson count of mean k times the baseline's
standard deviation at the week they start, their cases spread over the following weeks
by a log-normal delay (meanlog 0, sdlog 0.5, in weeks). Simplified from the paper: its
28 scenarios are replaced by parameters drawn per series within ranges like theirs
(theta 0.1-4, beta -0.003-0.003 a week, gamma1 and gamma2 0-0.6, one harmonic, phi 1-5);
four outbreaks in the history (k in 2, 3, 5, 10) and one in the last 52 weeks for half
the series (k 1-10); one facility-week in 500 unknown (NaN). Weeks start on Mondays.

Levels: a synthetic hierarchy sized like Morocco's (12 regions, 75 provinces, 1,500
communes); each facility in one commune. The aggregation (sums, a unit's week unknown
only when none of its facilities has a count) is timed apart; no database is read (the
arrays are made in memory). Each method runs by `qurb.algo.outbreak.batch.detect_batch`
for the latest week on every series of every level (classic farrington, which R runs
only on series without an unknown count, gives no figure for the others).

Peer: `Rscript` running surveillance's farringtonFlexible (defaults) on `--r-sample`
facility series for the same latest week, timed in R around the loop only (not R's
start-up nor loading the package); its bounds are compared with Qurb's. Quality:
sensitivity (an injected outbreak of the last 52 weeks with an alarm in one of its weeks)
and false alarms per 100 series-years (alarms outside them), over the last 52 weeks
evaluated, on `--quality-series` facility series.

Run:  .venv/bin/python benchmarks/outbreak_national.py [--series 68000] [--r-sample 20]
          [--quality-series 200] [--seed 2013] [--workers 2]
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

# one BLAS thread: the fits are spread over the cores by `--workers` threads instead
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402
from scipy import sparse  # noqa: E402

from qurb.algo.outbreak.batch import BatchDetection, detect_batch  # noqa: E402

METHODS = (
    "farrington-flexible",
    "noufaily",
    "farrington",
    "ears-c1",
    "ears-c2",
    "ears-c3",
    "cusum",
)
DISEASES = 20
HISTORY = 5 * 52 + 10  # five years before the latest week, and the w weeks around it
QUALITY_WEEKS = 52
WEEKS = HISTORY + QUALITY_WEEKS
FIRST = date(2020, 1, 6)  # a Monday
REGIONS, PROVINCES, COMMUNES = 12, 75, 1500


@dataclass(frozen=True)
class Synthetic:
    counts: np.ndarray  # facility-disease series × weeks
    outbreak: np.ndarray  # the same shape: True in the weeks of a recent outbreak
    recent: np.ndarray  # per series: has an outbreak in the last 52 weeks


def _baseline(rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(WEEKS)[None, :]
    theta = rng.uniform(0.1, 4.0, (count, 1))
    beta = rng.uniform(-0.003, 0.003, (count, 1))
    g1, g2 = rng.uniform(0, 0.6, (count, 1)), rng.uniform(0, 0.6, (count, 1))
    angle = 2 * np.pi * t / 52
    mean = np.exp(theta + beta * (t - WEEKS) + g1 * np.cos(angle) + g2 * np.sin(angle))
    phi = rng.uniform(1.0, 5.0, (count, 1))
    return mean, phi


def _spread(rng: np.random.Generator, size: int, start: int, row: np.ndarray) -> np.ndarray:
    """Adds `size` cases from `start` on, each after a log-normal delay; the weeks hit."""
    delays = np.floor(rng.lognormal(0.0, 0.5, size)).astype(int)
    weeks = start + delays
    weeks = weeks[weeks < len(row)]
    np.add.at(row, weeks, 1.0)
    hit = np.zeros(len(row), dtype=bool)
    hit[weeks] = True
    return hit


def synthetic(count: int, seed: int) -> Synthetic:
    rng = np.random.default_rng(seed)
    mean, phi = _baseline(rng, count)
    # numpy's negative binomial: n = mu / (phi - 1), p = 1 / phi gives variance phi mu;
    # phi = 1 is Poisson
    poisson = phi[:, 0] <= 1.0001
    n = mean / np.maximum(phi - 1, 1e-4)
    counts = rng.negative_binomial(n, 1 / np.maximum(phi, 1.0001)).astype(float)
    counts[poisson] = rng.poisson(mean[poisson]).astype(float)
    outbreak = np.zeros_like(counts, dtype=bool)
    recent = rng.random(count) < 0.5
    sd = np.sqrt(phi * mean)
    for row in range(count):
        for start in rng.integers(0, HISTORY - 10, 4):
            k = rng.choice([2, 3, 5, 10])
            _spread(rng, rng.poisson(k * sd[row, start]), start, counts[row])
        if recent[row]:
            start = int(rng.integers(WEEKS - QUALITY_WEEKS, WEEKS - 2))
            size = rng.poisson(rng.integers(1, 11) * sd[row, start])
            outbreak[row] = _spread(rng, size, start, counts[row])
            recent[row] = outbreak[row].any()
    counts[rng.random(counts.shape) < 1 / 500] = np.nan
    return Synthetic(counts, outbreak, recent)


def hierarchy(facilities: int, seed: int) -> dict[str, np.ndarray]:
    """The unit of each facility at each level (commune ⊂ province ⊂ region)."""
    rng = np.random.default_rng(seed + 1)
    communes = min(COMMUNES, facilities)
    commune = np.concatenate([np.arange(communes), rng.integers(0, communes, facilities)])
    commune = commune[:facilities]
    province_of = rng.integers(0, PROVINCES, communes)
    province_of[: min(PROVINCES, communes)] = np.arange(min(PROVINCES, communes))
    region_of = np.arange(PROVINCES) % REGIONS
    province = province_of[commune]
    return {
        "commune": commune,
        "province": province,
        "region": region_of[province],
        "national": np.zeros(facilities, dtype=int),
    }


def aggregate(counts: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """Per unit and disease the sum over its facilities; unknown when none reported."""
    facilities = len(unit)
    by_facility = counts.reshape(facilities, -1)  # facility × (disease, week)
    matrix = sparse.csr_matrix(
        (np.ones(facilities), (unit, np.arange(facilities))), shape=(unit.max() + 1, facilities)
    )
    known = ~np.isnan(by_facility)
    totals = matrix @ np.where(known, by_facility, 0.0)
    reporting = matrix @ known.astype(float)
    totals[reporting == 0] = np.nan
    return np.asarray(totals).reshape(-1, counts.shape[1])


def _dates(weeks: int) -> tuple[date, ...]:
    return tuple(FIRST + timedelta(weeks=i) for i in range(weeks))


def national_run(
    levels: dict[str, np.ndarray], workers: int
) -> list[tuple[str, int, str, float, float, int, int]]:
    rows = []
    for level, counts in levels.items():
        weeks = _dates(counts.shape[1])
        latest = range(counts.shape[1] - 1, counts.shape[1])
        for method in METHODS:
            started, cpu = time.perf_counter(), time.process_time()
            found = detect_batch(counts, weeks, method, latest, workers=workers)
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
            alarms = int(np.nansum(found.alarm))
            rows.append((level, counts.shape[0], method, seconds, cpu, found.fallback, alarms))
    return rows


R_SCRIPT = """
suppressPackageStartupMessages(library(surveillance))
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], check.names = FALSE)
dates <- as.Date(data$week)
n <- nrow(data)
upper <- numeric(0)
started <- proc.time()[["elapsed"]]
for (column in names(data)[-1]) {
  s <- sts(observed = data[[column]], epoch = as.numeric(dates), epochAsDate = TRUE,
           frequency = 52, start = c(2020, 1))
  found <- farringtonFlexible(s, control = list(range = n))
  upper <- c(upper, upperbound(found)[1, 1])
}
elapsed <- proc.time()[["elapsed"]] - started
cat(sprintf("%.6f\\n", elapsed))
cat(sprintf("%.17g", upper), sep = "\\n")
"""


def r_peer(counts: np.ndarray) -> tuple[float, np.ndarray] | None:
    """R's farringtonFlexible on each row for the latest week: seconds, upper bounds."""
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        data, script = Path(folder) / "series.csv", Path(folder) / "peer.R"
        script.write_text(R_SCRIPT)
        with data.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["week", *(f"s{i}" for i in range(len(counts)))])
            for week, values in zip(_dates(counts.shape[1]), counts.T, strict=True):
                writer.writerow([week, *("NA" if np.isnan(v) else int(v) for v in values)])
        out = subprocess.run(
            ["Rscript", str(script), str(data)], capture_output=True, text=True, check=True
        )
    lines = out.stdout.split()
    return float(lines[0]), np.array([float(v) if v != "NA" else np.nan for v in lines[1:]])


def quality(data: Synthetic, count: int) -> list[tuple[str, float, float, int]]:
    """Sensitivity and false alarms per 100 series-years over the last 52 weeks."""
    counts = data.counts[:count]
    weeks = _dates(counts.shape[1])
    evaluated = range(counts.shape[1] - QUALITY_WEEKS, counts.shape[1])
    inside = data.outbreak[:count][:, evaluated.start :]
    rows = []
    for method in METHODS:
        alarm = detect_batch(counts, weeks, method, evaluated).alarm == 1
        outbreaks = data.recent[:count]
        found = (alarm & inside).any(axis=1)[outbreaks]
        false = (alarm & ~inside).sum() / (count * QUALITY_WEEKS / 52) * 100
        rows.append((method, float(found.mean()), float(false), int(outbreaks.sum())))
    return rows


def _print_run(rows: list[tuple[str, int, str, float, float, int, int]]) -> None:
    print("| level | series | method | seconds | CPU seconds | computed alone | alarms |")
    print("|---|---|---|---|---|---|---|")
    for level, series, method, seconds, cpu, fallback, alarms in rows:
        print(
            f"| {level} | {series:,} | {method} | {seconds:.2f} | {cpu:.2f} | {fallback} "
            f"| {alarms} |"
        )
    wall, cpu = sum(r[3] for r in rows), sum(r[4] for r in rows)
    print(f"every method at every level: {wall:.1f} s ({cpu:.1f} CPU seconds)")


def _print_peer(
    sample: np.ndarray, flexible: BatchDetection, seconds: float, series: int, rows: int
) -> None:
    peer = r_peer(sample)
    if peer is None:
        print("peer: Rscript not found, not measured")
        return
    r_seconds, r_upper = peer
    ours = flexible.upperbound[:rows, 0]
    both = ~np.isnan(r_upper) & ~np.isnan(ours)
    worst = np.max(np.abs(ours[both] - r_upper[both]) / r_upper[both]) if both.any() else 0.0
    r_each, q_each = r_seconds / rows, seconds / series
    print(
        f"peer R farringtonFlexible: {rows} series in {r_seconds:.3f} s ({r_each * 1e3:.2f} ms a "
        f"series-week); Qurb {q_each * 1e6:.1f} µs a series-week: {r_each / q_each:.0f}× R's "
        f"throughput; bounds agree within {worst:.1e} relative on {int(both.sum())} series"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, default=3400 * DISEASES)
    parser.add_argument("--r-sample", type=int, default=20)
    parser.add_argument("--quality-series", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2013)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    facilities = max(1, args.series // DISEASES)
    started = time.perf_counter()
    data = synthetic(facilities * DISEASES, args.seed)
    print(
        f"synthetic series: {facilities:,} facilities × {DISEASES} diseases × {WEEKS} weeks "
        f"made in {time.perf_counter() - started:.1f} s (not part of the run)"
    )
    history = data.counts[:, -HISTORY:]
    started = time.perf_counter()
    units = hierarchy(facilities, args.seed)
    levels = {"facility": history} | {
        name: aggregate(history, unit) for name, unit in units.items()
    }
    print(
        f"aggregation to communes, provinces, regions, nation: "
        f"{time.perf_counter() - started:.2f} s"
    )
    rows = national_run(levels, args.workers)
    _print_run(rows)
    flexible_seconds = next(r[3] for r in rows if r[0] == "facility" and r[2] == METHODS[0])
    sample = history[: args.r_sample]
    flexible = detect_batch(sample, _dates(HISTORY), METHODS[0], range(HISTORY - 1, HISTORY))
    _print_peer(sample, flexible, flexible_seconds, len(history), len(sample))
    count = min(args.quality_series, len(data.counts))
    print(f"quality over the last {QUALITY_WEEKS} weeks, {count} facility series:")
    print("| method | sensitivity | false alarms / 100 series-years | outbreaks |")
    print("|---|---|---|---|")
    for method, sensitivity, false, outbreaks in quality(data, count):
        print(f"| {method} | {sensitivity:.2f} | {false:.1f} | {outbreaks} |")


if __name__ == "__main__":
    main()
