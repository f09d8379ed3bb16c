"""Regime indicators and the classifier, on synthetic tables and on runs built to be each regime."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import OBSERVABLES, DualISModel, ModelConfig, Shock
from sim.config import RegimeConfig
from sim.events import vendor_code
from sim.hydra_config import load
from sim.regimes import classify, indicators

SCENARIOS = sorted(p.stem for p in (Path(__file__).resolve().parent.parent / "scenarios").glob("*.yaml"))


def synthetic_table(measure: np.ndarray) -> pd.DataFrame:
    table = pd.DataFrame({name: np.full(measure.size, 0.5) for name in OBSERVABLES})
    table.insert(0, "step", np.arange(measure.size))
    table["worker_knowledge"] = measure
    return table


def test_recovery_time_and_depth_are_measured_from_the_pre_shock_level():
    measure = np.full(100, 0.8)
    measure[50:57] = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.74]  # back within 0.05 of 0.8 at week 57
    values = indicators(synthetic_table(measure), shock_time=50, n_dimensions=30, config=RegimeConfig())
    assert values["shock_depth"] == pytest.approx(0.6)
    assert values["recovery_time"] == 7.0 and values["recovered"]


def test_a_run_that_never_recovers_has_no_recovery_time():
    measure = np.r_[np.full(50, 0.8), np.full(50, 0.3)]
    values = indicators(synthetic_table(measure), shock_time=50, n_dimensions=30, config=RegimeConfig())
    assert math.isnan(values["recovery_time"]) and not values["recovered"]


def regime_of(seed: int, **overrides) -> tuple[str, dict]:
    config = dataclasses.replace(ModelConfig(), shocks=[Shock(time=150, share=0.3)], **overrides)
    model = DualISModel(config, rng=seed)
    model.run(300)
    values = indicators(model.table(), 150, config.n_dimensions, RegimeConfig())
    return classify(values, RegimeConfig()), values


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_full_enforcement_makes_a_rigid_organisation(seed):
    regime, values = regime_of(seed, enforcement=1.0, individualization=0.8)
    assert regime == "rigid"
    assert values["autonomy"] == 0.0 and values["surface_churn"] == 0.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_unchecked_individualization_makes_a_loose_organisation(seed):
    regime, values = regime_of(seed, enforcement=0.0, individualization=1.0)
    assert regime == "loose"
    assert values["commons_quality"] < 0.5 and values["data_worker_share"] < 0.2 and values["autonomy"] > 0.8


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_individualization_held_by_moderate_enforcement_makes_a_resilient_organisation(seed):
    regime, values = regime_of(seed, enforcement=0.5, individualization=0.8)
    assert regime == "resilient"
    assert values["surface_churn"] > 10 * values["code_change_rate"] * 30  # churn beside a quasi-stable code
    assert values["recovered"] and values["commons_quality"] > 0.5


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
