"""How results are written and read: atomic writes, figures, and a sweep folder's layout.

A sweep folder holds one folder per job (``0/``, ``1/``, ...), each with the job's
``summary.json`` (written last: its presence marks the job complete) and its per-step
``timeseries.parquet``. Every file is written through a temporary file and renamed, so a
crash never leaves a half-written one.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

SUMMARY = "summary.json"
TIMESERIES = "timeseries.parquet"


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Write through a temporary file and rename, so a crash never leaves a half-written file.

    The temporary name is unique to the writer, so two writers never share one; a failed
    write removes its temporary file.
    """
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    tmp = Path(name)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save_figure(figure: plt.Figure, path: Path, dpi: int = 110) -> Path:
    """Write ``figure`` as a PNG atomically, close it, and return the path."""
    atomic_write(path, lambda p: figure.savefig(p, dpi=dpi, format="png"))
    plt.close(figure)
    return path


def collect(sweep_dir: Path) -> pd.DataFrame:
    """The tidy table of all finished, intact jobs under ``sweep_dir``: one row per run (job and seed)."""
    rows = []
    for job_dir in job_dirs(sweep_dir):
        try:
            summary = read_summary(job_dir)
        except DamagedJob:
            continue  # named by damaged_jobs
        for run in summary["runs"]:
            row = {"job": job_dir.name, **run.get("swept", {}), "seed": run["seed"], "regime": run["regime"]}
            row.update(run.get("indicators", {}))
            row.update({f"final_{name}": value for name, value in run.get("final", {}).items()})
            row["error"] = run.get("error") or ""
            row["runtime_seconds"] = run.get("runtime_seconds", math.nan)
            rows.append(row)
    return pd.DataFrame(rows)


def job_dirs(sweep_dir: Path) -> list[Path]:
    """The job folders of a sweep (numbered, or holding a summary), in job order."""
    found = [p for p in Path(sweep_dir).iterdir() if p.is_dir() and (p.name.isdigit() or (p / SUMMARY).exists())]
    return sorted(found, key=lambda p: job_key(p.name))


def damaged_jobs(sweep_dir: Path) -> list[str]:
    """One line per job folder that is not finished and intact, naming the file at fault."""
    return [problem for job_dir in job_dirs(sweep_dir) if (problem := job_problems(job_dir))]


def job_key(name: str) -> tuple[int, str]:
    """Sort key of a job folder: numbered jobs in number order, anything else after them."""
    return (int(name), "") if name.isdigit() else (sys.maxsize, name)


def load_timeseries(job_dir: Path, seed: int) -> pd.DataFrame:
    """The per-step table of one replicate of a job."""
    path = job_dir / TIMESERIES
    table = pd.read_parquet(path) if path.exists() else pd.read_csv(job_dir / "timeseries.csv")
    return table[table["seed"] == seed].reset_index(drop=True)


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_summary(job_dir: Path) -> dict:
    """A job's summary as written, or :class:`DamagedJob` saying what is wrong with it.

    A job is finished when its summary parses, carries its job record, holds one result per
    replicate, and its time series (if it wrote one) still has the checksum the summary recorded.
    """
    path = job_dir / SUMMARY
    if not path.is_file():
        raise DamagedJob(path, "missing")
    try:
        summary = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DamagedJob(path, f"unreadable ({exc.__class__.__name__}: {exc})") from None
    job = summary.get("job") if isinstance(summary, dict) else None
    if not isinstance(job, dict) or not isinstance(summary.get("runs"), list):
        raise DamagedJob(path, "has no job record (written by an earlier release, or not by dualis)")
    if len(summary["runs"]) != job.get("replicates"):
        raise DamagedJob(path, f"holds {len(summary['runs'])} runs of the job's {job.get('replicates')}")
    written = job.get("timeseries")
    if written is not None:
        series = job_dir / written["file"]
        if not series.is_file():
            raise DamagedJob(series, "missing")
        if file_digest(series) != written["sha256"]:
            raise DamagedJob(series, "does not match the checksum in summary.json (changed or cut short)")
    return summary


def job_problems(job_dir: Path) -> str | None:
    """What is wrong with a job's folder, in one line naming the file; None if it is finished and intact."""
    try:
        read_summary(job_dir)
    except DamagedJob as damage:
        return str(damage)
    return None


class DamagedJob(ValueError):
    """A job's files are missing, unreadable or changed since the job wrote them."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
