"""Hysteresis: bistable ranges found where up and down disagree, plateaus that follow the ramp, majority bands."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim.analysis.hysteresis import bistable_ranges, is_transition_sweep, majority_bands, write_transition

VALUES = [i / 10 for i in range(11)]


def plateau_table(curves: dict[float, dict[str, list[float]]], spread: float = 0.15) -> pd.DataFrame:
    """Plateau rows for two seeds per direction whose commons quality is ``curve ± spread`` (mean: the curve)."""
    rows = []
    for level, by_direction in curves.items():
        for direction, curve in by_direction.items():
            for seed, sign in ((0, 1), (1, -1)):
                for value, quality in zip(VALUES, curve, strict=True):
                    rows.append(
                        {"individualization": level, "direction": direction, "seed": seed, "value": value,
                         "commons_quality": quality + sign * spread}
                    )  # fmt: skip
    return pd.DataFrame(rows)


def test_a_window_where_up_and_down_differ_is_found_exactly_and_identical_curves_give_none():
    up = [0.8] * 11
    down = [0.8, 0.8, 0.8, 0.5, 0.45, 0.6, 0.8, 0.75, 0.8, 0.95, 0.8]  # 0.3-0.5 and 0.9 beyond the gap; 0.7 not
    ranges = bistable_ranges(plateau_table({0.3: {"up": up, "down": down}, 0.9: {"up": up, "down": up}}))
    assert ranges[["individualization", "from", "to", "levels"]].values.tolist() == [
        [0.3, 0.3, 0.5, 3],
        [0.3, 0.9, 0.9, 1],
    ]
    assert ranges["higher"].tolist() == ["up", "down"]
    assert ranges["largest_gap"].tolist() == pytest.approx([0.35, 0.15])
    assert bistable_ranges(plateau_table({0.5: {"up": up, "down": up}})).empty


def test_the_gap_is_a_strict_threshold():
    up, down = [0.5] * 11, [0.5] * 10 + [0.75]
    table = plateau_table({0.5: {"up": up, "down": down}}, spread=0.0)
    assert bistable_ranges(table, gap=0.25).empty
    assert bistable_ranges(table, gap=0.2)[["from", "to"]].values.tolist() == [[1.0, 1.0]]


def regime_table(regimes_by_level: dict[float, list[list[str]]]) -> pd.DataFrame:
    """Runs of a transition sweep: per individualization level, per enforcement value, the seeds' regimes."""
    rows = []
    for level, cells in regimes_by_level.items():
        for i, seeds in enumerate(cells):
            for seed, regime in enumerate(seeds):
                rows.append(
                    {"model.individualization": level, "model.enforcement": round(0.3 + 0.02 * i, 2), "seed": seed,
                     "regime": regime, "error": ""}
                )  # fmt: skip
    return pd.DataFrame(rows)


def test_majority_bands_follow_the_majority_regime_along_enforcement(tmp_path):
    loose, resilient, rigid = ["loose"] * 3, ["resilient", "resilient", "loose"], ["rigid", "rigid", "rigid"]
    table = regime_table({0.5: [loose, loose, resilient, resilient, resilient, rigid]})
    bands = majority_bands(table)
    assert bands[["regime", "from", "to", "values"]].values.tolist() == [
        ["loose", 0.3, 0.32, 2],
        ["resilient", 0.34, 0.38, 3],
        ["rigid", 0.4, 0.4, 1],
    ]
    assert bands["agree"].tolist() == pytest.approx([1.0, 6 / 9, 1.0], abs=1e-3)
    written = write_transition(tmp_path, table)
    assert written["png"].read_bytes()[:4] == b"\x89PNG"
    assert "| 0.5 | resilient | [0.34, 0.38] | 3 |" in written["md"].read_text()


def test_only_enforcement_sweeps_at_a_few_individualization_levels_are_transition_sweeps():
    few = regime_table({level: [["rigid"]] * 3 for level in (0.3, 0.9)})
    many = regime_table({level / 10: [["rigid"]] * 3 for level in range(11)})
    assert is_transition_sweep(few)
    assert not is_transition_sweep(many)
    assert not is_transition_sweep(few[few["model.enforcement"] == 0.3])


@pytest.fixture(scope="module")
def ramp_study(tmp_path_factory):
    """A small up-and-down ramp study run through the command line: 6 levels, 60 weeks then 20 per level."""
    folder = tmp_path_factory.mktemp("hysteresis") / "study"
    command = [
        sys.executable, "-m", "sim", "-m", "ramp.direction=up,down", "model.individualization=0.7",
        "model.n_workers=40", "ramp.levels=6", "ramp.start=60", "ramp.weeks_per_level=20", "steps=160",
        "regime.test=scheduled", f"hydra.sweep.dir={folder}",
    ]  # fmt: skip
    result = subprocess.run(command, cwd=folder.parent, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    return folder


def test_gathering_a_ramp_study_writes_the_plateau_table_and_the_figure(ramp_study):
    assert (ramp_study / "hysteresis.png").read_bytes()[:4] == b"\x89PNG"
    assert (ramp_study / "bistability.csv").exists() and (ramp_study / "bistability.md").exists()
    plateaus = pd.read_csv(ramp_study / "hysteresis.csv")
    assert set(plateaus["direction"]) == {"up", "down"} and (plateaus["individualization"] == 0.7).all()


def test_the_plateaus_are_the_ramps_levels_in_order_and_weeks(ramp_study):
    plateaus = pd.read_csv(ramp_study / "hysteresis.csv")
    levels = np.linspace(0.0, 1.0, 6)
    for direction, expected in (("up", levels), ("down", levels[::-1])):
        visited = plateaus[plateaus["direction"] == direction].sort_values("plateau")
        assert visited["value"].to_numpy() == pytest.approx(expected)
        assert visited["first_week"].tolist() == [0, 60, 80, 100, 120, 140]
        assert visited["last_week"].tolist() == [59, 79, 99, 119, 139, 159]


def test_a_plateau_state_is_the_mean_of_its_last_quarter(ramp_study):
    plateaus = pd.read_csv(ramp_study / "hysteresis.csv")
    last = plateaus[(plateaus["direction"] == "up") & (plateaus["plateau"] == 5)].iloc[0]
    series = pd.read_parquet(ramp_study / str(last["job"]) / "timeseries.parquet")
    weeks = series[series["step"].between(155, 159)]  # the last 5 of the 20 weeks 140-159
    assert last["commons_quality"] == pytest.approx(weeks["commons_quality"].mean())
    assert last["exploration"] == pytest.approx(weeks["exploration"].mean())


def test_at_every_plateau_autonomy_is_under_the_enforcement_ceiling(ramp_study):
    plateaus = pd.read_csv(ramp_study / "hysteresis.csv")
    assert (plateaus["autonomy_mean"] <= 1 - plateaus["value"] + 1e-9).all()
    assert (plateaus["autonomy_mean"] > 0).any()  # not met trivially by an organisation without autonomy
