"""Robustness of policies across scenarios: a policy x scenario table of effects, and regret.

    python -m sim study=policy_robustness          # every policy in every named dual-IS scenario
    python -m sim.policy_robustness <sweep folder> # redo the report of a gathered sweep

Every policy runs in every scenario with the same seeds (common random numbers within
each scenario); effects are paired by seed against the scenario's own baseline
(:mod:`sim.analysis.compare`), all of them one family for the multiplicity correction. The
**regret** of a policy on an outcome in a scenario is how far its gain (effect times the
outcome's direction) falls behind the best option there, doing nothing included; its
maximum over scenarios says how badly the policy can turn out if one does not know which
scenario one is in. With ``comparison.weights`` the regret is also given on the weighted
score. Writes ``robustness.md``, ``robustness.csv`` and ``robustness.png``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.analysis import compare, policy_stats
from sim.analysis.files import atomic_write, save_figure

SCENARIO = "scenario"


def is_robustness_sweep(table: pd.DataFrame) -> bool:
    """Whether ``table`` sweeps policies (with the baseline) across scenarios and nothing else."""
    return (
        compare.ARM in table.columns
        and compare.BASELINE in set(table[compare.ARM])
        and table[compare.ARM].nunique() > 1
        and compare.strata(table) == [SCENARIO]
    )


def effects(table: pd.DataFrame, correction: str = "holm") -> pd.DataFrame:
    """Per scenario, policy and outcome: the paired effect against the scenario's baseline; one family."""
    ok = table[table["error"].fillna("") == ""] if "error" in table else table
    found = [compare.compare(runs, correction=correction).assign(scenario=name) for name, runs in ok.groupby(SCENARIO)]
    result = pd.concat(found, ignore_index=True)
    return compare.verdicts(result, correction)


def regret(found: pd.DataFrame) -> pd.DataFrame:
    """Per scenario, option (the baseline included) and outcome with a direction: best gain there minus its own.

    Point estimates (noise included), in the outcome's units.
    """
    rows = []
    for scenario, rows_of in found.groupby(SCENARIO):
        gains = compare.gains(rows_of, adjusted=False)
        behind = gains.max(axis=0) - gains + 0.0  # + 0.0: no -0.0 in the tables
        rows.append(behind.assign(scenario=scenario).reset_index(names="policy"))
    return pd.concat(rows, ignore_index=True)


def score_regret(found: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    """Regret on the weighted score (gains in baseline standard deviations), policy x scenario."""
    columns = {}
    for scenario, rows_of in found.groupby(SCENARIO):
        scale = rows_of.drop_duplicates("outcome").set_index("outcome")["pooled_sd"]
        score = policy_stats.weighted_score(compare.gains(rows_of, adjusted=False), weights, scale)
        columns[scenario] = score.max() - score
    return pd.DataFrame(columns)


def effect_table(found: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Policies as rows, scenarios as columns, "effect [low, high] verdict" as cells."""
    rows = found[found["outcome"] == outcome]
    text = rows.assign(text=rows.apply(compare._cell, axis=1))
    return text.pivot(index="policy", columns=SCENARIO, values="text")


def regret_table(behind: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Policies (and the baseline) as rows, scenarios as columns, the regret; plus its maximum and mean."""
    wide = behind.pivot(index="policy", columns=SCENARIO, values=outcome)
    wide["max regret"] = wide.max(axis=1)
    wide["mean regret"] = wide.drop(columns="max regret").mean(axis=1)
    return wide.sort_values(["max regret", "mean regret"], kind="stable")


def regime_table(table: pd.DataFrame) -> pd.DataFrame:
    """Policies as rows, scenarios as columns, the regime mix of each arm ("90% resilient, 10% inert")."""

    def mix(regimes: pd.Series) -> str:
        shares = regimes.value_counts(normalize=True).sort_index().sort_values(ascending=False, kind="stable")
        return ", ".join(f"{share:.0%} {regime}" for regime, share in shares.items())

    return table.groupby([compare.ARM, SCENARIO])["regime"].apply(mix).unstack(SCENARIO)


def figure(found: pd.DataFrame):
    """Per outcome with a direction: a policy x scenario heat map of the gain (effect in the better direction)."""
    outcomes = [o for o in compare.RANKABLE_OUTCOMES if o in set(found["outcome"])]
    cols = 3
    fig, axes = plt.subplots(-(-len(outcomes) // cols), cols, figsize=(15, 9.5), layout="constrained", squeeze=False)
    for ax in axes.flat[len(outcomes) :]:
        ax.set_visible(False)
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        rows = found[found["outcome"] == outcome]
        gain = rows.assign(gain=rows["effect"] * rows["direction"]).pivot(
            index="policy", columns=SCENARIO, values="gain"
        )
        shown = rows.pivot(index="policy", columns=SCENARIO, values="distinguishable_adjusted")
        effect = rows.pivot(index="policy", columns=SCENARIO, values="effect")
        values = gain.to_numpy(dtype=float)
        limit = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
        image = ax.imshow(values, cmap="RdBu", vmin=-(limit or 1.0), vmax=limit or 1.0, aspect="auto")
        digits = 0 if outcome == "recovery_time_capped" else 2
        for (i, j), value in np.ndenumerate(effect.to_numpy(dtype=float)):
            if np.isfinite(value):
                mark = "" if shown.iloc[i, j] else "?"
                ax.text(j, i, f"{value:+.{digits}f}{mark}", ha="center", va="center", fontsize=7)
        ax.set_xticks(range(gain.shape[1]), gain.columns, rotation=30, ha="right", fontsize=7)
        ax.set_yticks(range(gain.shape[0]), gain.index, fontsize=7)
        unit = {"recovery_time_capped": "weeks", "resilient": "share of runs"}.get(outcome, "level")
        ax.set_title(f"{outcome} ({compare.DIRECTION_WORDS[compare.DIRECTIONS[outcome]]})", fontsize=9)
        fig.colorbar(image, ax=ax, shrink=0.8, label=f"gain ({unit}; blue better, red worse)")
    fig.suptitle(
        "Effect of each policy against the scenario's baseline, paired by seed (cell: the effect; colour: better or "
        "worse; '?': not distinguishable from noise after the correction)",
        fontsize=9,
    )
    return fig


def markdown(found: pd.DataFrame, table: pd.DataFrame, settings: compare.Settings) -> str:
    """The robustness report."""
    n = int(found["n"].max()) if len(found) else 0
    scenarios = sorted(set(found[SCENARIO]))
    behind = regret(found)
    lines = [
        f"# Policy robustness across {len(scenarios)} scenarios ({n} paired seeds per arm)",
        "",
        "Scenarios: " + ", ".join(f"`{s}`" for s in scenarios) + ". Each policy is compared with the baseline of "
        "the same scenario, seed by seed.",
        "",
        "## How to read this",
        "",
        *compare.method_lines(found, settings, len(found)),
        (
            "- **Regret**: in each scenario, how far an option's gain (effect in the outcome's better direction, point "
            "estimate) falls behind the best option there, doing nothing (`none`) included; 0 means it is the best there. "
            "*max regret* is the worst case over the scenarios."
        ),
        "",
        "## Non-dominated in each scenario",
        "",
    ]
    everywhere = None
    for scenario in scenarios:
        kept = policy_stats.non_dominated(compare.gains(found[found[SCENARIO] == scenario]))
        everywhere = set(kept) if everywhere is None else everywhere & set(kept)
        lines.append(f"- `{scenario}`: {', '.join(kept)}")
    lines += ["", f"Non-dominated in every scenario: {', '.join(sorted(everywhere or [])) or 'none'}.", ""]
    weights = dict(settings.weights)
    if weights:
        terms = " + ".join(f"{w:g} × gain in {o}" for o, w in weights.items())
        wide = score_regret(found, weights)
        wide["max regret"] = wide.max(axis=1)
        lines += [
            "## Regret on the weighted score",
            "",
            f"Score = {terms}, gains in units of the outcome's standard deviation over all runs of the scenario.",
            "",
            wide.sort_values("max regret", kind="stable").round(3).to_markdown(),
            "",
        ]
    for outcome in [o for o in compare.OUTCOMES if o in set(found["outcome"])]:
        direction = compare.DIRECTION_WORDS[compare.DIRECTIONS[outcome]]
        lines += [f"## {outcome}: {direction}", "", "Effect against the scenario's baseline:", ""]
        lines += [effect_table(found, outcome).to_markdown(), ""]
        if compare.DIRECTIONS[outcome]:
            digits = 1 if outcome == "recovery_time_capped" else 3
            lines += ["Regret:", "", regret_table(behind, outcome).round(digits).to_markdown(), ""]
    lines += ["## Regime reached (share of runs)", "", *compare._regime_lines(settings, table), ""]
    lines += [regime_table(table).to_markdown()]
    return "\n".join(lines) + "\n"


def write_report(folder: Path, table: pd.DataFrame) -> dict[str, Path]:
    """Write ``robustness.csv``, ``robustness.md`` and ``robustness.png`` into ``folder``."""
    ok = table[table["error"].fillna("") == ""] if "error" in table else table
    settings = compare.Settings.of(folder, ok)
    found = effects(ok, settings.correction)
    written = {"csv": folder / "robustness.csv", "md": folder / "robustness.md", "png": folder / "robustness.png"}
    behind = regret(found).melt(id_vars=["policy", SCENARIO], var_name="outcome", value_name="regret")
    atomic_write(written["csv"], lambda p: found.merge(behind, how="left").to_csv(p, index=False))
    report = markdown(found, ok, settings)
    atomic_write(written["md"], lambda p: p.write_text(report))
    fig = figure(found)
    save_figure(fig, written["png"])
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Robustness report of a gathered policy x scenario sweep.")
    parser.add_argument("sweep_dir", type=Path)
    args = parser.parse_args(argv)
    runs = args.sweep_dir / "runs.parquet"
    if not runs.exists():
        parser.error(f"sweep_dir={args.sweep_dir} has no runs.parquet; gather it first: python -m sim.gather <folder>")
    table = pd.read_parquet(runs)
    if not is_robustness_sweep(table):
        parser.error(f"sweep_dir={args.sweep_dir} is not a sweep over policy (with none) and scenario only")
    print(write_report(args.sweep_dir, table)["md"].read_text())
