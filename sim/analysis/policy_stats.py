"""Statistics of paired policy effects: intervals, tests, multiplicity, trade-offs. No model, no files.

Every arm of a policy study runs the same seeds (common random numbers), so an effect is
estimated from pairs (seed *s* of the policy arm, seed *s* of the reference arm):

* a **continuous** outcome (productivity, weeks to recover, ...): the mean paired
  difference with Student's t interval and the paired t test (:func:`continuous_effect`);
* a **binary** outcome (did the run end resilient?): the difference of the two shares with
  Newcombe's hybrid score interval for paired proportions (Newcombe 1998, method 10; the
  "square-and-add" interval of Fagerland, Lydersen & Laake 2017, ch. 8), built on the
  Wilson intervals of the two shares from statsmodels, and the exact (conditional) McNemar
  test from statsmodels (:func:`binary_effect`). Its bounds stay within [-1, 1], unlike a
  t interval on 0/1 values;
* **many comparisons** at once: Holm's step-down adjustment of the p values (or
  Benjamini-Hochberg), from statsmodels (:func:`adjust`); a report gives both the raw and
  the adjusted verdict;
* **trade-offs**: which options no other option beats on every outcome
  (:func:`non_dominated`) and an explicit weighted score (:func:`weighted_score`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

LEVEL = 0.95
CORRECTIONS = {"holm": "Holm's step-down", "fdr_bh": "Benjamini-Hochberg"}
CONTINUOUS_METHOD = "mean paired difference, Student's t interval, paired t test"
BINARY_METHOD = "difference of paired shares, Newcombe's hybrid score interval (1998, method 10), exact McNemar test"


def continuous_effect(treated: pd.Series, control: pd.Series, level: float = LEVEL) -> dict[str, float]:
    """Mean paired difference ``treated - control`` (aligned by index), its t interval and two-sided p value.

    A difference that is the same in every pair has no spread: its interval is that
    value and its p value is 0 (1 if the value is 0).
    """
    difference = (treated - control).dropna()
    n = int(difference.size)
    mean = float(difference.mean()) if n else math.nan
    if n < 2:
        return {"effect": mean, "low": math.nan, "high": math.nan, "p": math.nan, "n": n}
    sd = float(difference.std(ddof=1))
    if sd == 0:
        return {"effect": mean, "low": mean, "high": mean, "p": 1.0 if mean == 0 else 0.0, "n": n}
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * sd / math.sqrt(n))
    p = float(2 * stats.t.sf(abs(mean) / (sd / math.sqrt(n)), n - 1))
    return {"effect": mean, "low": mean - half, "high": mean + half, "p": p, "n": n}


def newcombe_paired(both: int, first_only: int, second_only: int, neither: int, level: float = LEVEL) -> tuple:
    """Newcombe's hybrid score interval for ``p1 - p2`` from a paired 2x2 table.

    ``p1`` is the share of pairs whose first member is a success (``both + first_only``
    over n), ``p2`` that of the second (``both + second_only``). The Wilson intervals of
    ``p1`` and ``p2`` are combined with the correlation of the pairs, the phi coefficient
    with Newcombe's correction of its numerator (Newcombe 1998, Statistics in Medicine 17,
    2635-2650, method 10). Returns ``(difference, low, high)``.
    """
    a, b, c, d = both, first_only, second_only, neither
    n = a + b + c + d
    if n == 0:
        return math.nan, math.nan, math.nan
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = proportion_confint(a + b, n, alpha=1 - level, method="wilson")
    l2, u2 = proportion_confint(a + c, n, alpha=1 - level, method="wilson")
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    cross = a * d - b * c
    numerator = cross - n / 2 if cross > n / 2 else (0.0 if cross >= 0 else cross)
    phi = numerator / math.sqrt(margins) if margins > 0 else 0.0
    low = (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2
    high = (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2
    difference = p1 - p2
    return (
        difference,
        max(-1.0, difference - math.sqrt(max(low, 0.0))),
        min(1.0, difference + math.sqrt(max(high, 0.0))),
    )


def binary_effect(treated: pd.Series, control: pd.Series, level: float = LEVEL) -> dict[str, float]:
    """Difference of the shares of successes (0/1 values aligned by index), Newcombe's interval, McNemar's p."""
    pairs = pd.concat([treated, control], axis=1).dropna().astype(bool)
    first, second = pairs.iloc[:, 0], pairs.iloc[:, 1]
    a, b = int((first & second).sum()), int((first & ~second).sum())
    c, d = int((~first & second).sum()), int((~first & ~second).sum())
    difference, low, high = newcombe_paired(a, b, c, d, level)
    p = 1.0 if b + c == 0 else float(mcnemar([[a, b], [c, d]], exact=True).pvalue)
    return {"effect": difference, "low": low, "high": high, "p": p, "n": a + b + c + d}


def adjust(p_values: pd.Series | np.ndarray, method: str = "holm", alpha: float = 1 - LEVEL) -> np.ndarray:
    """P values adjusted for multiplicity (``holm`` or ``fdr_bh``); NaN stays NaN and is not counted."""
    if method not in CORRECTIONS:
        raise ValueError(f"correction={method!r} is not known; allowed: {', '.join(CORRECTIONS)}")
    values = np.asarray(p_values, dtype=float)
    adjusted = np.full(values.shape, np.nan)
    known = ~np.isnan(values)
    if known.any():
        adjusted[known] = multipletests(values[known], alpha=alpha, method=method)[1]
    return adjusted


def non_dominated(gains: pd.DataFrame) -> list[str]:
    """The rows no other row beats on every column: at least as good everywhere and better somewhere.

    ``gains`` has one row per option and one column per outcome, each oriented so that
    larger is better (an effect times its direction). A row with a missing value takes
    part with that value treated as no better than anything.
    """
    values = gains.to_numpy(dtype=float)
    values = np.where(np.isnan(values), -np.inf, values)
    kept = []
    for i, name in enumerate(gains.index):
        others = np.delete(values, i, axis=0)
        dominated = np.any(np.all(others >= values[i], axis=1) & np.any(others > values[i], axis=1))
        if not dominated:
            kept.append(name)
    return kept


def dominators(gains: pd.DataFrame, option: str) -> list[str]:
    """The options that beat ``option`` on every column of ``gains`` (see :func:`non_dominated`)."""
    values = gains.fillna(-np.inf)
    row = values.loc[option]
    better = (values >= row).all(axis=1) & (values > row).any(axis=1)
    return [name for name in values.index[better] if name != option]


def weighted_score(gains: pd.DataFrame, weights: dict[str, float], scale: pd.Series) -> pd.Series:
    """Sum over outcomes of ``weight * gain / scale``: gains in units of each outcome's scale, weighted.

    ``scale`` makes outcomes in different units comparable (the report uses the
    baseline's spread across seeds); an outcome whose scale is 0 or missing adds nothing.
    """
    total = pd.Series(0.0, index=gains.index)
    for outcome, weight in weights.items():
        unit = float(scale.get(outcome, math.nan))
        if weight and unit > 0:
            total += weight * gains[outcome].fillna(0.0) / unit
    return total
