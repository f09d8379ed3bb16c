"""How results are written and read: atomic writes, figures, and a sweep folder's layout.

A sweep folder holds one folder per job (``0/``, ``1/``, ...), each with the job's
``summary.json`` (written last: its presence marks the job complete) and its per-step
``timeseries.parquet``. Every file is written through a temporary file and renamed, so a
crash never leaves a half-written one.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

SUMMARY = "summary.json"
TIMESERIES = "timeseries.parquet"


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Write through a temporary file and rename, so a crash never leaves a half-written file."""
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)


def save_figure(figure: plt.Figure, path: Path, dpi: int = 110) -> Path:
    """Write ``figure`` as a PNG atomically, close it, and return the path."""
    atomic_write(path, lambda p: figure.savefig(p, dpi=dpi, format="png"))
    plt.close(figure)
    return path


def collect(sweep_dir: Path) -> pd.DataFrame:
    """The tidy table of all complete jobs under ``sweep_dir``: one row per run (job and seed)."""
    rows = []
    for summary in sorted(sweep_dir.glob(f"*/{SUMMARY}"), key=lambda p: job_key(p.parent.name)):
        for run in json.loads(summary.read_text())["runs"]:
            row = {"job": summary.parent.name, **run.get("swept", {}), "seed": run["seed"], "regime": run["regime"]}
            row.update(run.get("indicators", {}))
            row.update({f"final_{name}": value for name, value in run.get("final", {}).items()})
            row["error"] = run.get("error") or ""
            row["runtime_seconds"] = run.get("runtime_seconds", math.nan)
            rows.append(row)
    return pd.DataFrame(rows)


def job_key(name: str) -> tuple[int, str]:
    """Sort key of a job folder: numbered jobs in number order, anything else after them."""
    return (int(name), "") if name.isdigit() else (sys.maxsize, name)


def load_timeseries(job_dir: Path, seed: int) -> pd.DataFrame:
    """The per-step table of one replicate of a job."""
    path = job_dir / TIMESERIES
    table = pd.read_parquet(path) if path.exists() else pd.read_csv(job_dir / "timeseries.csv")
    return table[table["seed"] == seed].reset_index(drop=True)
