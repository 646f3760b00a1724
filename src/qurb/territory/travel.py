"""The commune-graph travel-time model of a database: its parameters (bundled or a
user's file) and its inputs (the communes' reference points, census and adjacency)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.algo.commune_graph import CommuneGraphModel
from qurb.algo.commune_graph_inputs import CommuneGraphInputs, CommuneGraphParameters
from qurb.algo.travel import TravelModelError
from qurb.data import PACKAGE_DIR, read_toml
from qurb.platform.tables import DatasetMetaRow
from qurb.territory._tables import AdjacencyRow, CensusRow, TerritoryRow
from qurb.territory.graph_store import with_stored_edges

COMMUNE_GRAPH_FILE = PACKAGE_DIR / "commune_graph.toml"


_cache_lock = threading.Lock()


_cache: dict[tuple[str, CommuneGraphParameters], CommuneGraphModel] = {}


def read_commune_graph_params(path: Path | None = None) -> CommuneGraphParameters:
    """The bundled parameters, or a user's file (same layout); errors name the file."""
    path = path or COMMUNE_GRAPH_FILE
    try:
        data = read_toml(path)
    except FileNotFoundError:
        raise TravelModelError(code="no_parameter_file", values={"path": str(path)}) from None
    except (OSError, ValueError) as error:
        values = {"path": str(path), "detail": str(error)}
        raise TravelModelError(code="unreadable_toml", values=values) from None
    params: CommuneGraphParameters = CommuneGraphParameters.from_mapping(data, source=str(path))
    return params


def write_commune_graph_params(params: CommuneGraphParameters, path: Path, note: str) -> None:
    """A parameter file in the bundled layout (TOML written by hand: stdlib has no writer)."""
    data = params.to_mapping()
    lines = [f"# {line}" for line in note.splitlines()] + ["", f'name = "{data["name"]}"']
    for section in ("terrain", "graph", "speed_kph", "detour_factor", "access"):
        lines += ["", f"[{section}]"]
        lines += [f"{key} = {float(value)!r}" for key, value in data[section].items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_commune_graph_inputs(session: Session) -> CommuneGraphInputs:
    """The communes' reference points, areas, census figures and adjacency."""
    communes = session.execute(
        select(
            TerritoryRow.code,
            TerritoryRow.ref_lon,
            TerritoryRow.ref_lat,
            TerritoryRow.area_km2,
            TerritoryRow.population_2024,
            TerritoryRow.kind,
        )
        .where(TerritoryRow.level == "commune")
        .order_by(TerritoryRow.code)
    ).all()
    if not communes:
        raise TravelModelError(code="no_commune_in_database")
    # The one figure the model needs, read by the database (not each commune's whole JSON).
    paved_km = CensusRow.figures["households_distance_to_paved_road_km"].as_float()
    paved: dict[str, float] = {}
    for code, value in session.execute(
        select(CensusRow.code, paved_km)
        .join(TerritoryRow, TerritoryRow.code == CensusRow.code)
        .where(
            TerritoryRow.level == "commune",
            CensusRow.census == "2024",
            CensusRow.area == "total",
            CensusRow.sex == "all",
        )
    ):
        if value is not None:
            paved[code] = float(value)
    adjacency = tuple(
        (a, b) for a, b in session.execute(select(AdjacencyRow.code_a, AdjacencyRow.code_b))
    )

    def floats(values: list[Any]) -> np.ndarray:
        return np.array([np.nan if v is None else float(v) for v in values])

    return CommuneGraphInputs(
        codes=tuple(r.code for r in communes),
        ref_lon=floats([r.ref_lon for r in communes]),
        ref_lat=floats([r.ref_lat for r in communes]),
        area_km2=floats([r.area_km2 for r in communes]),
        population=floats([r.population_2024 or 0 for r in communes]),
        urban=np.array([r.kind == "urban" for r in communes]),
        paved_road_km=np.array([paved.get(r.code, np.nan) for r in communes]),
        adjacency=adjacency,
    )


def _dataset_key(session: Session) -> str:
    sha = session.scalar(select(DatasetMetaRow.value).where(DatasetMetaRow.key == "dataset_sha256"))
    bind = session.get_bind()
    return f"{bind.engine.url}|{sha}"


def commune_graph_model(
    session: Session, params: CommuneGraphParameters | None = None
) -> CommuneGraphModel:
    """The commune-graph model of this database, built once per parameter set and kept
    (its all-pairs node times are the costly part: computed on first use); its edges are
    kept between runs in the cache folder (`graph_store`)."""
    params = params or read_commune_graph_params()
    key = (_dataset_key(session), params)
    with _cache_lock:
        model = _cache.get(key)
    if model is None:
        model = with_stored_edges(CommuneGraphModel(read_commune_graph_inputs(session), params))
        with _cache_lock:
            _cache[key] = model
    return model
