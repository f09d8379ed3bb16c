"""Effects over time: per arm of a policy sweep, the mean trajectory over seeds with its band.

Per main outcome (rows): the level week by week, mean over seeds with a 95% band
(Student's t on the seeds' values); the paired effect (arm minus the baseline, seed by
seed) with its 95% band; and the level around each run's own test shock (the recovery).
The weeks the policies start and end and the shock are marked. Written as
``trajectories.png`` beside ``comparison.md``.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from omegaconf import OmegaConf
from scipy import stats

from sim.analysis.files import save_figure

SERIES = {
    "productivity": "productivity (π, mean over workers)",
    "satisfaction": "satisfaction (0–1)",
    "commons_quality": "commons quality Q (0–1)",
    "worker_knowledge": "worker knowledge (−1 to 1)",
}
ARM = "policy"
BASELINE = "none"


@functools.lru_cache(maxsize=32)
def _job_table(job_dir: Path, modified: float) -> pd.DataFrame:
    """A job's per-week table of all its seeds (cached per file version: ``modified`` is its mtime)."""
    path = job_dir / "timeseries.parquet"
    return pd.read_parquet(path) if path.exists() else pd.read_csv(job_dir / "timeseries.csv")


def _table_of(job_dir: Path) -> pd.DataFrame:
    path = job_dir / "timeseries.parquet"
    path = path if path.exists() else job_dir / "timeseries.csv"
    return _job_table(job_dir, path.stat().st_mtime)


def arm_series(folder: Path, table: pd.DataFrame, observable: str) -> dict[str, pd.DataFrame]:
    """Per arm: a weeks x seeds table of ``observable``."""
    result = {}
    for arm, rows in table.groupby(ARM, sort=True):
        columns = {}
        for job, seed in rows[["job", "seed"]].itertuples(index=False):
            weeks = _table_of(folder / str(job))
            columns[int(seed)] = weeks[weeks["seed"] == seed].set_index("step")[observable]
        result[arm] = pd.DataFrame(columns).sort_index(axis=1)
    return result


def band(values: pd.DataFrame, level: float = 0.95) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Mean over the columns (seeds) per row (week) and its t interval."""
    n = values.shape[1]
    mean = values.mean(axis=1)
    if n < 2:
        return mean, mean, mean
    half = stats.t.ppf(0.5 + level / 2, n - 1) * values.std(axis=1, ddof=1) / math.sqrt(n)
    return mean, mean - half, mean + half


def policy_weeks(folder: Path, table: pd.DataFrame) -> dict[str, tuple[int, int | None]]:
    """Per arm: the first week a policy is in force and the first week none is (None: to the end)."""
    weeks = {}
    for arm, job in table.groupby(ARM)["job"].first().items():
        config = folder / str(job) / "config.yaml"
        if not config.exists():
            continue
        cfg = OmegaConf.load(config)
        policies = list((OmegaConf.select(cfg, "model.policies") or {}).values())
        dose_start = OmegaConf.select(cfg, "dose.start")
        if policies:
            starts = [int(dose_start or p.start) for p in policies]
            ends = [p.end if p.end is None else int(p.end) + (int(dose_start) - int(p.start) if dose_start else 0)
                    for p in policies]  # fmt: skip
            weeks[arm] = (min(starts), None if None in ends else max(ends))
    return weeks


def aligned_series(folder: Path, table: pd.DataFrame, observable: str, before: int, after: int) -> dict:
    """Per arm: a (weeks since the run's own test shock) x seeds table of ``observable``, from -before to after."""
    result = {}
    for arm, rows in table.dropna(subset=["shock_week"]).groupby(ARM, sort=True):
        columns = {}
        for job, seed, shock in rows[["job", "seed", "shock_week"]].itertuples(index=False):
            weeks = _table_of(folder / str(job))
            series = weeks[weeks["seed"] == seed].set_index("step")[observable]
            series.index = series.index - int(shock)
            columns[int(seed)] = series.loc[-before:after]
        result[arm] = pd.DataFrame(columns).sort_index(axis=1)
    return result


def figure(folder: Path, table: pd.DataFrame, shock_week: int | None = None):
    """Per main outcome: level and paired effect over calendar weeks, and the level around each run's own shock.

    Left and middle: week by week from the start, the level per arm and the paired effect
    against the baseline, each a mean over seeds with its 95% band, the policies' start and
    end marked; they end at the first test shock when runs are shocked at different weeks
    (the settled test), so every week averages settled-in runs only, or else run on past
    the shock. Right: weeks since each run's own test shock, the level per arm (the
    recovery), the shock at 0.
    """
    arms = sorted(set(table[ARM]))
    others = [a for a in arms if a != BASELINE]
    palette = [plt.cm.tab10(i) for i in (0, 1, 2, 4, 5, 6, 8, 9)]  # no red (the shock) and no grey (the marks)
    colours = {arm: palette[i % len(palette)] for i, arm in enumerate(others)}
    colours[BASELINE] = "black"
    weeks = policy_weeks(folder, table)
    if "shock_week" not in table:
        table = table.assign(shock_week=float(shock_week) if shock_week is not None else float("nan"))
    shocks = table["shock_week"].dropna()
    staggered = shocks.nunique() > 1
    end = int(shocks.min()) if staggered else None
    fig, axes = plt.subplots(len(SERIES), 3, figsize=(16, 2.5 * len(SERIES) + 1.2), layout="constrained")
    for row, (observable, label) in enumerate(SERIES.items()):
        per_arm = arm_series(folder, table, observable)
        if end is not None:
            per_arm = {arm: values.loc[: end - 1] for arm, values in per_arm.items()}
        level_ax, effect_ax, shock_ax = axes[row]
        aligned = aligned_series(folder, table, observable, before=40, after=200) if not shocks.empty else {}
        for arm in arms:
            mean, low, high = band(per_arm[arm])
            level_ax.plot(mean.index, mean, color=colours[arm], lw=1.6 if arm == BASELINE else 1, label=arm)
            level_ax.fill_between(mean.index, low, high, color=colours[arm], alpha=0.15, lw=0)
            if arm in aligned:
                mean, low, high = band(aligned[arm])
                shock_ax.plot(mean.index, mean, color=colours[arm], lw=1.6 if arm == BASELINE else 1)
                shock_ax.fill_between(mean.index, low, high, color=colours[arm], alpha=0.15, lw=0)
            if arm == BASELINE:
                continue
            common = per_arm[arm].columns.intersection(per_arm[BASELINE].columns)
            mean, low, high = band(per_arm[arm][common] - per_arm[BASELINE][common])
            effect_ax.plot(mean.index, mean, color=colours[arm], lw=1)
            effect_ax.fill_between(mean.index, low, high, color=colours[arm], alpha=0.15, lw=0)
        effect_ax.axhline(0, color="black", lw=0.8)
        level_ax.set_ylabel(label, fontsize=8)
        effect_ax.set_ylabel(f"effect on {label.split(' (')[0]}\n(arm − baseline, same unit)", fontsize=8)
        shock_ax.set_ylabel(label, fontsize=8)
        for ax in (level_ax, effect_ax):
            _mark(ax, weeks, shocks if not staggered else pd.Series(dtype=float))
        shock_ax.axvline(0, color="red", lw=1.5)
        for ax in axes[row]:
            ax.grid(alpha=0.3)
    calendar = f"week (to week {end - 1}, before the first test shock)" if staggered else "week"
    for ax in axes[-1, :2]:
        ax.set_xlabel(calendar)
    axes[-1, 2].set_xlabel("weeks since the run's own test shock")
    axes[0, 0].set_title("level, mean over seeds with 95% band", fontsize=9)
    axes[0, 1].set_title("paired effect against the baseline, 95% band", fontsize=9)
    axes[0, 2].set_title("around the test shock: level, mean over seeds with 95% band", fontsize=9)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    handles += [plt.Line2D([], [], color="grey", ls="--"), plt.Line2D([], [], color="grey", ls=":"),
                plt.Line2D([], [], color="red", lw=1.5)]  # fmt: skip
    shock = f"test shock (weeks {int(shocks.min())}–{int(shocks.max())} by run)" if staggered else "environment shock"
    labels += ["policy starts", "policy ends (where it does)", shock]
    fig.legend(handles, labels, loc="outside lower center", ncol=min(6, len(labels)), fontsize=8, frameon=False)
    return fig


def _mark(ax, weeks: dict[str, tuple[int, int | None]], shocks: pd.Series) -> None:
    starts = sorted({s for s, _ in weeks.values()})
    ends = sorted({e for _, e in weeks.values() if e is not None})
    for week in starts:
        ax.axvline(week, color="grey", ls="--", lw=1)
    for week in ends:
        ax.axvline(week, color="grey", ls=":", lw=1)
    for week in sorted(set(shocks)):
        ax.axvline(week, color="red", lw=1.5)


def write_figure(folder: Path, table: pd.DataFrame, shock_week: int | None) -> Path:
    """Write ``trajectories.png`` into ``folder``."""
    path = folder / "trajectories.png"
    fig = figure(folder, table, shock_week)
    save_figure(fig, path, dpi=100)
    return path


def mean_trajectories(folder: Path, table: pd.DataFrame, observable: str) -> pd.DataFrame:
    """Per arm and week: mean, low and high of ``observable`` over seeds (a tidy table)."""
    rows = []
    for arm, values in arm_series(folder, table, observable).items():
        mean, low, high = band(values)
        rows.append(pd.DataFrame({ARM: arm, "step": mean.index, "mean": mean, "low": low, "high": high}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
