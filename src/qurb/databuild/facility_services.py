"""Per-facility services: the reviewed lines of `data/overrides/services.csv`, checked
against the facilities just built and bundled as `facility_services.csv`.

Every HIR unit of the current edition must be classed there (general hospital, a
specialty or maternity): an HIR's category says only that it belongs to a CHU.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from qurb.data import read_csv_rows
from qurb.registry.facility_services import (
    GENERAL_HOSPITAL,
    MATERNITY,
    SERVICE_COLUMNS,
    SPECIALTY_CLASSES,
    ServiceAction,
    ServiceLine,
    ServiceProblem,
    ServicesFileError,
    parse_service_lines,
)

OVERRIDES_FILE = "services.csv"
OUTPUT_FILE = "facility_services.csv"
FACILITIES_FILE = "facilities.csv"
CURRENT_EDITION = "2024"


def _read_lines(overrides_dir: Path, category_of: dict[str, str] | None) -> list[ServiceLine]:
    path = overrides_dir / OVERRIDES_FILE
    try:
        handle = path.open(encoding="utf-8", newline="")
    except FileNotFoundError:
        raise ServicesFileError(str(path), [ServiceProblem(1, "file", "missing")]) from None
    with handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != SERVICE_COLUMNS:
            raise ServicesFileError(
                str(path),
                [ServiceProblem(1, "header", f"expected the columns {', '.join(SERVICE_COLUMNS)}")],
            )
        return parse_service_lines(list(reader), str(path), category_of)


def check_service_file(overrides_dir: Path) -> int:
    """The lines' own form, before anything is built: the facility ids are checked once the
    facilities exist (`build_facility_services`). Returns the number of lines."""
    return len(_read_lines(overrides_dir, None))


def build_facility_services(overrides_dir: Path, out_dir: Path) -> dict[str, int]:
    """Check the override lines and write them, sorted, into `out_dir`."""
    path = overrides_dir / OVERRIDES_FILE
    category_of = {
        r["facility_id"]: r["category"]
        for r in read_csv_rows(out_dir / FACILITIES_FILE)
        if r["edition"] == CURRENT_EDITION
    }
    lines = _read_lines(overrides_dir, category_of)
    classes: dict[str, set[str]] = defaultdict(set)
    markers = {GENERAL_HOSPITAL, MATERNITY, *SPECIALTY_CLASSES}
    for line in lines:
        if line.action is ServiceAction.ADD and line.service in markers:
            classes[line.facility_id].add(line.service)
    problems = [
        ServiceProblem(
            1,
            "facility_id",
            f"HIR {facility} is not classed: add one of {', '.join(sorted(markers))}",
        )
        for facility, category in sorted(category_of.items())
        if category == "HIR" and len(classes[facility]) != 1
    ]
    if problems:
        raise ServicesFileError(str(path), problems)
    ordered = sorted(lines, key=lambda x: (x.facility_id, x.service))
    with (out_dir / OUTPUT_FILE).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(SERVICE_COLUMNS)
        for x in ordered:
            writer.writerow([x.facility_id, x.service, x.action.value, x.reason, x.evidence])
    return {
        "lines": len(lines),
        "facilities": len({x.facility_id for x in lines}),
        "hir_general": sum(1 for c in classes.values() if GENERAL_HOSPITAL in c),
    }
