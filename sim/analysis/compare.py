"""Compare interventions with a baseline: paired effects on every outcome, no hidden ranking.

Every arm of a comparison runs the same seeds, so seed *s* of a policy arm and seed
*s* of the baseline share their initial organisation, their environment and, until
the policy acts, every random draw (common random numbers). The effect of a policy on an
outcome is estimated from these pairs (:mod:`sim.analysis.policy_stats`): the mean paired
difference with Student's t interval for a continuous outcome, the difference of two
paired shares with Newcombe's hybrid score interval for the binary one (ending
resilient). All comparisons of a report form one family, corrected for multiplicity
(Holm by default, ``comparison.correction``); a report gives the raw and the adjusted
verdict.

No single ranking is imposed: every outcome has its direction (higher is better, or
worse), the report marks the policies no other option (the baseline included) beats on
every outcome, and ranks only when asked, by one outcome (``comparison.rank_by``) or by
a weighted score (``comparison.weights.<outcome>``), which it then states.

    python -m sim.compare outputs/studies/policy_comparison-default   # or it runs after the study
    python -m sim.compare <folder> --rank-by recovery_time_capped
    python -m sim.compare <folder> --weights productivity=1,recovery_time_capped=0.5
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from sim.analysis import policy_stats
from sim.analysis.files import atomic_write, save_figure
from sim.analysis.plotting import caption
from sim.core.config import COMPARISON_OUTCOMES, RANKABLE_OUTCOMES

OUTCOMES: dict[str, str] = {
    "productivity": "productivity (before the shock)",
    "satisfaction": "satisfaction (before the shock)",
    "commons_quality": "commons quality Q (before the shock)",
    "data_worker_share": "share of data workers (before the shock)",
    "recovery_time_capped": "weeks to recover from the shock (never: weeks observed)",
    "resilient": "share of runs in the resilient regime",
}
DIRECTIONS: dict[str, int] = {
    "productivity": 1,
    "satisfaction": 1,
    "commons_quality": 1,
    "data_worker_share": 0,  # a means (it keeps the commons) and a cost to the worker, not an end
    "recovery_time_capped": -1,
    "resilient": 1,
}
BINARY = ("resilient",)
ARM = "policy"
BASELINE = "none"
assert tuple(OUTCOMES) == COMPARISON_OUTCOMES and tuple(o for o in DIRECTIONS if DIRECTIONS[o]) == RANKABLE_OUTCOMES

DIRECTION_WORDS = {1: "higher is better", -1: "lower is better", 0: "no direction (context)"}


@dataclass(frozen=True)
class Settings:
    """What a report says about how its numbers were made, read from the sweep's configuration."""

    shock_week: int | None = None
    shock_weeks: tuple[int, int, int] | None = None  # first, median and last test week when they differ
    shock_share: float | None = None
    baseline_window: int = 30
    steps: int | None = None
    regime_test: str = "scheduled"
    settle_tolerance: float = 0.02
    recovery_measure: str = "worker_knowledge"
    recovery_tolerance: float = 0.05
    recovery_window: int = 200
    rigid_min_recovery: float = 50
    rank_by: str | None = None
    weights: tuple[tuple[str, float], ...] = ()
    correction: str = "holm"
    scenario: str | None = None

    @classmethod
    def of(cls, folder: Path, table: pd.DataFrame | None = None) -> Settings:
        """The settings of the sweep in ``folder`` (its ``multirun.yaml``); defaults where it has none."""
        path = folder / "multirun.yaml"
        if not path.exists():
            return cls.defaults(table)
        cfg = OmegaConf.load(path)
        shocks = list(OmegaConf.select(cfg, "model.shocks") or [])
        first = min(shocks, key=lambda s: s.time) if shocks else None
        weights = OmegaConf.select(cfg, "comparison.weights") or {}
        settled = OmegaConf.select(cfg, "regime.test", default="settled") == "settled"
        return cls(
            shock_week=_shock_week(table) or (int(first.time) if first is not None and not settled else None),
            shock_weeks=_shock_weeks(table),
            shock_share=float(OmegaConf.select(cfg, "regime.shock_share", default=0.3))
            if settled
            else (float(first.share) if first is not None else None),
            baseline_window=int(OmegaConf.select(cfg, "regime.baseline_window", default=30)),
            steps=OmegaConf.select(cfg, "steps"),
            regime_test=str(OmegaConf.select(cfg, "regime.test", default="settled")),
            settle_tolerance=float(OmegaConf.select(cfg, "regime.settle_tolerance", default=0.02)),
            recovery_measure=str(OmegaConf.select(cfg, "regime.recovery_measure", default="worker_knowledge")),
            recovery_tolerance=float(OmegaConf.select(cfg, "regime.recovery_tolerance", default=0.05)),
            recovery_window=int(OmegaConf.select(cfg, "regime.recovery_window", default=200)),
            rigid_min_recovery=float(OmegaConf.select(cfg, "regime.rigid_min_recovery", default=50)),
            rank_by=OmegaConf.select(cfg, "comparison.rank_by"),
            weights=tuple((k, float(v)) for k, v in weights.items() if v),
            correction=str(OmegaConf.select(cfg, "comparison.correction", default="holm")),
            scenario=OmegaConf.select(cfg, "hydra.runtime.choices.scenario"),
        )

    @classmethod
    def defaults(cls, table: pd.DataFrame | None = None) -> Settings:
        """The default settings, with the test shock weeks of ``table`` (when a sweep's configuration is unknown)."""
        return cls(shock_week=_shock_week(table), shock_weeks=_shock_weeks(table))

    def window_text(self) -> str:
        """The measurement window in words."""
        if self.shock_week is None and self.shock_weeks is not None:
            first, median, last = self.shock_weeks
            return (
                f"the {self.baseline_window} weeks before each run's own test shock (the shock came in weeks "
                f"{first}–{last}, median {median}, once the run had settled)"
            )
        if self.shock_week is None:
            return f"the last {self.baseline_window} weeks of the run"
        first = self.shock_week - self.baseline_window
        return f"weeks {first}–{self.shock_week - 1}, the {self.baseline_window} weeks before the shock"

    def windows(self) -> dict[str, str]:
        """Per outcome, when and how it is measured."""
        if self.regime_test == "settled":
            after, observed_weeks = "from each run's own test shock", self.recovery_window
            end = f" ({self.recovery_window} weeks after its test shock)"
        else:
            after = f"from the shock in week {self.shock_week}" if self.shock_week is not None else "after the shock"
            known = self.steps is not None and self.shock_week is not None
            observed_weeks = self.steps - self.shock_week if known else None
            end = f" (week {self.steps})" if self.steps is not None else ""
        observed = f"the {observed_weeks} weeks observed" if observed_weeks is not None else "the weeks observed"
        return {
            **dict.fromkeys(
                ("productivity", "satisfaction", "commons_quality", "data_worker_share"),
                f"mean over the {self.baseline_window} weeks before the shock (see Window)",
            ),
            "recovery_time_capped": (
                f"{after} until {self.recovery_measure} is back within {self.recovery_tolerance:g} "
                f"of its pre-shock level; a run that never recovers counts {observed} (a lower bound)"
            ),
            "resilient": f"the regime label at the end of the run{end}, {self.regime_test} test",
        }


def _shock_weeks(table: pd.DataFrame | None) -> tuple[int, int, int] | None:
    if table is None or "shock_week" not in table or table["shock_week"].dropna().nunique() < 2:
        return None
    weeks = table["shock_week"].dropna()
    return int(weeks.min()), int(weeks.median()), int(weeks.max())


def _shock_week(table: pd.DataFrame | None) -> int | None:
    if table is None or "shock_week" not in table:
        return None
    weeks = table["shock_week"].dropna().unique()
    return int(weeks[0]) if len(weeks) == 1 else None


def paired_effect(treated: pd.Series, control: pd.Series, level: float = 0.95) -> dict[str, float]:
    """Mean paired difference ``treated - control`` (aligned by index) with its t interval and p value."""
    return policy_stats.continuous_effect(treated, control, level)


def strata(table: pd.DataFrame) -> list[str]:
    """The swept columns other than the arm that vary: seeds are paired within each of their combinations."""
    if "seed" not in table:
        return []
    swept = [c for c in table.columns[: table.columns.get_loc("seed")] if c not in ("job", ARM)]
    return [c for c in swept if table[c].nunique(dropna=False) > 1]


def _outcomes_by_seed(table: pd.DataFrame, arm: str, keys: list[str]) -> pd.DataFrame:
    rows = table[table[ARM] == arm].set_index([*keys, "seed"])
    if rows.index.has_duplicates:
        raise ValueError(f"{ARM}={arm} has more than one run per seed within {keys or 'the sweep'}: cannot pair them")
    frame = rows[[c for c in OUTCOMES if c in rows.columns and c != "resilient"]].astype(float)
    frame["resilient"] = (rows["regime"] == "resilient").astype(float)
    return frame


def compare(table: pd.DataFrame, baseline: str = BASELINE, correction: str = "holm") -> pd.DataFrame:
    """One row per (policy, outcome): the baseline level, the paired effect, its interval, raw and adjusted p.

    Failed runs (a non-empty ``error``) are left out, and with them their partners. Seeds
    are paired within each combination of the other swept values (:func:`strata`).
    """
    if "error" in table:
        table = table[table["error"].fillna("") == ""]
    if baseline not in set(table[ARM]):
        raise ValueError(f"{ARM}={baseline!r} (the baseline arm) is not in the table; arms: {sorted(set(table[ARM]))}")
    keys = strata(table)
    control = _outcomes_by_seed(table, baseline, keys)
    arms = {arm: _outcomes_by_seed(table, arm, keys) for arm in sorted(set(table[ARM]) - {baseline})}
    spread = pd.concat([control, *arms.values()]).std(ddof=1)  # the scale of a weighted score
    rows = []
    for arm, treated in arms.items():
        for outcome in control.columns:
            estimate = policy_stats.binary_effect if outcome in BINARY else policy_stats.continuous_effect
            effect = estimate(treated[outcome], control[outcome])
            rows.append(
                {
                    "policy": arm,
                    "outcome": outcome,
                    "direction": DIRECTIONS[outcome],
                    "baseline": float(control[outcome].mean()),
                    "baseline_sd": float(control[outcome].std(ddof=1)) if len(control) > 1 else math.nan,
                    "pooled_sd": float(spread[outcome]),
                    **effect,
                    "method": "newcombe" if outcome in BINARY else "t",
                }
            )
    return verdicts(pd.DataFrame(rows), correction)


def verdicts(effects: pd.DataFrame, correction: str = "holm") -> pd.DataFrame:
    """``effects`` with raw and adjusted p values and verdicts, all its rows one family for the correction."""
    result = effects.copy()
    if result.empty:
        return result
    result["distinguishable"] = (result["low"] > 0) | (result["high"] < 0)
    result["p_adjusted"] = policy_stats.adjust(result["p"], correction)
    result["distinguishable_adjusted"] = result["distinguishable"] & (result["p_adjusted"] < 1 - policy_stats.LEVEL)
    result["correction"] = correction
    result["verdict"] = result.apply(_verdict, axis=1)
    result["n_max"] = result["n"].max()
    return result


def _verdict(row: pd.Series) -> str:
    if row["effect"] == 0 and row["low"] == row["high"] == 0:
        return "no difference in any seed"
    if not row["distinguishable"]:
        return "noise"
    if row["direction"] == 0:
        side = "higher" if row["effect"] > 0 else "lower"
    else:
        side = "better" if row["effect"] * row["direction"] > 0 else "worse"
    return side if row["distinguishable_adjusted"] else f"{side}, raw only"


def contrast(table: pd.DataFrame, first: str, second: str, correction: str = "holm") -> pd.DataFrame:
    """Paired effects of ``first`` against ``second`` (e.g. continuous against pilot-only participation)."""
    pair = table[table[ARM].isin([first, second])]
    return compare(pair, baseline=second, correction=correction).assign(policy=f"{first} vs {second}")


def regime_shares(table: pd.DataFrame) -> pd.DataFrame:
    """Share of runs in each regime, per arm."""
    return pd.crosstab(table[ARM], table["regime"], normalize="index").round(3)


def gains(effects: pd.DataFrame, baseline: str = BASELINE, adjusted: bool = True) -> pd.DataFrame:
    """Per option (the baseline included, all 0) and outcome with a direction: effect x direction.

    Larger is better. With ``adjusted``, an effect the corrected test cannot tell from
    noise counts as 0: a policy is better or worse on an outcome only where it shows.
    """
    directed = effects[effects["direction"] != 0]
    keep = directed["distinguishable_adjusted"] if adjusted else pd.Series(True, index=directed.index)
    value = (directed["effect"] * directed["direction"]).where(keep, 0.0)
    wide = directed.assign(gain=value).pivot(index="policy", columns="outcome", values="gain")
    wide = wide[[o for o in RANKABLE_OUTCOMES if o in wide.columns]]
    wide.loc[baseline] = 0.0
    return wide.sort_index()


def _cell(row: pd.Series) -> str:
    if row["verdict"] == "no difference in any seed":
        return "no difference in any seed"
    if row["n"] < 2:
        return f"{row['effect']:+.3g} (n = {int(row['n'])} pair: no interval)"
    digits = 1 if abs(row["baseline"]) >= 10 or row["outcome"] == "recovery_time_capped" else 3
    text = f"{row['effect']:+.{digits}f} [{row['low']:+.{digits}f}, {row['high']:+.{digits}f}] {row['verdict']}"
    fewer = row.get("n_max", row["n"]) > row["n"]  # runs not tested (unsettled) have no recovery time
    return f"{text} (n = {int(row['n'])})" if fewer else text


def effects_table(effects: pd.DataFrame, baseline: str = BASELINE) -> pd.DataFrame:
    """Policies as rows, outcomes as columns ("effect [low, high] verdict"), non-dominated marked, alphabetical."""
    wide = effects.assign(text=effects.apply(_cell, axis=1)).pivot(index="policy", columns="outcome", values="text")
    wide = wide[[c for c in OUTCOMES if c in wide.columns]]
    kept = set(policy_stats.non_dominated(gains(effects, baseline)))
    wide.insert(0, "non-dominated", ["yes" if p in kept else "no" for p in wide.index])
    return wide.sort_index()


def ranking(effects: pd.DataFrame, by: str | None = None, weights: dict[str, float] | None = None) -> pd.DataFrame:
    """The policies ordered as the analyst asked: by the gain on one outcome, or by a weighted score.

    The weighted score is the sum over outcomes of weight x gain / (the outcome's standard
    deviation over all runs of the comparison), the gain being the effect times its
    direction (noise included: a ranking uses the point estimates).
    """
    if (by is None) == (not weights):
        raise ValueError("ranking needs exactly one of by= (an outcome) or weights= (outcome -> weight)")
    wide = effects.assign(text=effects.apply(_cell, axis=1)).pivot(index="policy", columns="outcome", values="text")
    raw = gains(effects, adjusted=False).drop(index=BASELINE, errors="ignore")
    if by is not None:
        if by not in raw.columns:
            raise ValueError(f"rank_by={by} is not an outcome with a direction; allowed: {', '.join(raw.columns)}")
        score = raw[by]
        columns = [by]
    else:
        unknown = sorted(set(weights) - set(raw.columns))
        if unknown:
            raise ValueError(f"weights name {', '.join(unknown)}; allowed: {', '.join(raw.columns)}")
        scale = effects.drop_duplicates("outcome").set_index("outcome")["pooled_sd"]
        score = policy_stats.weighted_score(raw, weights, scale)
        columns = list(weights)
    order = score.sort_values(ascending=False, kind="stable").index
    table = wide.loc[order, columns].copy()
    table.insert(0, "score" if weights else f"gain in {by}", score.loc[order].round(4))
    table.insert(0, "rank", range(1, len(table) + 1))
    return table


def best_first(rows: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """One outcome's rows in rank order: the best effect first in the outcome's direction (the largest where it
    has none), ties by policy name, a missing effect last."""
    key = -(DIRECTIONS[outcome] or 1) * rows["effect"]
    return rows.assign(_key=key).sort_values(["_key", "policy"], kind="stable", na_position="last").drop(columns="_key")


def forest_plot(effects: pd.DataFrame, correction: str = "holm", window: str | None = None):
    """Effect and 95% interval of every policy on every outcome; hollow: not distinguishable after the correction.

    Each panel lists its policies top to bottom by rank on its outcome (:func:`best_first`); the
    caption states the ``window`` the levels are measured over (:meth:`Settings.window_text`)."""
    outcomes = [o for o in OUTCOMES if o in set(effects["outcome"])]
    policies = sorted(set(effects["policy"]))
    cols = min(3, len(outcomes))
    panel_rows = -(-len(outcomes) // cols)
    fig, axes = plt.subplots(
        panel_rows, cols, figsize=(4.6 * cols, panel_rows * (0.4 * len(policies) + 1.6)), layout="constrained"
    )
    axes = np.atleast_1d(axes).ravel()
    for ax in axes[len(outcomes) :]:
        ax.set_visible(False)
    for ax, outcome in zip(axes, outcomes, strict=False):
        rows = best_first(effects[effects["outcome"] == outcome], outcome).set_index("policy")
        y = np.arange(len(rows))
        ax.errorbar(
            rows["effect"],
            y,
            xerr=[rows["effect"] - rows["low"], rows["high"] - rows["effect"]],
            fmt="none",
            ecolor="grey",
        )
        filled = rows["distinguishable_adjusted"].to_numpy(dtype=bool)
        ax.scatter(rows["effect"][filled], y[filled], color="black", zorder=3)
        ax.scatter(rows["effect"][~filled], y[~filled], facecolors="white", edgecolors="black", zorder=3)
        ax.axvline(0, color="red", lw=1)
        unit = "weeks" if outcome == "recovery_time_capped" else ("share of runs" if outcome in BINARY else "level")
        ax.set_title(f"{OUTCOMES[outcome]}\n{DIRECTION_WORDS[DIRECTIONS[outcome]]}", fontsize=8)
        ax.set_xlabel(f"effect: policy − baseline ({unit})", fontsize=8)
        ax.set_yticks(y, rows.index)
        ax.invert_yaxis()  # the best on top
        ax.locator_params(axis="x", nbins=5)  # tick labels that do not run into each other
        ax.grid(alpha=0.3)
    name = policy_stats.CORRECTIONS[correction]
    measured = f"Productivity, satisfaction, commons quality and data workers: means over {window}." if window else ""
    fig.suptitle(
        caption(
            f"Effect of each policy against the baseline (paired by seed, 95% intervals; hollow: not distinguishable "
            f"after {name} correction), best first in each panel.",
            measured,
            width=int(13 * 4.6 * cols),  # about as wide as the panels (13 characters an inch)
        ),
        fontsize=9,
    )
    return fig


def method_lines(effects: pd.DataFrame, settings: Settings, family: int) -> list[str]:
    """How the numbers were made, in words, for the top of a report."""
    n = int(effects["n"].max()) if len(effects) else 0
    name = policy_stats.CORRECTIONS[settings.correction]
    return [
        (
            f"- **Design**: every arm runs the same {n} seeds (common random numbers); an effect is the policy arm "
            "minus the baseline arm, seed by seed."
        ),
        f"- **Window**: productivity, satisfaction, commons quality and the share of data workers are means over "
        f"{settings.window_text()}"
        + (
            f" (an environment shock flips {settings.shock_share:.0%} of the task in week {settings.shock_week})."
            if settings.shock_share is not None and settings.shock_week is not None
            else "."
        ),
        f"- **Continuous outcomes**: {policy_stats.CONTINUOUS_METHOD}, 95%.",
        f"- **Ending resilient (0/1)**: {policy_stats.BINARY_METHOD}, 95%; the bounds stay within [−1, 1].",
        (
            f"- **Multiplicity**: the {family} comparisons of this report form one family, adjusted by {name} "
            f"(`comparison.correction={settings.correction}`) at 5%. A cell says *better* or *worse* (in the outcome's "
            "direction) when its interval excludes 0 and the adjusted p < 0.05, *…, raw only* when only the raw "
            "interval excludes 0, *noise* when it does not."
        ),
        (
            "- **Non-dominated**: no other option, the baseline included, is at least as good on every outcome with a "
            "direction and better on one; effects that are noise after the correction count as 0."
        ),
    ]


def markdown(
    effects: pd.DataFrame,
    shares: pd.DataFrame,
    contrasts: pd.DataFrame,
    settings: Settings | None = None,
    table: pd.DataFrame | None = None,
) -> str:
    """The comparison as a Markdown report: method, outcomes, effects, trade-offs, regimes, contrasts."""
    settings = settings or Settings()
    n = int(effects["n"].max()) if len(effects) else 0
    where = f": {settings.scenario}" if settings.scenario else ""
    lines = [f"# Policy comparison{where} ({n} paired seeds per arm)", "", "## How to read this", ""]
    lines += method_lines(effects, settings, len(effects))
    weights = dict(settings.weights)
    if settings.rank_by is None and not weights:
        lines.append(
            "- **No ranking**: policies are listed alphabetically. Ask for one with `comparison.rank_by=<outcome>` "
            "or `comparison.weights.<outcome>=<weight>`."
        )
    lines += ["", "## Outcomes", "", _outcome_table(effects, settings).to_markdown(index=False), ""]
    lines += [f"## Effects against the baseline (`{BASELINE}`)", "", effects_table(effects).to_markdown(), ""]
    lines += ["## Trade-offs", "", *tradeoffs(effects), ""]
    if settings.rank_by is not None or weights:
        lines += ["## Ranking, as asked", ""]
        if weights:
            terms = " + ".join(f"{w:g} × gain in {o}" for o, w in weights.items())
            lines.append(
                f"Weighted score = {terms}, each gain (the effect in the outcome's better direction) in units of "
                "the outcome's standard deviation over all runs of the comparison; point estimates, noise included."
            )
        else:
            lines.append(
                f"By the gain in {settings.rank_by} ({DIRECTION_WORDS[DIRECTIONS[settings.rank_by]]}); point "
                "estimates, noise included. The other outcomes are above."
            )
        lines += ["", ranking(effects, settings.rank_by, weights or None).to_markdown(), ""]
    lines += ["## Regime reached (share of runs)", "", *_regime_lines(settings, table), "", shares.to_markdown()]
    if len(contrasts):
        lines += [
            "",
            "## Direct contrasts",
            "",
            f"Paired as above; their own family of {len(contrasts)} comparisons for the correction.",
            "",
            effects_table(contrasts.assign(policy=contrasts["policy"]), baseline="(reference)")
            .drop(columns="non-dominated")
            .to_markdown(),
        ]
    return "\n".join(lines) + "\n"


def _outcome_table(effects: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    levels = effects.drop_duplicates("outcome").set_index("outcome")
    windows = settings.windows()
    rows = []
    for outcome in [o for o in OUTCOMES if o in levels.index]:
        row = levels.loc[outcome]
        rows.append(
            {
                "outcome": outcome,
                "what": OUTCOMES[outcome],
                "direction": DIRECTION_WORDS[DIRECTIONS[outcome]],
                "measured over": windows[outcome],
                "baseline level (mean ± sd over seeds)": f"{row['baseline']:.3f} ± {row['baseline_sd']:.3f}",
                "interval": "Newcombe (paired shares)" if outcome in BINARY else "paired t",
            }
        )
    return pd.DataFrame(rows)


def tradeoffs(effects: pd.DataFrame) -> list[str]:
    table = gains(effects)
    lines = []
    for policy in sorted(set(effects["policy"])):
        row = table.loc[policy]
        better = [o for o in row.index if row[o] > 0]
        worse = [o for o in row.index if row[o] < 0]
        beaten = policy_stats.dominators(table, policy)
        text = f"- **{policy}**: better on {', '.join(better) or 'nothing'}; worse on {', '.join(worse) or 'nothing'}"
        text += f"; beaten on every outcome by {', '.join(beaten)}." if beaten else "; non-dominated."
        lines.append(text)
    return lines


def _regime_lines(settings: Settings, table: pd.DataFrame | None) -> list[str]:
    test = (
        f"the scheduled test (`regime.test=scheduled`: the shock of week {settings.shock_week} is the test)"
        if settings.regime_test == "scheduled"
        else "the settled test (`regime.test=settled`: each run is shocked once its series have settled after the "
        "last scheduled event, the policy's start or end included)"
    )
    lines = [
        (
            f"Labelled by {test}, with the rules of `docs/odd.md` §8. A run whose series still drifted by more than "
            f"{settings.settle_tolerance:g} over the 100 weeks before the test is *unsettled*: no regime is read off it."
        )
    ]
    if table is not None and "regime" in table:
        unsettled = float((table["regime"] == "unsettled").mean())
        if unsettled > 0:
            drift = table.groupby(ARM)["largest_drift"].median().round(3)
            lines.append(
                f"Here {unsettled:.0%} of the runs are unsettled (median largest drift per arm: "
                + ", ".join(f"{k} {v:g}" for k, v in drift.items())
                + "); where all are, *resilient* is 0 in every arm and its effect says nothing."
            )
    return lines


CONTRASTS = (("continuous_participation", "pilot_participation"),)


def write_report(
    folder: Path,
    table: pd.DataFrame,
    rank_by: str | None = None,
    weights: dict[str, float] | None = None,
) -> dict[str, Path]:
    """Write ``comparison.csv``, ``comparison.md``, ``comparison.png`` and ``trajectories.png`` into ``folder``.

    The ranking, weights and correction come from the sweep's ``comparison`` config unless given here.
    """
    from sim.analysis import policy_time

    ok = table[table["error"].fillna("") == ""] if "error" in table else table
    settings = Settings.of(folder, ok)
    if rank_by is not None or weights:
        settings = Settings(**{**settings.__dict__, "rank_by": rank_by, "weights": tuple((weights or {}).items())})
    effects = compare(ok, correction=settings.correction)
    arms = set(ok[ARM])
    contrasts = pd.concat(
        [contrast(ok, a, b, settings.correction) for a, b in CONTRASTS if {a, b} <= arms] or [pd.DataFrame()]
    )
    written = {"csv": folder / "comparison.csv", "md": folder / "comparison.md", "png": folder / "comparison.png"}
    atomic_write(written["csv"], lambda p: pd.concat([effects, contrasts]).to_csv(p, index=False))
    report = markdown(effects, regime_shares(ok), contrasts, settings, ok)
    atomic_write(written["md"], lambda p: p.write_text(report))
    figure = forest_plot(effects, settings.correction, settings.window_text())
    save_figure(figure, written["png"])
    if "job" in ok and not strata(ok) and (folder / str(ok["job"].iloc[0])).is_dir():  # seeds pair across arms only
        written["trajectories"] = policy_time.write_figure(folder, ok, settings.shock_week)
    return written


def _weights(text: str) -> dict[str, float]:
    weights = {}
    for item in filter(None, text.split(",")):
        name, _, value = item.partition("=")
        try:
            weights[name] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"--weights item {item!r} is not outcome=number") from None
        if name not in RANKABLE_OUTCOMES or not weights[name] >= 0:
            raise argparse.ArgumentTypeError(
                f"--weights {name}={value} is not allowed; allowed: a weight >= 0 on {', '.join(RANKABLE_OUTCOMES)}"
            )
    return weights


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Compare the policy arms of a gathered sweep with its baseline.")
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--rank-by", default=None, choices=list(RANKABLE_OUTCOMES), help="rank by this outcome")
    parser.add_argument("--weights", type=_weights, default=None, help="rank by a weighted score: outcome=w,...")
    args = parser.parse_args(argv)
    if args.rank_by and args.weights:
        parser.error(f"--rank-by={args.rank_by} and --weights both set; allowed: one of them")
    runs = args.sweep_dir / "runs.parquet"
    if not runs.exists():
        parser.error(
            f"sweep_dir={args.sweep_dir} has no runs.parquet; gather it first: python -m sim.gather {args.sweep_dir}"
        )
    written = write_report(args.sweep_dir, pd.read_parquet(runs), args.rank_by, args.weights)
    print(written["md"].read_text())
