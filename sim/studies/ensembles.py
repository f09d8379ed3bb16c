"""Ensembles over time: the main observables of a sweep's runs, grouped by regime or by a discovered box.

    python -m sim.ensembles <sweep folder>                                   # grouped by regime
    python -m sim.ensembles <sweep folder> --box <sweep>/discovery-resilient/boxes.csv [--box-number 1]

Each panel draws, per group, the median over runs and the band between the 5% and 95%
quantiles, week by week. Under the settled regime test every run meets its test shock in
another week, so time is counted from each run's test shock (the shock at week 0, marked);
when all runs were shocked in the same week (a scheduled test) or none was, time is the
run's own week, the shock marked where it hit. A group with more than ``--max-runs`` runs is
drawn from an evenly spaced subset of them, in job order, so the figure does not depend on
chance. Writes ``ensembles-<grouping>.png`` and the bands as ``ensembles-<grouping>.csv``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.analysis.files import atomic_write, load_timeseries
from sim.analysis.maps import COLOURS, ORDER

OBSERVABLES = {
    "worker_knowledge": "knowledge of the workers (share of dimensions)",
    "commons_quality": "commons quality Q",
    "autonomy_mean": "mean autonomy (share of work)",
    "data_worker_share": "share of data workers",
    "surface_churn": "surface churn (changes / worker / week)",
    "productivity": "productivity (payoff units / worker / week)",
}
QUANTILES = (0.05, 0.5, 0.95)
BEFORE, AFTER = 200, 200
"""Weeks drawn before and after the test shock when time is counted from it."""
BOX_COLOURS = {"in the box": "#228833", "outside the box": "#BBBBBB"}


class EnsembleError(ValueError):
    """A folder, box file or observable the ensembles cannot be drawn from (one line)."""


def box_membership(runs: pd.DataFrame, boxes_csv: Path, number: int = 1) -> pd.Series:
    """ "in the box" or "outside the box" per run, for box ``number`` of a discovery's ``boxes.csv``."""
    if not Path(boxes_csv).is_file():
        raise EnsembleError(f"--box={boxes_csv} is not a file; allowed: a boxes.csv written by python -m sim.discover")
    boxes = pd.read_csv(boxes_csv)
    limits = boxes[(boxes["box"] == number) & boxes["parameter"].notna()]
    if limits.empty:
        raise EnsembleError(f"--box-number={number} is not a box of {boxes_csv}; allowed: {sorted(set(boxes['box']))}")
    inside = pd.Series(True, index=runs.index)
    for _, limit in limits.iterrows():
        column = f"model.{limit['parameter']}"
        if column not in runs.columns:
            raise EnsembleError(f"--box={boxes_csv} restricts {limit['parameter']}, which this sweep does not vary")
        inside &= runs[column].between(limit["min"], limit["max"])
    return inside.map({True: "in the box", False: "outside the box"})


def _shock_weeks(runs: pd.DataFrame) -> pd.Series:
    return runs["shock_week"] if "shock_week" in runs.columns else pd.Series(np.nan, index=runs.index)


def aligned(runs: pd.DataFrame) -> bool:
    """Whether time is counted from each run's test shock (the runs were shocked in different weeks)."""
    weeks = _shock_weeks(runs).dropna()
    return weeks.nunique() > 1


def subset(group: pd.DataFrame, most: int) -> pd.DataFrame:
    """At most ``most`` runs of a group, evenly spaced in job order."""
    if len(group) <= most:
        return group
    return group.iloc[np.linspace(0, len(group) - 1, most).round().astype(int)]


def bands(sweep_dir: Path, runs: pd.DataFrame, groups: pd.Series, observables: list[str], most: int) -> pd.DataFrame:
    """Per group, week and observable: the 5%, 50% and 95% quantiles over the group's runs."""
    shift = aligned(runs)
    rows = []
    for name, members in runs.groupby(groups, sort=False):
        series = []
        for _, run in subset(members, most).iterrows():
            table = load_timeseries(Path(sweep_dir) / str(run["job"]), int(run["seed"]))
            if shift:
                if pd.isna(run.get("shock_week")):
                    continue  # never tested: no shock to count from
                table = table.assign(week=table["step"] - int(run["shock_week"]))
                table = table[table["week"].between(-BEFORE, AFTER)]
            else:
                table = table.assign(week=table["step"])
            series.append(table[["week", *observables]].assign(run=len(series)))
        if not series:
            continue
        joined = pd.concat(series, ignore_index=True)
        quantiles = joined.groupby("week")[observables].quantile(list(QUANTILES)).unstack()
        counts = joined.groupby("week")["run"].nunique()
        for week, row in quantiles.iterrows():
            for observable in observables:
                rows.append({"group": name, "week": week, "observable": observable, "runs": int(counts[week]),
                             **{f"q{int(q * 100):02d}": row[(observable, q)] for q in QUANTILES}})  # fmt: skip
    return pd.DataFrame(rows)


def figure(table: pd.DataFrame, runs: pd.DataFrame, groups: pd.Series, title: str) -> plt.Figure:
    """One panel per observable: a median line and a 5–95% band per group, the shock marked."""
    observables = list(dict.fromkeys(table["observable"]))
    shift = aligned(runs)
    columns = 3 if len(observables) > 4 else 2
    rows = -(-len(observables) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(5.2 * columns, 3.4 * rows + 0.8), sharex=True, squeeze=False)
    sizes = groups.value_counts()
    names = [g for g in [*ORDER, *BOX_COLOURS] if g in set(table["group"])] + [
        g for g in dict.fromkeys(table["group"]) if g not in ORDER and g not in BOX_COLOURS
    ]
    weeks = _shock_weeks(runs).dropna()
    for ax, observable in zip(axes.flat, observables, strict=False):
        part = table[table["observable"] == observable]
        for name in names:
            g = part[part["group"] == name]
            colour = COLOURS.get(name, BOX_COLOURS.get(name))
            drawn = int(g["runs"].max()) if len(g) else 0
            ax.fill_between(g["week"], g["q05"], g["q95"], color=colour, alpha=0.25, lw=0)
            ax.plot(g["week"], g["q50"], color=colour, lw=1.6,
                    label=f"{name}: median, 5–95% band ({sizes.get(name, 0)} runs" + (f", {drawn} drawn)" if drawn < sizes.get(name, 0) else ")"))  # fmt: skip
        if shift:
            ax.axvline(0, color="black", ls=":", lw=1.2, label="test shock")
        elif len(weeks):
            ax.axvline(float(weeks.iloc[0]), color="black", ls=":", lw=1.2, label="test shock")
        ax.set_title(OBSERVABLES.get(observable, observable), fontsize=9)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(observables) :]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("weeks since the test shock" if shift else "week")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(3, len(labels)), fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0.04 + 0.02 * (len(labels) // 3), 1, 1))
    return fig


def write(
    sweep_dir: Path,
    boxes_csv: Path | None = None,
    box_number: int = 1,
    observables: list[str] | None = None,
    most: int = 200,
) -> dict[str, Path]:
    """Draw and write the ensembles of the sweep in ``sweep_dir``; the paths by name."""
    from sim.studies.discover import DiscoveryError, load_runs

    sweep_dir = Path(sweep_dir)
    try:
        runs = load_runs(sweep_dir)
    except DiscoveryError as exc:
        raise EnsembleError(str(exc)) from None
    runs = runs[runs["error"] == ""].reset_index(drop=True)
    observables = observables or list(OBSERVABLES)
    sample = load_timeseries(sweep_dir / str(runs["job"].iloc[0]), int(runs["seed"].iloc[0]))
    unknown = [o for o in observables if o not in sample.columns]
    if unknown:
        allowed = [c for c in sample.columns if c not in ("seed", "step")]
        raise EnsembleError(f"--observables: {unknown[0]} is not an observable; allowed: {', '.join(allowed)}")
    if boxes_csv is not None:
        groups, name = box_membership(runs, boxes_csv, box_number), f"box{box_number}"
        title = f"Runs inside and outside PRIM box {box_number} ({Path(boxes_csv).parent.name})"
    else:
        groups, name, title = runs["regime"], "regime", "Runs by regime"
    table = bands(sweep_dir, runs, groups, observables, most)
    paths = {"csv": sweep_dir / f"ensembles-{name}.csv", "figure": sweep_dir / f"ensembles-{name}.png"}
    atomic_write(paths["csv"], lambda p: table.to_csv(p, index=False))
    fig = figure(table, runs, groups, f"{title}: median and 5–95% band over runs")
    atomic_write(paths["figure"], lambda p: fig.savefig(p, dpi=110, format="png"))
    plt.close(fig)
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Median and 5-95% bands of a sweep's observables, by regime or box.")
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--box", type=Path, default=None, help="a discovery's boxes.csv: group by inside/outside a box")
    parser.add_argument("--box-number", type=int, default=1, help="which box of --box (default 1)")
    parser.add_argument("--observables", nargs="+", default=None, help=f"default: {' '.join(OBSERVABLES)}")
    parser.add_argument("--max-runs", type=int, default=200, help="runs drawn per group at most (default 200)")
    args = parser.parse_args(argv)
    if args.max_runs < 1:
        parser.exit(2, f"error: --max-runs={args.max_runs}; allowed: at least 1\n")
    try:
        paths = write(args.sweep_dir, args.box, args.box_number, args.observables, args.max_runs)
    except EnsembleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    print(f"wrote {paths['figure']} and {paths['csv']}")
