"""Figures of a run: the fast surface structure beside the slow deep structure, in one shared style.

Every series is drawn with a human label and its unit (``SERIES``), time runs in weeks,
shocks are marked, legends sit outside the data, and the warm-up weeks at the start do
not set the scale (``WARMUP``).
"""

from __future__ import annotations

import dataclasses
import textwrap
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


def _field(key: str) -> dataclasses.Field | None:
    """The schema's field of a configuration key (``model.enforcement``), or None."""
    group, _, name = key.rpartition(".")
    schema = {"model": ModelConfig, "": RunConfig}.get(group)
    return {f.name: f for f in dataclasses.fields(schema)}.get(name) if schema else None


def parameter_label(key: str) -> str:
    """An axis label for a configuration key from the schema: name, symbol, unit, and the key to type.

    ``model.enforcement`` -> ``institutional enforcement e [share] (model.enforcement)``."""
    found = _field(key)
    if found is None:
        return key
    symbol, unit = found.metadata.get("symbol", ""), found.metadata.get("unit", "")
    words = NAMES.get(found.name, found.name.replace("_", " "))
    return f"{words}{' ' + symbol if symbol else ''}{f' [{unit}]' if unit else ''} ({key})"


def parameter_value(key: str, value: float) -> str:
    """A parameter's value in a title, by its symbol where it has one: ``model.enforcement``, 0.3 -> ``e = 0.3``."""
    found, name = _field(key), key.rpartition(".")[2]
    symbol = found.metadata.get("symbol", "") if found is not None else ""
    return f"{symbol or NAMES.get(name, name.replace('_', ' '))} = {value:g}"


CAPTION_WIDTH = 150  # characters per line of a figure's caption


def caption(*sentences: str, width: int = CAPTION_WIDTH) -> str:
    """Sentences as one caption, wrapped to ``width`` characters a line."""
    return textwrap.fill(" ".join(sentences), width)


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


def scale_after_warmup(ax: plt.Axes, steps: np.ndarray, *series: np.ndarray, floor: float = 0.0) -> float:
    """Set the y range from the weeks after ``WARMUP`` and shade the warm-up (once there are 10 weeks after it).

    Returns the top of the range it set (axes sharing y take the largest of their tops)."""
    keep = steps >= WARMUP
    if np.count_nonzero(keep) < 10:
        keep = np.ones_like(steps, dtype=bool)
    else:
        ax.axvspan(
            0, WARMUP, color="grey", alpha=0.12, lw=0, label=f"warm-up (first {WARMUP} weeks, may run off scale)"
        )
    values = np.concatenate([np.asarray(s)[keep] for s in series])
    values = values[np.isfinite(values)]
    top = float(values.max()) * 1.25 if values.size else floor + 1
    top = top if top > floor else floor + 1
    ax.set_ylim(floor, top)
    return top


def legend_outside(ax: plt.Axes, sources: Sequence[plt.Axes] = ()) -> None:
    """The legend to the right of the axes, never over the data; with ``sources``, their entries too, each once."""
    entries: dict[str, object] = {}
    for source in (ax, *sources):
        for handle, text in zip(*source.get_legend_handles_labels(), strict=True):
            entries.setdefault(text, handle)
    if entries:
        ax.legend(
            list(entries.values()), list(entries), fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0),
            borderaxespad=0.0, frameon=False,
        )  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Panel:
    """One row of the paradox figures: columns of the per-week table on one y axis, in one unit."""

    name: str  # short, before the unit in the y label
    title: str
    columns: tuple[str, ...]
    colours: tuple[str, ...]
    unit: str
    counts: bool = False  # changes per week: smoothed over SMOOTH weeks, and the warm-up does not set the scale
    limits: tuple[float, float] | None = None


SMOOTH = 10  # weeks of the centred moving average over the per-week counts of the paradox figures
SURFACE = Panel(
    "surface (fast)", "Surface structure: changes fast", ("surface_churn",), ("tab:blue",), SERIES["surface_churn"][1],
    counts=True,
)  # fmt: skip
DEEP = Panel(
    "deep (slow)", "Deep structure (the enterprise system's code): changes slowly", ("deep_change",), ("tab:red",),
    SERIES["deep_change"][1], counts=True,
)  # fmt: skip
KNOWLEDGE = Panel(
    "knowledge", "Knowledge: the shock's blow and the recovery", ("worker_knowledge", "org_knowledge"), ("black", "tab:purple"),
    SERIES["worker_knowledge"][1],
)  # fmt: skip
COMMONS = Panel(
    "commons", "The commons and the work in personal tools", ("commons_quality", "autonomy_mean", "data_worker_share"),
    ("tab:green", "black", "tab:orange"), "share (0 to 1)", limits=(0.0, 1.02),
)  # fmt: skip
PARADOX = (SURFACE, DEEP, KNOWLEDGE, COMMONS)


@dataclasses.dataclass(frozen=True)
class Run:
    """One run of a paradox figure: its per-week table, the shocks to mark, and its column's title."""

    table: pd.DataFrame
    shock_times: Sequence[int] = ()
    test_shock: int | None = None
    title: str = ""
    colour: str = "black"  # of the title (a regime's colour)


def draw_panel(ax: plt.Axes, table: pd.DataFrame, panel: Panel) -> float | None:
    """Draw a panel's columns of one run onto ``ax``; the top of its y range for counts (else None)."""
    steps = table["step"].to_numpy()
    drawn = []
    for column, colour in zip(panel.columns, panel.colours, strict=True):
        values = rolling(table[column], SMOOTH) if panel.counts else table[column]
        ax.plot(steps, values, color=colour, lw=1.2, label=label(column))
        drawn.append(values.to_numpy())
    ax.grid(alpha=0.3)
    if panel.limits is not None:
        ax.set_ylim(*panel.limits)
    return scale_after_warmup(ax, steps, *drawn) if panel.counts else None


def paradox_grid(
    fig: Figure, runs: Sequence[Run], panels: Sequence[Panel] = PARADOX, row_names: bool = True
) -> np.ndarray:
    """The paradox of several runs side by side: a column per run, a row per panel, shared weeks and y scales.

    Each row holds one unit (its y label, after the panel's name with ``row_names``) and its
    legend right of the last column; the shocks are marked in every panel. Returns the axes,
    panels x runs."""
    axes = fig.subplots(len(panels), len(runs), sharex=True, sharey="row", squeeze=False)
    tops = np.zeros(axes.shape)
    for j, run in enumerate(runs):
        axes[0, j].set_title(run.title, loc="left", fontsize=9, color=run.colour)
        for i, panel in enumerate(panels):
            tops[i, j] = draw_panel(axes[i, j], run.table, panel) or 0.0
            mark_shocks(axes[i, j], run.shock_times, run.test_shock)
    for row, panel, top in zip(axes, panels, tops.max(axis=1), strict=True):
        if panel.counts:  # the y axis is shared along the row: the run with the most change sets it
            row[0].set_ylim(0, top)
        row[0].set_ylabel(f"{panel.name}:\n{panel.unit}" if row_names else panel.unit)
        legend_outside(row[-1], row[:-1])
    for ax in axes[-1]:
        ax.set_xlabel(WEEK)
    axes[-1, 0].set_xlim(0, max(10, *(int(run.table["step"].iloc[-1]) for run in runs)))
    return axes


def paradox_panels(fig: Figure, table: pd.DataFrame, shock_times: Sequence[int] = (), test_shock=None) -> list:
    """The equilibrium paradox of one run at a glance (the page): surface churn, deep change and the commons.

    Three panels on shared weeks, one unit each: what changes fast (per worker and week),
    what changes slowly (code entries per week), and the shares that decide the regime."""
    panels = (SURFACE, DEEP, COMMONS)
    axes = list(paradox_grid(fig, [Run(table, shock_times, test_shock)], panels, row_names=False)[:, 0])
    for ax, panel in zip(axes, panels, strict=True):
        ax.set_title(panel.title, fontsize=10, loc="left")
    return axes


def run_title(regime: str, seed: int, values: dict[str, float], test_shock: int | None) -> str:
    """A paradox column's title: the regime and seed, then the parameters' values and the week of the test shock."""
    when = f"test shock in week {test_shock}" if test_shock is not None else "not tested"
    return f"{regime} (seed {seed})\n{', '.join(parameter_value(k, v) for k, v in values.items())}; {when}"


def side_by_side(runs: Sequence[Run], measured: str, panels: Sequence[Panel] = PARADOX) -> Figure:
    """The equilibrium paradox of one run per regime (:func:`paradox_grid`) in a figure sized for them.

    The caption states ``measured``, the weeks each run's regime is read off, and how the counts are drawn."""
    fig = plt.figure(figsize=(2.2 + 3.3 * len(runs), 1.2 + 2.1 * len(panels)), layout="constrained")
    paradox_grid(fig, runs, panels)
    text = caption(
        "The equilibrium paradox: fast surface churn beside a quasi-stable code, one run per regime"
        f" (its regime read off {measured}).",
        f"Changes per week are {SMOOTH}-week moving averages; the first {WARMUP} weeks (warm-up, shaded) do not set"
        " their scale.",
    )
    fig.suptitle(text, fontsize=9)
    return fig


def dynamics_figure(
    table: pd.DataFrame, shock_times: Sequence[int] = (), title: str = "", test_shock: int | None = None
) -> plt.Figure:
    """Four panels on shared weeks: surface structure, deep structure, commons, outcomes.

    The top row is the equilibrium paradox in one picture: on the left what changes
    fast (ties and practices per worker and week), on the right what changes slowly
    (code entries per week); below them the shares of the commons and the outcomes.
    Each panel holds one unit, and the warm-up weeks do not set the churn scales; the
    ``test_shock`` among ``shock_times`` is marked as the regime test's.
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
        mark_shocks(ax, shock_times, test_shock)
        legend_outside(ax)
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel(WEEK)
    if title:
        fig.suptitle(title)
    return fig
