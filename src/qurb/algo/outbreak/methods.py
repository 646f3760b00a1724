"""One entry for every method, by the names of the command line (`farrington-flexible`,
`farrington`, `noufaily`, `ears-c1`, `ears-c2`, `ears-c3`, `cusum`) and R's control
parameters in snake case; an unknown method or parameter is refused by name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from typing import Any

from qurb.kernel.errors import InputError

from .cusum import CusumParams, cusum
from .earsc import EarsParams, ears_c
from .farrington import FarringtonParams, FlexibleParams, farrington, farrington_flexible
from .series import Detection, WeeklySeries

METHODS = (
    "farrington-flexible",
    "farrington",
    "noufaily",
    "ears-c1",
    "ears-c2",
    "ears-c3",
    "cusum",
)


def _defaults(method: str) -> Any:
    if method == "farrington-flexible":
        return FlexibleParams()
    if method == "noufaily":
        return FlexibleParams.noufaily()
    if method == "farrington":
        return FarringtonParams()
    if method == "cusum":
        return CusumParams()
    return EarsParams(method=method[-2:].upper())


def _runner(method: str) -> Callable[[WeeklySeries, range, Any], Detection]:
    if method in ("farrington-flexible", "noufaily"):
        return farrington_flexible
    if method == "farrington":
        return farrington
    if method == "cusum":
        return cusum
    return ears_c


def parameters(method: str) -> tuple[str, ...]:
    """The parameters a method takes (R's control, in snake case)."""
    known = _known(method)
    return tuple(f.name for f in fields(_defaults(known)) if f.name != "method")


def _known(method: str) -> str:
    if method not in METHODS:
        raise InputError(
            code="outbreak_unknown_method", values={"got": method, "choices": ", ".join(METHODS)}
        )
    return method


def detect(
    series: WeeklySeries, method: str, evaluated: range, options: Mapping[str, Any] | None = None
) -> Detection:
    """The detection of `method` with R's defaults, changed by `options`."""
    return _runner(method)(series, evaluated, method_params(method, options))


def method_params(method: str, options: Mapping[str, Any] | None = None) -> Any:
    """R's defaults of `method` changed by `options`, an unknown parameter refused."""
    given = dict(options or {})
    allowed = parameters(method)
    unknown = sorted(name for name in given if name not in allowed)
    if unknown:
        raise InputError(
            code="outbreak_unknown_parameter",
            values={"got": ", ".join(unknown), "method": method, "choices": ", ".join(allowed)},
        )
    return replace(_defaults(method), **given)
