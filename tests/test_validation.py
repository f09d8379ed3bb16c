"""A small version of the March (1991) validation study asserts the paper's qualitative results."""

from __future__ import annotations

import pytest

from sim.studies.validation import study


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return study(quick=True, folder=tmp_path_factory.mktemp("validation"))


def _mean(summary, **where) -> tuple[float, float, float]:
    rows = summary
    for key, value in where.items():
        rows = rows[rows[f"model.{key}"] == value]
    (row,) = rows.itertuples()
    return row.mean, row.low, row.high


def test_slow_socialization_with_fast_code_learning_knows_most(results):
    slow = _mean(results["figure1"], code_learning=0.5, code_adoption=0.1)
    fast = _mean(results["figure1"], code_learning=0.5, code_adoption=0.9)
    assert slow[1] > fast[2]  # the 95% intervals do not overlap


def test_slow_learners_among_fast_ones_raise_the_codes_knowledge(results):
    homogeneous = _mean(results["heterogeneity"], slow_learners=0.0)
    mixed = _mean(results["heterogeneity"], slow_learners=0.5)
    assert mixed[1] > homogeneous[2]


@pytest.mark.parametrize("p1", [0.1, 0.9])
def test_turnover_keeps_knowledge_alive_in_a_turbulent_world(results, p1):
    closed = _mean(results["turbulence"], code_adoption=p1, turnover=0.0)
    renewed = _mean(results["turbulence"], code_adoption=p1, turnover=0.1)
    assert renewed[1] > closed[2]
