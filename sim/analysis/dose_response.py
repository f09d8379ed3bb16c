"""Dose-response and timing: how a policy's effect on every outcome changes with its strength and start week.

    python -m sim study=dose_response policy=mandate      # any policy other than none
    python -m sim.dose_response <sweep folder>            # redo the report of a gathered sweep

The study sweeps ``dose.strength`` (which sets the strength of every policy in force,
whatever its entry is called) and ``dose.start`` (its first week; an end keeps its
distance) with the same seeds everywhere. A policy of strength 0 changes nothing, random
draws included, so at every start week the strength-0 runs are the baseline, and each
effect is paired by seed against them (:mod:`sim.analysis.policy_stats`; Holm over the whole
sweep). Writes ``dose_response.md`` (per outcome: strength x start week), ``.csv`` and
``.png`` (the effect curve with its 95% band per outcome, one curve per start week).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.analysis import compare, policy_stats
from sim.analysis.files import atomic_write, save_figure

STRENGTH = "dose.strength"
START = "dose.start"


def is_dose_sweep(table: pd.DataFrame) -> bool:
    """Whether ``table`` is a sweep over ``dose.strength`` with a strength-0 reference."""
    return STRENGTH in table.columns and table[STRENGTH].nunique() > 1 and (table[STRENGTH] == 0).any()


def effects(table: pd.DataFrame, correction: str = "holm") -> pd.DataFrame:
    """One row per (start week, strength > 0, outcome): the paired effect against strength 0 at that start week."""
    ok = table[table["error"].fillna("") == ""] if "error" in table else table
    ok = ok.assign(**{START: ok.get(START, -1)})
    rows = []
    for start, runs in ok.groupby(START, sort=True):
        arms = runs.assign(**{compare.ARM: runs[STRENGTH].map(lambda s: f"{s:g}")})
        arms.loc[arms[STRENGTH] == 0, compare.ARM] = compare.BASELINE
        if compare.BASELINE not in set(arms[compare.ARM]):
            continue
        found = compare.compare(arms.drop(columns=[STRENGTH, START]), correction=correction)
        found.insert(0, "strength", found["policy"].astype(float))
        found.insert(0, "start", int(start))
        rows.append(found.drop(columns="policy"))
    result = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    return compare.verdicts(result.drop(columns=[c for c in result.columns if c in _VERDICT_COLUMNS]), correction)


_VERDICT_COLUMNS = ("distinguishable", "p_adjusted", "distinguishable_adjusted", "correction", "verdict")


def curve_table(found: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Strength as rows, start week as columns, "effect [low, high] verdict" as cells (strength 0: the reference)."""
    rows = found[found["outcome"] == outcome]
    text = rows.assign(text=rows.assign(policy="").apply(compare._cell, axis=1))
    wide = text.pivot(index="strength", columns="start", values="text")
    wide.columns = [f"start week {c}" if c >= 0 else "start as set" for c in wide.columns]
    reference = pd.DataFrame({c: ["reference (0)"] for c in wide.columns}, index=pd.Index([0.0], name="strength"))
    return pd.concat([reference, wide])


def figure(found: pd.DataFrame, policy: str, correction: str = "holm"):
    """Per outcome: effect against strength with its 95% band, one curve per start week."""
    outcomes = [o for o in compare.OUTCOMES if o in set(found["outcome"])]
    cols = 3
    fig, axes = plt.subplots(-(-len(outcomes) // cols), cols, figsize=(13, 7.5), layout="constrained", squeeze=False)
    starts = sorted(set(found["start"]))
    for ax in axes.flat[len(outcomes) :]:
        ax.set_visible(False)
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        for i, start in enumerate(starts):
            rows = found[(found["outcome"] == outcome) & (found["start"] == start)].sort_values("strength")
            x = np.r_[0.0, rows["strength"]]
            colour = plt.cm.viridis(i / max(1, len(starts) - 1) * 0.85)
            label = f"policy from week {start}" if start >= 0 else "policy as set"
            ax.plot(x, np.r_[0.0, rows["effect"]], marker="o", color=colour, label=label)
            ax.fill_between(x, np.r_[0.0, rows["low"]], np.r_[0.0, rows["high"]], color=colour, alpha=0.18, lw=0)
            hollow = ~rows["distinguishable_adjusted"].to_numpy(dtype=bool)
            ax.scatter(
                rows["strength"][hollow], rows["effect"][hollow], facecolors="white", edgecolors=colour, zorder=3
            )
        ax.axhline(0, color="black", lw=0.8)
        unit = {"recovery_time_capped": "weeks", "resilient": "share of runs"}.get(outcome, "level")
        ax.set_title(f"{compare.OUTCOMES[outcome]}\n{compare.DIRECTION_WORDS[compare.DIRECTIONS[outcome]]}", fontsize=8)
        ax.set_xlabel(f"strength of {policy} (0: no effect, 1: full)", fontsize=8)
        ax.set_ylabel(f"effect against strength 0 ({unit})", fontsize=8)
        ax.grid(alpha=0.3)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=len(labels), fontsize=8, frameon=False)
    fig.suptitle(
        f"Dose-response of {policy}: paired effect against strength 0, 95% band; hollow: not distinguishable after "
        f"{policy_stats.CORRECTIONS[correction]} correction",
        fontsize=9,
    )
    return fig


def markdown(found: pd.DataFrame, table: pd.DataFrame, policy: str, settings: compare.Settings) -> str:
    """The dose-response report."""
    n = int(found["n"].max()) if len(found) else 0
    strengths = sorted(set(table[STRENGTH]))
    starts = sorted(set(table[START])) if START in table else []
    lines = [
        f"# Dose-response of `{policy}` ({n} paired seeds per cell)",
        "",
        f"Strengths {', '.join(f'{s:g}' for s in strengths)}"
        + (f" × start weeks {', '.join(str(int(s)) for s in starts)}" if starts else "")
        + ". A policy of strength 0 changes nothing, so at each start week the strength-0 runs are the baseline; "
        "every effect is paired by seed against them.",
        "",
        "## How to read this",
        "",
        *compare.method_lines(found, settings, len(found)),
        "",
        "## Outcomes",
        "",
        compare._outcome_table(found.assign(policy=found["strength"].astype(str)), settings).to_markdown(index=False),
        "",
    ]
    for outcome in [o for o in compare.OUTCOMES if o in set(found["outcome"])]:
        direction = compare.DIRECTION_WORDS[compare.DIRECTIONS[outcome]]
        lines += [f"## {outcome}: {direction}", "", curve_table(found, outcome).to_markdown(), ""]
    cell = (
        "start week " + table[START].astype(int).astype(str) + ", strength " + table[STRENGTH].map("{:g}".format)
        if START in table
        else "strength " + table[STRENGTH].map("{:g}".format)
    )
    shares = pd.crosstab(cell.rename("cell"), table["regime"])
    order = cell.loc[table.sort_values([c for c in (START, STRENGTH) if c in table]).index].unique()
    shares = shares.loc[order]
    lines += ["## Regime reached (runs)", "", *compare._regime_lines(settings, table.assign(policy=table[STRENGTH]))]
    lines += ["", shares.to_markdown()]
    return "\n".join(lines) + "\n"


def write_report(folder: Path, table: pd.DataFrame) -> dict[str, Path]:
    """Write ``dose_response.csv``, ``.md`` and ``.png`` into ``folder``."""
    ok = table[table["error"].fillna("") == ""] if "error" in table else table
    settings = compare.Settings.of(folder, ok)
    policy = str(ok[compare.ARM].iloc[0]) if compare.ARM in ok else "the policy"
    found = effects(ok, settings.correction)
    written = {
        "csv": folder / "dose_response.csv",
        "md": folder / "dose_response.md",
        "png": folder / "dose_response.png",
    }
    atomic_write(written["csv"], lambda p: found.to_csv(p, index=False))
    report = markdown(found, ok, policy, settings)
    atomic_write(written["md"], lambda p: p.write_text(report))
    fig = figure(found, policy, settings.correction)
    save_figure(fig, written["png"])
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Dose-response report of a gathered sweep over dose.strength.")
    parser.add_argument("sweep_dir", type=Path)
    args = parser.parse_args(argv)
    runs = args.sweep_dir / "runs.parquet"
    if not runs.exists():
        parser.error(f"sweep_dir={args.sweep_dir} has no runs.parquet; gather it first: python -m sim.gather <folder>")
    table = pd.read_parquet(runs)
    if not is_dose_sweep(table):
        parser.error(f"sweep_dir={args.sweep_dir} is not a sweep over {STRENGTH} that includes strength 0")
    print(write_report(args.sweep_dir, table)["md"].read_text())
