"""Means over a window of weeks, per swept value, read from a real sweep."""

from __future__ import annotations

import subprocess
import sys

from sim.analysis.files import load_timeseries
from sim.analysis.window import summary, window_means


def test_window_means_are_the_runs_weekly_means_and_see_a_scheduled_change(tmp_path):
    folder = tmp_path / "sweep"
    command = [
        sys.executable, "-m", "sim", "-m", "model.formal_tie_strength=0.5,1.0", "model.n_workers=40", "steps=60",
        "replicates=2", "regime.test=scheduled", "model.changes=[{time: 20, key: min_autonomy, value: 0.8}]",
        f"hydra.sweep.dir={folder}",
    ]  # fmt: skip
    assert subprocess.run(command, capture_output=True, text=True, timeout=300, check=False).returncode == 0
    means = window_means(folder, 20, 40, ["autonomy_mean", "commons_quality"])
    assert len(means) == 4 and set(means["model.formal_tie_strength"]) == {0.5, 1.0}
    assert (means["autonomy_mean"] >= 0.8).all()  # forced remote work from week 20 on
    first = means.iloc[0]
    job = next(p for p in folder.iterdir() if p.is_dir() and (p / "summary.json").exists() and p.name == "0")
    weeks = load_timeseries(job, int(first["seed"]))
    expected = weeks[(weeks["step"] >= 20) & (weeks["step"] < 40)]["commons_quality"].mean()
    assert first["commons_quality"] == expected
    table = summary(means, ["autonomy_mean", "commons_quality"])
    assert table["runs"].tolist() == [2, 2]
