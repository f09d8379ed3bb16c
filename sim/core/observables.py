"""What the model reports every step: one number per observable, computed from whole arrays.

``OBSERVABLES`` names each column of the per-step table and says what it measures;
the model's DataCollector collects exactly these, in this order.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim.core.config import ModelConfig
from sim.core.mechanisms import Outcomes, autonomy_bounds, knowledge, revision_rates, shared_conflict
from sim.core.state import State

OBSERVABLES: dict[str, str] = {
    "org_knowledge": "knowledge of the code, sum(code * reality) / m, in [-1, 1] (March 1991)",
    "code_accuracy": "share of dimensions on which the code is right",
    "worker_knowledge": "mean knowledge of the workers' actions, in [-1, 1]",
    "autonomy_mean": "mean autonomy: share of work done in personal tools",
    "autonomy_sd": "spread (standard deviation) of autonomy across workers",
    "practice_diversity": "1 - mean |mean belief| over dimensions: 0 = one shared practice",
    "commons_quality": "quality Q of the data commons, in [0, 1]",
    "fragmentation": "share of work done outside the system and never recorded",
    "data_worker_share": "share of workers who do data work",
    "productivity": "mean productivity (the economic outcome)",
    "satisfaction": "mean satisfaction in [0, 1] (the humanistic outcome)",
    "clash": "mean clash on rules: enforced code contradicting own practice",
    "tie_churn": "personal ties rewired per worker this step",
    "practice_churn": "practice entries changed per worker this step",
    "surface_churn": "tie_churn + practice_churn: change of the fast surface structure",
    "deep_change": "code entries changed this step: change of the slow deep structure",
    "reality_change": "reality dimensions flipped this step (turbulence and shocks)",
    "institutional_pull": "mean weekly chance per dimension that in-system work pulls practice onto the code",
    "exploration": "mean weekly chance per dimension that a worker experiments with its malleable tools",
    "held_at_ceiling": "share of workers at the enforcement ceiling on autonomy who would take more",
    "workload": "mean workload: data work, paper records of in-system work and coordination (payoff units)",
    "blame": "share of the errors acted on this week that are attributed to the system",
    "trust": "the workers' trust in the enterprise system, in [0, 1]",
    "shared_conflict": "share of shared processes on which units hold opposite practices (stepping on toes)",
    "shared_neglect": "share of shared processes whose rule in the code is wrong (each unit waits for another)",
    "rule_clash": "share of processes on which the system's rule contradicts the organisation's own",
    "petrified": "share of processes re-coded to the organisation's rule and frozen since",
}


class ObservableCollector(mesa.DataCollector):
    """Mesa's DataCollector of the observables, fed from ``model.observed`` once a step.

    Mesa's own ``collect`` calls one reporter per column and deep-copies its value, which
    costs more than a compiled week of a small organisation; this one appends the values
    the model has already computed. ``model_vars`` and the DataFrame methods are Mesa's.
    """

    def __init__(self) -> None:
        super().__init__(model_reporters={name: name for name in OBSERVABLES})

    def collect(self, model) -> None:
        """Append this step's observables (``model.observed``, keyed as in :data:`OBSERVABLES`)."""
        for name, column in self.model_vars.items():
            column.append(model.observed[name])


@dataclass
class StepCounts:
    """How many entries each mechanism changed in one step."""

    ties_rewired: int = 0
    practices_changed: int = 0
    code_changed: int = 0
    reality_changed: int = 0


def observe(
    state: State, config: ModelConfig, result: Outcomes, frag: float, diversity: float, counts: StepCounts
) -> dict[str, float]:
    """All observables of the current state under the levers in force (``config``), keyed as in :data:`OBSERVABLES`."""
    n = state.n_workers
    tie_churn = counts.ties_rewired / n
    practice_churn = counts.practices_changed / n
    pull, experiment = revision_rates(state, config)
    _, ceiling = autonomy_bounds(config)
    held = (state.autonomy >= ceiling) & (result.autonomy_gradient > 0) & (ceiling < 1.0)
    conflict, neglect = shared_conflict(state, config)
    return {
        "org_knowledge": float(knowledge(state.code, state.reality)),
        "code_accuracy": float(np.mean(state.code == state.reality)),
        "worker_knowledge": float(result.knowledge.mean()),
        "autonomy_mean": float(state.autonomy.mean()),
        "autonomy_sd": float(state.autonomy.std()),
        "practice_diversity": diversity,
        "commons_quality": float(state.quality),
        "fragmentation": frag,
        "data_worker_share": float(state.data_work.mean()),
        "productivity": float(result.productivity.mean()),
        "satisfaction": float(result.satisfaction.mean()),
        "clash": float(result.clash.mean()),
        "tie_churn": tie_churn,
        "practice_churn": practice_churn,
        "surface_churn": tie_churn + practice_churn,
        "deep_change": float(counts.code_changed),
        "reality_change": float(counts.reality_changed),
        "institutional_pull": float(pull.mean(dtype=np.float64)),
        "exploration": float(experiment.mean(dtype=np.float64)),
        "held_at_ceiling": float(held.mean()),
        "workload": float(result.workload.mean()),
        "blame": float(result.blamed.sum() / result.errors.sum()) if result.errors.any() else 0.0,
        "trust": float(state.trust),
        "shared_conflict": conflict,
        "shared_neglect": neglect,
        "rule_clash": float(state.rule_clash.mean()),
        "petrified": float(state.customised.mean()),
    }
