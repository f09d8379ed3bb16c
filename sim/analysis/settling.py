"""When has an organisation settled? Drift of its slow series over a rolling window.

A regime is a property of a settled organisation, not of a transient (MODEL_BRIEF,
"Settled states"). A series has settled when the linear trend fitted over the last
``W`` weeks changes it by at most a tolerance over those ``W`` weeks:

    drift(y) = |slope of the least-squares line through y_{t-W+1..t}| * W

The slope of a least-squares line is robust to the week-to-week noise of a finite
organisation (its standard error falls as W^(-3/2)), where the difference of two
single weeks is not. An organisation has settled when every series in
:data:`sim.core.config.SETTLE_OBSERVABLES` has (docs/odd.md, section 8).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import numpy as np

from sim.core.config import SETTLE_OBSERVABLES, ModelConfig, RegimeConfig


def drift(series: Sequence[float] | np.ndarray) -> float:
    """How much the least-squares trend of ``series`` changes it over the series' length."""
    return float(drifts(np.asarray(series, dtype=float)[None, :])[0])


@functools.cache
def _centred_weeks(window: int) -> np.ndarray:
    weeks = np.arange(window, dtype=float)
    return weeks - weeks.mean()


def drifts(rows: np.ndarray) -> np.ndarray:
    """:func:`drift` of every row of a 2-D array at once (the settling test runs every week)."""
    centred = _centred_weeks(rows.shape[1])
    slopes = (rows - rows.mean(axis=1, keepdims=True)) @ centred / (centred @ centred)
    return np.abs(slopes) * rows.shape[1]


def largest_drift(series: Mapping[str, Sequence[float] | np.ndarray], window: int) -> float:
    """The largest drift over the last ``window`` weeks among the settle observables (inf if too short)."""
    if min(len(series[name]) for name in SETTLE_OBSERVABLES) < window:
        return float("inf")
    return float(drifts(np.array([series[name][-window:] for name in SETTLE_OBSERVABLES], dtype=float)).max())


def is_settled(series: Mapping[str, Sequence[float] | np.ndarray], config: RegimeConfig) -> bool:
    """Whether every settle observable drifts by at most ``settle_tolerance`` over the last window."""
    return largest_drift(series, config.settle_window) <= config.settle_tolerance


def last_scheduled_event(model: ModelConfig) -> int:
    """The last week anything is scheduled to happen (0 if nothing is): settling is judged after it."""
    weeks = [0]
    weeks += [shock.time for shock in model.shocks]
    weeks += [change.time for change in model.changes]
    weeks += [migration.time for migration in model.migrations]
    for policy in model.policies.values():
        weeks.append(policy.start if policy.end is None else policy.end)
    return max(weeks)
