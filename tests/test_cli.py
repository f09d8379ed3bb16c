"""The command line: one run writes its results; bad input stops with one clear line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import OBSERVABLES
from sim.cli.preflight import check


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cli") / "run"
    result = run_cli("steps=30", "model.n_workers=40", "seed=5", f"hydra.run.dir={folder}", cwd=folder.parent)
    assert result.returncode == 0, result.stderr
    return folder


def test_a_run_writes_config_table_summary_and_figure(run_folder):
    table = pd.read_parquet(run_folder / "timeseries.parquet")
    assert list(table.columns) == ["seed", "step", *OBSERVABLES]
    assert table["step"].tolist() == list(range(31))
    assert (table["seed"] == 5).all()

    (run,) = json.loads((run_folder / "summary.json").read_text())["runs"]
    assert run["seed"] == 5 and run["steps_run"] == 30 and run["error"] is None
    assert run["final"]["commons_quality"] == pytest.approx(table["commons_quality"].iloc[-1])
    assert run["regime"] == "unsettled"  # 30 weeks are too few to settle (regime.settle_window is 100)
    assert set(run["indicators"]) >= {"autonomy", "commons_quality", "recovery_time", "surface_churn"}

    assert (run_folder / "dynamics.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    config = (run_folder / "config.yaml").read_text()
    assert "n_workers: 40" in config and "seed: 5" in config


def test_mesa_step_logging_stays_out_of_the_run_log(run_folder):
    log = (run_folder / "dualis.log").read_text()
    assert "seed 5: " in log
    assert "MESA" not in log


def test_the_same_seed_on_the_command_line_gives_the_same_table(run_folder, tmp_path):
    again = tmp_path / "again"
    result = run_cli("steps=30", "model.n_workers=40", "seed=5", f"hydra.run.dir={again}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    pd.testing.assert_frame_equal(
        pd.read_parquet(run_folder / "timeseries.parquet"), pd.read_parquet(again / "timeseries.parquet")
    )


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("model.enforcement=1.5", ["model.enforcement=1.5", "[0, 1]"]),
        ("model.socialization=-0.1", ["model.socialization=-0.1", "[0, 1]"]),
        ("model.n_workers=-5", ["model.n_workers=-5", "[2,"]),
        ("model.n_workers=many", ["model.n_workers=many", "int in [2,"]),
        ("steps=0", ["steps=0", "[1,"]),
        ("model.nonsense=3", ["model.nonsense=3", "known keys under model", "enforcement"]),
        ("scenario=atlantis", ["scenario=atlantis", "allowed", "march1991"]),
        ("model.step_rule=sideways", ["model.step_rule=sideways", "jump, one_step"]),
        ("model.personal_ties=500", ["model.personal_ties=500", "model.n_workers=200"]),
        ("model.shocks=[{time: 10, share: 2}]", ["model.shocks[0].share=2", "[0, 1]"]),
        ("regime.test=eventually", ["regime.test='eventually'", "settled, scheduled"]),
        ("ramp.direction=sideways", ["ramp.direction=sideways", "none, up, down"]),
        ("ramp.direction=up", ["ramp ends in week 2300", "steps=1000"]),
        ("ramp.key=n_workers", ["ramp.key='n_workers'", "not a changeable parameter"]),
        ("model.customisation_rate=0.5", ["model.rule_redesign_rate=1 + model.customisation_rate=0.5", "exceed 1"]),
        ("model.turbulence=range(0,1.5,0.25)", ["model.turbulence=1.25", "[0, 1]"]),
    ],
)
def test_bad_values_are_named_with_what_is_allowed(override, expected):
    message = check([override])
    assert message is not None and "\n" not in message
    for part in expected:
        assert part in message


def test_good_overrides_and_sweeps_pass_the_check():
    assert check(["model.enforcement=0.9", "scenario=march1991", "model.turbulence=range(0,1.01,0.25)"]) is None


@pytest.mark.parametrize("override", ["model.enforcement=2", "scenario=atlantis", "model.nonsense=1"])
def test_the_command_line_stops_with_one_line_and_no_traceback(override, tmp_path):
    result = run_cli(override, f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert override.split("=")[0] in lines[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "run").exists()


def test_a_combination_of_good_values_that_breaks_a_rule_is_named():
    message = check(["model.n_workers=200,8", "model.personal_ties=3,10", "model.unit_size=5"])
    assert message is not None and "\n" not in message
    assert "model.personal_ties=10 must be below model.n_workers=8" in message
    assert check(["model.n_workers=200,12", "model.personal_ties=3,10", "model.unit_size=5"]) is None


def test_a_scenario_sweep_is_combined_with_the_other_sweeps():
    message = check(["scenario=default,bureaucratic_public_sector", "model.n_workers=200,10"])
    assert message is not None and "model.unit_size=20 must not exceed model.n_workers=10" in message


def test_a_study_with_a_bad_value_stops_before_its_first_job(tmp_path):
    studies = tmp_path / "extra" / "study"
    studies.mkdir(parents=True)
    (studies / "bad.yaml").write_text(
        "# @package _global_\n"
        f"hydra:\n  mode: MULTIRUN\n  sweep:\n    dir: {tmp_path / 'sweep'}\n"
        "  sweeper:\n    params:\n      model.enforcement: 0.5,1.5\n"
    )
    result = run_cli("study=bad", f"hydra.searchpath=[file://{tmp_path / 'extra'}]", "steps=5", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["error: model.enforcement=1.5 is outside [0, 1] (share)"]
    assert not (tmp_path / "sweep").exists()


def test_the_library_checks_the_configuration_of_a_model_it_builds():
    from sim import ConfigError, DualISModel, ModelConfig

    with pytest.raises(ConfigError, match=r"^model\.enforcement=1\.5 is outside \[0, 1\]"):
        DualISModel(ModelConfig(enforcement=1.5))
    with pytest.raises(ConfigError, match="model.personal_ties=10 must be below model.n_workers=8"):
        DualISModel(ModelConfig(n_workers=8, personal_ties=10, unit_size=4))


def test_the_overrides_are_told_apart_from_hydras_flags():
    from sim.cli.app import command_line_overrides

    argv = ["-m", "--config-name", "config", "model.enforcement=0.1,0.2", "~model.shocks", "seed=3"]
    assert command_line_overrides(argv) == ["model.enforcement=0.1,0.2", "~model.shocks", "seed=3"]
    assert command_line_overrides(["--cfg", "job", "seed=3"]) is None
    assert command_line_overrides(["--help"]) is None


def test_help_lists_every_scenario_policy_and_study_with_its_description(tmp_path):
    from sim.cli.catalogue import options

    result = subprocess.run(
        [sys.executable, "-m", "sim", "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=True
    )
    root = Path(__file__).resolve().parents[1] / "scenarios"
    files = {"scenario": root.glob("*.yaml"), "policy": (root / "policies").glob("*.yaml"),
             "study": (root / "studies").glob("*.yaml")}  # fmt: skip
    for group, paths in files.items():
        described = options(group)
        assert set(described) == {p.stem for p in paths}
        for name, text in described.items():
            assert f"  {name} " in result.stdout and text and text in result.stdout
    assert "scenario/policies" not in result.stdout and "scenario/studies" not in result.stdout


def test_a_glob_over_a_config_group_is_spelled_out_as_its_matching_options():
    from sim.cli.app import spell_globs

    assert spell_globs(["scenario=glob(march*)", "seed=3"]) == ["scenario=march1991,march1991_program", "seed=3"]
    spelled = spell_globs(["policy=glob(*,exclude=[none,*participation])"])[0]
    assert spelled.startswith("policy=") and "none" not in spelled and "participation" not in spelled
    assert "mandate" in spelled.split("=")[1].split(",")


def test_a_glob_that_matches_nothing_stops_before_any_work(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "sim", "-m", "scenario=glob(zzz*)", f"hydra.sweep.dir={tmp_path}/sweep"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "matches no option of scenario" in done.stderr
    assert not (tmp_path / "sweep").exists()
