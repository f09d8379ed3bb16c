"""Open exploration and scenario discovery: the design respects the schema, the study resumes, PRIM finds a known box."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.regimes import REGIMES
from sim.core.config import ConfigError, ExplorationConfig, ModelConfig
from sim.runs import exploration
from sim.studies import discover, ensembles

BOUNDS = {f.name: f.metadata.get("bounds") for f in dataclasses.fields(ModelConfig)}
TYPES = {f.name: f.type for f in dataclasses.fields(ModelConfig)}


# --- the design ----------------------------------------------------------------------------


@pytest.mark.parametrize("method, samples", [("lhs", 60), ("sobol", 64)])
def test_every_sampled_value_lies_within_its_range_and_the_schema_and_keeps_its_type(method, samples):
    config = ExplorationConfig(samples=samples, method=method, seed=3)
    design = exploration.sample(config)
    dims = {d.name: d for d in exploration.space(config)}
    assert list(design.columns) == list(dims) and len(design) == samples
    assert {"enforcement", "individualization", "malleability", "data_work_cost", "personal_ties", "rigidity",
            "commons_rate"} <= set(dims)  # fmt: skip
    assert not {"n_workers", "n_dimensions", "unit_size"} & set(dims)
    for name, column in design.items():
        low, high = BOUNDS[name]
        assert low <= dims[name].low < dims[name].high <= high, name
        assert column.between(dims[name].low, dims[name].high).all(), name
        if TYPES[name] in (int, "int"):
            assert column.dtype.kind == "i", name
        else:
            assert column.dtype.kind == "f" and column.nunique() == samples, name  # continuous: no repeats


def test_integers_are_sampled_evenly_over_every_value_of_their_range():
    design = exploration.sample(ExplorationConfig(samples=700, parameters=["personal_ties", "enforcement"]))
    counts = design["personal_ties"].value_counts()
    assert sorted(counts.index) == list(range(3, 10))  # ±50% of 6 ties, both ends included
    assert counts.min() == counts.max() == 100  # a Latin hypercube gives each integer the same share


def test_a_latin_hypercube_puts_one_point_in_each_of_its_strata():
    samples = 50
    design = exploration.sample(ExplorationConfig(samples=samples, parameters=["enforcement", "malleability"]))
    for name in design.columns:
        strata = np.floor(design[name].to_numpy() * samples).astype(int)  # both sampled over [0, 1]
        assert sorted(strata) == list(range(samples)), name


def test_the_design_depends_on_its_settings_and_seed_only():
    config = ExplorationConfig(samples=32, method="sobol", seed=5)
    assert exploration.sample(config).equals(exploration.sample(ExplorationConfig(samples=32, method="sobol", seed=5)))
    assert not exploration.sample(config).equals(exploration.sample(dataclasses.replace(config, seed=6)))


def test_the_user_restricts_the_parameters_and_their_ranges():
    config = ExplorationConfig(
        samples=40, parameters=["enforcement", "perception_noise", "personal_ties"],
        ranges={"enforcement": [0.2, 0.4], "personal_ties": [2, 4]},
    )  # fmt: skip
    design = exploration.sample(config)
    assert list(design.columns) == ["personal_ties", "perception_noise", "enforcement"]  # schema order
    assert design["enforcement"].between(0.2, 0.4).all() and design["enforcement"].max() > 0.35
    assert set(design["personal_ties"]) == {2, 3, 4}
    assert design["perception_noise"].between(0.25, 0.75).all()  # outside the default space: ±50% of 0.5


@pytest.mark.parametrize(
    "config, words",
    [
        (ExplorationConfig(samples=8, parameters=["atlantis"]), "exploration.parameters: 'atlantis'"),
        (ExplorationConfig(samples=8, parameters=["n_workers"]), "not an explorable parameter"),
        (ExplorationConfig(samples=8, ranges={"enforcement": [0.5, 1.5]}), "exploration.ranges.enforcement"),
        (ExplorationConfig(samples=8, ranges={"enforcement": [0.6, 0.2]}), "low < high"),
        (ExplorationConfig(samples=8, parameters=["rigidity"], ranges={"enforcement": [0, 1]}), "not a varied"),
        (ExplorationConfig(samples=8, parameters=["peer_sanction"]), "default 0"),
        (ExplorationConfig(samples=100, method="sobol"), "not a power of 2"),
    ],
)
def test_a_bad_exploration_setting_is_one_line_naming_the_key(config, words):
    with pytest.raises(ConfigError) as error:
        exploration.sample(config)
    assert words in str(error.value) and "\n" not in str(error.value)


def test_a_point_that_is_no_valid_organisation_stops_the_study_before_it_starts():
    from sim.core.config import RunConfig

    config = ExplorationConfig(samples=10, parameters=["personal_ties"], ranges={"personal_ties": [5, 50]})
    run = RunConfig(model=ModelConfig(n_workers=20))
    with pytest.raises(ConfigError, match="point .*personal_ties=42 must be below"):
        exploration.check_points(exploration.sample(config), run)


# --- the study through the sweep machinery ---------------------------------------------------

SMALL = ["model.n_workers=40", "steps=150", "regime.recovery_window=50", "regime.settle_window=30", "replicates=2"]


def explore(folder: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "sim", "study=exploration", "exploration.samples=6",
               "exploration.parameters=[enforcement,individualization,personal_ties]", *SMALL, *extra,
               f"hydra.sweep.dir={folder}"]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def small_study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("exploration") / "study"
    result = explore(folder)
    assert result.returncode == 0, result.stderr[-3000:]
    return folder


def test_the_study_runs_each_design_point_as_a_job_with_its_values(small_study):
    design = pd.read_parquet(small_study / exploration.DESIGN)
    runs = pd.read_parquet(small_study / "runs.parquet")
    assert len(runs) == 6 * 2 and set(runs["seed"]) == {0, 1} and (runs["error"] == "").all()
    by_point = runs.groupby("point")[["model.enforcement", "model.individualization", "model.personal_ties"]].first()
    expected = design.rename(columns=lambda c: f"model.{c}")[by_point.columns]
    pd.testing.assert_frame_equal(by_point.reset_index(drop=True), expected, check_dtype=False)
    assert set(runs["regime"]) <= set(REGIMES)
    assert (small_study / "discovery-resilient" / "report.md").exists()  # gathered with its discovery
    assert not (small_study / "regime_map.png").exists()  # random points are no grid to map


def test_the_study_resumes_like_any_sweep(small_study):
    before = pd.read_parquet(small_study / "runs.parquet")
    (small_study / "3" / "summary.json").unlink()
    result = explore(small_study)
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    assert log.count("already complete, skipped") == 5
    after = pd.read_parquet(small_study / "runs.parquet")
    pd.testing.assert_frame_equal(before.drop(columns="runtime_seconds"), after.drop(columns="runtime_seconds"))


def test_the_study_gives_the_same_table_serial_as_parallel(small_study, tmp_path):
    result = explore(tmp_path / "serial", "hydra.launcher.n_jobs=1")
    assert result.returncode == 0, result.stderr[-3000:]
    serial = pd.read_parquet(tmp_path / "serial" / "runs.parquet").drop(columns=["runtime_seconds", "design"])
    parallel = pd.read_parquet(small_study / "runs.parquet").drop(columns=["runtime_seconds", "design"])
    pd.testing.assert_frame_equal(serial, parallel)


def test_other_settings_cannot_resume_into_a_folder_that_holds_another_design(small_study):
    result = explore(small_study, "exploration.seed=1")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "holds another design" in result.stderr


def test_a_bad_exploration_key_on_the_command_line_is_one_line(tmp_path):
    result = explore(tmp_path / "bad", "exploration.parameters=[enforcement,atlantis]")
    assert result.returncode == 2 and result.stderr.startswith("error: exploration.parameters: 'atlantis'")
    assert result.stderr.strip().count("\n") == 0 and not (tmp_path / "bad" / exploration.DESIGN).exists()


def test_ensembles_by_regime_and_by_box_are_quantile_bands(small_study):
    paths = ensembles.write(small_study)
    table = pd.read_csv(paths["csv"])
    assert paths["figure"].exists() and set(table["group"]) <= set(REGIMES)
    assert ((table["q05"] <= table["q50"] + 1e-12) & (table["q50"] <= table["q95"] + 1e-12)).all()
    boxes = pd.DataFrame({"box": [1], "parameter": ["enforcement"], "min": [0.0], "max": [0.5]})
    boxes.to_csv(small_study / "boxes.csv", index=False)
    runs = pd.read_parquet(small_study / "runs.parquet")
    inside = ensembles.box_membership(runs, small_study / "boxes.csv")
    assert (inside == "in the box").sum() == (runs["model.enforcement"] <= 0.5).sum()
    with pytest.raises(ensembles.EnsembleError, match="box-number=2"):
        ensembles.box_membership(runs, small_study / "boxes.csv", 2)


# --- discovery on a table whose answer is known ----------------------------------------------

TRUE_BOX = {"enforcement": (0.2, 0.6), "individualization": (0.5, 1.0)}


def constructed_sweep(folder: Path, n: int = 2000, noise: float = 0.05, seed: int = 0) -> pd.DataFrame:
    """A fake sweep: 6 uniform parameters, resilient inside TRUE_BOX and elsewhere with a little label noise."""
    rng = np.random.default_rng(seed)
    names = ["enforcement", "individualization", "rigidity", "malleability", "commons_rate", "turnover"]
    x = pd.DataFrame(rng.uniform(0, 1, (n, len(names))), columns=[f"model.{c}" for c in names])
    x["model.personal_ties"] = rng.integers(3, 10, n)
    inside = np.all([x[f"model.{k}"].between(lo, hi) for k, (lo, hi) in TRUE_BOX.items()], axis=0)
    flip = rng.uniform(size=n) < noise
    resilient = inside ^ flip
    table = x.assign(
        job=[str(i) for i in range(n)], seed=0, regime=np.where(resilient, "resilient", "rigid"),
        recovery_time=np.where(resilient, 20.0, np.nan), error="",
    )  # fmt: skip
    folder.mkdir(parents=True)
    table.to_parquet(folder / "runs.parquet", index=False)
    return table


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    folder = tmp_path_factory.mktemp("known") / "sweep"
    return folder, constructed_sweep(folder)


def test_prim_finds_the_true_box_within_a_tolerance(known):
    folder, table = known
    found = discover.discover(folder, "resilient")
    box = found.boxes[0]
    assert set(box.limits.index) == set(TRUE_BOX)  # no other parameter restricted
    for name, (low, high) in TRUE_BOX.items():
        assert box.limits.loc[name, "min"] == pytest.approx(low, abs=0.05), name
        assert box.limits.loc[name, "max"] == pytest.approx(high, abs=0.05), name
    true_in = (table["regime"] == "resilient").to_numpy()
    assert box.coverage > 0.8 and box.density > 0.85
    assert box.coverage == pytest.approx(true_in[box_rows(table, box)].sum() / true_in.sum())
    assert box.density == pytest.approx(true_in[box_rows(table, box)].mean())
    assert set(found.scores.index[:2]) == set(TRUE_BOX)  # the two drivers lead the feature scores
    assert found.scores.sum() == pytest.approx(1.0)


def box_rows(table: pd.DataFrame, box) -> np.ndarray:
    inside = np.ones(len(table), dtype=bool)
    for name, lim in box.limits.iterrows():
        inside &= table[f"model.{name}"].between(lim["min"], lim["max"]).to_numpy()
    return inside


def test_a_threshold_target_is_the_same_question_asked_of_a_column(known):
    _, table = known
    by_regime = discover.target_values(table, "resilient")[0]
    assert (discover.target_values(table, "recovery_time<30")[0] == by_regime).all()
    assert (discover.target_values(table, "recovery_time>30")[0] == ~by_regime).all()  # never: slower than any bound


def test_discovery_writes_its_report_boxes_and_figures(known):
    folder, _ = known
    paths = discover.write_report(folder, "resilient", boxes=2)
    for name in ("report", "boxes", "trajectory", "tradeoff", "box_limits", "cart", "feature_scores"):
        assert paths[name].exists(), name
    boxes = pd.read_csv(paths["boxes"])
    assert set(boxes.loc[boxes["box"] == 1, "parameter"]) == set(TRUE_BOX)
    report = paths["report"].read_text()
    assert "## PRIM boxes" in report and "coverage" in report and "## Feature scores" in report
    cart = pd.read_csv(paths["cart"])
    best = cart.sort_values("density", ascending=False).drop_duplicates("leaf").iloc[0]
    assert best["density"] > 0.85 and set(TRUE_BOX) <= set(cart.loc[cart["leaf"] == best["leaf"], "parameter"])


@pytest.mark.parametrize(
    "target, words",
    [("resilent", "is not a target; allowed: rigid"), ("nonsense<3", "'nonsense' is not a numeric column")],
)
def test_a_bad_target_or_folder_is_one_line(known, tmp_path, target, words):
    folder, _ = known
    result = subprocess.run([sys.executable, "-m", "sim.discover", str(folder), "--target", target],
                            capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert result.returncode == 2 and words in result.stderr and result.stderr.strip().count("\n") == 0
    missing = subprocess.run([sys.executable, "-m", "sim.discover", str(tmp_path / "nowhere")],
                             capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert missing.returncode == 2 and "is not a folder" in missing.stderr


# --- hysteresis as a target ---------------------------------------------------------------------

RAMP = ["study=exploration_hysteresis", "exploration.samples=3", "exploration.parameters=[individualization]",
        "model.n_workers=40", "ramp.levels=3", "ramp.start=60", "ramp.weeks_per_level=40", "steps=140"]  # fmt: skip


def test_bistability_is_read_per_design_point_from_its_ramps_up_and_down(tmp_path):
    from sim.analysis.files import load_timeseries

    folder = tmp_path / "ramps"
    result = subprocess.run([sys.executable, "-m", "sim", *RAMP, f"hydra.sweep.dir={folder}"],
                            capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    runs = pd.read_parquet(folder / "runs.parquet")
    assert len(runs) == 3 * 2 and set(runs["ramp.direction"]) == {"up", "down"}
    points = discover.bistable_points(folder, runs)
    assert sorted(points["point"]) == [0, 1, 2]
    # by hand: plateaus [0, 60), [60, 100), [100, 140); each one's state is the mean over its last quarter
    plateaus = {
        "up": [(0, 60, 0.0), (60, 100, 0.5), (100, 140, 1.0)],
        "down": [(0, 60, 1.0), (60, 100, 0.5), (100, 140, 0.0)],
    }
    for point in range(3):
        means = {}
        for _, run in runs[runs["point"] == point].iterrows():
            series = load_timeseries(folder / run["job"], int(run["seed"]))
            for first, end, level in plateaus[run["ramp.direction"]]:
                tail = series[series["step"].between(end - (end - first) // 4, end - 1)]
                means[(run["ramp.direction"], level)] = tail[["commons_quality", "autonomy_mean"]].mean()
        gap = max((means[("up", v)] - means[("down", v)]).abs().max() for v in (0.0, 0.5, 1.0))
        row = points[points["point"] == point].iloc[0]
        assert row["largest_gap"] == pytest.approx(gap)
        assert row["bistable"] == (gap > 0.1)
    found = discover.discover(folder, "bistable")
    assert len(found.y) == 3 and list(found.x.columns) == ["individualization"]


def test_conditions_joined_by_and_must_all_hold(known):
    _, table = known
    both, words = discover.target_values(table, "resilient&model.enforcement<0.4")
    expected = (table["regime"] == "resilient") & (table["model.enforcement"] < 0.4)
    assert (both == expected.to_numpy()).all() and words == "the run ends resilient and model.enforcement < 0.4"
    assert discover.slug("resilient&final_worker_knowledge>=0.5") == "resilient-and-final_worker_knowledge-ge-0.5"


def test_an_exploration_outside_a_study_needs_a_sweep_and_lands_in_its_folder(tmp_path):
    single = subprocess.run([sys.executable, "-m", "sim", "exploration.samples=3"], capture_output=True, text=True,
                            timeout=120, check=False, cwd=tmp_path)  # fmt: skip
    assert single.returncode == 2 and single.stderr.startswith("error: exploration.samples=3 runs a sweep")
    command = [sys.executable, "-m", "sim", "-m", "exploration.samples=2", "exploration.parameters=[enforcement]",
               "model.n_workers=30", "steps=60", "regime.test=scheduled", f"hydra.sweep.dir={tmp_path / 'adhoc'}"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    runs = pd.read_parquet(tmp_path / "adhoc" / "runs.parquet")
    design = pd.read_parquet(tmp_path / "adhoc" / exploration.DESIGN)
    assert sorted(runs["model.enforcement"]) == sorted(design["enforcement"])


def test_cart_finds_leaves_in_a_study_of_fewer_runs_than_one_over_mass_min():
    """12 runs and mass_min 0.05 ask scikit-learn for int(0.6) = 0 runs a leaf, which it refuses."""
    rng = np.random.default_rng(3)
    x = pd.DataFrame({"enforcement": rng.random(12), "individualization": rng.random(12)})
    y = (x["enforcement"] < 0.5).to_numpy()
    leaves = discover.cart_leaves(x, y, mass_min=0.05)
    assert len(leaves) and (leaves["parameter"] == "enforcement").any()


def test_an_exploration_study_runs_its_jobs_in_the_studys_own_folder(tmp_path):
    """Without hydra.sweep.dir the jobs go where the design is, the study's folder, not an ad-hoc one."""
    command = [sys.executable, "-m", "sim", "study=exploration", "exploration.samples=2", *SMALL, "replicates=1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    study = tmp_path / "outputs" / "studies" / "exploration-lhs2-seed0"
    assert (study / exploration.DESIGN).exists() and (study / "runs.parquet").exists()
    assert not (tmp_path / "outputs" / "sweeps").exists()
