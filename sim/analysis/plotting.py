"""Figures of a run: the fast surface structure beside the slow deep structure, in one shared style.

Every series is drawn with a human label and its unit (``SERIES``), time runs in weeks,
shocks are marked, legends sit outside the data, and the warm-up weeks at the start do
not set the scale (``WARMUP``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.core.config import ModelConfig, RunConfig

WARMUP = 50  # weeks at the start whose churn does not set the y scale (the organisation finds its feet)
WEEK = "week"
SERIES = {  # column of the per-step table: (label, unit)
    "surface_churn": ("surface churn (ties rewired + practices changed)", "changes per worker per week"),
    "practice_churn": ("practices changed", "changes per worker per week"),
    "tie_churn": ("ties rewired", "changes per worker per week"),
    "deep_change": ("deep change (code entries changed)", "code entries per week"),
    "org_knowledge": ("knowledge of the code", "score in [-1, 1]"),
    "worker_knowledge": ("knowledge of the workers", "score in [-1, 1]"),
    "autonomy_mean": ("mean autonomy (work in personal tools)", "share"),
    "commons_quality": ("commons quality Q", "share"),
    "data_worker_share": ("data workers", "share of workers"),
    "fragmentation": ("fragmentation (unrecorded work)", "share of work"),
    "practice_diversity": ("practice diversity", "share"),
    "productivity": ("productivity", "payoff units per worker"),
    "satisfaction": ("satisfaction", "score in [0, 1]"),
    "clash": ("clash on rules", "share"),
}


NAMES = {  # parameters better known by a longer name than their key
    "individualization": "individualization pressure",
    "enforcement": "institutional enforcement",
    "malleability": "tool malleability",
}


def parameter_label(key: str) -> str:
    """An axis label for a configuration key from the schema: name, symbol, unit, and the key to type.

    ``model.enforcement`` -> ``institutional enforcement e [share] (model.enforcement)``."""
    group, _, name = key.rpartition(".")
    schema = {"model": ModelConfig, "": RunConfig}.get(group)
    found = {f.name: f for f in dataclasses.fields(schema)}.get(name) if schema else None
    if found is None:
        return key
    symbol, unit = found.metadata.get("symbol", ""), found.metadata.get("unit", "")
    words = NAMES.get(name, name.replace("_", " "))
    return f"{words}{' ' + symbol if symbol else ''}{f' [{unit}]' if unit else ''} ({key})"


def label(column: str) -> str:
    """A column's human label (falls back to the column name)."""
    return SERIES.get(column, (column, ""))[0]


def rolling(series: pd.Series, window: int) -> pd.Series:
    """Centred moving average, so a noisy per-step count reads as a rate."""
    return series.rolling(window, center=True, min_periods=1).mean()


def mark_shocks(ax: plt.Axes, shock_times: Sequence[int], test_shock: int | None = None) -> None:
    """Dotted vertical lines at the shocks (the regime test's shock drawn darker and named)."""
    named = False
    for time in sorted(set(shock_times)):
        if time == test_shock:
            ax.axvline(time, color="black", ls="--", lw=1.2, label="test shock")
        else:
            ax.axvline(time, color="grey", ls=":", lw=1.2, label=None if named else "environment shock")
            named = True


def scale_after_warmup(ax: plt.Axes, steps: np.ndarray, *series: np.ndarray, floor: float = 0.0) -> None:
    """Set the y range from the weeks after ``WARMUP`` and shade the warm-up (once there are 10 weeks after it)."""
    keep = steps >= WARMUP
    if np.count_nonzero(keep) < 10:
        keep = np.ones_like(steps, dtype=bool)
    else:
        ax.axvspan(
            0, WARMUP, color="grey", alpha=0.12, lw=0, label=f"warm-up (first {WARMUP} weeks, may run off scale)"
        )
    values = np.concatenate([np.asarray(s)[keep] for s in series])
    values = values[np.isfinite(values)]
    if values.size:
        top = float(values.max())
        ax.set_ylim(floor, top * 1.25 if top > floor else floor + 1)


def legend_outside(ax: plt.Axes) -> None:
    """The legend to the right of the axes, never over the data."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False)


def paradox_panels(fig: Figure, table: pd.DataFrame, shock_times: Sequence[int] = (), test_shock=None) -> list:
    """The equilibrium paradox at a glance: surface churn, deep change and the commons, one axis each.

    Three panels on shared weeks: what changes fast (per worker and week), what changes
    slowly (code entries per week), and the shares that decide the regime."""
    steps = table["step"].to_numpy()
    window = max(1, min(10, len(table) // 30))
    surface, deep, shares = fig.subplots(3, 1, sharex=True)
    churn = rolling(table["surface_churn"], window)
    surface.plot(steps, churn, color="tab:blue", label=label("surface_churn"))
    surface.set_ylabel(SERIES["surface_churn"][1])
    surface.set_title("Surface structure: changes fast", fontsize=10, loc="left")
    scale_after_warmup(surface, steps, churn)
    code = rolling(table["deep_change"], window)
    deep.plot(steps, code, color="tab:red", label=label("deep_change"))
    deep.set_ylabel(SERIES["deep_change"][1])
    deep.set_title("Deep structure (the enterprise system's code): changes slowly", fontsize=10, loc="left")
    scale_after_warmup(deep, steps, code)
    for column, colour in [("commons_quality", "tab:green"), ("autonomy_mean", "black"),
                           ("data_worker_share", "tab:orange")]:  # fmt: skip
        shares.plot(steps, table[column], color=colour, label=label(column))
    shares.set_ylim(0, 1.02)
    shares.set_ylabel("share (0 to 1)")
    shares.set_title("The commons and the work in personal tools", fontsize=10, loc="left")
    shares.set_xlabel(WEEK)
    shares.set_xlim(0, max(int(steps[-1]), 10))
    axes = [surface, deep, shares]
    for ax in axes:
        mark_shocks(ax, shock_times, test_shock)
        ax.grid(alpha=0.3)
        legend_outside(ax)
    return axes


def dynamics_figure(table: pd.DataFrame, shock_times: Sequence[int] = (), title: str = "") -> plt.Figure:
    """Four panels on shared weeks: surface structure, deep structure, commons, outcomes.

    The top row is the equilibrium paradox in one picture: on the left what changes
    fast (ties and practices per worker and week), on the right what changes slowly
    (code entries per week); below them the shares of the commons and the outcomes.
    Each panel holds one unit, and the warm-up weeks do not set the churn scales.
    """
    window = max(1, len(table) // 50)
    step = table["step"].to_numpy()
    fig, axes = plt.subplots(2, 2, figsize=(14, 7), sharex=True, layout="constrained")
    surface, deep, commons, outcome = axes.flat

    practice, ties = rolling(table["practice_churn"], window), rolling(table["tie_churn"], window)
    surface.plot(step, practice, label=label("practice_churn"))
    surface.plot(step, ties, label=label("tie_churn"))
    surface.set_title("Surface structure (fast)")
    surface.set_ylabel(SERIES["surface_churn"][1])
    scale_after_warmup(surface, step, practice, ties)

    code = rolling(table["deep_change"], window)
    deep.plot(step, code, label=label("deep_change"), color="tab:red")
    deep.set_title("Deep structure (slow)")
    deep.set_ylabel(SERIES["deep_change"][1])
    scale_after_warmup(deep, step, code)

    for column in ["commons_quality", "data_worker_share", "autonomy_mean", "fragmentation", "practice_diversity"]:
        commons.plot(step, table[column], label=label(column), color="black" if column == "autonomy_mean" else None)
    commons.set_title("Data commons and practice")
    commons.set_ylabel("share (0 to 1)")
    commons.set_ylim(0, 1.02)

    for column in ["org_knowledge", "worker_knowledge", "satisfaction", "clash"]:
        outcome.plot(step, table[column], label=label(column))
    outcome.set_title("Knowledge and outcomes")
    outcome.set_ylabel("score (-1 to 1) / share")

    for ax in axes.flat:
        mark_shocks(ax, shock_times)
        legend_outside(ax)
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel(WEEK)
    if title:
        fig.suptitle(title)
    return fig
