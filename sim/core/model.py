"""The dual-IS model: knowledge workers on an enterprise-system substrate with a data commons.

One step is one working week:

1. scheduled events apply (parameter changes, code migrations); the task
   environment drifts and scheduled shocks hit;
2. workers act on their practice; the week's productivity and satisfaction follow;
3. learning, all from the start-of-week state: the code learns from the visible
   superior group (deep structure), workers experiment with malleable tools
   (individualization) and are pulled onto the code (institutionalization) and onto
   their peers' majority (socialization);
4. personal ties are rewired (surface structure);
5. the data commons relaxes towards the quality that capture sustains;
6. workers re-balance autonomy, imitate better-paid ties' data work, and some leave.

Equations and their sources: ``docs/odd.md``.
"""

from __future__ import annotations

import dataclasses

import mesa
import numpy as np

from sim.core import mechanisms as mech
from sim.core.agents import Worker
from sim.core.compiled import CompiledWeek
from sim.core.config import Engine, ModelConfig, Shock, validate_model
from sim.core.events import apply_changes, migrate
from sim.core.network import rewire
from sim.core.observables import OBSERVABLES, ObservableCollector, StepCounts, observe
from sim.core.policies import levers, migrate_by_policy, workshop_strength
from sim.core.state import initial_state


class DualISModel(mesa.Model):
    """A dual-IS organisation. All randomness flows from the model's one seeded ``rng``.

    Args:
        config: the organisation's parameters; checked here (:func:`sim.core.config.validate_model`),
            so a bad value raises :class:`sim.core.config.ConfigError` naming the key before any work.
        rng: seed (or generator) of the model's random numbers; the same seed and
            config give bit-identical runs.
        stop_at_equilibrium: set ``running`` to False once March's absorbing state is reached.
    """

    def __init__(self, config: ModelConfig | None = None, rng: int | None = None, stop_at_equilibrium: bool = False):
        super().__init__(rng=rng)
        self.config = validate_model(config if config is not None else ModelConfig())
        self.active = levers(self.config, 0)  # the configuration in force this week, policies applied
        self.stop_at_equilibrium = stop_at_equilibrium
        self.state = initial_state(self.config, self.rng)
        np.clip(self.state.autonomy, *mech.autonomy_bounds(self.config), out=self.state.autonomy)
        self.workers = [Worker(self, i) for i in range(self.config.n_workers)]
        self.datacollector = ObservableCollector()
        self.compiled = CompiledWeek(self.state, self.rng) if self.config.engine is Engine.numba else None
        self._work_one_week(StepCounts(), record_only=True)

    def step(self) -> None:
        """Advance the organisation by one week."""
        counts = StepCounts()
        self.config = apply_changes(self.config, self.steps)
        self.active = levers(self.config, self.steps)
        counts.code_changed = migrate(self.state, self.active, self.rng, self.steps)
        counts.code_changed += migrate_by_policy(self.state, self.active, self.rng, self.steps)
        counts.reality_changed = mech.advance_environment(self.state, self.active, self.rng, self.steps)
        self._work_one_week(counts)

    def _work_one_week(self, counts: StepCounts, record_only: bool = False) -> None:
        """Act, then (unless ``record_only``, used for the initial row) learn and adapt; then record."""
        if self.compiled is None:
            self.observed = self._numpy_week(counts, record_only)
        else:
            workshop = 0.0 if record_only else workshop_strength(self.active, self.steps)
            row = self.compiled.run(self.state, self.active, self.rng, counts, workshop, record_only)
            self.observed = dict(zip(OBSERVABLES, row.tolist()))
        self.datacollector.collect(self)
        if self.stop_at_equilibrium and mech.at_equilibrium(self.state, self.active):
            self.running = False

    def _numpy_week(self, counts: StepCounts, record_only: bool) -> dict[str, float]:
        """One week on the NumPy engine (the reference implementation); returns the observables."""
        state, config, rng = self.state, self.active, self.rng
        acted = mech.actions(state.beliefs, config, rng)
        frag = mech.fragmentation(state, config)
        diversity = mech.practice_diversity(state.beliefs)
        conflicting = mech.conflicting_processes(state, config)
        result = mech.outcomes(state, config, acted, frag, conflicting)
        state.productivity, state.satisfaction = result.productivity, result.satisfaction
        if not record_only:
            self._learn(acted, counts, mech.misattributed_share(result, config))
            counts.ties_rewired = rewire(rng, state.ties, config.rewire_rate * config.malleability * state.autonomy)
            mech.update_commons(state, config, frag, diversity, conflicting)
            mech.update_trust(state, config, result.blamed)
            mech.equilibrate_autonomy(state, config, result.autonomy_gradient)
            mech.adapt_data_work(state, config, rng)
            mech.turnover(state, config, rng)
        return observe(state, config, result, frag, diversity, counts)

    def _learn(self, acted: np.ndarray, counts: StepCounts, misattributed: float) -> None:
        """Code and practice learn from the same start-of-week state (March's synchronous update).

        ``misattributed`` is the share of this week's errors wrongly blamed on the system (E5d).
        """
        state, config, rng = self.state, self.active, self.rng
        new_code = mech.learn_code(state, config, rng, acted, misattributed)
        workshop = workshop_strength(config, self.steps)
        if workshop > 0:
            new_code = mech.workshop(new_code, state, rng, workshop, config.workshop_needs)
        counts.practices_changed = mech.revise_practice(state, config, rng)  # peer view where it is used
        counts.code_changed += int(np.count_nonzero(new_code != state.code))
        state.code = new_code
        counts.code_changed += mech.resolve_rule_clash(state, config, rng)

    def schedule_shock(self, shock: Shock) -> None:
        """Add an environment shock to the schedule (e.g. the regime test, once the organisation has settled)."""
        if shock.time <= self.steps:
            raise ValueError(f"a shock at week {shock.time} is not in the future (this is week {self.steps})")
        self.config = dataclasses.replace(self.config, shocks=[*self.config.shocks, shock])

    def run(self, steps: int) -> None:
        """Step until ``steps`` weeks have passed or the model stops itself."""
        while self.running and self.steps < steps:
            self.step()

    def table(self):
        """The per-step observables as a tidy pandas DataFrame, one row per step (step 0 = start)."""
        frame = self.datacollector.get_model_vars_dataframe()
        frame.insert(0, "step", np.arange(len(frame)))
        return frame.reset_index(drop=True)
