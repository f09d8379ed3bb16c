"""Run one configuration from start to end, with progress on long runs. No Hydra here.

Two experimental protocols sit at this level, above the model:

* the regime test (``regime.test``): ``scheduled`` runs ``steps`` weeks and the first of
  ``model.shocks`` is the test; ``settled`` watches the series and, once they have settled
  (:mod:`sim.analysis.settling`) after the last scheduled event, shocks the organisation and runs
  ``regime.recovery_window`` weeks more. A run that has not settled by
  ``steps - recovery_window`` is not shocked and runs to ``steps``;
* a ramp (``ramp.*``): one parameter moved in equal steps within the run, spelled out as
  scheduled changes (:func:`sim.core.ramp.with_ramp`).
"""

from __future__ import annotations

import time
from typing import NamedTuple

import pandas as pd
from tqdm.auto import tqdm

from sim.analysis.settling import is_settled, last_scheduled_event
from sim.core.config import RunConfig, Shock, validate
from sim.core.model import DualISModel
from sim.core.policies import with_dose
from sim.core.ramp import with_ramp


class Simulation(NamedTuple):
    """A finished run: its per-step table, its runtime and the week of its regime test shock (None: none)."""

    table: pd.DataFrame
    runtime: float
    test_shock: int | None


def simulate(run: RunConfig, progress: bool = False) -> Simulation:
    """Validate ``run``, simulate it under its regime-test protocol and return the result."""
    validate(run)
    run = with_ramp(with_dose(run))
    start = time.perf_counter()
    model = DualISModel(run.model, rng=run.seed, stop_at_equilibrium=run.stop_at_equilibrium)
    settled_test = run.regime.test == "settled"
    test_shock = None if settled_test else min((s.time for s in run.model.shocks), default=None)
    earliest = last_scheduled_event(run.model) + run.regime.settle_window
    cap = run.steps - run.regime.recovery_window
    end = run.steps
    with tqdm(total=run.steps, desc="weeks", unit="step", disable=None if progress else True) as bar:
        while model.running and model.steps < end:
            model.step()
            bar.update()
            waiting = settled_test and test_shock is None and earliest <= model.steps <= cap
            if waiting and is_settled(model.datacollector.model_vars, run.regime):
                test_shock = model.steps + 1
                model.schedule_shock(Shock(time=test_shock, share=run.regime.shock_share))
                end = model.steps + run.regime.recovery_window
    return Simulation(model.table(), time.perf_counter() - start, test_shock)
