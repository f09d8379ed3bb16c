"""Compare interventions with a baseline: paired differences over common random numbers.

Every arm of a comparison runs the same seeds, so seed *s* of a policy arm and seed
*s* of the baseline share their initial organisation, their environment and, until
the policy acts, every random draw. The effect of a policy on an outcome is the mean
over seeds of the paired difference (policy − baseline), with a 95% confidence
interval from Student's t; an interval that contains 0 is reported as *not
distinguishable from noise*.

    python -m sim.compare outputs/studies/policy_comparison-default   # or it runs after the study
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.files import atomic_write, save_figure

OUTCOMES: dict[str, str] = {
    "productivity": "productivity (before the shock)",
    "satisfaction": "satisfaction (before the shock)",
    "commons_quality": "commons quality Q (before the shock)",
    "data_worker_share": "share of data workers (before the shock)",
    "recovery_time_capped": "weeks to recover from the shock (never: weeks observed)",
    "resilient": "share of runs in the resilient regime",
}
ARM = "policy"
BASELINE = "none"


def paired_effect(treated: pd.Series, control: pd.Series, level: float = 0.95) -> dict[str, float]:
    """Mean paired difference ``treated - control`` (aligned by index) with its confidence interval."""
    difference = (treated - control).dropna()
    n = difference.size
    mean = float(difference.mean()) if n else np.nan
    if n < 2:
        return {"effect": mean, "low": np.nan, "high": np.nan, "n": n}
    sd = float(difference.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n)) if sd > 0 else 0.0
    return {"effect": mean, "low": mean - half, "high": mean + half, "n": n}


def _outcomes_by_seed(table: pd.DataFrame, arm: str) -> pd.DataFrame:
    rows = table[table[ARM] == arm].set_index("seed")
    frame = rows[[c for c in OUTCOMES if c in rows.columns]].astype(float)
    frame["resilient"] = (rows["regime"] == "resilient").astype(float)
    return frame


def compare(table: pd.DataFrame, baseline: str = BASELINE) -> pd.DataFrame:
    """One row per (policy, outcome): effect vs the baseline, CI, and whether it is distinguishable.

    Failed runs (a non-empty ``error``) are left out, and with them their partners.
    """
    if "error" in table:
        table = table[table["error"].fillna("") == ""]
    if baseline not in set(table[ARM]):
        raise ValueError(f"{ARM}={baseline!r} (the baseline arm) is not in the table; arms: {sorted(set(table[ARM]))}")
    control = _outcomes_by_seed(table, baseline)
    rows = []
    for arm in sorted(set(table[ARM]) - {baseline}):
        treated = _outcomes_by_seed(table, arm)
        for outcome in control.columns:
            effect = paired_effect(treated[outcome], control[outcome])
            rows.append({"policy": arm, "outcome": outcome, "baseline": float(control[outcome].mean()), **effect})
    result = pd.DataFrame(rows)
    result["distinguishable"] = (result["low"] > 0) | (result["high"] < 0)
    return result


def contrast(table: pd.DataFrame, first: str, second: str) -> pd.DataFrame:
    """Paired effects of ``first`` against ``second`` (e.g. continuous against pilot-only participation)."""
    return compare(table[table[ARM].isin([first, second])], baseline=second).assign(policy=f"{first} vs {second}")


def regime_shares(table: pd.DataFrame) -> pd.DataFrame:
    """Share of runs in each regime, per arm."""
    return pd.crosstab(table[ARM], table["regime"], normalize="index").round(3)


def ranking(effects: pd.DataFrame, by: str = "productivity") -> pd.DataFrame:
    """Policies as rows, outcomes as columns ("effect [low, high]", * if distinguishable), best ``by`` first."""

    def cell(row: pd.Series) -> str:
        if row["low"] == row["high"] == row["effect"] == 0:
            return "no difference in any seed"
        mark = "" if row["distinguishable"] else " (noise)"
        return f"{row['effect']:+.3f} [{row['low']:+.3f}, {row['high']:+.3f}]{mark}"

    wide = effects.assign(text=effects.apply(cell, axis=1)).pivot(index="policy", columns="outcome", values="text")
    order = effects[effects["outcome"] == by].sort_values("effect", ascending=False)["policy"]
    wide = wide.loc[order, [c for c in OUTCOMES if c in wide.columns]]
    wide.insert(0, "rank", range(1, len(wide) + 1))
    return wide


def forest_plot(effects: pd.DataFrame, by: str = "productivity"):
    """Effect and 95% interval of every policy on every outcome; hollow markers: indistinguishable from noise.

    Policies run top to bottom in the ranking's order (best ``by`` first), as in the report's table."""
    outcomes = [o for o in OUTCOMES if o in set(effects["outcome"])]
    ranked = list(ranking(effects, by).index) if by in outcomes else sorted(set(effects["policy"]))
    policies = ranked[::-1]  # y grows upwards: the best policy on top
    cols = min(3, len(outcomes))
    panel_rows = -(-len(outcomes) // cols)
    fig, axes = plt.subplots(
        panel_rows, cols, figsize=(4.4 * cols, panel_rows * (0.4 * len(policies) + 1.4)), layout="constrained"
    )
    axes = np.atleast_1d(axes).ravel()
    for ax in axes[len(outcomes) :]:
        ax.set_visible(False)
    for ax, outcome in zip(axes, outcomes, strict=False):
        rows = effects[effects["outcome"] == outcome].set_index("policy").loc[policies]
        y = np.arange(len(policies))
        ax.errorbar(
            rows["effect"],
            y,
            xerr=[rows["effect"] - rows["low"], rows["high"] - rows["effect"]],
            fmt="none",
            ecolor="grey",
        )
        filled = rows["distinguishable"].to_numpy()
        ax.scatter(rows["effect"][filled], y[filled], color="black", zorder=3)
        ax.scatter(rows["effect"][~filled], y[~filled], facecolors="white", edgecolors="black", zorder=3)
        ax.axvline(0, color="red", lw=1)
        ax.set_title(OUTCOMES[outcome], fontsize=8)
        ax.set_yticks(y, policies)
        ax.set_xlabel("effect against the baseline (outcome units)", fontsize=7)
        ax.grid(alpha=0.3)
    fig.suptitle(
        "Effect of each policy against the baseline (paired by seed, 95% CI; hollow: not distinguishable from noise)"
        f"\npolicies ranked by {by}, best on top",
        fontsize=9,
    )
    return fig


def markdown(effects: pd.DataFrame, shares: pd.DataFrame, contrasts: pd.DataFrame, by: str) -> str:
    """The comparison as a Markdown report."""
    n = int(effects["n"].max()) if len(effects) else 0
    intro = (
        f"Effects against the baseline (`{BASELINE}`), mean paired difference [95% CI]; "
        f"'(noise)': the interval contains 0. Ranked by the effect on {by}."
    )
    lines = [
        f"# Policy comparison ({n} paired seeds per arm)",
        "",
        intro,
        "",
        ranking(effects, by).to_markdown(),
        "",
        "## Regime reached (share of runs)",
        "",
        shares.to_markdown(),
    ]
    if len(contrasts):
        lines += ["", "## Direct contrasts", "", ranking(contrasts, by).drop(columns="rank").to_markdown()]
    return "\n".join(lines) + "\n"


CONTRASTS = (("continuous_participation", "pilot_participation"),)


def write_report(folder: Path, table: pd.DataFrame, by: str = "productivity") -> dict[str, Path]:
    """Write ``comparison.csv``, ``comparison.md`` and ``comparison.png`` into ``folder``."""
    ok = table[table["error"].fillna("") == ""] if "error" in table else table
    effects = compare(ok)
    arms = set(ok[ARM])
    contrasts = pd.concat([contrast(ok, a, b) for a, b in CONTRASTS if {a, b} <= arms] or [pd.DataFrame()])
    written = {"csv": folder / "comparison.csv", "md": folder / "comparison.md", "png": folder / "comparison.png"}
    atomic_write(written["csv"], lambda p: pd.concat([effects, contrasts]).to_csv(p, index=False))
    atomic_write(written["md"], lambda p: p.write_text(markdown(effects, regime_shares(ok), contrasts, by)))
    figure = forest_plot(effects, by)
    save_figure(figure, written["png"])
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Compare the policy arms of a gathered sweep with its baseline.")
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--rank-by", default="productivity", choices=list(OUTCOMES))
    args = parser.parse_args(argv)
    runs = args.sweep_dir / "runs.parquet"
    if not runs.exists():
        parser.error(
            f"sweep_dir={args.sweep_dir} has no runs.parquet; gather it first: python -m sim.gather {args.sweep_dir}"
        )
    written = write_report(args.sweep_dir, pd.read_parquet(runs), args.rank_by)
    print(written["md"].read_text())
