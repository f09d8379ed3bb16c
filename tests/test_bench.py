"""The benchmark suite runs and reports what it should (structure only: no timing assertions)."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from sim import OBSERVABLES, DualISModel, ModelConfig
from sim.core.network import peer_view_at

BENCH = Path(__file__).resolve().parent.parent / "bench"


def load(name: str):
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def quick_rows():
    return load("run_all").run_suite(quick=True, log=lambda line: None)


def test_the_quick_suite_reports_every_measure(quick_rows):
    measures = [row[0] for row in quick_rows]
    for n in (200, 1_000, 10_000, 100_000):
        assert f"agent-steps/s, {n:,} workers" in measures
    for expected in (
        "ms/step vs workers: slope",
        "ms/step vs personal ties: slope",
        "peak memory per worker, 10,000 workers",
        "whole default run (`python -m sim`, in-process)",
        "sweep throughput, 1 core",
        "sweep throughput, 2 cores",
        "parallel efficiency, 2 cores",
        "first model after install / later (fresh process)",
    ):
        assert expected in measures, expected
    assert any("within 4 GiB" in measure for measure in measures)


def test_the_quick_suite_numbers_are_positive_and_finite(quick_rows):
    for measure, *values, _ in quick_rows:
        if "within 4 GiB" in measure:
            assert values[0] in ("yes", "NO")
            continue
        for value in values:
            if value == "—":  # no such measure for this engine
                continue
            number = float(value.replace(",", "").split()[0].rstrip("x"))
            assert math.isfinite(number), measure
            if "slope" not in measure:  # a slope may be ~0 or slightly negative by noise
                assert number > 0, measure


def test_both_engines_and_plain_mesa_are_side_by_side(quick_rows):
    by_measure = {row[0]: row for row in quick_rows}
    _, compiled, reference, mesa, note = by_measure["agent-steps/s, 1,000 workers"]
    assert "—" not in (compiled, reference, mesa)
    assert "plain Mesa" in note


def test_the_table_lands_between_the_markers(quick_rows, tmp_path):
    run_all = load("run_all")
    doc = tmp_path / "performance.md"
    doc.write_text(f"prose\n{run_all.BEGIN}\nold\n{run_all.END}\nmore prose\n")
    run_all.write_table(run_all.markdown(quick_rows, quick=True), doc)
    text = doc.read_text()
    assert "old" not in text and text.startswith("prose") and text.endswith("more prose\n")
    assert text.count("| agent-steps/s,") == 4


def test_the_mesa_reference_runs_and_its_observables_are_in_range():
    reference = load("mesa_reference")
    model = reference.MesaReferenceModel(ModelConfig(n_workers=100, shocks=[]), rng=3)
    model.run(20)
    table = model.table()
    assert len(table) == 21 and list(table.columns) == ["step", *OBSERVABLES]
    assert np.isfinite(table.to_numpy(dtype=float)).all()
    for column in (
        "code_accuracy",
        "autonomy_mean",
        "practice_diversity",
        "commons_quality",
        "fragmentation",
        "data_worker_share",
        "satisfaction",
    ):
        assert table[column].between(0, 1).all(), column
    assert table[["org_knowledge", "worker_knowledge"]].abs().le(1).all().all()
    assert (table["practice_churn"].iloc[1:] > 0).any()


def peer_signal(s, formal: float, i: int, j: int) -> float:
    """E11 written out for one worker and dimension, in float64: the ODD's formula, not the code's."""
    members = [w for w in range(s.unit_starts[s.unit[i]], s.unit_starts[s.unit[i]] + s.unit_sizes[s.unit[i]]) if w != i]
    unit_mean = sum(int(s.beliefs[w, j]) for w in members) / len(members) if members else 0.0
    ties_mean = sum(int(s.beliefs[w, j]) for w in s.ties[i]) / len(s.ties[i]) if len(s.ties[i]) else 0.0
    return formal * (1 - s.autonomy[i]) * unit_mean + s.autonomy[i] * ties_mean


@pytest.mark.parametrize("formal, k, unit_size", [(1.0, 6, 10), (0.4, 3, 7), (0.0, 5, 10), (1.0, 0, 300)])
def test_the_peer_view_follows_the_odds_formula(formal, k, unit_size):
    model = DualISModel(ModelConfig(n_workers=300, personal_ties=k, unit_size=unit_size), rng=5)
    model.run(5)
    s = model.state
    rows, cols = np.divmod(np.flatnonzero(np.random.default_rng(0).random(s.beliefs.shape) < 0.05), s.beliefs.shape[1])
    args = (s.beliefs, s.ties, s.unit, s.unit_starts, s.unit_sizes, s.autonomy, formal)
    fast = peer_view_at(*args, rows, cols)
    signal = np.array([peer_signal(s, formal, i, j) for i, j in zip(rows, cols, strict=True)])
    clear = np.abs(signal) > 1e-6  # away from exact balance, where float32 and float64 round alike
    assert clear.mean() > 0.5
    np.testing.assert_array_equal(fast[clear], np.sign(signal[clear]))
    assert np.all(fast[signal == 0] == 0)
