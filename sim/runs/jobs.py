"""One job of a run or a sweep: its replicates, their results, written so that nothing is lost.

A job runs ``replicates`` seeds of one configuration and writes into its folder:

* ``timeseries.parquet`` (or ``.csv``): the per-step table of every replicate, with a ``seed`` column;
* ``summary.json``: per replicate the swept values, the end state, the regime indicators and
  the regime, or the error that stopped it; and the job record: the overrides the job ran, a
  hash of its resolved configuration, its number of replicates and the checksum of its time
  series. It is written last, atomically. A sweep started again reuses a job only when its
  summary is intact and its record matches (:func:`is_complete`), and runs it again otherwise;
* ``dynamics.png`` (optional): the dynamics of the first replicate.

No Hydra here: :mod:`sim.cli.app` hands in the configuration and the job's folder.
"""

from __future__ import annotations

import dataclasses
import json
import math
import traceback
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from sim.analysis.files import SUMMARY, TIMESERIES, DamagedJob, atomic_write, file_digest, read_summary, save_figure
from sim.analysis.plotting import dynamics_figure
from sim.analysis.regimes import classify, indicators
from sim.core.config import ConfigError, RunConfig
from sim.runs.design import apply_point, point_values
from sim.runs.runner import Simulation, simulate


def replicate_result(run: RunConfig, simulation: Simulation) -> dict[str, Any]:
    """End state, regime indicators and regime of one finished replicate."""
    table = simulation.table
    observables = table.drop(columns=["seed", "step"], errors="ignore")
    values = indicators(table, simulation.test_shock, run.model.n_dimensions, run.regime)
    if run.regime.test == "settled" and simulation.test_shock is None:
        values["settled"] = False  # not settled by the burn-in cap, so never tested
    return {
        "regime": classify(values, run.regime),
        "indicators": {key: None if _is_nan(value) else value for key, value in values.items()},
        "steps_run": int(table["step"].iloc[-1]),
        "stopped_early": bool(table["step"].iloc[-1] < run.steps),
        "runtime_seconds": round(simulation.runtime, 3),
        "final": observables.iloc[-1].to_dict(),
        "error": None,
    }


def run_replicates(run: RunConfig, progress: bool = False) -> tuple[list[dict[str, Any]], pd.DataFrame | None]:
    """Simulate seeds ``run.seed ... run.seed + replicates - 1``; a failure becomes a result, not a crash."""
    results, tables = [], []
    for offset in range(run.replicates):
        replicate = dataclasses.replace(run, seed=run.seed + offset)
        try:
            simulation = simulate(replicate, progress=progress)
        except Exception as exc:  # noqa: BLE001 -- a sweep records a failed run as a row with its error
            results.append({"seed": replicate.seed, "regime": "failed", "error": _describe(exc)})
            continue
        results.append({"seed": replicate.seed, **replicate_result(replicate, simulation)})
        tables.append(simulation.table.assign(seed=replicate.seed))
    combined = pd.concat(tables, ignore_index=True) if tables else None
    if combined is not None:
        combined = combined[["seed", *[c for c in combined.columns if c != "seed"]]]
    return results, combined


def _describe(exc: BaseException) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" ({Path(last.filename).name}:{last.lineno})" if last else ""
    return f"{type(exc).__name__}: {exc}{where}"


class JobIdentity(NamedTuple):
    """What a job is: the overrides it ran (in any order) and the hash of its resolved configuration."""

    overrides: tuple[str, ...]
    config_sha256: str


def is_complete(folder: Path, identity: JobIdentity | None = None) -> bool:
    """Whether this job finished intact (and, given ``identity``, ran exactly this), so a restarted sweep can skip it."""
    try:
        record = read_summary(folder)["job"]
    except DamagedJob:
        return False
    if identity is None:
        return True
    return tuple(sorted(record.get("overrides") or ())) == identity.overrides and (
        record.get("config_sha256") == identity.config_sha256
    )


def run_job(
    folder: Path,
    run: RunConfig,
    swept: dict[str, Any],
    figure: bool,
    progress: bool = False,
    identity: JobIdentity | None = None,
) -> list[dict]:
    """Run one job into ``folder`` unless it is complete; return its per-replicate results."""
    folder.mkdir(parents=True, exist_ok=True)
    if is_complete(folder, identity):
        return read_summary(folder)["runs"]
    for stale in folder.glob(".*.tmp"):  # left by a killed writer; the sweep's lock makes them nobody's
        stale.unlink()
    try:
        run = apply_point(run)
        swept = {**swept, **point_values(run)}
    except ConfigError as exc:  # a bad design row fails its runs, not the sweep
        results, table = (
            [{"seed": run.seed + i, "regime": "failed", "error": str(exc)} for i in range(run.replicates)],
            None,
        )
    else:
        results, table = run_replicates(run, progress=progress)
    for result in results:
        result["swept"] = swept
    series = None
    if table is not None:
        series = _write_table(folder, table, run.output.table_format)
        if figure:
            first = table[table["seed"] == run.seed].drop(columns="seed")
            shocks = {s.time for s in run.model.shocks} | _test_shocks(results[:1])
            fig = dynamics_figure(first, sorted(shocks), title=f"dual-IS dynamics (seed {run.seed})")
            save_figure(fig, folder / "dynamics.png")
    record = {
        "overrides": list(identity.overrides) if identity else None,
        "config_sha256": identity.config_sha256 if identity else None,
        "replicates": run.replicates,
        "timeseries": {"file": series.name, "sha256": file_digest(series)} if series else None,
    }
    text = json.dumps({"job": record, "runs": results}, indent=2, default=_plain)
    atomic_write(folder / SUMMARY, lambda p: p.write_text(text))
    return results


def _test_shocks(results: list[dict]) -> set[int]:
    """The weeks of the regime test shocks of these results (none for failed runs or runs not tested)."""
    weeks = (result.get("indicators", {}).get("shock_week") for result in results)
    return {int(week) for week in weeks if week is not None}


def _write_table(folder: Path, table: pd.DataFrame, table_format: str) -> Path:
    """Write the per-step table in the chosen format; return the file written."""
    if table_format == "parquet":
        path = folder / TIMESERIES
        atomic_write(path, lambda p: table.to_parquet(p, index=False))
    else:
        path = folder / "timeseries.csv"
        atomic_write(path, lambda p: table.to_csv(p, index=False))
    return path


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _plain(value: Any) -> Any:
    """JSON for NumPy scalars (e.g. numpy.bool_ from pandas)."""
    return value.item() if hasattr(value, "item") else str(value)
