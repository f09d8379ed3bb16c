"""Does the resilient regime meet both objectives better than the others? (Seed 001's central claim.)

The thesis argues that when one mechanism takes prominence the organisation becomes too
rigid or too loose, and that then "achieving both financial objectives and employee
satisfaction will be impossible". This module tests that claim on a regime map: within
each column of the map (one level of individualization pressure, so the same wanted
autonomy), it compares the regimes' mean productivity (the economic objective) and
satisfaction (the humanistic objective) over the whole settled horizon — the settle
window, the shock and the recovery — with 95% confidence intervals over runs, and the
difference resilient minus each other regime with a Welch interval (scipy).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

OBJECTIVES = {"horizon_productivity": "productivity", "horizon_satisfaction": "satisfaction"}
RIVALS = ("rigid", "loose", "inert")
CONFIDENCE = 0.95


def mean_interval(values: pd.Series) -> tuple[float, float, float]:
    """Mean and its t interval (NaN bounds for fewer than two values)."""
    values = values.dropna()
    mean = float(values.mean()) if len(values) else math.nan
    if len(values) < 2:
        return mean, math.nan, math.nan
    low, high = stats.t.interval(CONFIDENCE, len(values) - 1, loc=mean, scale=stats.sem(values))
    return mean, float(low), float(high)


def difference_interval(first: pd.Series, second: pd.Series) -> tuple[float, float, float]:
    """Mean of ``first`` minus mean of ``second`` with a Welch interval (NaN bounds if either has < 2 runs)."""
    first, second = first.dropna(), second.dropna()
    difference = float(first.mean() - second.mean()) if len(first) and len(second) else math.nan
    if len(first) < 2 or len(second) < 2:
        return difference, math.nan, math.nan
    interval = stats.ttest_ind(first, second, equal_var=False).confidence_interval(CONFIDENCE)
    return difference, float(interval.low), float(interval.high)


def regime_levels(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per column value and regime: runs, and each objective's mean with its interval."""
    rows = []
    for (level, regime), runs in table.groupby([column, "regime"]):
        row = {column: level, "regime": regime, "runs": len(runs)}
        for key, name in OBJECTIVES.items():
            row[name], row[f"{name}_low"], row[f"{name}_high"] = mean_interval(runs[key])
        rows.append(row)
    return pd.DataFrame(rows)


def contrasts(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per column value and rival regime present beside resilient runs: resilient minus rival, per objective."""
    rows = []
    for level, runs in table.groupby(column):
        resilient = runs[runs["regime"] == "resilient"]
        for rival in RIVALS:
            other = runs[runs["regime"] == rival]
            if resilient.empty or other.empty:
                continue
            row = {column: level, "rival": rival, "resilient_runs": len(resilient), "rival_runs": len(other)}
            for key, name in OBJECTIVES.items():
                row[name], row[f"{name}_low"], row[f"{name}_high"] = difference_interval(resilient[key], other[key])
            rows.append(row)
    return pd.DataFrame(rows)


def verdict(rows: pd.DataFrame) -> str:
    """Whether resilient beats every rival in a column on both objectives: yes, no, or unclear (an interval spans 0)."""
    if rows.empty:
        return "no comparison (resilient or its rivals absent)"
    lows = rows[[f"{name}_low" for name in OBJECTIVES.values()]].to_numpy()
    highs = rows[[f"{name}_high" for name in OBJECTIVES.values()]].to_numpy()
    if (lows > 0).all():
        return "yes"
    if (highs < 0).any():
        beaten = sorted({rows["rival"].iloc[i] for i, _ in zip(*(highs < 0).nonzero(), strict=True)})
        return "no: " + ", ".join(beaten) + " higher on at least one objective"
    if np.isnan(lows).any():
        return "unclear: too few runs for an interval"
    return "unclear: an interval spans 0"


def report(table: pd.DataFrame, column: str) -> str:
    """The objectives table as Markdown: per column, each regime's levels and resilient's differences."""
    ok = table[table["regime"].isin(("resilient", *RIVALS))]
    levels, differences = regime_levels(ok, column), contrasts(ok, column)
    intro = (
        f"Productivity and satisfaction over the settled horizon, per `{column}` level; means with "
        f"{CONFIDENCE:.0%} t intervals over runs; differences resilient − rival with Welch intervals."
    )
    lines = [
        intro,
        "",
        f"| `{column}` | regime | runs | productivity | satisfaction |",
        "|---|---|---|---|---|",
    ]
    for _, row in levels.iterrows():
        lines.append(
            f"| {row[column]:g} | {row['regime']} | {row['runs']} | {_cell(row, 'productivity')} "
            f"| {_cell(row, 'satisfaction')} |"
        )
    lines += [
        "",
        f"| `{column}` | resilient − rival | productivity | satisfaction | resilient beats all rivals on both? |",
    ]
    lines.append("|---|---|---|---|---|")
    for level in sorted(ok[column].unique()):
        rows = differences[differences[column] == level] if not differences.empty else differences
        answer = verdict(rows)
        if rows.empty:
            lines.append(f"| {level:g} | — | | | {answer} |")
        for _, row in rows.iterrows():
            lines.append(
                f"| {level:g} | {row['rival']} ({row['resilient_runs']} vs {row['rival_runs']} runs) "
                f"| {_cell(row, 'productivity')} | {_cell(row, 'satisfaction')} | {answer} |"
            )
    return "\n".join(lines) + "\n"


def _cell(row: pd.Series, name: str) -> str:
    if math.isnan(row[f"{name}_low"]):
        return f"{row[name]:.3f}"
    return f"{row[name]:.3f} [{row[f'{name}_low']:.3f}, {row[f'{name}_high']:.3f}]"
