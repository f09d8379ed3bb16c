"""Writing one run's results: the per-step table, an end-state summary and a figure."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from sim.config import RunConfig
from sim.plotting import dynamics_figure


def atomic_write(path: Path, write) -> None:
    """Write through a temporary file and rename, so a crash never leaves a half-written file."""
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)


def summarise(table: pd.DataFrame, run: RunConfig, runtime_seconds: float) -> dict[str, Any]:
    """End-state indicators: the last row, and the mean over the last tenth of the run."""
    observables = table.drop(columns="step")
    tail = observables.tail(max(1, len(table) // 10))
    return {
        "seed": run.seed,
        "steps_run": int(table["step"].iloc[-1]),
        "stopped_early": bool(table["step"].iloc[-1] < run.steps),
        "runtime_seconds": round(runtime_seconds, 3),
        "final": observables.iloc[-1].to_dict(),
        "tail_mean": tail.mean().to_dict(),
    }


def write_run(folder: Path, table: pd.DataFrame, run: RunConfig, runtime_seconds: float) -> dict[str, Path]:
    """Write the table (Parquet or CSV), ``summary.json`` and ``dynamics.png`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    if run.output.table_format == "parquet":
        written["table"] = folder / "timeseries.parquet"
        atomic_write(written["table"], lambda p: table.to_parquet(p, index=False))
    else:
        written["table"] = folder / "timeseries.csv"
        atomic_write(written["table"], lambda p: table.to_csv(p, index=False))
    summary = summarise(table, run, runtime_seconds)
    written["summary"] = folder / "summary.json"
    atomic_write(written["summary"], lambda p: p.write_text(json.dumps(summary, indent=2)))
    if run.output.figure:
        fig = dynamics_figure(
            table, [shock.time for shock in run.model.shocks], title=f"dual-IS dynamics (seed {run.seed})"
        )
        written["figure"] = folder / "dynamics.png"
        atomic_write(written["figure"], lambda p: fig.savefig(p, dpi=110, format="png"))
    return written
