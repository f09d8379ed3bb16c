"""One week on the compiled engine: the kernels of :mod:`sim.core.kernels` called in the model's order.

The NumPy engine (:meth:`sim.core.model.DualISModel._work_one_week`) and this one run the same
schedule; this one keeps its scratch arrays between weeks, so a week allocates almost nothing,
and reuses the NumPy mechanisms for what is rare and cheap (turnover, March's equilibrium test).
"""

from __future__ import annotations

import numpy as np

from sim.core import kernels
from sim.core import mechanisms as mech
from sim.core.config import ModelConfig
from sim.core.observables import OBSERVABLES, StepCounts
from sim.core.state import State


class CompiledWeek:
    """Scratch arrays and the random stream of the compiled engine for one model."""

    def __init__(self, state: State, rng: np.random.Generator) -> None:
        n, m = state.beliefs.shape
        self.stream = kernels.seed_stream(rng)  # drawn from the model's rng: the seed fixes the run
        self.outcomes = np.zeros((len(mech.Outcomes._fields), n))
        self.pull = np.zeros((2, m + 1))
        self.spare = np.empty_like(state.beliefs)
        self.scalars = np.zeros(2)
        self.row = np.zeros(len(OBSERVABLES))
        self._config: ModelConfig | None = None
        self._workshop = 0.0
        self._lever_values: tuple | None = None
        self._levers = np.zeros(1, dtype=kernels.LEVERS)

    def levers(self, config: ModelConfig, workshop: float) -> np.ndarray:
        """The kernels' record of ``config``, rebuilt only when a lever's value changes.

        Compared by value when the object differs: a policy in force makes a new, equal
        configuration object every week.
        """
        if config is self._config and workshop == self._workshop:
            return self._levers
        self._config, self._workshop = config, workshop
        values = kernels.lever_values(config, workshop)
        if values != self._lever_values:
            self._levers = np.array([values], dtype=kernels.LEVERS)
            self._lever_values = values
        return self._levers

    def run(
        self,
        state: State,
        config: ModelConfig,
        rng: np.random.Generator,
        counts: StepCounts,
        workshop: float = 0.0,
        record_only: bool = False,
    ) -> np.ndarray:
        """Act, learn and adapt (unless ``record_only``), then observe; returns the observables' row."""
        p = self.levers(config, workshop)
        s, out = self.stream, self.outcomes
        self.scalars[:] = state.quality, state.trust
        frag, diversity, conflict, totals, misattributed, blamed = kernels.week_outcomes(
            p, s, state.beliefs, state.reality, state.code, state.rule_clash, state.autonomy, state.wanted_autonomy,
            state.data_work, state.unit, state.unit_sizes, state.quality, state.trust, out, self.pull,
        )  # fmt: skip
        state.productivity, state.satisfaction = out[0], out[1]
        if not record_only:
            np.copyto(self.spare, state.beliefs)
            practices, code_changed, rewired = kernels.week_learning(
                p, s, state.beliefs, self.spare, state.code, state.reality, state.rules, state.rule_clash,
                state.customised, self.pull, totals, state.ties, state.unit, state.unit_sizes, state.autonomy,
                state.slow, state.quality, misattributed,
            )  # fmt: skip
            state.beliefs, self.spare = self.spare, state.beliefs
            counts.practices_changed = practices
            counts.code_changed += code_changed
            counts.ties_rewired = rewired
            kernels.week_adaptation(
                p, s, state.autonomy, state.data_work, state.ties, state.unit, state.unit_sizes, out[0], out[3],
                blamed, self.scalars, frag, diversity, conflict,
            )  # fmt: skip
            state.quality, state.trust = float(self.scalars[0]), float(self.scalars[1])
            mech.turnover(state, config, rng)
        kernels.week_observation(
            p, self.row, state.beliefs, state.code, state.reality, state.rule_clash, state.customised,
            state.autonomy, state.data_work, state.unit, state.unit_sizes, state.slow, out, self.scalars, frag,
            diversity, counts.ties_rewired, counts.practices_changed, counts.code_changed, counts.reality_changed,
        )  # fmt: skip
        return self.row
