"""Designs of experiments through the sweep machinery, and the sensitivity analysis on top of them."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim.analysis.files import collect
from sim.core.config import ModelConfig
from sim.studies.sensitivity import OUTPUTS, analyse, morris_design, problem, top_parameters


def test_a_design_runs_each_row_as_a_job_with_its_parameters(tmp_path):
    design = pd.DataFrame({"enforcement": [0.1, 0.9], "individualization": [0.8, 0.2]})
    design.to_parquet(tmp_path / "design.parquet")
    command = [
        sys.executable, "-m", "sim", "-m", "point=0,1", f"design={tmp_path / 'design.parquet'}",
        "steps=60", "model.n_workers=40", f"hydra.sweep.dir={tmp_path / 'runs'}",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    runs = collect(tmp_path / "runs").sort_values("point")
    assert runs["model.enforcement"].tolist() == [0.1, 0.9]
    assert runs["model.individualization"].tolist() == [0.8, 0.2]
    assert runs["final_autonomy_mean"].iloc[1] <= 1 - 0.9 + 1e-12  # the design's enforcement took effect


def test_the_screening_covers_every_bounded_parameter_within_its_range():
    spec = problem()
    fields = {row: getattr(ModelConfig(), row) for row in spec["names"]}
    assert {"enforcement", "individualization", "code_learning", "data_work_cost"} <= set(spec["names"])
    assert not {"n_workers", "n_dimensions", "unit_size", "personal_ties"} & set(spec["names"])
    for name, (low, high) in zip(spec["names"], spec["bounds"], strict=True):
        assert low < high and low <= fields[name] <= high, name


def test_morris_finds_the_one_parameter_an_output_depends_on():
    spec = problem()
    design = morris_design(spec, trajectories=6)
    driver = spec["names"].index("rigidity")
    values = pd.DataFrame(
        {output: 3.0 * design["rigidity"] + 0.01 * np.sin(np.arange(len(design))) for output in OUTPUTS}
    )
    indices = analyse("morris", spec, design, values)
    productivity = indices[indices["output"] == "productivity"].set_index("parameter")["mu_star"]
    assert productivity.idxmax() == spec["names"][driver]
    assert top_parameters(indices, 1) == ["rigidity"]


@pytest.mark.parametrize("output", ["productivity", "resilient"])
def test_sobol_apportions_variance_to_the_parameters_that_cause_it(output):
    from sim.studies.sensitivity import sobol_design

    spec = {"num_vars": 3, "names": ["enforcement", "rigidity", "turnover"], "bounds": [[0, 1], [0, 1], [0, 1]]}
    design = sobol_design(spec, base_samples=256)
    values = pd.DataFrame({name: 4 * design["enforcement"] + design["rigidity"] for name in OUTPUTS})
    indices = analyse("sobol", spec, design, values)
    first = indices[indices["output"] == output].set_index("parameter")
    assert first.loc["enforcement", "S1"] > 0.8 and abs(first.loc["turnover", "ST"]) < 0.05


@pytest.fixture(scope="module")
def morris_on_the_model(tmp_path_factory):
    from sim.studies.sensitivity import study

    return study("morris", quick=True, folder=tmp_path_factory.mktemp("sensitivity"))


def test_a_small_morris_study_finds_enforcement_driving_autonomy(morris_on_the_model):
    autonomy = morris_on_the_model[morris_on_the_model["output"] == "autonomy"].set_index("parameter")["mu_star"]
    assert autonomy.idxmax() == "enforcement"


@pytest.mark.parametrize("weight", ["fit_weight", "workload_weight", "clash_satisfaction_weight"])
def test_satisfaction_weights_move_satisfaction_and_nothing_else(morris_on_the_model, weight):
    indices = morris_on_the_model.set_index(["output", "parameter"])["mu_star"]
    assert indices[("satisfaction", weight)] > 0
    screened = set(indices.index.get_level_values("output"))
    assert {"autonomy", "commons_quality", "productivity"} <= screened
    # recovery time is screened only when every point has a settled, shocked seed
    for output in screened & {"autonomy", "commons_quality", "productivity", "recovery_time_capped"}:
        assert indices[(output, weight)] == 0, output  # satisfaction is an outcome, never fed back
