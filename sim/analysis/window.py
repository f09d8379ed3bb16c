"""What happened in weeks a to b? Means of observables over a window of weeks, per swept value.

    python -m sim.window outputs/sweeps/<name> --start 100 --end 160
    python -m sim.window <sweep folder> --start 100 --end 160 --observables commons_quality,satisfaction

A scenario's story often happens between two scheduled events (a lockdown from week 100
to 160), not at the regime test; this reads every job's per-week table and reports, for
each combination of swept values, the mean over runs of each observable's mean over
weeks ``start <= week < end``, with the number of runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from sim.analysis.files import collect, load_timeseries
from sim.core.observables import OBSERVABLES


def window_means(sweep_dir: Path, start: int, end: int, observables: list[str]) -> pd.DataFrame:
    """Per run: its swept values and the mean of each observable over weeks ``[start, end)``."""
    runs = collect(sweep_dir)
    runs = runs[runs["error"] == ""]
    swept = [c for c in runs.columns if "." in c or c in ("scenario", "policy")]
    varying = [c for c in swept if runs[c].nunique() > 1]
    rows = []
    for _, run in runs.iterrows():
        series = load_timeseries(sweep_dir / str(run["job"]), int(run["seed"]))
        weeks = series[(series["step"] >= start) & (series["step"] < end)]
        rows.append({**{c: run[c] for c in varying}, "seed": run["seed"], **weeks[observables].mean().to_dict()})
    return pd.DataFrame(rows)


def summary(means: pd.DataFrame, observables: list[str]) -> pd.DataFrame:
    """Mean over runs per combination of swept values, with the number of runs."""
    groups = [c for c in means.columns if c not in (*observables, "seed")]
    if not groups:
        return means[observables].mean().to_frame().T.assign(runs=len(means))
    table = means.groupby(groups)[observables].mean()
    return table.assign(runs=means.groupby(groups).size()).reset_index()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Means of observables over a window of weeks, per swept value.")
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--start", type=int, required=True, help="first week of the window")
    parser.add_argument("--end", type=int, required=True, help="first week after the window")
    parser.add_argument("--observables", default=",".join(OBSERVABLES), help="comma-separated observable names")
    args = parser.parse_args(argv)
    observables = args.observables.split(",")
    unknown = [name for name in observables if name not in OBSERVABLES]
    if not args.sweep_dir.is_dir():
        parser.error(f"sweep_dir={args.sweep_dir} is not a folder")
    if unknown:
        parser.error(f"--observables={','.join(unknown)} not known; allowed: {', '.join(OBSERVABLES)}")
    if args.end <= args.start:
        parser.error(f"--end={args.end} must be after --start={args.start}")
    means = window_means(args.sweep_dir, args.start, args.end, observables)
    print(summary(means, observables).round(3).to_string(index=False))
