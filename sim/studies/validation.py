"""Reproducing March (1991) with the engine's special case, through the sweep machinery.

    python -m sim.validation            # full study: figures and tables in outputs/validation/
    python -m sim.validation --quick    # a small version (CI)

Three experiments on ``scenario=march1991_program`` (March's program as Christensen 2015
documents it), each a sweep of ``replicates`` seeds per cell, reported as the mean
knowledge of the code, Σ c·r / m, with a 95% confidence interval:

1. *Figure 1*: equilibrium knowledge against the socialization rate p1 for p2 = 0.1, 0.5, 0.9.
2. *Heterogeneous socialization*: fast learners (p1 = 0.9) mixed with a share of slow ones
   (p1 = 0.1), p2 = 0.5: equilibrium knowledge against the share of slow learners.
3. *Turnover and turbulence*: reality drifts (p4 = 0.02 per dimension and week); knowledge of
   the code averaged over weeks 150-200 against turnover p3, for fast and slow socialization.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.files import atomic_write, collect, save_figure

FOLDER = Path("outputs/validation")
SCENARIO = "scenario=march1991_program"


@dataclass(frozen=True)
class Experiment:
    """One sweep of the March study: its name, its overrides, and the value it reports."""

    name: str
    overrides: tuple[str, ...]
    measure: str  # a column of the gathered table


def experiments(quick: bool) -> list[Experiment]:
    """The three sweeps, small (``quick``) or full."""
    common = (SCENARIO, f"replicates={12 if quick else 80}")
    p1 = "0.1,0.9" if quick else "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9"
    shares = "0.0,0.5" if quick else "0.0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0"
    turnover = "0.0,0.1" if quick else "0.0,0.01,0.02,0.05,0.1,0.2"
    figure1 = (*common, f"model.code_adoption={p1}", "model.code_learning=0.1,0.5,0.9")
    mixed = (*common, "model.code_adoption=0.9", "model.slow_code_adoption=0.1", "model.code_learning=0.5")
    drifting = (*common, "stop_at_equilibrium=false", "steps=200", "model.turbulence=0.02", "model.code_learning=0.5")
    return [
        Experiment("figure1", figure1, "final_org_knowledge"),
        Experiment("heterogeneity", (*mixed, f"model.slow_learners={shares}"), "final_org_knowledge"),
        Experiment(
            "turbulence", (*drifting, "model.code_adoption=0.1,0.9", f"model.turnover={turnover}"), "tail_org_knowledge"
        ),
    ]


def run(experiment: Experiment, folder: Path) -> pd.DataFrame:
    """Run (or resume) one experiment's sweep; its tidy table."""
    sweep = (folder / experiment.name).resolve()
    subprocess.run([sys.executable, "-m", "sim", "-m", *experiment.overrides, f"hydra.sweep.dir={sweep}"], check=True)
    table = collect(sweep)
    if experiment.measure == "tail_org_knowledge":
        table["tail_org_knowledge"] = [
            _tail_knowledge(sweep / str(job), seed) for job, seed in zip(table["job"], table["seed"], strict=True)
        ]
    return table


def _tail_knowledge(job_dir: Path, seed: int, weeks: int = 50) -> float:
    series = pd.read_parquet(job_dir / "timeseries.parquet")
    series = series[series["seed"] == seed]
    return float(series["org_knowledge"].tail(weeks).mean())


def summarise(table: pd.DataFrame, by: list[str], measure: str) -> pd.DataFrame:
    """Mean, 95% confidence interval (Student's t) and number of seeds per cell."""

    def cell(values: pd.Series) -> pd.Series:
        n = values.size
        half = stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
        return pd.Series({"mean": values.mean(), "low": values.mean() - half, "high": values.mean() + half, "n": n})

    return table.groupby(by)[measure].apply(cell).unstack().reset_index()


def figure(summaries: dict[str, pd.DataFrame]) -> plt.Figure:
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5), layout="constrained")
    panels = [
        ("figure1", "model.code_adoption", "model.code_learning", "p2 = {:g}", "socialization rate p1", "equilibrium knowledge"),
        ("heterogeneity", "model.slow_learners", None, "", "share of slow learners (p1 = 0.1; others 0.9)", "equilibrium knowledge"),
        ("turbulence", "model.turnover", "model.code_adoption", "p1 = {:g}", "turnover p3", "knowledge, weeks 150-200"),
    ]  # fmt: skip
    for ax, (name, x, line, label, xlabel, ylabel) in zip(axes, panels, strict=True):
        summary = summaries[name]
        groups = summary.groupby(line) if line else [(None, summary)]
        for key, part in groups:
            part = part.sort_values(x)
            ax.plot(part[x], part["mean"], marker="o", label=label.format(key) if line else None)
            ax.fill_between(part[x], part["low"], part["high"], alpha=0.2)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        if line:
            ax.legend()
    axes[0].set_title("March's Figure 1")
    axes[1].set_title("Heterogeneous socialization")
    axes[2].set_title("Turnover under turbulence (p4 = 0.02)")
    return fig


GROUPING = {
    "figure1": ["model.code_learning", "model.code_adoption"],
    "heterogeneity": ["model.slow_learners"],
    "turbulence": ["model.code_adoption", "model.turnover"],
}


def study(quick: bool, folder: Path = FOLDER) -> dict[str, pd.DataFrame]:
    """Run the three experiments, write their summaries and the figure; return the summaries."""
    out = folder / ("quick" if quick else "full")
    summaries = {}
    for experiment in experiments(quick):
        table = run(experiment, out)
        summaries[experiment.name] = summarise(table, GROUPING[experiment.name], experiment.measure)
        atomic_write(out / f"{experiment.name}.csv", lambda p, s=summaries[experiment.name]: s.to_csv(p, index=False))
    save_figure(figure(summaries), out / "march1991.png")
    return summaries


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Reproduce March (1991) with the engine.")
    parser.add_argument("--quick", action="store_true", help="a small version, for a smoke test")
    args = parser.parse_args(argv)
    for name, summary in study(args.quick).items():
        print(f"\n{name}\n{summary.round(3).to_string(index=False)}")
