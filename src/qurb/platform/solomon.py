"""Solomon VRPTW instances (the usual text format) as routing problems.

Coordinates are points in the plane; travel time equals Euclidean distance (one unit of
time per unit of distance), as in the literature. Line 5 holds the vehicle count and
capacity; the customer table follows the header row (`CUST NO. XCOORD. ...`); customer 0
is the depot.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qurb.algo.routing import RoutingClient, RoutingError, RoutingProblem, RoutingVehicleType


@dataclass(frozen=True)
class SolomonInstance:
    name: str
    vehicles: int
    capacity: int
    problem: RoutingProblem


def read_solomon(path: Path) -> SolomonInstance:
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except UnicodeDecodeError as exc:
        raise RoutingError(f"{path}: not a Solomon instance (not ASCII text: {exc})") from exc
    try:
        header = next(i for i, line in enumerate(lines) if line.strip().startswith("NUMBER"))
        vehicles, capacity = (int(x) for x in lines[header + 1].split())
        table = next(i for i, line in enumerate(lines) if line.strip().startswith("CUST NO"))
        rows = np.array(
            [[float(x) for x in line.split()] for line in lines[table + 1 :] if line.strip()]
        )
    except (StopIteration, ValueError) as exc:
        raise RoutingError(f"{path}: not a Solomon instance ({exc})") from exc
    if rows.ndim != 2 or rows.shape[1] != 7 or rows.shape[0] < 2:
        raise RoutingError(f"{path}: expected 7 columns and a depot plus customers")
    xy = rows[:, 1:3]
    distance = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=-1))
    clients = tuple(
        RoutingClient(
            location=i,
            service_minutes=float(rows[i, 6]),
            tw_early=float(rows[i, 4]),
            tw_late=float(rows[i, 5]),
            delivery=(float(rows[i, 3]),),
            label=str(int(rows[i, 0])),
        )
        for i in range(1, len(rows))
    )
    vehicle = RoutingVehicleType(
        depot=0,
        count=vehicles,
        capacity=(float(capacity),),
        tw_early=float(rows[0, 4]),
        tw_late=float(rows[0, 5]),
    )
    problem = RoutingProblem(distance, distance, (0,), clients, (vehicle,), coordinates=xy)
    return SolomonInstance(lines[0].strip() or path.stem, vehicles, capacity, problem)
