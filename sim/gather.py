"""Gather every run of a sweep into one tidy table, and draw its regime map and paradox figure.

    python -m sim.gather outputs/sweeps/<name>     # after a sweep, or to look at a partial one

One row per run (job and seed): the job's overrides (the swept values), the seed,
the regime, the regime indicators, the final value of every observable, the error
of a failed run. Rows are sorted by job number and seed, so the table does not
depend on the order in which parallel jobs finished.

Besides the table, what a sweep's shape calls for (:mod:`sim.hysteresis`): a sweep
with a ``ramp.direction`` column gets its plateau states, bistable ranges and
hysteresis figure; a sweep over ``model.enforcement`` at no more than
:data:`sim.hysteresis.MAX_PANELS` individualization levels gets the transition
figure and its majority bands.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from pathlib import Path

import pandas as pd

from sim.jobs import SUMMARY, atomic_write

log = logging.getLogger(__name__)

DEFAULT_AXES = ("model.individualization", "model.enforcement")


def collect(sweep_dir: Path) -> pd.DataFrame:
    """The tidy table of all complete jobs under ``sweep_dir``."""
    rows = []
    for summary in sorted(sweep_dir.glob(f"*/{SUMMARY}"), key=lambda p: _job_key(p.parent.name)):
        for run in json.loads(summary.read_text())["runs"]:
            row = {"job": summary.parent.name, **run.get("swept", {}), "seed": run["seed"], "regime": run["regime"]}
            row.update(run.get("indicators", {}))
            row.update({f"final_{name}": value for name, value in run.get("final", {}).items()})
            row["error"] = run.get("error") or ""
            row["runtime_seconds"] = run.get("runtime_seconds", math.nan)
            rows.append(row)
    return pd.DataFrame(rows)


def _job_key(name: str) -> tuple[int, str]:
    return (int(name), "") if name.isdigit() else (sys.maxsize, name)


def expected_jobs(sweep_dir: Path) -> int | None:
    """How many jobs the sweep launches, from Hydra's ``multirun.yaml`` (None if unknown)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from omegaconf import OmegaConf

    path = sweep_dir / "multirun.yaml"
    if not path.exists():
        return None
    cfg = OmegaConf.load(path)
    overrides = list(cfg.hydra.overrides.task) + [
        f"{key}={value}" for key, value in (OmegaConf.select(cfg, "hydra.sweeper.params") or {}).items()
    ]
    count = 1
    for override in OverridesParser.create().parse_overrides(overrides):
        if override.is_sweep_override():
            count *= len(list(override.sweep_string_iterator()))
    return count


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
    from sim import compare, discover, exploration, hysteresis, maps  # matplotlib only when there is something to draw

    table = collect(sweep_dir)
    report: dict[str, object] = {"runs": len(table), "jobs": table["job"].nunique() if len(table) else 0}
    report["expected_jobs"] = expected_jobs(sweep_dir)
    if table.empty:
        return report
    atomic_write(sweep_dir / "runs.parquet", lambda p: table.to_parquet(p, index=False))
    atomic_write(sweep_dir / "runs.csv", lambda p: table.to_csv(p, index=False))
    report["failed"] = int((table["error"] != "").sum())
    report["regime_shares"] = table["regime"].value_counts(normalize=True).round(3).to_dict()
    if (
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
    if (sweep_dir / exploration.SPACE).exists():
        report["discovery"] = sorted(p.name for p in discover.write_report(sweep_dir, "resilient").values())
    if chosen is not None:
        for name, figure in maps.sweep_figures(sweep_dir, table, *chosen).items():
            atomic_write(sweep_dir / name, lambda p, figure=figure: figure.savefig(p, dpi=110, format="png"))
            maps.plt.close(figure)
        report["figures"] = sorted(maps.FIGURES)
        report.update(map_reports(sweep_dir, table, *chosen))
    return report


def map_reports(sweep_dir: Path, table: pd.DataFrame, x: str, y: str) -> dict[str, object]:
    """The map's shape (``map_stats.json``) and, per ``x`` level, the objectives by regime (``objectives.md``)."""
    from sim import maps, mapstats, objectives

    ok = table[table["error"] == ""]
    summary = mapstats.map_summary(table, maps.cell_regimes(table, x, y), x, y)
    atomic_write(sweep_dir / "map_stats.json", lambda p: p.write_text(json.dumps(summary, indent=2)))
    if set(objectives.OBJECTIVES) <= set(ok.columns):
        atomic_write(sweep_dir / "objectives.md", lambda p: p.write_text(objectives.report(ok, x)))
    return {"map": summary}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Gather a sweep's runs into one table and draw its maps.")
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--x", default=DEFAULT_AXES[0], help="parameter on the map's x axis")
    parser.add_argument("--y", default=DEFAULT_AXES[1], help="parameter on the map's y axis")
    args = parser.parse_args(argv)
    if not args.sweep_dir.is_dir():
        parser.error(f"sweep_dir={args.sweep_dir} is not a folder")
    report = gather(args.sweep_dir, (args.x, args.y))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
