"""A what-if kept as a scenario (kind "whatif"): the same document as a siting run's, so
that it lists and compares with them. Its solver block says what was done: method
"what-if" (sites given, nothing chosen), objective the population covered after (and
before) within the threshold, no bound nor gap."""

from __future__ import annotations

from qurb.access.schemas import WhatIf
from qurb.access.what_if import WhatIfRun
from qurb.kernel.shares import percent
from qurb.siting.model import Scenario

WHAT_IF = "what-if"
KIND = "whatif"


def what_if_scenario(body: WhatIf, run: WhatIfRun) -> Scenario:
    read = run.read
    levels, categories, services, tier = body.offer()
    population = read.population
    document = {
        "territory": run.territory,
        "params": {
            "territory": body.territory,
            "level": levels[0] if levels else None,
            "categories": list(categories),
            "services": list(services),
            "tier": tier,
            "add": len(read.sites),
            "budget_amount_mad": None,
            "site_cost_amount_mad": None,
            "within_minutes": read.within_minutes,
            "objective": "coverage",
            "candidates_file": None,
            "method": WHAT_IF,
            "time_limit_s": 0.0,
            "seed": 0,
            "model": read.model,
            "sites": [s.model_dump() for s in body.sites],
            "communes": list(body.communes),
        },
        "model": read.model,
        "measure": read.measure.as_dict(),
        "solver": {
            "model": WHAT_IF,
            "method": WHAT_IF,
            "status": "evaluated",
            "objective": float(read.covered_after),
            "objective_before": float(read.covered_before),
            "bound": None,
            "gap": None,
            "seconds": round(run.seconds, 3),
            "time_limit_reached": False,
            "cost_mad": None,
        },
        "summary": {
            "population": population,
            "covered_before": read.covered_before,
            "covered_after": read.covered_after,
            "covered_before_pct": percent(read.covered_before, population),
            "covered_after_pct": percent(read.covered_after, population),
            "newly_covered": read.newly_covered,
            "candidates": len(read.sites),
        },
        "sites": [
            {"rank": rank, **site.model_dump(), "cost_mad": None}
            for rank, site in enumerate(read.sites, start=1)
        ],
        "communes": run.communes,
        "groups": [g.model_dump() for g in read.groups],
    }
    return Scenario.model_validate(document)
