"""Interventions: levers in force only while a policy lasts, zero strength changes nothing,
common random numbers across arms, and confidence intervals that cover a known effect."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from sim import DualISModel, ModelConfig, Shock
from sim.analysis.compare import compare, paired_effect
from sim.cli.preflight import check
from sim.core.config import Policy, PolicyKind
from sim.core.policies import levers, migrate_by_policy, workshop_strength

KINDS = list(PolicyKind)


def run(policies: dict[str, Policy], seed: int = 4, steps: int = 120) -> tuple[DualISModel, pd.DataFrame]:
    config = ModelConfig(n_workers=80, shocks=[Shock(time=90, share=0.3)], policies=policies)
    model = DualISModel(config, rng=seed)
    model.run(steps)
    return model, model.table()


@pytest.mark.parametrize("kind", KINDS)
def test_a_policy_of_zero_strength_reproduces_the_baseline_exactly(kind):
    _, baseline = run({})
    _, zero = run({"p": Policy(kind=kind, start=20, strength=0.0)})
    pd.testing.assert_frame_equal(baseline, zero, check_exact=True)


@pytest.mark.parametrize("kind", KINDS)
def test_every_arm_shares_the_baselines_history_until_its_policy_starts(kind):
    _, baseline = run({})
    _, treated = run({"p": Policy(kind=kind, start=50, strength=1.0)})
    before = baseline["step"] < 50
    pd.testing.assert_frame_equal(baseline[before], treated[before], check_exact=True)
    assert not baseline.equals(treated), "a full-strength policy should change something"


def test_a_mandate_raises_enforcement_only_while_it_is_in_force():
    config = ModelConfig(
        enforcement=0.2, policies={"m": Policy(kind=PolicyKind.mandate, start=10, end=20, strength=0.5)}
    )
    assert levers(config, 9).enforcement == 0.2
    assert levers(config, 10).enforcement == pytest.approx(0.6)
    assert levers(config, 19).enforcement == pytest.approx(0.6)
    assert levers(config, 20).enforcement == 0.2


def test_policies_compose_in_order_and_each_moves_its_own_lever():
    config = ModelConfig(
        enforcement=0.4, malleability=0.2, data_work_cost=0.3, bridging=0.0,
        policies={
            "lib": Policy(kind=PolicyKind.liberalise, start=1, strength=0.5),
            "rec": Policy(kind=PolicyKind.recognise_data_work, start=1, strength=0.5),
            "span": Policy(kind=PolicyKind.boundary_spanners, start=1, strength=0.5),
        },
    )  # fmt: skip
    active = levers(config, 1)
    assert active.enforcement == pytest.approx(0.2) and active.malleability == pytest.approx(0.6)
    assert active.data_work_cost == pytest.approx(0.15) and active.bridging == pytest.approx(0.5)


def test_workshops_come_every_period_weeks_while_participation_lasts():
    config = ModelConfig(
        policies={"p": Policy(kind=PolicyKind.participation, start=10, end=30, period=4, strength=0.7)}
    )
    weeks = [t for t in range(60) if workshop_strength(config, t) > 0]
    assert weeks == [10, 14, 18, 22, 26]


def test_a_workshop_brings_practice_the_system_never_saw_into_the_code():
    quiet = {"individualization": 0.0, "code_learning": 0.0, "socialization": 0.0, "enforcement": 0.0}
    config = dataclasses.replace(
        ModelConfig(
            n_workers=60, shocks=[], initial_autonomy=1.0, initial_data_workers=0.0, experiment_rate=0.0, **quiet
        ),
        policies={"p": Policy(kind=PolicyKind.participation, start=1, period=1, strength=1.0)},
    )
    model = DualISModel(config, rng=0)
    model.state.beliefs[:] = model.state.reality  # everybody knows better, all of it off the record
    model.run(10)
    np.testing.assert_array_equal(model.state.code, model.state.reality)


def test_boundary_spanners_lower_fragmentation():
    _, baseline = run({})
    _, spanned = run({"s": Policy(kind=PolicyKind.boundary_spanners, start=1, strength=0.5)})
    assert spanned["fragmentation"].iloc[1:].mean() < baseline["fragmentation"].iloc[1:].mean()


def test_a_policy_migration_replaces_the_given_share_of_the_code():
    policy = Policy(kind=PolicyKind.migration, start=60, strength=0.5, accuracy=0.0)
    model, _ = run({"m": policy}, steps=59)
    right = model.state.code == model.state.reality
    changed = migrate_by_policy(model.state, model.config, model.rng, step=60)
    assert changed == np.count_nonzero(right[model.state.code != model.state.reality])
    assert np.count_nonzero(model.state.code != model.state.reality) >= 15  # half replaced by wrong rules


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("model.policies.mandate.start=0", "model.policies.mandate.start=0 is outside [1, inf]"),
        (
            "model.policies.mandate.end=50",
            "model.policies.mandate.end=50 must be after model.policies.mandate.start=100",
        ),
        ("model.policies.mandate.strength=1.5", "model.policies.mandate.strength=1.5 is outside [0, 1]"),
        ("model.policies.mandate.kind=bribe", "one of mandate, liberalise"),
    ],
)
def test_bad_policy_values_are_named_with_what_is_allowed(override, expected):
    message = check(["policy=mandate", override])
    assert message is not None and expected in message


def test_every_named_policy_and_a_combination_validate():
    assert check(["policy=[mandate,recognise_data_work,boundary_spanners]"]) is None
    for name in ["liberalise", "continuous_participation", "pilot_participation", "vendor_migration", "none"]:
        assert check([f"policy={name}"]) is None


def test_confidence_intervals_cover_a_known_effect_about_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    seeds, true_effect, covered = np.arange(25), 0.3, 0
    for _ in range(400):
        control = pd.Series(rng.normal(1.0, 0.5, seeds.size), index=seeds)
        treated = control + true_effect + pd.Series(rng.normal(0.0, 0.2, seeds.size), index=seeds)
        effect = paired_effect(treated, control)
        covered += effect["low"] <= true_effect <= effect["high"]
    assert 0.92 <= covered / 400 <= 0.98


def test_the_comparison_says_plainly_which_effects_are_noise():
    rng = np.random.default_rng(1)
    rows = []
    for seed in range(30):
        base = rng.normal(1.0, 0.3)
        for arm, shift in [("none", 0.0), ("strong", 0.5), ("nothing", 0.0)]:
            value = base + shift + rng.normal(0, 0.05)
            rows.append({"policy": arm, "seed": seed, "productivity": value, "regime": "resilient"})
    effects = compare(pd.DataFrame(rows)).set_index(["policy", "outcome"])
    assert effects.loc[("strong", "productivity"), "distinguishable"]
    assert effects.loc[("strong", "productivity"), "low"] < 0.5 < effects.loc[("strong", "productivity"), "high"]
    assert not effects.loc[("nothing", "productivity"), "distinguishable"]
