"""Sweeps: resumable after a kill, one tidy row per run, the same table in parallel as in serial."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.analysis.files import collect
from sim.analysis.regimes import REGIMES
from sim.cli.app import round_ranges, sweep_folder
from sim.core.config import RunConfig
from sim.runs import jobs

SWEEP = ["model.enforcement=0.2,0.6", "model.individualization=0.3,0.9", "replicates=2", "steps=160"]
SMALL = ["model.n_workers=60"]


def multirun(folder: Path, *extra: str, wait: bool = True) -> subprocess.Popen | subprocess.CompletedProcess:
    command = [sys.executable, "-m", "sim", "-m", *SWEEP, *extra, f"hydra.sweep.dir={folder}"]
    if not wait:
        return subprocess.Popen(
            command, cwd=folder.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
    return subprocess.run(command, cwd=folder.parent, capture_output=True, text=True, timeout=600, check=False)


def test_a_sweep_gathers_one_row_per_run_with_swept_values_and_indicators(tmp_path):
    result = multirun(tmp_path / "sweep", *SMALL)
    assert result.returncode == 0, result.stderr
    table = pd.read_parquet(tmp_path / "sweep" / "runs.parquet")
    assert len(table) == 4 * 2
    assert not table.duplicated(["model.enforcement", "model.individualization", "seed"]).any()
    assert set(table["model.enforcement"]) == {0.2, 0.6} and set(table["seed"]) == {0, 1}
    for column in [
        "regime",
        "commons_quality",
        "autonomy",
        "recovery_time",
        "surface_churn",
        "code_change_rate",
        "error",
    ]:
        assert column in table.columns
    assert set(table["regime"]) <= set(REGIMES)
    csv = pd.read_csv(tmp_path / "sweep" / "runs.csv")
    assert len(csv) == len(table)
    assert (tmp_path / "sweep" / "regime_map.png").exists()


def test_a_killed_sweep_resumes_and_ends_with_every_run_exactly_once(tmp_path):
    folder = tmp_path / "sweep"
    process = multirun(folder, "hydra.launcher.n_jobs=1", "model.n_workers=400", wait=False)
    deadline = time.time() + 120
    while len(list(folder.glob("*/summary.json"))) < 1 and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = list(folder.glob("*/summary.json"))
    assert 1 <= len(finished) < 4, "the kill should land part-way through the sweep"
    for summary in finished:
        json.loads(summary.read_text())  # complete files only: written atomically

    result = multirun(folder, "hydra.launcher.n_jobs=1", "model.n_workers=400")
    assert result.returncode == 0, result.stderr
    assert (result.stdout + result.stderr).count("already complete, skipped") == len(finished)
    table = pd.read_parquet(folder / "runs.parquet")
    assert len(table) == 8 and not table.duplicated(["job", "seed"]).any()
    assert not list(folder.rglob("*.tmp"))


def test_a_parallel_sweep_gives_the_same_table_as_a_serial_one(tmp_path):
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    assert multirun(serial, *SMALL, "hydra.launcher.n_jobs=1").returncode == 0
    assert multirun(parallel, *SMALL, "hydra.launcher.n_jobs=2").returncode == 0
    drop = ["runtime_seconds"]
    pd.testing.assert_frame_equal(
        collect(serial).drop(columns=drop), collect(parallel).drop(columns=drop), check_exact=True
    )


def test_a_failing_run_becomes_a_row_with_its_error(tmp_path, monkeypatch):
    def explode(run, progress=False):
        raise FloatingPointError("boom")

    monkeypatch.setattr(jobs, "simulate", explode)
    results = jobs.run_job(tmp_path / "0", RunConfig(replicates=2), {"model.enforcement": 0.5}, figure=False)
    assert [r["regime"] for r in results] == ["failed", "failed"]
    assert "FloatingPointError: boom" in results[0]["error"]
    table = collect(tmp_path)
    assert len(table) == 2 and (table["error"].str.contains("boom")).all()
    assert (table["model.enforcement"] == 0.5).all()


def test_range_sweeps_are_spelled_out_as_rounded_values():
    (spelled,) = round_ranges(["model.enforcement=range(0,1.01,0.1)"])
    assert spelled == "model.enforcement=" + ",".join(repr(v / 10) for v in range(11))
    assert round_ranges(["seed=range(3)"]) == ["seed=0,1,2"]


def test_the_same_sweep_gets_the_same_folder_and_another_sweep_another():
    assert sweep_folder(["a.x=1,2", "b=3"]) == sweep_folder(["b=3", "a.x=1,2"])
    assert sweep_folder(["a.x=1,2"]) != sweep_folder(["a.x=1,3"])


@pytest.mark.parametrize("bad", ["model.enforcement=0.5,1.5", "model.rigidity=range(0,2,0.5)"])
def test_every_value_of_a_sweep_is_checked_before_any_job_runs(tmp_path, bad):
    result = subprocess.run(
        [sys.executable, "-m", "sim", "-m", bad, f"hydra.sweep.dir={tmp_path / 's'}"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode != 0 and "outside [0, 1]" in result.stderr
    assert not (tmp_path / "s").exists()


def test_the_cluster_launcher_runs_the_same_sweep_as_separate_jobs(tmp_path):
    """submitit, the engine behind hydra/launcher=slurm, with local processes in place of Slurm jobs."""
    local, cluster = tmp_path / "local", tmp_path / "cluster"
    assert multirun(local, *SMALL, "hydra.launcher.n_jobs=1").returncode == 0
    result = multirun(cluster, *SMALL, "hydra/launcher=submitit_local_cluster")
    assert result.returncode == 0, result.stderr
    assert len(list((cluster / ".submitit").glob("*/*_log.out"))) == 4  # one submitit job per Hydra job
    drop = ["runtime_seconds"]
    pd.testing.assert_frame_equal(collect(local).drop(columns=drop), collect(cluster).drop(columns=drop))


def test_a_folder_holding_another_sweep_is_refused_before_anything_runs(tmp_path):
    folder = tmp_path / "sweep"
    assert multirun(folder, *SMALL).returncode == 0
    other = multirun(folder, "model.n_workers=70")
    assert other.returncode != 0
    assert "holds finished jobs of another sweep" in other.stderr
    assert len(collect(folder)) == 8  # the first sweep's runs, untouched
