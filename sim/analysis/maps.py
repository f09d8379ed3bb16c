"""Figures of a sweep: the regime map, maps of the indicators, and the equilibrium-paradox figure."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

from sim.analysis.files import load_timeseries
from sim.analysis.plotting import legend_outside, parameter_label, rolling
from sim.analysis.regimes import REGIMES
from sim.core.config import RegimeConfig

COLOURS = {
    "rigid": "#4477AA",
    "loose": "#EE6677",
    "resilient": "#228833",
    "inert": "#CCBB44",
    "unsettled": "#BBBBBB",
    "failed": "#000000",
}
ORDER = [*REGIMES, "failed"]  # colour order of the map (and tie-break order of majorities)
DARK_TEXT = {"inert", "unsettled"}  # cell labels in black on these light colours
WINDOWS = RegimeConfig()  # the default windows, named in the captions
FIGURES = ("regime_map.png", "indicator_maps.png", "paradox.png")
MAPPED = {
    "commons_quality": "commons quality Q",
    "autonomy": "mean autonomy",
    "recovery_time": "weeks to recover from the shock",
    "surface_churn": "surface churn (changes / worker / week)",
    "code_change_rate": "code change rate (share of code / week)",
    "data_worker_share": "share of data workers",
    "productivity": "productivity",
    "satisfaction": "satisfaction",
}


def cell_regimes(table: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    """Per cell of the (x, y) grid: the majority regime, how many seeds agree, and how many ran."""

    def majority(regimes: pd.Series) -> pd.Series:
        counts = regimes.value_counts()
        top = counts[counts == counts.max()].index
        winner = next(r for r in ORDER if r in top)  # ties broken in a fixed order
        return pd.Series({"regime": winner, "agree": int(counts[winner]), "runs": int(counts.sum())})

    return table.groupby([y, x])["regime"].apply(majority).unstack().reset_index()


def _grid(frame: pd.DataFrame, x: str, y: str, column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pivot = frame.pivot(index=y, columns=x, values=column).sort_index().sort_index(axis=1)
    return pivot.columns.to_numpy(), pivot.index.to_numpy(), pivot.to_numpy()


def _edges(values: np.ndarray) -> np.ndarray:
    """Cell edges around sorted centre values (for pcolormesh)."""
    values = values.astype(float)
    if values.size == 1:
        return np.array([values[0] - 0.5, values[0] + 0.5])
    mids = (values[1:] + values[:-1]) / 2
    return np.concatenate([[values[0] - (mids[0] - values[0])], mids, [values[-1] + (values[-1] - mids[-1])]])


def regime_map(table: pd.DataFrame, x: str, y: str) -> plt.Figure:
    """Cells coloured by the majority regime; each labelled with how many seeds agree."""
    fig, ax = plt.subplots(figsize=(7.5, 6.5), layout="constrained")
    draw_regime_map(ax, table, x, y)
    shares = table["regime"].value_counts(normalize=True)
    ax.legend(
        handles=[Patch(color=COLOURS[r], label=f"{r} ({shares.get(r, 0):.0%} of runs)") for r in ORDER if r in shares],
        loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, frameon=False,
    )  # fmt: skip
    ax.set_title(f"Regime map: majority regime per cell, seeds agreeing / seeds run\n({len(table)} runs)")
    return fig


def draw_regime_map(ax: plt.Axes, table: pd.DataFrame, x: str, y: str, fontsize: float = 7) -> None:
    """Draw the majority regime of each cell onto ``ax``, each cell labelled seeds agreeing / seeds run."""
    cells = cell_regimes(table, x, y)
    cells["code"] = cells["regime"].map(ORDER.index)
    xs, ys, codes = _grid(cells, x, y, "code")
    _, _, agree = _grid(cells, x, y, "agree")
    _, _, runs = _grid(cells, x, y, "runs")
    ax.pcolormesh(
        _edges(xs), _edges(ys), codes.astype(float), cmap=ListedColormap([COLOURS[r] for r in ORDER]), vmin=-0.5,
        vmax=len(ORDER) - 0.5,
    )  # fmt: skip
    for i, yv in enumerate(ys):
        for j, xv in enumerate(xs):
            if not np.isnan(agree[i, j]):
                colour = "black" if ORDER[int(codes[i, j])] in DARK_TEXT else "white"
                label = f"{int(agree[i, j])}/{int(runs[i, j])}"
                ax.text(xv, yv, label, ha="center", va="center", fontsize=fontsize, color=colour)
    ax.set_xlabel(parameter_label(x))
    ax.set_ylabel(parameter_label(y))


def draw_boundaries(ax: plt.Axes, table: pd.DataFrame, x: str, y: str) -> int:
    """White lines between neighbouring cells whose majority regimes differ; returns how many were drawn."""
    cells = cell_regimes(table, x, y)
    cells["code"] = cells["regime"].map(ORDER.index)
    xs, ys, codes = _grid(cells, x, y, "code")
    xe, ye = _edges(xs), _edges(ys)
    segments = []
    for i in range(len(ys)):
        for j in range(len(xs)):
            if j + 1 < len(xs) and codes[i, j] != codes[i, j + 1]:
                segments.append([(xe[j + 1], ye[i]), (xe[j + 1], ye[i + 1])])
            if i + 1 < len(ys) and codes[i, j] != codes[i + 1, j]:
                segments.append([(xe[j], ye[i + 1]), (xe[j + 1], ye[i + 1])])
    if segments:
        ax.add_collection(LineCollection(segments, colors="white", linewidths=1.5, label="regime boundary"))
    return len(segments)


def indicator_maps(table: pd.DataFrame, x: str, y: str) -> plt.Figure:
    """Mean of each main continuous indicator per cell, on a colour scale from its 2nd to 98th percentile.

    Grey cells have no value (recovery: never recovered), with a legend entry saying so; white
    lines are the boundaries of the regime map's regions (where there is a regime column)."""
    present = [c for c in MAPPED if c in table.columns]
    cols = 4
    rows = -(-len(present) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.4 * rows), layout="constrained", squeeze=False)
    means = table.groupby([y, x])[present].mean().reset_index()
    for ax, column in zip(axes.flat, present, strict=False):
        xs, ys, values = _grid(means, x, y, column)
        cmap = plt.get_cmap("viridis").with_extremes(bad="#DDDDDD")
        finite = values[np.isfinite(values.astype(float))].astype(float)
        low, high = np.percentile(finite, [2, 98]) if finite.size else (0.0, 1.0)
        mesh = ax.pcolormesh(
            _edges(xs), _edges(ys), np.ma.masked_invalid(values.astype(float)), cmap=cmap, vmin=low,
            vmax=high if high > low else low + 1e-9,
        )  # fmt: skip
        fig.colorbar(mesh, ax=ax, extend="both")  # an outlier cell saturates instead of setting the scale
        ax.set_title(MAPPED[column], fontsize=9)
        if "regime" in table.columns:
            draw_boundaries(ax, table, x, y)
        ax.set_xlabel(parameter_label(x), fontsize=7)
        ax.set_ylabel(parameter_label(y), fontsize=7)
        if finite.size < values.size:
            missing = "never recovered" if column == "recovery_time" else "no value"
            ax.legend(handles=[Patch(color="#DDDDDD", label=missing)], fontsize=7, loc="upper center",
                      bbox_to_anchor=(0.5, -0.28), frameon=False)  # fmt: skip
    for ax in axes.flat[len(present) :]:
        ax.set_visible(False)
    fig.suptitle(
        "Mean over the seeds of each cell. Steady state (Q, autonomy, churn, code change, data workers): the"
        f" regime.baseline_window ({WINDOWS.baseline_window} by default) weeks before the test shock;\nrecovery:"
        " weeks after it; productivity and satisfaction: the settled horizon (regime.settle_window,"
        f" {WINDOWS.settle_window} by default, weeks before the shock to the end). White lines: regime boundaries.",
        fontsize=9,
    )
    return fig


def representative_runs(table: pd.DataFrame, x: str, y: str) -> dict[str, pd.Series]:
    """For each regime present, one typical run: from the cells where most seeds agree on that
    regime, the one nearest the centre of the regime's region; its lowest seed of that regime."""
    cells = cell_regimes(table, x, y)
    chosen = {}
    for regime in REGIMES:
        region = cells[cells["regime"] == regime]
        if region.empty:
            continue
        best = region[region["agree"] == region["agree"].max()]
        distance = (best[x] - region[x].mean()) ** 2 + (best[y] - region[y].mean()) ** 2
        cell = best.loc[distance.idxmin()]
        runs = table[(table[x] == cell[x]) & (table[y] == cell[y]) & (table["regime"] == regime)]
        chosen[regime] = runs.sort_values("seed").iloc[0]
    return chosen


def paradox_figure(sweep_dir: Path, table: pd.DataFrame, x: str, y: str, burn_in: int = 25) -> plt.Figure:
    """Surface churn beside the code's change rate on shared time, one row per regime.

    The first ``burn_in`` weeks, when a blank code is first written, are left out.
    """
    chosen = representative_runs(table, x, y)
    fig, axes = plt.subplots(
        len(chosen), 2, figsize=(12, 2.8 * len(chosen)), sharex=True, layout="constrained", squeeze=False
    )
    for (regime, run), (surface, deep) in zip(chosen.items(), axes, strict=True):
        series = load_timeseries(sweep_dir / str(run["job"]), int(run["seed"]))
        series = series[series["step"] >= burn_in]
        window = max(1, len(series) // 50)
        step = series["step"]
        surface.plot(step, rolling(series["surface_churn"], window), color=COLOURS[regime], label="surface churn")
        surface.plot(step, series["autonomy_mean"], color="black", lw=1, label="mean autonomy")
        deep.plot(
            step, rolling(series["deep_change"], window), color=COLOURS[regime], label="code entries changed / week"
        )
        deep.plot(step, series["org_knowledge"], color="black", lw=1, label="knowledge of the code")
        deep.plot(step, series["commons_quality"], color="grey", lw=1, ls="--", label="commons quality Q")
        shock = run.get("shock_week")
        if shock is not None and not np.isnan(shock):
            for ax in (surface, deep):
                ax.axvline(shock, color="grey", ls=":", lw=1.5, label="test shock (settled)")
        label = f"{regime}: {x.split('.')[-1]}={run[x]:g}, {y.split('.')[-1]}={run[y]:g}, seed {int(run['seed'])}"
        surface.set_title(f"{label} — surface (fast)", fontsize=9, loc="left")
        surface.set_ylabel("changes / worker / week;\nautonomy: share", fontsize=7)
        deep.set_ylabel("code entries / week;\nknowledge, Q: score", fontsize=7)
        deep.set_title("deep (slow)", fontsize=9, loc="left")
        for ax in (surface, deep):
            ax.grid(alpha=0.3)
            legend_outside(ax)
    for ax in axes[-1]:
        ax.set_xlabel("week")
    fig.suptitle("The equilibrium paradox: fast surface churn beside a quasi-stable code")
    return fig


def sweep_figures(sweep_dir: Path, table: pd.DataFrame, x: str, y: str) -> dict[str, plt.Figure]:
    """All figures of a two-parameter sweep, keyed by file name."""
    ok = table[table["error"] == ""]
    return {
        "regime_map.png": regime_map(table, x, y),
        "indicator_maps.png": indicator_maps(ok, x, y),
        "paradox.png": paradox_figure(sweep_dir, ok, x, y),
    }
