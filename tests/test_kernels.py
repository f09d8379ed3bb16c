"""The compiled engine against the NumPy reference: the same equations, the same distributions.

Deterministic parts (outcomes, the superior group, M) must agree to rounding on the same
state; random parts must agree in distribution over many draws from the same state.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest
from scipy import stats

from sim import DualISModel, ModelConfig
from sim.core import kernels
from sim.core import mechanisms as mech
from sim.core.config import Engine, Shock

MASK = (1 << 64) - 1


def xoshiro256starstar(state: list[int]):
    """The generator of Blackman & Vigna, written out in plain Python integers (an independent reference)."""

    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK

    s = list(state)
    while True:
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        yield result


def test_the_kernels_generator_is_xoshiro256starstar():
    stream = kernels.seed_stream(np.random.default_rng(3))
    reference = xoshiro256starstar([int(word) for word in stream])
    assert [int(kernels.next_bits(stream)) for _ in range(50)] == [next(reference) for _ in range(50)]


def test_uniform_draws_are_uniform_and_skips_geometric():
    stream = kernels.seed_stream(np.random.default_rng(4))
    draws = np.array([kernels.uniform(stream) for _ in range(20_000)])
    assert draws.min() >= 0 and draws.max() < 1
    assert stats.kstest(draws, "uniform").pvalue > 0.001
    hazard = 0.03
    skips = np.array([kernels.skip(stream, np.log1p(-hazard)) for _ in range(20_000)])
    assert skips.mean() == pytest.approx((1 - hazard) / hazard, rel=0.05)  # mean of a geometric count


def _state_mid_run(**overrides):
    """A NumPy-engine organisation after 40 weeks (the shared starting point of a comparison)."""
    config = ModelConfig(engine=Engine.numpy, shocks=[Shock(time=30, share=0.3)], **overrides)
    model = DualISModel(config, rng=11)
    model.run(40)
    return model.state, model.active


def _compiled_outcomes(state, config):
    out = np.zeros((len(mech.Outcomes._fields), state.n_workers))
    pull = np.zeros((2, config.n_dimensions + 1))
    returned = kernels.week_outcomes(
        kernels.levers_record(config), kernels.seed_stream(np.random.default_rng(0)), state.beliefs,
        state.reality, state.code, state.rule_clash, state.autonomy, state.wanted_autonomy, state.data_work,
        state.unit, state.unit_sizes, state.quality, state.trust, out, pull,
    )  # fmt: skip
    return out, pull, returned


CONFIGS = {
    "default": {},
    "every payoff term": {
        "peer_sanction": 0.4,
        "paper_share": 0.3,
        "data_dependence": 0.3,
        "distrust_weight": 0.4,
        "blame_bias": 0.7,
        "shared_processes": 0.3,
    },
    "March's actions": {"superior_basis": "actions", "formal_tie_strength": 0.0},
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_outcomes_equal_the_reference_on_the_same_state(name):
    overrides = dict(CONFIGS[name])
    if "superior_basis" in overrides:
        overrides["superior_basis"] = mech.SuperiorBasis(overrides["superior_basis"])
    state, config = _state_mid_run(**overrides)
    frag = mech.fragmentation(state, config)
    conflict = mech.conflicting_processes(state, config)
    reference = mech.outcomes(state, config, state.beliefs, frag, conflict)
    out, _, (k_frag, k_diversity, k_conflict, _, misattributed, blamed) = _compiled_outcomes(state, config)
    for row, field in enumerate(mech.Outcomes._fields):
        np.testing.assert_allclose(out[row], getattr(reference, field), rtol=0, atol=1e-12, err_msg=field)
    assert k_frag == pytest.approx(frag, abs=1e-15)
    assert k_diversity == pytest.approx(mech.practice_diversity(state.beliefs), abs=1e-12)
    assert k_conflict == pytest.approx(conflict, abs=1e-15)
    assert misattributed == pytest.approx(mech.misattributed_share(reference, config), abs=1e-12)
    assert blamed == pytest.approx(reference.blamed.mean(), abs=1e-12)
    if name == "every payoff term":
        assert misattributed > 0 and k_conflict > 0  # the terms under test are switched on


def test_the_superior_groups_pull_matches_the_reference():
    state, config = _state_mid_run()
    _, pull, _ = _compiled_outcomes(state, config)
    superior = mech.count_per_row(state.beliefs == state.reality) > np.count_nonzero(state.code == state.reality)
    weight = mech.visibility(state)[superior]
    assert superior.any()
    np.testing.assert_allclose(pull[0, :-1], weight @ state.beliefs[superior], atol=1e-9)
    np.testing.assert_allclose(pull[1, :-1], weight @ (state.beliefs[superior] == state.code), atol=1e-9)
    assert pull[0, -1] == pytest.approx(weight.sum())


def test_experiments_keep_a_candidate_with_the_normal_chance():
    noise = 0.5
    keep = kernels._keep_chances(noise)
    gains = np.arange(-2, 3)
    np.testing.assert_allclose(keep[gains != 0], stats.norm.cdf(gains[gains != 0] / noise), atol=1e-12)
    np.testing.assert_array_equal(kernels._keep_chances(0.0), [0, 0, 0, 1, 1])


@pytest.mark.parametrize("m", [30, 3000])  # a scan with 32-bit draws, and geometric skips
def test_revisions_hit_each_entry_with_the_hazard_and_a_uniform_band(m):
    stream = kernels.seed_stream(np.random.default_rng(5))
    hazard, rows = 0.004 if m > 1000 else 0.2, 400
    where, band = np.empty(m, dtype=np.int64), np.empty(m)
    positions, bands = [], []
    for _ in range(rows):
        hits = kernels._draw_revisions(stream, hazard, m, where, band)
        positions.extend(where[:hits])
        bands.extend(band[:hits] / hazard)
    expected = hazard * m * rows
    assert abs(len(positions) - expected) < 4 * np.sqrt(expected)
    assert stats.kstest(bands, "uniform").pvalue > 0.001
    per_tenth = np.bincount(np.array(positions) * 10 // m, minlength=10)  # every part of the row alike
    assert stats.chisquare(per_tenth).pvalue > 0.001


def _changed_entries(revise, state, repeats):
    """How often each entry of ``state.beliefs`` changes in one revision, over ``repeats`` draws."""
    counts = np.zeros(state.beliefs.shape)
    for repeat in range(repeats):
        counts += revise(copy.deepcopy(state), repeat) != state.beliefs
    return counts / repeats


def test_practice_revision_changes_the_same_entries_as_often_as_the_reference():
    state, config = _state_mid_run(socialization=0.05)
    levers = kernels.levers_record(config)[0]
    totals = kernels._unit_totals(state.beliefs, state.unit, state.unit_sizes.size, state.beliefs.shape[1])
    stream = kernels.seed_stream(np.random.default_rng(6))

    def numpy_revision(copied, repeat):
        mech.revise_practice(copied, config, np.random.default_rng(repeat))
        return copied.beliefs

    def compiled_revision(copied, repeat):
        new = copied.beliefs.copy()
        kernels._revise_practice(
            levers, stream, copied.beliefs, new, copied.code, copied.reality, totals, copied.ties, copied.unit,
            copied.unit_sizes, copied.autonomy, copied.slow,
        )  # fmt: skip
        return new

    repeats = 300
    reference = _changed_entries(numpy_revision, state, repeats)
    compiled = _changed_entries(compiled_revision, state, repeats)
    assert reference.sum() > 100  # revisions happen
    # per worker, the changed entries agree within sampling error (binomial, summed over m entries)
    per_worker_sd = np.sqrt(np.maximum(reference.sum(axis=1), 1 / repeats) / repeats)
    assert np.max(np.abs(compiled.sum(axis=1) - reference.sum(axis=1)) / per_worker_sd) < 5
    assert compiled.sum() == pytest.approx(reference.sum(), rel=0.05)


def test_the_compiled_engine_reproduces_a_seed_and_depends_on_it():
    def table(seed):
        model = DualISModel(ModelConfig(n_workers=60, shocks=[Shock(time=20)]), rng=seed)
        model.run(60)
        return model.table()

    first, again, other = table(1), table(1), table(2)
    assert first.equals(again)
    assert not first.equals(other)


def test_the_engines_agree_in_distribution_on_the_default_organisation():
    """End states of 40 seeds per engine after 200 weeks: a two-sample KS test per observable.

    The seeds are fixed, so the p-values are too; a bug that moves a distribution shows up
    as a p-value near 0 (the full comparison over 200 seeds is ``python -m sim.equivalence``).
    """
    names = ["autonomy_mean", "commons_quality", "data_worker_share", "worker_knowledge", "practice_churn"]

    def ends(engine):
        rows = []
        for seed in range(40):
            model = DualISModel(ModelConfig(n_workers=100, engine=engine), rng=seed)
            model.run(200)
            rows.append(model.table().iloc[-1][names])
        return np.array(rows, dtype=float)

    compiled, reference = ends(Engine.numba), ends(Engine.numpy)
    for column, name in enumerate(names):
        assert stats.ks_2samp(compiled[:, column], reference[:, column]).pvalue > 0.001, name


def test_an_engine_of_another_name_is_refused_before_any_work(tmp_path):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "sim", "model.engine=fortran", f"hydra.run.dir={tmp_path}/run"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "model.engine=fortran" in done.stderr and "numba, numpy" in done.stderr
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("key, text", [("engine", "numba"), ("step_rule", "one_step")])
def test_a_switch_given_as_text_is_refused_not_read_as_another_value(key, text):
    """``ModelConfig(engine="numba")`` once ran the NumPy engine: the text is not the member."""
    from sim.core.config import ConfigError

    with pytest.raises(ConfigError, match=f"model.{key}='{text}' is a str; allowed: "):
        DualISModel(ModelConfig(**{key: text}), rng=0)


def test_a_policy_in_force_does_not_rebuild_the_kernels_levers_every_week():
    """A policy makes a new, equal configuration each week; the levers' record stays the one built."""
    from sim.core.config import Policy, PolicyKind

    policy = Policy(kind=PolicyKind.mandate, start=2, strength=0.5)
    model = DualISModel(ModelConfig(n_workers=40, policies={"mandate": policy}), rng=0)
    model.run(3)
    record = model.compiled.levers(model.active, 0.0)
    model.run(6)
    assert model.active.enforcement > ModelConfig().enforcement  # the policy is in force
    assert model.compiled.levers(model.active, 0.0) is record


def test_a_replaced_config_keeps_its_engine():
    config = dataclasses.replace(ModelConfig(engine=Engine.numpy), enforcement=0.5)
    assert DualISModel(config, rng=0).compiled is None
    assert DualISModel(ModelConfig(), rng=0).compiled is not None
