"""Regime indicators measured on a run's table, and the regime classifier.

The indicators summarise the settled weeks before the shock test (the organisation's
steady state), the weeks after it (its elasticity) and the whole settled horizon
(its objectives). The classifier is a short, ordered set of rules on those
indicators; its thresholds live in :class:`RegimeConfig` (``regime.*`` on the
command line) and are documented in ``docs/odd.md``, section 8.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.analysis.settling import largest_drift
from sim.core.config import RegimeConfig

AFTERMATH = ("blame", "shared_conflict", "shared_neglect", "trust")
"""Observables averaged over the recovery horizon (``rigid_min_recovery`` weeks) after the shock: the clashes it sets off."""

REGIMES = ("rigid", "loose", "resilient", "inert", "unsettled")
"""The labels :func:`classify` gives (``failed`` marks a run that crashed)."""

INDICATORS: dict[str, str] = {
    "settled": "whether the series had stopped drifting over the settle window before the test",
    "largest_drift": "largest change of a settle observable's linear trend over the settle window",
    "shock_week": "week of the regime test shock (NaN: the run was not tested)",
    "autonomy": "mean autonomy over the baseline window before the test",
    "practice_diversity": "mean practice diversity over the baseline window",
    "commons_quality": "mean commons quality Q over the baseline window",
    "data_worker_share": "mean share of data workers over the baseline window",
    "code_change_rate": "code entries changed per dimension and week over the baseline window",
    "surface_churn": "ties and practices changed per worker and week over the baseline window",
    "institutional_pull": "weekly chance per dimension that the code pulls practice onto itself (baseline mean)",
    "exploration": "weekly chance per dimension that a worker experiments (baseline mean)",
    "held_at_ceiling": "share of workers held at the enforcement ceiling on autonomy, wanting more (baseline mean)",
    "workload": "mean workload: data work, paper records, coordination (baseline mean)",
    "trust": "mean trust in the system over the baseline window",
    "shared_conflict": "share of shared processes on which units hold opposite practices (baseline mean)",
    "shared_neglect": "share of shared processes whose rule is wrong and left so (baseline mean)",
    "productivity": "mean productivity over the baseline window",
    "satisfaction": "mean satisfaction over the baseline window",
    "horizon_productivity": "mean productivity from the settle window to the end (shock and recovery included)",
    "horizon_satisfaction": "mean satisfaction from the settle window to the end (shock and recovery included)",
    "shock_depth": "pre-shock level minus the lowest level after the shock (recovery measure)",
    "recovery_time": "weeks after the shock until the measure is back within tolerance (NaN: never)",
    "recovery_time_capped": "recovery time, or the weeks observed after the shock if it never recovered (a lower bound)",
    "recovered": "whether the measure came back within tolerance before the run ended",
    "blame_after_shock": "mean share of errors blamed on the system over the recovery horizon after the shock",
    "shared_conflict_after_shock": "mean share of shared processes in conflict over the recovery horizon after the shock",
    "shared_neglect_after_shock": "mean share of shared processes neglected over the recovery horizon after the shock",
    "trust_after_shock": "mean trust in the system over the recovery horizon after the shock",
    "lowest_trust": "lowest trust in the system after the shock",
}
"""What each indicator of :func:`indicators` measures (the keys of its result, in order)."""


def indicators(table: pd.DataFrame, shock_time: int | None, n_dimensions: int, config: RegimeConfig) -> dict:
    """Regime indicators of one run.

    Steady-state means over the ``baseline_window`` weeks before the shock (without a
    shock inside the run: the run's last weeks); whether the ``settle_window`` weeks
    before it had settled; the shock's depth and the recovery after it; productivity
    and satisfaction over the settled horizon (from the settle window to the end).
    """
    steps = table["step"].to_numpy()
    shocked = shock_time is not None and shock_time <= steps[-1]
    end = shock_time if shocked else steps[-1] + 1
    baseline = table[(steps >= end - config.baseline_window) & (steps < end)]
    settling = table[(steps >= end - config.settle_window) & (steps < end)]
    horizon = table[steps >= end - config.settle_window]
    drift = largest_drift({name: settling[name].to_numpy() for name in settling.columns}, config.settle_window)
    result = {
        "settled": bool(drift <= config.settle_tolerance),
        "largest_drift": drift,
        "shock_week": float(end) if shocked else math.nan,
        "autonomy": baseline["autonomy_mean"].mean(),
        "practice_diversity": baseline["practice_diversity"].mean(),
        "commons_quality": baseline["commons_quality"].mean(),
        "data_worker_share": baseline["data_worker_share"].mean(),
        "code_change_rate": baseline["deep_change"].mean() / n_dimensions,
        "surface_churn": baseline["surface_churn"].mean(),
        "institutional_pull": baseline["institutional_pull"].mean(),
        "exploration": baseline["exploration"].mean(),
        "held_at_ceiling": baseline["held_at_ceiling"].mean(),
        "workload": baseline["workload"].mean(),
        "trust": baseline["trust"].mean(),
        "shared_conflict": baseline["shared_conflict"].mean(),
        "shared_neglect": baseline["shared_neglect"].mean(),
        "productivity": baseline["productivity"].mean(),
        "satisfaction": baseline["satisfaction"].mean(),
        "horizon_productivity": horizon["productivity"].mean(),
        "horizon_satisfaction": horizon["satisfaction"].mean(),
        "shock_depth": math.nan,
        "recovery_time": math.nan,
        "recovery_time_capped": math.nan,
        "recovered": False,
        **{f"{name}_after_shock": math.nan for name in AFTERMATH},
        "lowest_trust": math.nan,
    }
    if not shocked:
        return result
    aftermath = table[steps >= end]
    recovery_horizon = aftermath.iloc[: max(1, int(config.rigid_min_recovery))]
    result.update({f"{name}_after_shock": recovery_horizon[name].mean() for name in AFTERMATH})
    result["lowest_trust"] = aftermath["trust"].min()
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
    """The regime of a run, by these rules in order.

    1. **unsettled** — the series still drifted when the organisation was tested: no
       regime can be read off a transient.
    2. **loose** — the commons has collapsed: Q <= ``loose_max_quality``
       (individualization dominates: data work and the commons die out).
    3. **resilient** — the organisation adapts: its surface churns (surface churn >=
       ``resilient_min_churn``) and after the shock the measure is back within
       ``rigid_min_recovery`` weeks (without a shock test, churn alone decides).
    4. **rigid** — it does not adapt, and enforcement is what stops it
       (institutionalization dominates): at least a share ``rigid_min_held`` of the
       workers is held at the enforcement ceiling on autonomy while wanting more, or
       workers do explore (at least one experiment per dimension in
       ``rigid_min_recovery`` weeks) but the code pulls practice back faster than they
       explore (institutional pull > exploration: the conformity trap).
    5. **inert** — it does not adapt, and not because of enforcement: workers hardly
       explore, and by their own choice (little wanted autonomy, or the commons pays
       more than personal tools), so nothing finds the changed reality.
    """
    if not values["settled"]:
        return "unsettled"
    if values["commons_quality"] <= config.loose_max_quality:
        return "loose"
    tested = not math.isnan(values["shock_depth"])
    recovers = values["recovered"] and values["recovery_time"] <= config.rigid_min_recovery
    if values["surface_churn"] >= config.resilient_min_churn and (recovers or not tested):
        return "resilient"
    explores = values["exploration"] * config.rigid_min_recovery >= 1.0
    trapped = explores and values["institutional_pull"] > values["exploration"]
    if values["held_at_ceiling"] >= config.rigid_min_held or trapped:
        return "rigid"
    return "inert"
