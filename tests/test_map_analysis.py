"""The shape of a regime map, the objectives table and the robustness study, on built and real maps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis import mapstats, objectives
from sim.analysis.maps import cell_regimes

X, Y = "model.individualization", "model.enforcement"


def map_table(rows: list[str], seeds: int = 1) -> pd.DataFrame:
    """A runs table from a picture: one string per enforcement level (top = highest), one letter per cell."""
    names = {"R": "rigid", "L": "loose", "S": "resilient", "i": "inert"}
    iotas = np.round(np.linspace(0, 1, len(rows[0])), 10)
    enforcements = np.round(np.linspace(1, 0, len(rows)), 10)
    records = []
    for row, e in zip(rows, enforcements, strict=True):
        for letter, iota in zip(row, iotas, strict=True):
            records += [{X: iota, Y: e, "seed": s, "regime": names[letter], "error": ""} for s in range(seeds)]
    return pd.DataFrame(records)


def summary_of(rows: list[str]) -> dict:
    table = map_table(rows)
    return mapstats.map_summary(table, cell_regimes(table, X, Y), X, Y)


def test_regions_are_counted_with_four_neighbours():
    summary = summary_of(["RRL", "SiL", "RSi"])  # the two rigid cells and the two resilient ones do not touch
    assert summary["connected_regions"] == {"inert": 2, "loose": 1, "resilient": 2, "rigid": 2}


def test_the_resilient_width_is_the_longest_run_along_enforcement_per_column():
    summary = summary_of(["SRS", "SSi", "RSS"])
    assert summary["resilient_width_cells"] == {"0": 2, "0.5": 2, "1": 1}
    assert summary["columns_with_resilient_at_least_2_wide"] == 2


def test_seed_agreement_is_the_mean_share_agreeing_with_the_majority():
    table = pd.DataFrame(
        {X: [0.0] * 4 + [1.0] * 4, Y: [0.0] * 8, "seed": list(range(4)) * 2, "error": [""] * 8,
         "regime": ["rigid", "rigid", "rigid", "loose", "inert"] + ["inert"] * 3}
    )  # fmt: skip
    assert mapstats.seed_agreement(cell_regimes(table, X, Y)) == pytest.approx((3 / 4 + 4 / 4) / 2)


def objective_runs(effect: float, n: int = 12) -> pd.DataFrame:
    """Runs of one column: resilient ahead of rigid and loose by ``effect`` on both objectives, the same spread."""
    spread = 0.01 * np.random.default_rng(0).standard_normal(n)
    frames = []
    for regime, shift in (("resilient", effect), ("rigid", 0.0), ("loose", 0.0)):
        frames.append(
            pd.DataFrame(
                {X: 0.7, "regime": regime, "horizon_productivity": 1.0 + shift + spread,
                 "horizon_satisfaction": 0.5 + shift + spread}
            )
        )  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def test_a_clear_advantage_on_both_objectives_is_a_yes_and_its_interval_covers_the_effect():
    runs = objective_runs(effect=0.1)
    differences = objectives.contrasts(runs, X)
    assert set(differences["rival"]) == {"rigid", "loose"}
    for name in objectives.OBJECTIVES.values():
        assert (differences[f"{name}_low"] < 0.1).all() and (differences[f"{name}_high"] > 0.1).all()
    assert objectives.verdict(differences) == "yes"


def test_a_rival_ahead_on_one_objective_is_a_no_and_no_difference_is_unclear():
    runs = objective_runs(effect=0.1)
    loose = runs["regime"] == "loose"
    runs.loc[loose, "horizon_satisfaction"] += 0.3
    assert objectives.verdict(objectives.contrasts(runs, X)).startswith("no: loose")
    assert objectives.verdict(objectives.contrasts(objective_runs(effect=0.0), X)).startswith("unclear")
    assert "resilient" in objectives.report(runs, X)


def test_slower_exploration_narrows_the_resilient_band_in_the_robustness_study(tmp_path):
    """Lower malleability slows exploration (x mu a), so the conformity trap starts at lower enforcement."""
    from sim.studies.robustness import study

    summary = study(quick=True, folder=tmp_path).set_index("variation")
    assert list(summary.index) == ["baseline", "malleability-0.5"]
    shares = summary.filter(like="share_")
    # map_summary rounds each share to 3 decimals: four regimes may sum to 1 +- 0.002
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, atol=0.002)
    assert summary.loc["malleability-0.5", "share_resilient"] < summary.loc["baseline", "share_resilient"]
    assert (tmp_path / "quick" / "robustness.png").read_bytes()[:4] == b"\x89PNG"


def test_a_map_with_an_empty_cell_is_summarised():
    table = pd.DataFrame({"x": [0.0, 0.0, 1.0], "y": [0.0, 1.0, 0.0], "regime": ["rigid", "loose", "rigid"]})
    cells = pd.DataFrame({"x": [0.0, 0.0, 1.0], "y": [0.0, 1.0, 0.0], "regime": ["rigid", "loose", "rigid"],
                          "agree": [1, 1, 1], "runs": [1, 1, 1]})  # fmt: skip
    summary = mapstats.map_summary(table, cells, "x", "y")  # the cell (1, 1) has no runs
    assert summary["connected_regions"] == {"loose": 1, "rigid": 1}  # (0, 0) and (1, 0) touch
