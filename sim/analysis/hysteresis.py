"""Hysteresis: does the organisation remember where it came from? Plateau states of slow ramps, up and down.

    python -m sim.hysteresis outputs/studies/hysteresis     # or it runs when the sweep is gathered

A ramp (``ramp.*``, :func:`sim.core.ramp.with_ramp`) holds a parameter at each of its
levels ``v_0, v_1, ...`` in turn: ``v_0`` from week 0 to ``ramp.start``, every further
level for ``ramp.weeks_per_level`` weeks. Swept up (from ``low``: a loose, individualized
start) and down (from ``high``: a rigid, institutionalized start), the same parameters
are reached from two opposite histories. The state of a run on plateau ``i`` is the mean
of each observable over the last quarter of the plateau's weeks ``[t_i, t_{i+1})``:

    x̄_i = mean of x_t over t_{i+1} - ⌊(t_{i+1} - t_i) / 4⌋ <= t < t_{i+1}

Per individualization level, a level ``v`` is *bistable* when the seed means of the two
directions differ by more than a gap ``g`` set before looking at any result:

    |x̄_up(v) - x̄_down(v)| > g,   g = 0.1 (a tenth of the [0, 1] range of Q and of autonomy)

Where up and down disagree, reinforcing feedback loops (data work sustains the commons,
the commons pays for in-system work) hold either state; where they agree there is one
state per parameter value. With a ramp that is too fast for the organisation a lag looks
like hysteresis too, so the plateau length must exceed the slow series' relaxation. A
ramp of two levels with a long second one (``ramp.levels=2``) is a quench: it checks
that a state found on the way up or down persists once the parameter stops moving.

The transition study (:func:`transition_figure`) is the counterpart of independent runs:
each enforcement level run from the same initial state, the regime read after the
settled test, the share of seeds in each regime per level.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
from collections.abc import Iterable
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from omegaconf import OmegaConf

from sim.analysis.files import atomic_write, collect, load_timeseries, save_figure
from sim.analysis.maps import COLOURS, cell_regimes
from sim.analysis.regimes import REGIMES
from sim.core.config import ModelConfig, RampConfig, RampDirection
from sim.core.ramp import ramp_changes

RAMP = "ramp.direction"
"""The swept column that marks a ramp sweep."""
STATES = (
    "commons_quality",
    "autonomy_mean",
    "data_worker_share",
    "worker_knowledge",
    "held_at_ceiling",
    "institutional_pull",
    "exploration",
)
"""The observables averaged over each plateau."""
BISTABILITY = ("commons_quality", "autonomy_mean")
"""The observables whose bistable ranges are reported (both drawn in the figure)."""
GAP = 0.1
"""Analysis threshold, fixed before any result was seen: up and down differ by more than this."""
DIRECTIONS = {"up": ("#0077BB", 2.8), "down": ("#EE7733", 1.4)}
"""Colour and line width per direction: up drawn wide underneath, so that where down follows it both show."""
LINES = {"commons_quality": ("-", "commons quality Q"), "autonomy_mean": ("--", "mean autonomy")}
STRIPS = {"commons_quality": (1.15, "Q"), "autonomy_mean": (1.07, "autonomy")}
"""Where, above the data, the bar marking an observable's bistable ranges sits (its lower edge), and its label."""
STRIP_HEIGHT = 0.06
PANEL = "model.individualization"
ENFORCEMENT = "model.enforcement"
MAX_PANELS = 5
"""A sweep over enforcement at up to this many individualization levels gets the transition figure."""
PLATEAU_COLUMNS = [
    "job", "seed", "individualization", "direction", "plateau", "key", "value", "first_week", "last_week", *STATES
]  # fmt: skip
RANGE_COLUMNS = ["individualization", "observable", "from", "to", "levels", "largest_gap", "higher"]


def plateau_weeks(ramp: RampConfig) -> list[tuple[int, int, float]]:
    """Per level in visiting order: its first week, the week after its last, and its value."""
    starts = [0, *(change.time for change in ramp_changes(ramp))]
    return list(zip(starts, [*starts[1:], ramp.end()], ramp.values(), strict=True))


def job_config(job_dir: Path) -> tuple[RampConfig, dict]:
    """The ramp and the model section of a job's resolved ``config.yaml``."""
    config = OmegaConf.to_container(OmegaConf.load(job_dir / "config.yaml"))
    ramp = RampConfig(**{**config["ramp"], "direction": RampDirection(config["ramp"]["direction"])})
    return ramp, config["model"]


def plateau_means(series: pd.DataFrame, first: int, end: int) -> dict[str, float]:
    """Means of :data:`STATES` over the last quarter of the weeks ``[first, end)`` (at least its last week)."""
    tail = series[series["step"].between(end - max(1, (end - first) // 4), end - 1)]
    return tail[list(STATES)].mean().to_dict()


def job_plateaus(job_dir: Path, seeds: Iterable[int]) -> list[dict]:
    """The plateau rows of one job's ``seeds`` (none if the job has no ramp)."""
    ramp, model = job_config(job_dir)
    if ramp.direction is RampDirection.none:
        return []
    rows = []
    for seed in seeds:
        series = load_timeseries(job_dir, int(seed))
        for plateau, (first, end, value) in enumerate(plateau_weeks(ramp)):
            rows.append(
                {
                    "job": job_dir.name, "seed": int(seed), "individualization": model["individualization"],
                    "direction": ramp.direction.value, "plateau": plateau, "key": ramp.key, "value": value,
                    "first_week": first, "last_week": end - 1, **plateau_means(series, first, end),
                }
            )  # fmt: skip
    return rows


def plateau_states(sweep_dir: Path) -> pd.DataFrame:
    """One row per ramped job, seed and plateau: where the run was and the plateau means of :data:`STATES`.

    Jobs are the complete ones :func:`sim.analysis.files.collect` finds; failed seeds have no series and no rows.
    """
    runs = collect(sweep_dir)
    finished = runs[runs["error"] == ""] if len(runs) else pd.DataFrame(columns=["job", "seed"])
    rows = [
        row
        for job, seeds in finished.groupby("job", sort=False)["seed"]
        for row in job_plateaus(sweep_dir / job, seeds)
    ]
    table = pd.DataFrame(rows, columns=PLATEAU_COLUMNS)
    return table.sort_values(["individualization", "direction", "seed", "plateau"], ignore_index=True)


def runs_of(labels: Iterable, keys: Iterable) -> list[tuple[object, object, object, int]]:
    """Consecutive runs of equal ``keys`` along ``labels``: (key, first label, last label, length)."""
    found = []
    for key, group in itertools.groupby(zip(labels, keys, strict=True), key=lambda pair: pair[1]):
        members = [label for label, _ in group]
        found.append((key, members[0], members[-1], len(members)))
    return found


def direction_means(plateaus: pd.DataFrame, observable: str) -> pd.DataFrame:
    """Seed means of ``observable``: one row per individualization level and ramp value, a column per direction."""
    means = plateaus.groupby(["individualization", "value", "direction"])[observable].mean()
    return means.unstack("direction").reindex(columns=list(DIRECTIONS)).dropna()


def bistable_ranges(plateaus: pd.DataFrame, observable: str = "commons_quality", gap: float = GAP) -> pd.DataFrame:
    """Per individualization level, the intervals [from, to] of consecutive ramp values where up and down disagree.

    A value belongs to a range when the seed means of ``observable`` on the way up and on
    the way down differ by more than ``gap`` (an analysis threshold fixed before looking,
    :data:`GAP`). ``largest_gap`` is the largest difference in the range, ``higher`` the
    direction whose mean is higher on average over it.
    """
    rows = []
    for level, curves in direction_means(plateaus, observable).groupby(level="individualization"):
        difference = curves["down"].droplevel("individualization") - curves["up"].droplevel("individualization")
        for bistable, first, last, count in runs_of(difference.index, difference.abs() > gap):
            if bistable:
                window = difference.loc[first:last]
                higher = "down" if window.mean() > 0 else "up"
                rows.append([level, observable, first, last, count, window.abs().max(), higher])
    return pd.DataFrame(rows, columns=RANGE_COLUMNS)


def _meta(key: str) -> dict:
    """The schema's metadata of a model parameter (its symbol and unit)."""
    return {f.name: f.metadata for f in dataclasses.fields(ModelConfig)}[key]


def axis_label(key: str) -> str:
    """A model parameter as an axis label: name, symbol and unit from the schema ("enforcement e (share)")."""
    return f"{key} {_meta(key)['symbol']} ({_meta(key)['unit']})"


def panel_title(level: float) -> str:
    """The title of one individualization level's panel ("individualization ι = 0.5")."""
    return f"individualization {_meta('individualization')['symbol']} = {level:g}"


def _panels(count: int) -> tuple[plt.Figure, np.ndarray]:
    """A grid of ``count`` panels, two to a row, sharing both axes; unused panels hidden."""
    cols = min(2, count)
    rows = -(-count // cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(max(11.0, 6.5 * cols), 4.2 * rows + 1.4), sharex=True, sharey=True, squeeze=False,
        layout="constrained",
    )  # fmt: skip
    for ax in axes.flat[count:]:
        ax.set_visible(False)
    return fig, axes.flat[:count]


def _step(values: np.ndarray) -> float:
    """The spacing of a sorted grid of values (1 if there is only one)."""
    return float(np.min(np.diff(values))) if values.size > 1 else 1.0


def hysteresis_figure(plateaus: pd.DataFrame, ranges: pd.DataFrame, gap: float = GAP) -> plt.Figure:
    """Per individualization level: Q and mean autonomy at each plateau, ramped up and down, bistable ranges shaded.

    Lines are seed means, bands the seeds' min–max; the dotted line is the autonomy
    ceiling ``1 - e`` that enforcement imposes (for an enforcement ramp).
    """
    key = plateaus["key"].iloc[0]
    levels = sorted(plateaus["individualization"].unique())
    values = np.sort(plateaus["value"].unique())
    fig, axes = _panels(len(levels))
    stats = plateaus.groupby(["individualization", "direction", "value"])[list(LINES)].agg(["mean", "min", "max"])
    for ax, level in zip(axes, levels, strict=True):
        present = stats.loc[level].index.unique("direction")
        for direction, (colour, width) in ((d, style) for d, style in DIRECTIONS.items() if d in present):
            curve = stats.loc[(level, direction)]
            x = curve.index.to_numpy()
            for observable, (style, _) in LINES.items():
                ax.fill_between(x, curve[observable]["min"], curve[observable]["max"], color=colour, alpha=0.2, lw=0)
                ax.plot(x, curve[observable]["mean"], ls=style, color=colour, lw=width)
        if key == "enforcement":
            ax.plot(values, 1 - values, ls=":", color="black", lw=1)
        _shade_ranges(ax, ranges[ranges["individualization"] == level], _step(values) / 2, np.ptp(values))
        ax.set_title(panel_title(level), fontsize=10)
        ax.set_ylim(-0.02, max(bottom for bottom, _ in STRIPS.values()) + STRIP_HEIGHT + 0.02)
        ax.set_yticks(np.linspace(0, 1, 6))
        ax.grid(alpha=0.3)
    for ax in axes:
        ax.set_xlabel(axis_label(key))
        ax.set_ylabel("Q (quality, 0–1); autonomy (share of work)")
    seeds = plateaus.groupby(["individualization", "direction", "value"])["seed"].nunique().max()
    fig.legend(handles=_hysteresis_legend(key), loc="outside lower center", ncol=4, frameon=False, fontsize=9)
    fig.suptitle(
        f"Hysteresis on a slow {key} ramp: up from a loose start ({key} {values.min():g}), down from a rigid start "
        f"({values.max():g})\nplateau means over the last quarter of each level; line: mean of {seeds} seeds, "
        f"band: min–max; bistable: the means up and down differ by more than {gap:g}",
        fontsize=10,
    )
    return fig


def _shade_ranges(ax: plt.Axes, ranges: pd.DataFrame, half: float, span: float) -> None:
    """Mark each bistable range on ``ax`` by a labelled bar above the data (half a level's spacing beyond its
    end values); ranges of commons quality are also shaded over the whole height.

    The label sits in the bar when the bar is at least a fifth of the ``span`` of the x axis, else beside it.
    """
    for _, row in ranges.iterrows():
        low, high = row["from"] - half, row["to"] + half
        bottom, name = STRIPS[row["observable"]]
        if row["observable"] == "commons_quality":
            ax.axvspan(low, high, color="#DDDDDD", lw=0, zorder=0)
        ax.fill_between([low, high], bottom, bottom + STRIP_HEIGHT, color="#555555", lw=0)
        inside = high - low >= span / 5
        ax.text(
            (low + high) / 2 if inside else low - half, bottom + STRIP_HEIGHT / 2,
            f"{name} {_span(row)}", ha="center" if inside else "right", va="center", fontsize=7,
            color="white" if inside else "black", fontweight="bold",
        )  # fmt: skip


def _hysteresis_legend(key: str) -> list:
    """Legend entries of the hysteresis figure: directions, observables, ceiling, bands and shading."""
    handles = [Line2D([], [], color=c, lw=w, label=f"ramp {d}") for d, (c, w) in DIRECTIONS.items()]
    handles += [Line2D([], [], color="black", ls=s, label=label) for s, label in LINES.values()]
    if key == "enforcement":
        handles.append(Line2D([], [], color="black", ls=":", lw=1, label="autonomy ceiling 1 − e"))
    handles.append(Patch(color=DIRECTIONS["up"][0], alpha=0.2, label="min–max over seeds"))
    handles.append(Patch(color="#DDDDDD", label="bistable in Q (up and down differ)"))
    handles.append(Patch(color="#555555", label="bars: bistable ranges of Q (top), autonomy (below)"))
    return handles


def is_transition_sweep(table: pd.DataFrame) -> bool:
    """Whether a gathered table is an enforcement sweep at a few individualization levels (see :data:`MAX_PANELS`).

    Designs of experiments (a ``point`` column: sensitivity samples) vary everything at once and are not.
    """
    return (
        "point" not in table
        and ENFORCEMENT in table
        and PANEL in table
        and table[ENFORCEMENT].nunique() > 1
        and table[PANEL].nunique() <= MAX_PANELS
    )


def majority_bands(table: pd.DataFrame) -> pd.DataFrame:
    """Per individualization level, the intervals of consecutive enforcement values with the same majority regime.

    The majority of a cell is :func:`sim.analysis.maps.cell_regimes`'s (ties broken in the order of
    :data:`sim.analysis.regimes.REGIMES`); ``agree`` is the share of the band's seeds in that regime.
    """
    cells = cell_regimes(table, ENFORCEMENT, PANEL).sort_values([PANEL, ENFORCEMENT])
    rows = []
    for level, at in cells.groupby(PANEL):
        for regime, first, last, count in runs_of(at[ENFORCEMENT], at["regime"]):
            band = at[at[ENFORCEMENT].between(first, last)]
            agree = band["agree"].sum() / band["runs"].sum()
            rows.append([level, regime, first, last, count, round(float(agree), 3)])
    return pd.DataFrame(rows, columns=["individualization", "regime", "from", "to", "values", "agree"])


def transition_figure(table: pd.DataFrame) -> plt.Figure:
    """Per individualization level: the share of seeds in each regime at each enforcement level (stacked)."""
    levels = sorted(table[PANEL].unique())
    fig, axes = _panels(len(levels))
    shares = pd.crosstab([table[PANEL], table[ENFORCEMENT]], table["regime"], normalize="index")
    present = [r for r in (*REGIMES, "failed") if r in shares.columns]
    width = 0.9 * _step(np.sort(table[ENFORCEMENT].unique()))
    for ax, level in zip(axes, levels, strict=True):
        at = shares.loc[level]
        bottom = np.zeros(len(at))
        for regime in present:
            ax.bar(at.index, at[regime], width, bottom=bottom, color=COLOURS.get(regime, "#999999"), label=regime)
            bottom += at[regime].to_numpy()
        ax.axhline(0.5, color="black", ls="--", lw=0.8)
        ax.set_title(panel_title(level), fontsize=10)
        ax.set_xlabel(axis_label("enforcement"))
        ax.set_ylabel("share of seeds in the regime")
    runs = table.groupby([PANEL, ENFORCEMENT]).size().max()
    fig.legend(
        handles=[Patch(color=COLOURS.get(r, "#999999"), label=r) for r in present]
        + [Line2D([], [], color="black", ls="--", lw=0.8, label="half the seeds (majority above)")],
        loc="outside lower center", ncol=len(present) + 1, frameon=False, fontsize=9,
    )  # fmt: skip
    fig.suptitle(
        f"Regime transitions with enforcement: share of the {runs} seeds in each regime, independent runs "
        "(each from the same start, regime read after the settled test)",
        fontsize=10,
    )
    return fig


def _span(row: pd.Series) -> str:
    """A range's ends as a short label ("0.4–0.5", or "0.8" for one level)."""
    return f"{row['from']:g}" if row["from"] == row["to"] else f"{row['from']:g}–{row['to']:g}"


def _interval(row: pd.Series) -> str:
    """A range's ends as an interval ("[0.4, 0.5]")."""
    return f"[{row['from']:g}, {row['to']:g}]"


def bistability_markdown(plateaus: pd.DataFrame, ranges: pd.DataFrame, gap: float) -> str:
    """The bistable ranges per individualization level and observable, as a short Markdown report."""
    key = plateaus["key"].iloc[0]
    seeds = plateaus.groupby(["individualization", "direction"])["seed"].nunique().min()
    lines = [
        f"# Bistability on the {key} ramp",
        "",
        (
            f"Plateau means over the last quarter of each level, averaged over the seeds ({seeds} per direction); a "
            f"level of {key} is bistable where the means ramped up and ramped down differ by more than {gap:g} "
            "(a threshold fixed before looking)."
        ),
        "",
        f"| individualization | observable | bistable {key} ranges | largest gap | higher |",
        "|---|---|---|---|---|",
    ]
    for level, observable in itertools.product(sorted(plateaus["individualization"].unique()), BISTABILITY):
        found = ranges[(ranges["individualization"] == level) & (ranges["observable"] == observable)]
        where = ", ".join(f"{_interval(r)} ({r['levels']} levels)" for _, r in found.iterrows()) or "none"
        largest = f"{found['largest_gap'].max():.2f}" if len(found) else ""
        higher = ", ".join(found["higher"])
        lines.append(f"| {level:g} | {LINES[observable][1]} | {where} | {largest} | {higher} |")
    return "\n".join(lines) + "\n"


def write_report(sweep_dir: Path, gap: float = GAP) -> dict[str, Path]:
    """Write ``hysteresis.csv`` (plateaus), ``bistability.csv``/``.md`` and ``hysteresis.png`` (none without ramps)."""
    plateaus = plateau_states(sweep_dir)
    if plateaus.empty:
        return {}
    ranges = pd.concat([bistable_ranges(plateaus, o, gap) for o in BISTABILITY], ignore_index=True)
    written = {"plateaus": sweep_dir / "hysteresis.csv", "ranges": sweep_dir / "bistability.csv"}
    atomic_write(written["plateaus"], lambda p: plateaus.to_csv(p, index=False))
    atomic_write(written["ranges"], lambda p: ranges.to_csv(p, index=False))
    written["md"] = sweep_dir / "bistability.md"
    atomic_write(written["md"], lambda p: p.write_text(bistability_markdown(plateaus, ranges, gap)))
    written["png"] = save_figure(hysteresis_figure(plateaus, ranges, gap), sweep_dir / "hysteresis.png")
    return written


def transition_markdown(bands: pd.DataFrame) -> str:
    """The majority bands per individualization level as Markdown."""
    lines = ["# Majority regime along enforcement", "", "| individualization | regime | enforcement | values | agree |"]
    lines.append("|---|---|---|---|---|")
    for _, row in bands.iterrows():
        cells = [f"{row['individualization']:g}", row["regime"], _interval(row), str(row["values"]), str(row["agree"])]
        lines.append(f"| {' | '.join(cells)} |")
    return "\n".join(lines) + "\n"


def write_transition(sweep_dir: Path, table: pd.DataFrame) -> dict[str, Path]:
    """Write ``transition.csv``/``.md`` (majority bands) and ``transition.png`` for a gathered enforcement sweep."""
    bands = majority_bands(table)
    written = {"csv": sweep_dir / "transition.csv", "md": sweep_dir / "transition.md"}
    atomic_write(written["csv"], lambda p: bands.to_csv(p, index=False))
    atomic_write(written["md"], lambda p: p.write_text(transition_markdown(bands)))
    written["png"] = save_figure(transition_figure(table), sweep_dir / "transition.png")
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Plateau states, bistable ranges and the figure of a ramp sweep.")
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--gap", type=float, default=GAP, help="least difference of up and down that counts")
    args = parser.parse_args(argv)
    if not args.sweep_dir.is_dir():
        parser.error(f"sweep_dir={args.sweep_dir} is not a folder")
    written = write_report(args.sweep_dir, args.gap)
    if not written:
        parser.error(f"sweep_dir={args.sweep_dir} holds no finished run with a ramp (ramp.direction=up or down)")
    print(written["md"].read_text())
