"""The command line: one run writes its results; bad input stops with one clear line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import OBSERVABLES
from sim.preflight import check


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
