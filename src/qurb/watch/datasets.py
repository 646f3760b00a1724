"""Data sets: the bundled ones (qurb/watch/datasets/*.toml) and any a user writes in a TOML
file, versioned as the norm sets are (a file's `version`; a report keeps the version it
was made under)."""

from __future__ import annotations

import os
import tomllib
from functools import cache
from pathlib import Path

from qurb.data import read_toml
from qurb.kernel.errors import InputError, NotFound
from qurb.watch.indicator_model import Prevalence, prevalence_from_mapping
from qurb.watch.model import DataSet, DatasetError, dataset_from_mapping

DATASETS_DIR = Path(__file__).parent / "datasets"
USER_DATASETS_ENV = "QURB_DATASETS_DIR"  # extra folder of *.toml data sets, read after


def read_dataset_file(path: Path) -> DataSet:
    try:
        data = read_toml(path)
    except FileNotFoundError:
        raise DatasetError(code="no_dataset_file", values={"path": str(path)}) from None
    except tomllib.TOMLDecodeError as error:
        values = {"path": str(path), "detail": str(error)}
        raise DatasetError(code="dataset_not_toml", values=values) from None
    return dataset_from_mapping(data, str(path))


@cache
def _bundled() -> dict[str, DataSet]:
    return {d.id: d for d in map(read_dataset_file, sorted(DATASETS_DIR.glob("*.toml")))}


def available_datasets() -> dict[str, DataSet]:
    """Every data set by id, the bundled first; a user's file with the same id replaces
    the bundled one."""
    found = dict(_bundled())
    extra = os.environ.get(USER_DATASETS_ENV)
    if extra:
        for path in sorted(Path(extra).glob("*.toml")):
            dataset = read_dataset_file(path)
            found[dataset.id] = dataset
    return found


def get_dataset(dataset_id: str) -> DataSet:
    available = available_datasets()
    if dataset_id not in available:
        values = {"dataset": repr(dataset_id), "available": ", ".join(available)}
        raise NotFound(code="unknown_dataset", values=values)
    return available[dataset_id]


def read_prevalence_file(path: Path) -> dict[str, Prevalence]:
    """The expected prevalences a user supplies (a TOML file, each with its source)."""
    try:
        data = read_toml(path)
    except FileNotFoundError:
        raise InputError(code="no_prevalence_file", values={"path": str(path)}) from None
    except tomllib.TOMLDecodeError as error:
        values = {"path": str(path), "detail": str(error)}
        raise InputError(code="prevalence_not_toml", values=values) from None
    return prevalence_from_mapping(data, str(path))


PREVALENCE_FILE = "prevalence.toml"  # in $QURB_DATASETS_DIR, beside the user's data sets


def configured_prevalence() -> dict[str, Prevalence]:
    """The prevalences supplied beside the data sets ($QURB_DATASETS_DIR/prevalence.toml),
    none when there is no such file: then a coverage against prevalence is unknown."""
    extra = os.environ.get(USER_DATASETS_ENV)
    path = Path(extra) / PREVALENCE_FILE if extra else None
    if path is None or not path.is_file():
        return {}
    return read_prevalence_file(path)
