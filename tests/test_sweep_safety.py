"""Sweeps that cannot be corrupted: one sweep per folder, jobs known by what they ran,
every failure a row, damage detected and redone, and exit codes that say what happened."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.analysis.files import SUMMARY, TIMESERIES, collect, job_problems

BASE = ["replicates=2", "steps=40", "model.n_workers=40"]
SWEEP = ["model.enforcement=0.2,0.6", "model.individualization=0.3,0.9"]


def sim(*args: str, cwd: Path, wait: bool = True):
    command = [sys.executable, "-m", "sim", *args]
    if not wait:
        return subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)


def sweep(folder: Path, *extra: str, wait: bool = True):
    return sim("-m", *SWEEP, *BASE, *extra, f"hydra.sweep.dir={folder}", cwd=folder.parent, wait=wait)


def cells(folder: Path) -> set[tuple[float, float, int]]:
    table = collect(folder)
    return set(zip(table["model.enforcement"], table["model.individualization"], table["seed"], strict=True))


EVERY_CELL = {(e, i, s) for e in (0.2, 0.6) for i in (0.3, 0.9) for s in (0, 1)}


# --- one sweep per folder ---------------------------------------------------------------
def a_sweep_holding_its_lock(folder: Path) -> subprocess.Popen:
    """A slow sweep started in the background, once it has taken the folder's lock."""
    first = sweep(folder, "hydra.launcher.n_jobs=1", "model.n_workers=300", "steps=300", wait=False)
    deadline = time.time() + 60
    while not (folder / ".sweep.owner").exists() and time.time() < deadline:
        time.sleep(0.2)
    return first


def test_a_second_sweep_on_a_folder_in_use_is_refused_with_one_line_naming_the_holder(tmp_path):
    folder = tmp_path / "sweep"
    first = a_sweep_holding_its_lock(folder)
    second = sweep(folder)
    first.wait(timeout=600)
    assert second.returncode == 2
    (line,) = second.stderr.strip().splitlines()
    assert line.startswith(f"error: hydra.sweep.dir={folder} is in use by process {first.pid}")
    assert first.returncode == 0
    assert len(collect(folder)) == 8 and cells(folder) == EVERY_CELL


def test_the_lock_of_a_killed_sweep_is_taken_over(tmp_path):
    folder = tmp_path / "sweep"
    first = a_sweep_holding_its_lock(folder)
    first.kill()
    first.wait()
    result = sweep(folder)
    assert result.returncode == 0, result.stderr
    assert cells(folder) == EVERY_CELL


def test_sigterm_to_the_sweep_stops_its_workers_too(tmp_path):
    folder = tmp_path / "sweep"
    command = [sys.executable, "-m", "sim", "-m", *SWEEP, *BASE, "model.n_workers=400", "steps=600",
               "hydra.launcher.n_jobs=2", f"hydra.sweep.dir={folder}"]  # fmt: skip
    main = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # fmt: skip
    deadline = time.time() + 120
    while not list(folder.glob("*/config.yaml")) and time.time() < deadline:  # a job has started
        time.sleep(0.2)
    main.terminate()
    main.wait(timeout=60)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            os.killpg(main.pid, 0)  # any process left in the sweep's process group?
        except ProcessLookupError:
            break
        time.sleep(0.5)
    else:
        os.killpg(main.pid, 9)
        pytest.fail("worker processes outlived the sweep")
    assert sweep(folder).returncode == 0 and cells(folder) == EVERY_CELL  # and the rerun resumes


# --- job identity --------------------------------------------------------------------------
def test_resuming_with_the_arguments_in_another_order_reuses_each_job_for_what_it_ran(tmp_path):
    folder = tmp_path / "sweep"
    assert sweep(folder).returncode == 0
    before = collect(folder).set_index(["model.enforcement", "model.individualization", "seed"]).sort_index()
    reordered = sim("-m", *reversed(SWEEP), *BASE, f"hydra.sweep.dir={folder}", cwd=tmp_path)
    assert reordered.returncode == 0, reordered.stderr
    after = collect(folder).set_index(["model.enforcement", "model.individualization", "seed"]).sort_index()
    assert len(after) == 8 and cells(folder) == EVERY_CELL
    keep = [c for c in before.columns if c not in ("job", "runtime_seconds")]
    pd.testing.assert_frame_equal(before[keep], after[keep])
    assert (after["runtime_seconds"] == before["runtime_seconds"]).all()  # reused, not rerun


def test_a_folder_whose_finished_jobs_belong_to_another_sweep_is_refused(tmp_path):
    folder = tmp_path / "sweep"
    assert sweep(folder).returncode == 0
    other = sim("-m", "model.enforcement=0.2,0.4", *BASE, f"hydra.sweep.dir={folder}", cwd=tmp_path)
    assert other.returncode == 2
    (line,) = other.stderr.strip().splitlines()
    assert "holds finished jobs of another sweep" in line and str(folder) in line
    assert cells(folder) == EVERY_CELL


# --- every failure is a row ----------------------------------------------------------------
def test_a_job_whose_files_cannot_be_written_fails_alone_and_the_sweep_gathers_the_rest(tmp_path):
    folder = tmp_path / "sweep"
    (folder / "1" / TIMESERIES).mkdir(parents=True)  # where job 1 must write a file, a folder is in the way
    result = sweep(folder)
    assert result.returncode == 3
    last = result.stderr.strip().splitlines()[-1]
    assert last == f"error: 2 of 8 runs failed, see the error column of {folder}/runs.csv"
    assert len(collect(folder)) == 6 and "1" not in set(collect(folder)["job"])


def test_a_job_path_that_is_not_a_writable_folder_stops_the_sweep_before_any_work(tmp_path):
    folder = tmp_path / "sweep"
    folder.mkdir()
    (folder / "1").write_text("not a folder")
    result = sweep(folder)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {folder / '1'} exists but is not a folder this sweep can write")
    assert not (folder / "0").exists()


def design_with_a_bad_row(tmp_path: Path) -> Path:
    path = tmp_path / "design.parquet"
    pd.DataFrame({"enforcement": [0.3, 1.5]}).to_parquet(path, index=False)
    return path


def test_a_run_that_fails_exits_with_the_failure_code(tmp_path):
    design = design_with_a_bad_row(tmp_path)
    result = sim(f"design={design}", "point=1", *BASE, "hydra.run.dir=one", cwd=tmp_path)
    assert result.returncode == 3
    last = result.stderr.strip().splitlines()[-1]
    assert last == f"error: 2 of 2 runs failed, see the error column of {tmp_path / 'one' / SUMMARY}"


def test_a_sweep_with_failed_runs_gathers_them_as_rows_and_exits_with_the_failure_code(tmp_path):
    design, folder = design_with_a_bad_row(tmp_path), tmp_path / "sweep"
    result = sim("-m", f"design={design}", "point=0,1", *BASE, f"hydra.sweep.dir={folder}", cwd=tmp_path)
    assert result.returncode == 3
    assert (
        result.stderr.strip().splitlines()[-1]
        == f"error: 2 of 4 runs failed, see the error column of {folder}/runs.csv"
    )
    table = pd.read_csv(folder / "runs.csv")
    assert len(table) == 4 and (table["error"].fillna("") != "").sum() == 2


# --- damage detection ----------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["cut_summary", "empty_runs", "cut_timeseries", "deleted_timeseries"])
def test_a_damaged_job_is_named_when_gathering_and_redone_on_resume(tmp_path, damage):
    folder = tmp_path / "sweep"
    assert sweep(folder).returncode == 0
    job = folder / "2"
    summary, series = job / SUMMARY, job / TIMESERIES
    if damage == "cut_summary":
        summary.write_text(summary.read_text()[: len(summary.read_text()) // 2])
    elif damage == "empty_runs":
        record = json.loads(summary.read_text())
        summary.write_text(json.dumps({**record, "runs": []}))
    elif damage == "cut_timeseries":
        series.write_bytes(series.read_bytes()[:100])
    else:
        series.unlink()
    assert job_problems(job) is not None
    gathered = sim_gather(folder)
    assert gathered.returncode == 3 and str(job) in gathered.stderr
    assert sweep(folder).returncode == 0
    assert job_problems(job) is None and cells(folder) == EVERY_CELL


def sim_gather(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim.gather", str(folder)], capture_output=True, text=True,
                          timeout=300, check=False)  # fmt: skip


def test_gathering_a_folder_that_is_not_a_sweep_says_so_in_one_line(tmp_path):
    result = sim_gather(tmp_path / "nothing")
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error:") and "nothing" in line


# --- exit codes and silent acceptance --------------------------------------------------------
@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("+model.enforcment=0.9", "model.enforcment"),
        ("model.shocks=[{time: 5000, share: 0.3}]", "after the run's last week"),
        ("model.enforcement=range(0.5,0.5,0.1)", "no values"),
    ],
)
def test_input_that_would_be_ignored_is_refused(tmp_path, override, expected):
    from sim.cli.preflight import check

    message = check([override])
    assert message is not None and "\n" not in message and expected in message


def test_a_study_key_set_on_the_command_line_keeps_its_place_and_takes_its_value():
    """As Hydra's basic sweeper numbers jobs: the key where the study put it, the value from the command line."""
    from sim.runs.sweeps import job_count, jobs_of, merged

    combined = merged({"model.enforcement": "0.1,0.2,0.3", "model.individualization": "0.4,0.5"},
                      ["model.enforcement=0.9", "replicates=2"])  # fmt: skip
    assert combined == ["model.enforcement=0.9", "model.individualization=0.4,0.5", "replicates=2"]
    assert job_count(combined) == 2
    assert jobs_of(combined)[1] == ["model.enforcement=0.9", "model.individualization=0.5", "replicates=2"]
