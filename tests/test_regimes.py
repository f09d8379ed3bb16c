"""Regime indicators and the classifier, on synthetic tables and on runs built to be each regime."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import OBSERVABLES, DualISModel, ModelConfig
from sim.analysis.regimes import INDICATORS, classify, indicators
from sim.analysis.settling import drift, largest_drift
from sim.cli.hydra_config import load
from sim.core.config import Change, RegimeConfig, RunConfig
from sim.core.events import vendor_code
from sim.runs.jobs import replicate_result
from sim.runs.runner import Simulation, simulate

SCENARIOS = sorted(p.stem for p in (Path(__file__).resolve().parent.parent / "scenarios").glob("*.yaml"))


def synthetic_table(measure: np.ndarray, **columns: np.ndarray | float) -> pd.DataFrame:
    """A run's table: every observable at 0.5, the recovery measure and ``columns`` as given."""
    table = pd.DataFrame({name: np.full(measure.size, 0.5) for name in OBSERVABLES})
    table.insert(0, "step", np.arange(measure.size))
    table["worker_knowledge"] = measure
    for name, values in columns.items():
        table[name] = values
    return table


def test_recovery_time_and_depth_are_measured_from_the_pre_shock_level():
    measure = np.full(200, 0.8)
    measure[150:157] = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.74]  # back within 0.05 of 0.8 at week 157
    values = indicators(synthetic_table(measure), shock_time=150, n_dimensions=30, config=RegimeConfig())
    assert values["shock_depth"] == pytest.approx(0.6)
    assert values["recovery_time"] == 7.0 and values["recovered"]


def test_a_run_that_never_recovers_has_no_recovery_time():
    measure = np.r_[np.full(150, 0.8), np.full(50, 0.3)]
    values = indicators(synthetic_table(measure), shock_time=150, n_dimensions=30, config=RegimeConfig())
    assert math.isnan(values["recovery_time"]) and not values["recovered"]


def test_drift_is_the_change_a_linear_trend_makes_over_the_window():
    weeks = np.arange(100)
    assert drift(0.3 + 0.001 * weeks) == pytest.approx(0.1)
    assert drift(0.9 - 0.0002 * weeks) == pytest.approx(0.02)
    assert drift(np.full(100, 0.4)) == 0.0
    wiggle = 0.05 * np.sin(2 * np.pi * weeks / 10)  # whole periods: no trend
    assert drift(0.5 + wiggle) < 0.01


# --- the classifier on constructed series: one table per rule -----------------------
RECOVERS = np.r_[np.full(150, 0.8), np.full(10, 0.3), np.full(140, 0.8)]  # back 10 weeks after the shock
STUCK = np.r_[np.full(150, 0.8), np.full(150, 0.3)]  # never back


def regime_of_series(measure: np.ndarray, **columns) -> str:
    values = indicators(synthetic_table(measure, **columns), 150, 30, RegimeConfig())
    return classify(values, RegimeConfig())


def test_a_commons_still_falling_before_the_shock_is_unsettled_not_a_regime():
    falling = np.r_[np.linspace(0.9, 0.6, 150), np.full(150, 0.6)]  # drifts 0.2 over the last 100 weeks
    assert regime_of_series(RECOVERS, commons_quality=falling) == "unsettled"


def test_a_settled_collapsed_commons_is_loose():
    assert regime_of_series(RECOVERS, commons_quality=0.3) == "loose"


def test_a_settled_churning_organisation_that_recovers_is_resilient():
    assert regime_of_series(RECOVERS, commons_quality=0.8, surface_churn=0.3) == "resilient"


def test_no_recovery_with_workers_held_at_the_ceiling_is_rigid():
    assert regime_of_series(STUCK, commons_quality=0.8, surface_churn=0.3, held_at_ceiling=0.9) == "rigid"


def test_no_recovery_where_the_code_pulls_harder_than_workers_explore_is_rigid():
    trap = {"commons_quality": 0.8, "surface_churn": 0.3, "held_at_ceiling": 0.0}
    assert regime_of_series(STUCK, **trap, institutional_pull=0.1, exploration=0.06) == "rigid"


def test_no_recovery_with_nobody_held_back_or_exploring_is_inert_not_rigid():
    idle = {"commons_quality": 0.8, "surface_churn": 0.3, "held_at_ceiling": 0.0}
    assert regime_of_series(STUCK, **idle, institutional_pull=0.03, exploration=0.0) == "inert"
    assert regime_of_series(STUCK, **idle, institutional_pull=0.03, exploration=0.01) == "inert"  # < 1 in 50 weeks


def test_a_frozen_surface_is_not_resilient_even_if_the_measure_recovers():
    frozen = {"commons_quality": 0.8, "surface_churn": 0.01}
    assert regime_of_series(RECOVERS, **frozen, held_at_ceiling=0.9) == "rigid"
    assert regime_of_series(RECOVERS, **frozen, held_at_ceiling=0.1, exploration=0.0) == "inert"


# --- the settled protocol --------------------------------------------------------------
def settled_run(seed: int = 0, steps: int = 1000, **overrides) -> tuple[RunConfig, Simulation, dict]:
    run = RunConfig(model=dataclasses.replace(ModelConfig(), **overrides), seed=seed, steps=steps)
    simulation = simulate(run)
    return run, simulation, replicate_result(run, simulation)


def test_the_settled_test_shocks_once_the_series_settled_and_runs_the_recovery_window():
    run, simulation, result = settled_run(individualization=0.9, enforcement=0.7)
    table, shock = simulation.table, simulation.test_shock
    assert shock is not None and shock > run.regime.settle_window
    window = table[(table["step"] >= shock - run.regime.settle_window) & (table["step"] < shock)]
    assert largest_drift(window, run.regime.settle_window) <= run.regime.settle_tolerance
    earlier = table[(table["step"] >= shock - 1 - run.regime.settle_window) & (table["step"] < shock - 1)]
    assert largest_drift(earlier, run.regime.settle_window) > run.regime.settle_tolerance  # the first settled week
    assert table["reality_change"].iloc[shock] == round(run.regime.shock_share * run.model.n_dimensions)
    assert table["step"].iloc[-1] == shock - 1 + run.regime.recovery_window
    assert result["indicators"]["settled"] and result["indicators"]["shock_week"] == shock


def test_a_run_too_short_to_settle_is_not_shocked_and_is_labelled_unsettled():
    _, simulation, result = settled_run(steps=250, individualization=0.9, enforcement=0.0)
    assert simulation.test_shock is None and table_steps(simulation) == 250
    assert (simulation.table["reality_change"] == 0).all()
    assert result["regime"] == "unsettled"


def table_steps(simulation: Simulation) -> int:
    return int(simulation.table["step"].iloc[-1])


def test_settling_waits_for_the_last_scheduled_event():
    late = [Change(time=400, key="enforcement", value=0.6)]
    run, simulation, _ = settled_run(individualization=0.9, enforcement=0.3, changes=late)
    assert simulation.test_shock > 400 + run.regime.settle_window


# --- runs built to be each regime (the settled test) ---------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_full_enforcement_on_workers_who_want_autonomy_is_rigid(seed):
    _, _, result = settled_run(seed, enforcement=1.0, individualization=0.8)
    values = result["indicators"]
    assert result["regime"] == "rigid"
    assert values["autonomy"] == 0.0 and values["surface_churn"] == 0.0 and values["held_at_ceiling"] > 0.9


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_enforcement_and_little_wanted_autonomy_is_inert_not_rigid(seed):
    _, _, result = settled_run(seed, enforcement=0.0, individualization=0.3)
    values = result["indicators"]
    assert result["regime"] == "inert"
    assert values["autonomy"] < 0.01 and values["held_at_ceiling"] == 0.0 and not values["recovered"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_unchecked_individualization_makes_a_loose_organisation(seed):
    _, _, result = settled_run(seed, enforcement=0.0, individualization=1.0)
    values = result["indicators"]
    assert result["regime"] == "loose"
    assert values["commons_quality"] < 0.5 and values["data_worker_share"] < 0.2 and values["autonomy"] > 0.6


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_named_scenario_loads_validates_and_cites_its_source(scenario):
    run = load([f"scenario={scenario}"])
    assert run.model.n_workers >= 2
    header = (Path(__file__).resolve().parent.parent / "scenarios" / f"{scenario}.yaml").read_text()
    assert "Seed 0" in header or "March (1991)" in header or "seed 001" in header.lower()


def test_the_lockdown_cuts_formal_ties_and_forces_remote_work_then_lifts():
    run = load(["scenario=pandemic_lockdown", "steps=200"])
    model = DualISModel(run.model, rng=0)
    model.run(99)
    assert model.config.formal_tie_strength == 1.0
    model.run(100)
    assert model.config.formal_tie_strength == pytest.approx(0.1)
    assert model.state.autonomy.min() >= 0.8
    model.run(160)
    assert model.config.formal_tie_strength == 1.0 and model.config.min_autonomy == 0.0


def test_a_vendor_code_prescribes_every_dimension_and_fits_the_given_share():
    reality = np.where(np.arange(40) % 3 == 0, 1, -1).astype(np.int8)
    code = vendor_code(reality, 0.75, np.random.default_rng(1))
    assert np.all(code != 0)
    assert np.mean(code == reality) == 0.75


def test_an_erp_migration_replaces_the_code_and_hardens_the_system():
    run = load(["scenario=erp_migration"])
    model = DualISModel(run.model, rng=0)
    model.run(149)
    assert model.config.rigidity == pytest.approx(0.8)
    model.step()
    assert np.all(model.state.code != 0)
    assert model.table()["deep_change"].iloc[-1] > 0
    assert model.config.rigidity == pytest.approx(0.95)


def test_every_indicator_is_described():
    values = indicators(synthetic_table(RECOVERS), 150, 30, RegimeConfig())
    assert list(values) == list(INDICATORS)
