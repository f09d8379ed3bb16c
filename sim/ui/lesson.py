"""One organisation on the page, run as the command line runs it: no Solara here, so it is testable.

A :class:`Lesson` holds the model built from a scenario, a policy and the page's control
values, and advances it under the same regime-test protocol as :func:`sim.runs.runner.simulate`
(the settled test: once the series have settled, one environment shock, then
``regime.recovery_window`` weeks more; the run stops there or at the run length).

Every read and every step goes through one lock: the page's play loop steps the model
in a thread while the charts read it, and a chart must never read a table half-written
by a step (that was Mesa's ``Length of values (680) does not match length of index (679)``).
"""

from __future__ import annotations

import dataclasses
import math
import threading
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.regimes import classify, indicators
from sim.analysis.settling import is_settled, last_scheduled_event
from sim.cli.hydra_config import load
from sim.core.config import ModelConfig, Shock
from sim.core.model import DualISModel

INFO = Path(__file__).with_name("info.md")  # the Info panel's text, also linked from the README and notebook 01
SEED = 42


@dataclass(frozen=True)
class Control:
    """A slider of the page: a model parameter with its range on the page and its meaning from the schema."""

    key: str
    label: str
    low: float
    high: float
    step: float

    @property
    def _field(self):
        return {f.name: f for f in fields(ModelConfig)}[self.key]

    @property
    def unit(self) -> str:
        return self._field.metadata["unit"]

    @property
    def doc(self) -> str:
        return self._field.metadata["doc"]

    @property
    def integer(self) -> bool:
        return self._field.type in (int, "int")


CONTROLS = (
    Control("individualization", "Individualization pressure", 0.0, 1.0, 0.05),
    Control("enforcement", "Institutional enforcement", 0.0, 1.0, 0.05),
    Control("malleability", "Tool malleability", 0.0, 1.0, 0.05),
    Control("data_work_cost", "Data-work cost", 0.0, 2.0, 0.05),
    Control("n_workers", "Workers", 20, 500, 10),
)


def scenario_values(scenario: str, policy: str = "none") -> dict[str, float]:
    """The controls' values in a scenario with a policy (what the command line would run)."""
    model = load([f"scenario={scenario}", f"policy={policy}"]).model
    return {control.key: getattr(model, control.key) for control in CONTROLS}


class Lesson:
    """A scenario and policy with the controls' ``values`` on top, stepped under the settled-test protocol."""

    def __init__(self, scenario: str = "default", policy: str = "none", values: dict | None = None, seed: int = SEED):
        run = load([f"scenario={scenario}", f"policy={policy}"])
        self.scenario, self.policy, self.seed = scenario, policy, seed
        self.values = {**scenario_values(scenario, policy), **(values or {})}
        self.regime_config = run.regime
        self.settled_test = run.regime.test == "settled"
        config = dataclasses.replace(run.model, **self.values)
        self.model = DualISModel(config, rng=seed, stop_at_equilibrium=run.stop_at_equilibrium)  # checks values
        self.test_shock = None if self.settled_test else min((s.time for s in config.shocks), default=None)
        self.earliest = last_scheduled_event(config) + run.regime.settle_window
        self.cap = run.steps - run.regime.recovery_window
        self.end = run.steps
        self.extra_shocks: list[int] = []  # weeks of the shocks given with the page's "shock now" button
        self.lock = threading.RLock()

    @property
    def week(self) -> int:
        return self.model.steps

    @property
    def finished(self) -> bool:
        """The run length is reached (or the model stopped itself, e.g. at March's equilibrium)."""
        return not self.model.running or self.model.steps >= self.end

    def advance(self, weeks: int = 1) -> int:
        """Step up to ``weeks`` weeks (fewer at the end of the run); returns the weeks stepped."""
        done = 0
        with self.lock:
            while done < weeks and not self.finished:
                self.model.step()
                done += 1
                waiting = self.settled_test and self.test_shock is None and self.earliest <= self.week <= self.cap
                if waiting and is_settled(self.model.datacollector.model_vars, self.regime_config):
                    self.test_shock = self.week + 1
                    self.model.schedule_shock(Shock(time=self.test_shock, share=self.regime_config.shock_share))
                    self.end = self.week + self.regime_config.recovery_window
        return done

    def shock_now(self) -> int:
        """Hit the organisation with an environment shock next week (the test's share of reality flips)."""
        with self.lock:
            if self.finished:
                raise ValueError(f"the run has ended at week {self.week}: press Reset to start again")
            week = self.week + 1
            if week not in [s.time for s in self.model.config.shocks]:
                self.model.schedule_shock(Shock(time=week, share=self.regime_config.shock_share))
            self.extra_shocks.append(week)
            return week

    def snapshot(self) -> Snapshot:
        """A consistent copy of what the page shows, taken between two weeks."""
        with self.lock:
            return Snapshot(
                week=self.week,
                end=self.end,
                finished=self.finished,
                table=self.model.table().copy(),
                autonomy=self.model.state.autonomy.copy(),
                ties=self.model.state.ties.copy(),
                unit=self.model.state.unit.copy(),
                unit_starts=self.model.state.unit_starts.copy(),
                unit_sizes=self.model.state.unit_sizes.copy(),
                test_shock=self.test_shock,
                extra_shocks=list(self.extra_shocks),
                n_dimensions=self.model.config.n_dimensions,
            )

    def regime(self, snapshot: Snapshot | None = None) -> tuple[str, str, dict]:
        """(status, regime, indicators): status ``not tested yet``, ``being tested`` or ``tested``.

        The regime is read only once the shock test is passed or failed: the measure has
        recovered after the test shock, or ``recovery_window`` weeks have gone by, or the run
        ended without settling ("unsettled")."""
        snap = snapshot or self.snapshot()
        config = self.regime_config
        if snap.test_shock is None or snap.week < snap.test_shock:
            if snap.finished:
                values = indicators(snap.table, None, snap.n_dimensions, config)
                return "tested", classify(values, config), values
            return "not tested yet", "", {}
        values = indicators(snap.table, snap.test_shock, snap.n_dimensions, config)
        done = values["recovered"] or snap.finished or snap.week >= snap.test_shock + config.recovery_window
        return ("tested" if done else "being tested"), (classify(values, config) if done else ""), values


@dataclass(frozen=True)
class Snapshot:
    """What the page draws, copied under the lesson's lock."""

    week: int
    end: int
    finished: bool
    table: pd.DataFrame
    autonomy: np.ndarray
    ties: np.ndarray
    unit: np.ndarray
    unit_starts: np.ndarray
    unit_sizes: np.ndarray
    test_shock: int | None
    extra_shocks: list[int]
    n_dimensions: int

    def latest(self, column: str, weeks: int = 1) -> float:
        """Mean of ``column`` over the latest ``weeks`` weeks (NaN before the first)."""
        series = self.table[column].to_numpy()
        return float(series[-weeks:].mean()) if series.size else math.nan
