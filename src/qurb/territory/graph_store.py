"""The commune graph's edges kept between runs, in the cache folder
(`qurb.platform.cache_dir`): one file per fingerprint (`edges_fingerprint`: the communes,
the parameters and the code that build them), so a file is used only by the model that
would build the same edges. Building them costs a new process about 0.1 s; loading them a
few milliseconds. A missing, unreadable or damaged file is rebuilt; a folder that cannot
be written is only a lost saving."""

from __future__ import annotations

import logging
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from qurb.algo.commune_graph import CommuneGraphModel
from qurb.algo.commune_graph_edges import edges_fingerprint
from qurb.algo.travel import TravelModelError
from qurb.platform.cache_dir import cache_dir

log = logging.getLogger(__name__)

PREFIX = "commune-graph-"
KEPT_FILES = 8  # the newest sets of edges kept (a set is about 2 MB)


def edges_file(model: CommuneGraphModel, folder: Path) -> Path:
    return folder / f"{PREFIX}{edges_fingerprint(model.inputs, model.params)[:40]}.npz"


def with_stored_edges(model: CommuneGraphModel, folder: Path | None = None) -> CommuneGraphModel:
    """`model` with its edges loaded from the cache folder, or built and stored there."""
    folder = folder or cache_dir()
    if folder is None:
        return model
    path = edges_file(model, folder)
    try:
        with np.load(path, allow_pickle=False) as stored:
            model.adopt_edges((stored["rows"], stored["cols"], stored["minutes"], stored["km"]))
        return model
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, TravelModelError) as error:
        log.warning("%s: not usable (%s); the edges are built again", path, error)
    _store(model, folder, path)
    return model


def _store(model: CommuneGraphModel, folder: Path, path: Path) -> None:
    rows, cols, minutes, km = model.edge_list()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Written aside then renamed: a reader sees the whole file or none.
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=PREFIX, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                np.savez(file, rows=rows, cols=cols, minutes=minutes, km=km)
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        _prune(folder)
    except OSError as error:
        log.info("%s: the commune graph's edges are not kept (%s)", folder, error)


def _prune(folder: Path) -> None:
    """Keep the newest files: older ones belong to data or code that has changed."""
    files = sorted(folder.glob(f"{PREFIX}*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEPT_FILES:]:
        old.unlink(missing_ok=True)
