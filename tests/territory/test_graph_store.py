"""The commune graph's edges kept between runs: a model that loads them answers exactly as
one that builds them; a change of communes, parameters or code is another file; a damaged
file or a folder that cannot be written costs only the time of building them."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from qurb.algo.commune_graph import CommuneGraphModel
from qurb.algo.commune_graph_edges import check_edges, edges_fingerprint
from qurb.algo.commune_graph_inputs import commune_points
from qurb.algo.travel import TravelModelError
from qurb.platform import cache_dir as cache_dir_module
from qurb.registry.points import FacilitySelector, read_destinations
from qurb.territory import graph_store
from qurb.territory.graph_store import KEPT_FILES, edges_file, with_stored_edges
from qurb.territory.travel import read_commune_graph_inputs, read_commune_graph_params


@pytest.fixture(scope="module")
def fresh(national_engine: Engine) -> CommuneGraphModel:
    """A model of the national data that builds its own edges (no store)."""
    with Session(national_engine) as session:
        inputs = read_commune_graph_inputs(session)
    return CommuneGraphModel(inputs, read_commune_graph_params())


def _new(model: CommuneGraphModel) -> CommuneGraphModel:
    return CommuneGraphModel(model.inputs, model.params)


def _refuse_to_build(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: CommuneGraphModel) -> None:
        raise AssertionError("the edges were built, not loaded")

    monkeypatch.setattr(CommuneGraphModel, "_build_edges", refuse)


def test_loaded_edges_answer_as_built_ones(
    fresh: CommuneGraphModel,
    national_session: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built = fresh.edge_list()
    stored = with_stored_edges(_new(fresh), tmp_path)  # builds and stores
    assert edges_file(fresh, tmp_path).is_file()
    _refuse_to_build(monkeypatch)
    loaded = with_stored_edges(_new(fresh), tmp_path)
    for a, b in zip(built, loaded.edge_list(), strict=True):
        assert np.array_equal(a, b)
    origins = commune_points(fresh.inputs)
    hospitals = read_destinations(national_session, FacilitySelector(tier="general")).points
    for model in (stored, loaded, loaded.heap_searching()):
        got = model.compute_nearest(origins, hospitals)
        want = fresh.compute_nearest(origins, hospitals)
        assert np.array_equal(got.index, want.index)
        assert np.array_equal(got.minutes, want.minutes)
        assert np.array_equal(got.distance_km, want.distance_km)


def test_the_fingerprint_follows_communes_and_parameters(fresh: CommuneGraphModel) -> None:
    same = edges_fingerprint(fresh.inputs, fresh.params)
    assert same == edges_fingerprint(_new(fresh).inputs, fresh.params)
    slower = dataclasses.replace(fresh.params, transit_hops=fresh.params.transit_hops - 1)
    assert edges_fingerprint(fresh.inputs, slower) != same
    one_border_less = dataclasses.replace(fresh.inputs, adjacency=fresh.inputs.adjacency[1:])
    assert edges_fingerprint(one_border_less, fresh.params) != same
    moved = fresh.inputs.ref_lon.copy()
    moved[100] += 1e-6
    assert edges_fingerprint(dataclasses.replace(fresh.inputs, ref_lon=moved), fresh.params) != same


@pytest.mark.parametrize("damage", ["garbage", "truncated", "out_of_range", "missing_array"])
def test_a_damaged_file_is_built_again(
    fresh: CommuneGraphModel, tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    with_stored_edges(_new(fresh), tmp_path)
    path = edges_file(fresh, tmp_path)
    rows, cols, minutes, km = fresh.edge_list()
    if damage == "garbage":
        path.write_bytes(b"\x00not a zip file" * 100)
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:5000])
    elif damage == "out_of_range":
        with path.open("wb") as file:
            np.savez(file, rows=rows + len(fresh.inputs.codes), cols=cols, minutes=minutes, km=km)
    else:
        with path.open("wb") as file:
            np.savez(file, rows=rows, cols=cols, minutes=minutes)
    again = with_stored_edges(_new(fresh), tmp_path)
    assert "not usable" in caplog.text and path.name in caplog.text
    for a, b in zip(fresh.edge_list(), again.edge_list(), strict=True):
        assert np.array_equal(a, b)
    with np.load(path) as rewritten:  # the damaged file is replaced by a good one
        assert np.array_equal(rewritten["rows"], rows)


def test_check_edges_names_what_is_wrong() -> None:
    good = (np.array([0, 1]), np.array([1, 0]), np.array([2.0, 2.0]), np.array([1.0, 1.0]))
    assert [a.tolist() for a in check_edges(good, 2)] == [[0, 1], [1, 0], [2.0, 2.0], [1.0, 1.0]]
    with pytest.raises(TravelModelError, match="four arrays of one length"):
        check_edges((good[0], good[1][:1], good[2], good[3]), 2)
    with pytest.raises(TravelModelError, match="outside 0 … 0"):
        check_edges(good, 1)
    with pytest.raises(TravelModelError, match="minutes not finite"):
        check_edges((good[0], good[1], np.array([2.0, np.nan]), good[3]), 2)
    with pytest.raises(TravelModelError, match="km not finite"):
        check_edges((good[0], good[1], good[2], np.array([-1.0, 1.0])), 2)


def test_a_folder_that_cannot_be_written_loses_only_time(
    fresh: CommuneGraphModel, tmp_path: Path
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    model = with_stored_edges(_new(fresh), blocked / "cache")
    assert np.array_equal(model.edge_list()[2], fresh.edge_list()[2])
    assert blocked.read_text() == "not a folder"


def test_only_the_newest_files_are_kept(fresh: CommuneGraphModel, tmp_path: Path) -> None:
    for age in range(KEPT_FILES + 3):
        old = tmp_path / f"{graph_store.PREFIX}{age:040d}.npz"
        old.write_bytes(b"old")
        os.utime(old, (1_000_000 + age, 1_000_000 + age))
    with_stored_edges(_new(fresh), tmp_path)
    kept = sorted(p.name for p in tmp_path.glob(f"{graph_store.PREFIX}*.npz"))
    assert len(kept) == KEPT_FILES
    assert edges_file(fresh, tmp_path).name in kept
    # the oldest went first
    assert f"{graph_store.PREFIX}{0:040d}.npz" not in kept
    assert f"{graph_store.PREFIX}{KEPT_FILES + 2:040d}.npz" in kept


def test_the_cache_folder_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QURB_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_dir_module.cache_dir() == tmp_path / "mine"
    monkeypatch.setenv("QURB_CACHE_DIR", "off")
    assert cache_dir_module.cache_dir() is None
    monkeypatch.setenv("QURB_CACHE_DIR", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir_module.cache_dir() == tmp_path / "xdg" / "qurb"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir_module.cache_dir() == tmp_path / "home" / ".cache" / "qurb"
