"""Gather every run of a sweep into one tidy table, and draw its regime map and paradox figure.

    python -m sim.gather outputs/sweeps/<name>     # after a sweep, or to look at a partial one

One row per run (job and seed): the job's overrides (the swept values), the seed,
the regime, the regime indicators, the final value of every observable, the error
of a failed run. Rows are sorted by job number and seed, so the table does not
depend on the order in which parallel jobs finished.

Besides the table, what a sweep's shape calls for (:mod:`sim.analysis.hysteresis`): a sweep
with a ``ramp.direction`` column gets its plateau states, bistable ranges and
hysteresis figure; a sweep over ``model.enforcement`` at no more than
:data:`sim.analysis.hysteresis.MAX_PANELS` individualization levels gets the transition
figure and its majority bands.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import pandas as pd

from sim.analysis.files import atomic_write, collect, damaged_jobs, save_figure
from sim.runs.sweeps import job_count, merged

log = logging.getLogger(__name__)

DEFAULT_AXES = ("model.individualization", "model.enforcement")


def expected_jobs(sweep_dir: Path) -> int | None:
    """How many jobs the sweep launches, from Hydra's ``multirun.yaml`` (None if unknown)."""
    from omegaconf import OmegaConf

    path = sweep_dir / "multirun.yaml"
    if not path.exists():
        return None
    cfg = OmegaConf.load(path)
    params = OmegaConf.select(cfg, "hydra.sweeper.params") or {}
    return job_count(merged(params, cfg.hydra.overrides.task))


def numeric_axes(table: pd.DataFrame, preferred: tuple[str, str] = DEFAULT_AXES) -> tuple[str, str] | None:
    """The two swept parameters to map: the preferred pair if both vary, else the first two that do."""
    varying = [
        c
        for c in table.columns
        if "." in c and pd.api.types.is_numeric_dtype(table[c]) and table[c].nunique() > 1 and c != "seed"
    ]
    if all(axis in varying for axis in preferred):
        return preferred
    return tuple(varying[:2]) if len(varying) >= 2 else None


def gather(sweep_dir: Path, axes: tuple[str, str] = DEFAULT_AXES) -> dict[str, object]:
    """Write ``runs.parquet``, ``runs.csv`` and, when two parameters vary, the maps and paradox figure.

    Ramp sweeps and enforcement transition sweeps also get their reports (module docstring).
    """
    from sim.analysis import compare, dose_response, hysteresis, maps, policy_robustness  # matplotlib when needed

    table = collect(sweep_dir)
    report = outcome(sweep_dir, table)
    if table.empty:
        return report
    atomic_write(sweep_dir / "runs.parquet", lambda p: table.to_parquet(p, index=False))
    atomic_write(sweep_dir / "runs.csv", lambda p: table.to_csv(p, index=False))
    report["regime_shares"] = table["regime"].value_counts(normalize=True).round(3).to_dict()
    if dose_response.is_dose_sweep(table):
        report["dose_response"] = sorted(p.name for p in dose_response.write_report(sweep_dir, table).values())
    elif policy_robustness.is_robustness_sweep(table):
        report["robustness"] = sorted(p.name for p in policy_robustness.write_report(sweep_dir, table).values())
    elif (
        compare.ARM in table.columns
        and compare.BASELINE in set(table[compare.ARM])
        and table[compare.ARM].nunique() > 1
    ):
        report["comparison"] = sorted(p.name for p in compare.write_report(sweep_dir, table).values())
    if hysteresis.RAMP in table.columns:
        report["hysteresis"] = sorted(p.name for p in hysteresis.write_report(sweep_dir).values())
    if hysteresis.is_transition_sweep(table):
        report["transition"] = sorted(p.name for p in hysteresis.write_transition(sweep_dir, table).values())
    chosen = numeric_axes(table, axes) if "point" not in table.columns else None  # a design has no grid to map
    if chosen is not None:
        for name, figure in maps.sweep_figures(sweep_dir, table, *chosen).items():
            save_figure(figure, sweep_dir / name)
        report["figures"] = sorted(maps.FIGURES)
        report.update(map_reports(sweep_dir, table, *chosen))
    return report


def outcome(sweep_dir: Path, table: pd.DataFrame) -> dict[str, object]:
    """How the sweep went: runs gathered and failed, jobs expected, missing and damaged.

    ``unsuccessful`` counts every run of the sweep that has no good row: a row with an
    error, or a run of a job that is missing or damaged (``expected_runs`` - good rows).
    """
    jobs = table["job"].nunique() if len(table) else 0
    failed = int((table["error"] != "").sum()) if len(table) else 0
    expected = expected_jobs(sweep_dir)
    replicates = _replicates(sweep_dir)
    expected_runs = expected * replicates if expected is not None and replicates is not None else len(table)
    return {
        "runs": len(table),
        "jobs": jobs,
        "expected_jobs": expected,
        "failed": failed,
        "missing_jobs": max(expected - jobs, 0) if expected is not None else None,
        "damaged": damaged_jobs(sweep_dir),
        "expected_runs": expected_runs,
        "unsuccessful": max(expected_runs - (len(table) - failed), failed),
    }


def _replicates(sweep_dir: Path) -> int | None:
    """Replicates per job, from Hydra's ``multirun.yaml`` (None if unknown)."""
    from omegaconf import OmegaConf

    path = sweep_dir / "multirun.yaml"
    return OmegaConf.select(OmegaConf.load(path), "replicates") if path.exists() else None


def map_reports(sweep_dir: Path, table: pd.DataFrame, x: str, y: str) -> dict[str, object]:
    """The map's shape (``map_stats.json``) and, per ``x`` level, the objectives by regime (``objectives.md``)."""
    from sim.analysis import maps, mapstats, objectives

    ok = table[table["error"] == ""]
    summary = mapstats.map_summary(table, maps.cell_regimes(table, x, y), x, y)
    atomic_write(sweep_dir / "map_stats.json", lambda p: p.write_text(json.dumps(summary, indent=2)))
    if set(objectives.OBJECTIVES) <= set(ok.columns):
        atomic_write(sweep_dir / "objectives.md", lambda p: p.write_text(objectives.report(ok, x)))
    return {"map": summary}


def main(argv: list[str] | None = None) -> None:
    """``python -m sim.gather <folder>``: exit 0 if every run succeeded, 3 if some failed or are missing, 2 on bad input."""
    parser = argparse.ArgumentParser(description="Gather a sweep's runs into one table and draw its maps.")
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--x", default=DEFAULT_AXES[0], help="parameter on the map's x axis")
    parser.add_argument("--y", default=DEFAULT_AXES[1], help="parameter on the map's y axis")
    args = parser.parse_args(argv)
    if not args.sweep_dir.is_dir():
        print(f"error: sweep_dir={args.sweep_dir} is not a folder", file=sys.stderr)
        sys.exit(2)
    report = gather(args.sweep_dir, (args.x, args.y))
    print(json.dumps(report, indent=2))
    if problem := failure_line(args.sweep_dir, report):
        print(problem, file=sys.stderr)
        sys.exit(3)


def failure_line(sweep_dir: Path, report: dict[str, object]) -> str | None:
    """One line for a sweep in which runs failed or are missing (damaged jobs named first); None if all succeeded."""
    if not report["unsuccessful"] and not report["damaged"]:
        return None
    lines = [f"damaged: {problem}" for problem in report["damaged"]]
    lines.append(
        f"error: {report['unsuccessful']} of {report['expected_runs']} runs failed, "
        f"see the error column of {sweep_dir}/runs.csv"
    )
    return "\n".join(lines)
