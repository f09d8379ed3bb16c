"""Figures of a run: the fast surface structure beside the slow deep structure."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd


def rolling(series: pd.Series, window: int) -> pd.Series:
    """Centred moving average, so a noisy per-step count reads as a rate."""
    return series.rolling(window, center=True, min_periods=1).mean()


def dynamics_figure(table: pd.DataFrame, shock_times: Sequence[int] = (), title: str = "") -> plt.Figure:
    """Four panels on shared time: surface structure, deep structure, commons, outcomes.

    The top row is the equilibrium paradox in one picture: on the left what changes
    fast (ties and practices per worker and week), on the right what changes slowly
    (code entries per week) and what the code knows.
    """
    window = max(1, len(table) // 50)
    step = table["step"]
    fig, axes = plt.subplots(2, 2, figsize=(12, 7), sharex=True, layout="constrained")
    surface, deep, commons, outcome = axes.flat

    surface.plot(step, rolling(table["practice_churn"], window), label="practices changed / worker")
    surface.plot(step, rolling(table["tie_churn"], window), label="ties rewired / worker")
    surface.plot(step, table["autonomy_mean"], label="mean autonomy", color="black", lw=1)
    surface.set_title("Surface structure (fast)")
    surface.set_ylabel("per worker and week / share")

    deep.plot(step, rolling(table["deep_change"], window), label="code entries changed / week", color="tab:red")
    deep.plot(step, table["org_knowledge"], label="knowledge of the code", color="black", lw=1)
    deep.plot(step, table["worker_knowledge"], label="knowledge of the workers", color="grey", lw=1, ls="--")
    deep.set_title("Deep structure (slow)")

    commons.plot(step, table["commons_quality"], label="commons quality Q")
    commons.plot(step, table["data_worker_share"], label="share of data workers")
    commons.plot(step, table["fragmentation"], label="fragmentation")
    commons.plot(step, table["practice_diversity"], label="practice diversity")
    commons.set_title("Data commons and practice")
    commons.set_ylabel("share")

    outcome.plot(step, table["productivity"], label="productivity")
    outcome.plot(step, table["satisfaction"], label="satisfaction")
    outcome.plot(step, table["clash"], label="clash on rules")
    outcome.set_title("Outcomes")

    for ax in axes.flat:
        for i, time in enumerate(shock_times):
            ax.axvline(time, color="grey", ls=":", lw=1, label="environment shock" if i == 0 else None)
        ax.legend(fontsize=8, loc="best")
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("week")
    if title:
        fig.suptitle(title)
    return fig
