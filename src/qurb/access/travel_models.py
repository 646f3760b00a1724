"""Choosing a travel-time model by name: the commune graph (bundled), the straight line,
or a road network a user built with `qurb network build`."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from qurb.algo.travel import StraightLineModel, TravelModelError, TravelTimeModel
from qurb.territory.travel import commune_graph_model, read_commune_graph_params

MODEL_NAMES = ("commune-graph", "straight-line")


def make_model(
    session: Session,
    model: str = "commune-graph",
    params_path: Path | None = None,
    speed_kph: float = 40.0,
) -> TravelTimeModel:
    """A model by name: `commune-graph` (bundled; `params_path` overrides its parameters),
    `straight-line` (at `speed_kph`, detour 1), or the folder of a built road network."""
    if model == "commune-graph":
        params = read_commune_graph_params(params_path) if params_path else None
        return commune_graph_model(session, params)
    if model == "straight-line":
        return StraightLineModel(speed_kph=speed_kph)
    folder = Path(model)
    if folder.is_dir():
        from qurb.access.network import load_network

        loaded: TravelTimeModel = load_network(folder)
        return loaded
    values = {"model": repr(model), "models": list(MODEL_NAMES)}
    raise TravelModelError(code="unknown_travel_model", values=values)
