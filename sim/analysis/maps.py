"""Figures of a sweep: the regime map, maps of the indicators, and the equilibrium-paradox figure."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

from sim.analysis.compare import Settings
from sim.analysis.files import load_timeseries
from sim.analysis.plotting import Run, caption, label, parameter_label, run_title, side_by_side
from sim.analysis.regimes import REGIMES

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
FIGURES = ("regime_map.png", "indicator_maps.png", "paradox.png")
MAPPED = {  # indicator: (title, unit of its colour bar)
    "commons_quality": ("commons quality Q", "share"),
    "autonomy": ("mean autonomy", "share of work in personal tools"),
    "recovery_time": ("weeks to recover from the shock", "weeks"),
    "surface_churn": ("surface churn", "changes per worker per week"),
    "code_change_rate": ("code change rate", "code entries per dimension per week"),
    "data_worker_share": ("share of data workers", "share of workers"),
    "productivity": ("productivity", "payoff units per worker"),
    "satisfaction": ("satisfaction", "score in [0, 1]"),
}


def after_shock(settings: Settings) -> str:
    """The weeks watched after a run's test shock, in words."""
    if settings.regime_test == "settled":
        return f"the {settings.recovery_window} weeks after it"
    return "the weeks after it to the end of the run"


def regime_window(settings: Settings) -> str:
    """What a run's regime is read off, in words: the steady state before the test shock, and the weeks after."""
    return f"{settings.window_text()}, and {after_shock(settings)}"


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


def regime_map(table: pd.DataFrame, x: str, y: str, settings: Settings | None = None) -> plt.Figure:
    """Cells coloured by the majority regime; each labelled with how many seeds agree.

    The title states the weeks each run's regime is read off (``settings``: the sweep's, by default the
    default windows around the table's test shocks)."""
    settings = settings or Settings.defaults(table)
    fig, ax = plt.subplots(figsize=(7.5, 6.8), layout="constrained")
    draw_regime_map(ax, table, x, y)
    shares = table["regime"].value_counts(normalize=True)
    ax.legend(
        handles=[Patch(color=COLOURS[r], label=f"{r} ({shares.get(r, 0):.0%} of runs)") for r in ORDER if r in shares],
        loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, frameon=False,
    )  # fmt: skip
    ax.set_title(
        caption(
            f"Regime map: majority regime per cell, seeds agreeing / seeds run ({len(table)} runs).",
            f"Each run's regime is read off {regime_window(settings)}.",
            width=80,
        ),
        fontsize=9,
    )
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


def colour_range(values: np.ndarray) -> tuple[float, float]:
    """A colour scale from the 2nd to the 98th percentile, so an outlier cell or two do not set it.

    Where nearly every cell has the same value the percentiles coincide; then the scale runs to
    the largest value (the few cells that differ show), or over one unit if all are equal."""
    if not values.size:
        return 0.0, 1.0
    low, high = np.percentile(values, [2, 98])
    if high <= low:
        high = values.max() if values.max() > low else low + 1.0
    return float(low), float(high)


def indicator_maps(table: pd.DataFrame, x: str, y: str, settings: Settings | None = None) -> plt.Figure:
    """Mean of each main continuous indicator per cell, on a colour scale from its 2nd to 98th percentile.

    Grey cells have no value (recovery: never recovered), with a legend entry saying so; white
    lines are the boundaries of the regime map's regions (where there is a regime column). The
    caption states the window each indicator is measured over (``settings``: as :func:`regime_map`)."""
    settings = settings or Settings.defaults(table)
    present = [c for c in MAPPED if c in table.columns]
    cols = 4
    rows = -(-len(present) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.4 * rows + 0.4), layout="constrained", squeeze=False)
    means = table.groupby([y, x])[present].mean().reset_index()
    for ax, column in zip(axes.flat, present, strict=False):
        xs, ys, values = _grid(means, x, y, column)
        cmap = plt.get_cmap("viridis").with_extremes(bad="#DDDDDD")
        finite = values[np.isfinite(values.astype(float))].astype(float)
        low, high = colour_range(finite)
        mesh = ax.pcolormesh(
            _edges(xs), _edges(ys), np.ma.masked_invalid(values.astype(float)), cmap=cmap, vmin=low, vmax=high
        )
        title, unit = MAPPED[column]
        bar = fig.colorbar(mesh, ax=ax, extend="both")  # an outlier cell saturates instead of setting the scale
        bar.set_label(unit, fontsize=7)
        ax.set_title(title, fontsize=9)
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
        caption(
            "Mean over the seeds of each cell.",
            f"Every indicator but the recovery is a mean over {settings.window_text()}.",
            f"Recovery: weeks from the test shock until {label(settings.recovery_measure)} is back within"
            f" {settings.recovery_tolerance:g} of its level before it (grey: not within {after_shock(settings)}).",
            "White lines: regime boundaries.",
        ),
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


def paradox_figure(
    sweep_dir: Path, table: pd.DataFrame, x: str, y: str, settings: Settings | None = None
) -> plt.Figure:
    """Surface churn beside the code's change on shared weeks, one column per regime (a typical run of each).

    The caption states the weeks each run's regime is read off (``settings``: as :func:`regime_map`)."""
    settings = settings or Settings.defaults(table)
    runs = []
    for regime, run in representative_runs(table, x, y).items():
        shock = run.get("shock_week", math.nan)
        week = None if shock is None or math.isnan(shock) else int(shock)
        title = run_title(regime, int(run["seed"]), {x: run[x], y: run[y]}, week)
        series = load_timeseries(sweep_dir / str(run["job"]), int(run["seed"]))
        runs.append(Run(series, [week] if week is not None else [], week, title=title, colour=COLOURS[regime]))
    return side_by_side(runs, regime_window(settings))


def sweep_figures(sweep_dir: Path, table: pd.DataFrame, x: str, y: str) -> dict[str, plt.Figure]:
    """All figures of a two-parameter sweep, keyed by file name."""
    ok = table[table["error"] == ""]
    settings = Settings.of(sweep_dir, ok)  # the windows the sweep measured over, for the captions
    return {
        "regime_map.png": regime_map(table, x, y, settings),
        "indicator_maps.png": indicator_maps(ok, x, y, settings),
        "paradox.png": paradox_figure(sweep_dir, ok, x, y, settings),
    }
