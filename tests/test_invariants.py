"""Invariants that hold for every valid configuration (property-based)."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import OBSERVABLES, DualISModel, ModelConfig, Shock
from sim.core.config import StepRule, SuperiorBasis, ZeroBelief

SHARES = [
    "fragmentation", "commons_quality", "data_worker_share", "autonomy_mean",
    "satisfaction", "practice_diversity", "code_accuracy", "clash",
]  # fmt: skip
RATES = [
    "individualization", "malleability", "experiment_rate", "rewire_rate", "initial_autonomy", "socialization",
    "enforcement", "code_learning", "rigidity", "initial_quality", "commons_rate", "inconsistency_penalty",
    "initial_data_workers", "imitation_rate", "norm_conformity", "strategy_mutation", "turbulence", "turnover",
    "formal_tie_strength", "code_adoption", "min_autonomy",
]  # fmt: skip


@st.composite
def configs(draw) -> ModelConfig:
    n = draw(st.integers(2, 80))
    rates = {name: draw(st.floats(0.0, 1.0)) for name in RATES}
    return dataclasses.replace(
        ModelConfig(),
        n_workers=n,
        n_dimensions=draw(st.integers(1, 40)),
        unit_size=draw(st.integers(1, n)),
        personal_ties=draw(st.integers(0, min(n - 1, 8))),
        perception_noise=draw(st.floats(0.0, 5.0)),
        data_work_cost=draw(st.floats(0.0, 2.0)),
        commons=draw(st.booleans()),
        step_rule=draw(st.sampled_from(StepRule)),
        zero_belief=draw(st.sampled_from(ZeroBelief)),
        superior_basis=draw(st.sampled_from(SuperiorBasis)),
        shocks=[Shock(time=draw(st.integers(1, 15)), share=draw(st.floats(0.0, 1.0)))],
        **rates,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=configs(), seed=st.integers(0, 2**32))
def test_every_run_stays_in_bounds_and_conserves_workers(config, seed):
    model = DualISModel(config, rng=seed)
    model.run(15)
    table = model.table()
    state = model.state

    assert list(table.columns) == ["step", *OBSERVABLES]
    assert len(table) == 16
    assert not table.isna().any().any()
    for column in SHARES:
        assert table[column].between(0.0, 1.0).all(), column
    assert table["org_knowledge"].between(-1.0, 1.0).all()
    assert (table[["tie_churn", "practice_churn", "deep_change"]] >= 0).all().all()

    n, m = config.n_workers, config.n_dimensions
    assert len(model.agents) == n
    assert state.beliefs.shape == (n, m) and state.ties.shape == (n, config.personal_ties)
    assert set(np.unique(state.beliefs)) <= {-1, 0, 1}
    assert set(np.unique(state.code)) <= {-1, 0, 1}
    assert set(np.unique(state.reality)) <= {-1, 1}
    floor, ceiling = config.min_autonomy, max(1 - config.enforcement, config.min_autonomy)
    assert np.all((state.autonomy >= floor) & (state.autonomy <= ceiling + 1e-12))
    assert np.all((state.ties >= 0) & (state.ties < n))
    assert not np.any(state.ties == np.arange(n)[:, None])
    assert np.bincount(state.unit).sum() == n
