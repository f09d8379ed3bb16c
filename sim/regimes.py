"""Regime indicators measured on a run's table, and the rigid / loose / resilient classifier.

The indicators summarise the weeks before the shock test (the organisation's
steady state) and the weeks after it (its elasticity). The classifier is a short,
ordered set of rules on those indicators; its thresholds live in
:class:`RegimeConfig` (``regime.*`` on the command line) and are documented in
``docs/odd.md``, section 9.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.config import RegimeConfig

REGIMES = ("rigid", "loose", "resilient")


INDICATORS: dict[str, str] = {
    "autonomy": "mean autonomy over the baseline window",
    "practice_diversity": "mean practice diversity over the baseline window",
    "commons_quality": "mean commons quality Q over the baseline window",
    "data_worker_share": "mean share of data workers over the baseline window",
    "code_change_rate": "code entries changed per dimension and week over the baseline window",
    "surface_churn": "ties and practices changed per worker and week over the baseline window",
    "productivity": "mean productivity over the baseline window",
    "satisfaction": "mean satisfaction over the baseline window",
    "shock_depth": "pre-shock level minus the lowest level after the shock (recovery measure)",
    "recovery_time": "weeks after the shock until the measure is back within tolerance (NaN: never)",
    "recovery_time_capped": "recovery time, or the weeks observed after the shock if it never recovered (a lower bound)",
    "recovered": "whether the measure came back within tolerance before the run ended",
}


def indicators(table: pd.DataFrame, shock_time: int | None, n_dimensions: int, config: RegimeConfig) -> dict:
    """Regime indicators of one run (keys as in :data:`INDICATORS`).

    Without a shock inside the run the baseline window is the run's last weeks and
    the shock indicators are NaN.
    """
    steps = table["step"].to_numpy()
    end = shock_time if shock_time is not None and shock_time <= steps[-1] else steps[-1] + 1
    baseline = table[(steps >= end - config.baseline_window) & (steps < end)]
    result = {
        "autonomy": baseline["autonomy_mean"].mean(),
        "practice_diversity": baseline["practice_diversity"].mean(),
        "commons_quality": baseline["commons_quality"].mean(),
        "data_worker_share": baseline["data_worker_share"].mean(),
        "code_change_rate": baseline["deep_change"].mean() / n_dimensions,
        "surface_churn": baseline["surface_churn"].mean(),
        "productivity": baseline["productivity"].mean(),
        "satisfaction": baseline["satisfaction"].mean(),
        "shock_depth": math.nan,
        "recovery_time": math.nan,
        "recovery_time_capped": math.nan,
        "recovered": False,
    }
    if end > steps[-1]:
        return result
    measure = table[config.recovery_measure].to_numpy()
    level = baseline[config.recovery_measure].mean()
    after = measure[steps >= end]
    result["shock_depth"] = float(level - after.min())
    back = np.flatnonzero(after >= level - config.recovery_tolerance)
    result["recovery_time_capped"] = float(back[0] if back.size else after.size)
    if back.size:
        result["recovery_time"] = float(back[0])
        result["recovered"] = True
    return result


def classify(values: dict, config: RegimeConfig) -> str:
    """Rigid, loose or resilient, by these rules in order.

    1. **loose** — the commons has collapsed: Q <= ``loose_max_quality``
       (individualization dominates: data work and the commons die out).
    2. **rigid** — the commons holds but the organisation cannot adapt: after the shock
       the measure is not back within ``rigid_min_recovery`` weeks (or never), or the
       surface is frozen (surface churn < ``resilient_min_churn``).
    3. **resilient** — the commons holds, the surface churns and the organisation
       recovers from the shock in time.
    """
    if values["commons_quality"] <= config.loose_max_quality:
        return "loose"
    slow = not values["recovered"] or values["recovery_time"] > config.rigid_min_recovery
    if (slow and not math.isnan(values["shock_depth"])) or values["surface_churn"] < config.resilient_min_churn:
        return "rigid"
    return "resilient"
