"""Each mechanism, isolated from the others, does what the ODD says it does."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim import Shock
from sim.core import mechanisms as mech
from sim.core.config import StepRule

QUIET = {  # every mechanism off: a baseline each test switches one mechanism on against
    "individualization": 0.0,
    "initial_autonomy": 0.0,
    "enforcement": 0.0,
    "code_adoption": 1.0,
    "socialization": 0.0,
    "code_learning": 0.0,
    "imitation_rate": 0.0,
    "norm_conformity": 0.0,
    "strategy_mutation": 0.0,
}


def test_full_enforcement_with_zero_autonomy_pulls_practice_onto_the_code(build):
    model = build(QUIET, enforcement=1.0)
    code = np.where(np.arange(model.config.n_dimensions) % 2 == 0, 1, -1).astype(np.int8)
    model.state.code = code.copy()
    assert not np.all(model.state.beliefs == code)
    model.step()
    assert np.all(model.state.beliefs == code)


def test_institutional_pull_leaves_dimensions_where_the_code_is_silent(build):
    model = build(QUIET, enforcement=1.0)
    model.state.code[:] = 0
    model.state.code[0] = 1
    before = model.state.beliefs.copy()
    model.step()
    assert np.all(model.state.beliefs[:, 0] == 1)
    np.testing.assert_array_equal(model.state.beliefs[:, 1:], before[:, 1:])


def test_one_step_rule_moves_a_contrary_belief_only_to_zero(build):
    model = build(QUIET, enforcement=1.0, step_rule=StepRule.one_step)
    model.state.code[:] = 1
    model.state.beliefs[:] = -1
    model.step()
    assert np.all(model.state.beliefs == 0)
    model.step()
    assert np.all(model.state.beliefs == 1)


def test_zero_individualization_keeps_autonomy_at_its_initial_value(build):
    model = build(individualization=0.0, initial_autonomy=0.4, enforcement=0.3)
    model.run(40)
    np.testing.assert_array_equal(model.state.autonomy, 0.4)


def test_individualization_moves_autonomy_but_never_above_the_enforcement_ceiling(build):
    model = build(individualization=1.0, initial_autonomy=0.1, enforcement=0.4)
    model.run(40)
    assert np.any(model.state.autonomy != 0.1)
    assert model.state.autonomy.max() <= 0.6 + 1e-12


def test_without_data_work_or_in_system_work_the_commons_decays_geometrically(build):
    rate, start = 0.1, 0.9
    model = build(
        QUIET,
        initial_autonomy=1.0,
        initial_data_workers=0.0,
        initial_quality=start,
        commons_rate=rate,
        experiment_rate=0.0,
    )
    model.run(30)
    quality = model.table()["commons_quality"].to_numpy()
    expected = start * (1 - rate) ** np.arange(31)  # Q* = 0 when nothing is captured
    np.testing.assert_allclose(quality, expected, rtol=1e-12)


def test_data_work_by_everyone_rebuilds_the_commons(build):
    model = build(QUIET, initial_autonomy=1.0, initial_data_workers=1.0, initial_quality=0.1, experiment_rate=0.0)
    model.run(30)
    quality = model.table()["commons_quality"].to_numpy()
    assert np.all(np.diff(quality) > 0)
    assert quality[-1] > 0.5


def test_noise_free_experiments_only_ever_improve_knowledge(build):
    model = build(QUIET, initial_autonomy=1.0, perception_noise=0.0, experiment_rate=0.5, commons=False)
    model.run(40)
    knowledge = model.table()["worker_knowledge"].to_numpy()
    assert np.all(np.diff(knowledge) >= 0)
    assert knowledge[-1] > knowledge[0] + 0.5


def _share_of_unit_dimensions_in_dispute(model) -> float:
    units = model.state.beliefs.reshape(-1, model.config.unit_size, model.config.n_dimensions)
    return float(np.mean(np.any(units != units[:, :1, :], axis=1)))


def test_socialization_through_formal_ties_makes_each_unit_agree(build):
    model = build(QUIET, socialization=0.3, personal_ties=0, unit_size=5)
    assert _share_of_unit_dimensions_in_dispute(model) > 0.8
    model.run(60)
    assert _share_of_unit_dimensions_in_dispute(model) < 0.05
    assert model.table()["practice_diversity"].iloc[-1] > 0.1  # units agree inside, not with each other


def test_cut_formal_ties_and_no_autonomy_mean_no_peer_influence(build):
    model = build(QUIET, socialization=1.0, formal_tie_strength=0.0)
    before = model.state.beliefs.copy()
    model.run(10)
    np.testing.assert_array_equal(model.state.beliefs, before)


def test_the_code_adopts_what_a_unanimous_superior_group_knows(build):
    model = build(QUIET, code_learning=1.0, rigidity=0.0, commons=False)
    model.state.beliefs[:] = model.state.reality
    model.step()
    np.testing.assert_array_equal(model.state.code, model.state.reality)
    assert model.table()["deep_change"].iloc[-1] == model.config.n_dimensions


def test_a_fully_rigid_system_never_changes_its_code(build):
    model = build(code_learning=1.0, rigidity=1.0)
    model.state.beliefs[:] = model.state.reality
    model.run(20)
    assert np.all(model.state.code == 0)
    assert model.table()["deep_change"].sum() == 0


def test_invisible_work_does_not_teach_the_code(build):
    # everybody works outside the system and records nothing: the code sees nobody
    model = build(QUIET, initial_autonomy=1.0, code_learning=1.0, rigidity=0.0, initial_data_workers=0.0, commons=False)
    model.state.beliefs[:] = model.state.reality
    model.run(5)
    assert np.all(model.state.code == 0)


def test_fully_autonomous_workers_with_malleable_tools_rewire_one_tie_each_week(build):
    model = build(QUIET, initial_autonomy=1.0, rewire_rate=1.0, malleability=1.0, experiment_rate=0.0)
    before = model.state.ties.copy()
    model.step()
    assert model.table()["tie_churn"].iloc[-1] == 1.0
    assert np.count_nonzero(np.any(model.state.ties != before, axis=1)) <= model.config.n_workers
    owners = np.arange(model.config.n_workers)[:, None]
    assert not np.any(model.state.ties == owners)


def test_workers_in_the_system_keep_their_ties(build):
    model = build(QUIET, rewire_rate=1.0)
    before = model.state.ties.copy()
    model.run(10)
    np.testing.assert_array_equal(model.state.ties, before)


def test_a_shock_flips_the_scheduled_share_of_reality(build):
    model = build(shocks=[Shock(time=5, share=0.5)], n_dimensions=30)
    reality = model.state.reality.copy()
    model.run(4)
    np.testing.assert_array_equal(model.state.reality, reality)
    model.step()
    assert np.count_nonzero(model.state.reality != reality) == 15
    assert model.table()["reality_change"].iloc[-1] == 15


def test_payoff_imitation_alone_spreads_free_riding_when_data_work_costs(build):
    model = build(
        QUIET,
        initial_autonomy=0.8,
        imitation_rate=0.5,
        imitation_temperature=0.01,
        data_work_cost=1.0,
        commons_weight=0.0,
        initial_data_workers=0.5,
    )
    model.run(100)
    assert model.table()["data_worker_share"].iloc[-1] < 0.1


@pytest.mark.parametrize("turnover", [0.0, 0.3])
def test_turnover_replaces_workers_but_keeps_their_number(build, turnover):
    model = build(turnover=turnover)
    model.run(10)
    assert len(model.agents) == model.config.n_workers == model.state.beliefs.shape[0]


@pytest.mark.parametrize(("autonomy", "holds"), [(0.1, True), (0.9, False)])
def test_the_data_work_norm_holds_when_little_work_is_off_system_and_breaks_when_much_is(build, autonomy, holds):
    # data work costs c a: cheap under low autonomy, where the group norm outweighs payoff imitation
    model = build(
        QUIET,
        initial_autonomy=autonomy,
        imitation_rate=0.1,
        norm_conformity=0.03,
        imitation_temperature=0.1,
        data_work_cost=0.3,
        initial_data_workers=0.8,
        experiment_rate=0.0,
        n_workers=200,
    )
    model.state.beliefs[:] = model.state.reality  # equal knowledge: payoffs differ by data work alone
    model.run(150)
    share = model.table()["data_worker_share"].iloc[-1]
    assert share > 0.7 if holds else share < 0.2


def test_conformity_alone_spreads_the_majority_data_work_choice_through_each_unit(build):
    model = build(QUIET, norm_conformity=0.5, initial_data_workers=0.5, unit_size=10, personal_ties=0)
    model.run(40)
    units = model.state.data_work.reshape(-1, 10)
    assert np.all(units == units[:, :1])


# --- data dependence and peer sanctions (E5, E13; docs/odd.md) -------------------------
def outcomes_of(model, **overrides):
    config = dataclasses.replace(model.config, **overrides)
    acted = mech.actions(model.state.beliefs, config, model.rng)
    return mech.outcomes(model.state, config, acted, mech.fragmentation(model.state, config))


def test_data_dependence_charges_out_of_system_work_for_fragmented_data(build):
    model = build(data_dependence=0.0, peer_sanction=0.0)
    model.state.autonomy[:] = np.linspace(0.0, 1.0, model.state.n_workers)
    model.state.data_work[:] = False
    frag = mech.fragmentation(model.state, model.config)
    assert frag > 0.3
    without, with_it = outcomes_of(model), outcomes_of(model, data_dependence=0.4)
    np.testing.assert_allclose(without.productivity - with_it.productivity, 0.4 * frag * model.state.autonomy)
    np.testing.assert_allclose(without.autonomy_gradient - with_it.autonomy_gradient, 0.4 * frag)


def test_peer_sanctions_charge_free_riders_in_proportion_to_what_cooperating_unit_mates_see(build):
    model = build(data_dependence=0.0, peer_sanction=0.0, unit_size=10)
    state = model.state
    state.autonomy[:] = 0.4
    state.data_work[:] = np.arange(state.n_workers) % 10 < 7  # in every unit 7 data workers, 3 free riders
    loss = outcomes_of(model).productivity - outcomes_of(model, peer_sanction=2.0).productivity
    free_rider, data_worker = 9, 0
    assert loss[data_worker] == 0.0
    assert loss[free_rider] == pytest.approx(2.0 * 1.0 * (1 - 0.4) * (7 / 9) * 0.4)
    cut = outcomes_of(model, peer_sanction=2.0, formal_tie_strength=0.0).productivity
    np.testing.assert_array_equal(cut, outcomes_of(model, formal_tie_strength=0.0).productivity)  # nobody sees


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_peer_sanctions_keep_data_work_alive_where_without_them_it_dies(build, seed):
    """Without sanctions free riding wins (Fehr & Gächter 2000, no-punishment condition); with them it does not."""
    loose = {"individualization": 0.7, "enforcement": 0.3, "data_dependence": 0.0}
    shares = []
    for sanction in (0.0, 1.0):
        model = build(loose, peer_sanction=sanction, seed=seed)
        model.run(300)
        shares.append(model.table()["data_worker_share"].iloc[-50:].mean())
    assert shares[0] < 0.2 and shares[1] > 0.6


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_data_dependence_holds_autonomy_back_where_fragmentation_would_run_away(build, seed):
    loose = {"individualization": 0.5, "enforcement": 0.0, "peer_sanction": 0.0}
    ends = []
    for dependence in (0.0, 0.3):
        model = build(loose, data_dependence=dependence, seed=seed)
        model.run(400)
        ends.append(model.table().iloc[-50:][["autonomy_mean", "commons_quality"]].mean())
    assert ends[1]["autonomy_mean"] < ends[0]["autonomy_mean"] - 0.2
    assert ends[1]["commons_quality"] > ends[0]["commons_quality"] + 0.2


# --- paper records and blame on the system (E5c, E5d; seed 003 sections 3.2, 4.3) -----
def test_paper_records_charge_in_system_work_a_second_recording(build):
    model = build(paper_share=0.0, data_work_cost=0.4)
    model.state.autonomy[:] = np.linspace(0.0, 1.0, model.state.n_workers)
    without, with_paper = outcomes_of(model), outcomes_of(model, paper_share=0.5)
    in_system = 1.0 - model.state.autonomy
    np.testing.assert_allclose(without.productivity - with_paper.productivity, 0.4 * 0.5 * in_system)
    np.testing.assert_allclose(with_paper.workload - without.workload, 0.4 * 0.5 * in_system)
    np.testing.assert_allclose(with_paper.autonomy_gradient - without.autonomy_gradient, 0.4 * 0.5)
    assert (with_paper.satisfaction <= without.satisfaction).all()


def test_errors_are_blamed_on_the_system_when_it_caused_them_and_by_bias_when_it_did_not(build):
    model = build(n_dimensions=4)
    state = model.state
    state.reality[:] = [1, 1, 1, 1]
    state.code[:] = [-1, 1, 0, 1]
    state.beliefs[:] = [-1, -1, 1, 0]  # dim 0: followed the wrong code; dim 1: own error; dim 3: abstains
    errors, system, blamed = mech.attributed_errors(
        state, dataclasses.replace(model.config, blame_bias=0.0), state.beliefs
    )
    assert errors[0] == 0.5 and system[0] == 0.25 and blamed[0] == 0.25
    _, _, biased = mech.attributed_errors(state, dataclasses.replace(model.config, blame_bias=1.0), state.beliefs)
    assert biased[0] == 0.5


def test_the_misattributed_share_counts_own_errors_blamed_on_the_system(build):
    model = build(blame_bias=0.8)
    n = model.state.n_workers
    errors, system = np.full(n, 0.4), np.full(n, 0.1)  # three quarters of the errors are the workers' own
    result = mech.Outcomes(*[np.zeros(n)] * 6, errors, system, system + 0.8 * (errors - system))
    assert mech.misattributed_share(result, model.config) == pytest.approx(0.8 * 0.75)
    assert mech.misattributed_share(result, dataclasses.replace(model.config, blame_bias=0.0)) == 0.0
    no_errors = result._replace(errors=np.zeros(n), system_errors=np.zeros(n))
    assert mech.misattributed_share(no_errors, model.config) == 0.0


def test_the_code_learns_more_slowly_by_the_share_of_errors_wrongly_blamed_on_it(build):
    """Pressure 1 on every dimension: each rule is corrected with chance p (1 - M)."""
    corrected = {0.0: [], 0.6: [], 1.0: []}
    for seed in range(40):
        for share, shares_corrected in corrected.items():
            model = build(QUIET, code_learning=0.5, rigidity=0.0, commons=False, seed=seed)
            state = model.state
            state.beliefs[:] = 0
            state.beliefs[0] = state.reality  # one superior worker, alone: pressure 1 on every dimension
            new = mech.learn_code(state, model.config, model.rng, state.beliefs, misattributed=share)
            shares_corrected.append((new == state.reality).mean())
    assert np.mean(corrected[0.0]) == pytest.approx(0.5, abs=0.03)
    assert np.mean(corrected[0.6]) == pytest.approx(0.5 * 0.4, abs=0.03)
    assert np.mean(corrected[1.0]) == 0.0


def test_trust_follows_the_errors_blamed_on_the_system(build):
    model = build(trust_rate=0.5)
    blamed = np.full(model.state.n_workers, 0.4)
    for _ in range(30):
        mech.update_trust(model.state, model.config, blamed)
    assert model.state.trust == pytest.approx(0.6)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_blaming_the_system_after_a_shock_moves_work_out_of_it_only_when_distrust_counts(build, seed):
    """A shock makes the code wrong; blamed errors lower trust; with w_T > 0 workers work around the system."""
    shocked = {"individualization": 0.6, "enforcement": 0.3, "blame_bias": 0.8, "shocks": [Shock(time=150, share=0.3)]}
    ends = {}
    for weight in (0.0, 1.0):
        model = build(shocked, distrust_weight=weight, seed=seed)
        model.run(200)
        ends[weight] = model.table().iloc[150:200][["autonomy_mean", "trust", "blame"]].mean()
    assert ends[0.0]["trust"] < 0.95 and ends[0.0]["blame"] > 0.8
    assert ends[1.0]["autonomy_mean"] > ends[0.0]["autonomy_mean"] + 0.02


# --- shared processes: the clash on responsibility (seed 003 sections 3.4, 4.2) ---------
def test_units_with_opposite_practices_on_a_shared_process_are_in_conflict(build):
    model = build(shared_processes=0.5, n_dimensions=4, unit_size=10)  # 60 workers: 6 units; dims 0, 1 shared
    state = model.state
    state.reality[:] = 1
    state.code[:] = [1, -1, 1, -1]
    state.beliefs[:] = 1
    state.beliefs[:10, 0] = -1  # unit 0 disagrees with the others on shared dim 0; all agree on shared dim 1
    state.beliefs[:10, 2] = -1  # a disagreement on an unshared dimension is no conflict
    conflict, neglect = mech.shared_conflict(state, model.config)
    assert conflict == 0.5 and neglect == 0.5  # dim 0 in conflict; dim 1's rule is wrong and left so
    unshared = build(n_dimensions=4)
    assert mech.shared_conflict(unshared.state, unshared.config) == (0.0, 0.0)  # nothing shared, nothing to clash


def test_conflicting_records_of_shared_processes_lower_the_commons_and_cost_time(build):
    model = build(initial_quality=1.0, commons_rate=1.0)
    mech.update_commons(model.state, model.config, frag=0.0, diversity=0.0, conflict=0.2)
    assert model.state.quality == pytest.approx(1.0 - model.config.inconsistency_penalty * 0.2)
    acted = model.state.beliefs
    calm = mech.outcomes(model.state, model.config, acted, 0.0)
    clash = mech.outcomes(model.state, model.config, acted, 0.0, conflict=0.2)
    np.testing.assert_allclose(calm.productivity - clash.productivity, model.config.coordination_weight * 0.2)
    np.testing.assert_allclose(clash.workload - calm.workload, 0.2)


def test_the_code_of_a_shared_process_is_changed_more_slowly_as_each_unit_waits_for_another(build):
    """With a unanimous superior group an owned rule is corrected at once; a shared one at 1/units the rate."""
    corrected = []
    for seed in range(20):
        model = build(QUIET, code_learning=0.1, rigidity=0.0, commons=False, shared_processes=0.5, seed=seed)
        state = model.state
        state.beliefs[:] = state.reality
        state.beliefs[:5] = -state.reality  # 55 superior workers differ from the blank code: pressure 55
        new = mech.learn_code(state, model.config, model.rng, state.beliefs)
        shared = mech.shared_processes(model.config, state.code.size)
        corrected.append([(new == state.reality)[shared].mean(), (new == state.reality)[~shared].mean()])
    shared, owned = np.mean(corrected, axis=0)
    units = model.state.unit_starts.size
    assert owned == pytest.approx(1 - 0.9**55, abs=0.01)
    assert shared == pytest.approx(1 - (1 - 0.1 / units) ** 55, abs=0.08)  # about 0.60 with 6 units


# --- the clash on rules made durable (E0b; seed 003 section 4.1) ------------------------
def test_a_new_code_leaves_the_contradicted_rules_with_the_organisation_unless_it_rewrites_them_at_once(build):
    from sim.core.events import replace_code

    model = build(n_dimensions=4, rule_redesign_rate=0.01)
    state = model.state
    state.code[:] = [1, 1, 0, -1]
    assert replace_code(state, model.config, np.array([1, -1, 1, 1], dtype=np.int8)) == 3
    np.testing.assert_array_equal(state.rule_clash, [False, True, False, True])  # no old rule on dim 2: no clash
    np.testing.assert_array_equal(state.rules[[1, 3]], [1, -1])
    at_once = build(n_dimensions=4)  # rule_redesign_rate = 1: the earlier model
    at_once.state.code[:] = [1, 1, 0, -1]
    replace_code(at_once.state, at_once.config, np.array([1, -1, 1, 1], dtype=np.int8))
    assert not at_once.state.rule_clash.any()


def test_a_clash_resolved_by_re_coding_the_system_petrifies_the_rule(build):
    model = build(QUIET, n_dimensions=4, code_learning=1.0, rigidity=0.0, commons=False,
                  rule_redesign_rate=0.0, customisation_rate=1.0)  # fmt: skip
    state = model.state
    state.reality[:] = 1
    state.code[:] = [1, 1, 1, 1]
    state.rules[:] = [1, -1, 1, -1]
    state.rule_clash[:] = [False, True, False, True]
    assert mech.resolve_rule_clash(state, model.config, model.rng) == 2
    np.testing.assert_array_equal(state.code, [1, -1, 1, -1])  # the organisation's (wrong) rules, re-coded
    np.testing.assert_array_equal(state.customised, [False, True, False, True])
    state.beliefs[:] = state.reality  # a unanimous superior group that knows better
    new = mech.learn_code(state, model.config, model.rng, state.beliefs)
    np.testing.assert_array_equal(new, [1, -1, 1, -1])  # frozen: the code no longer learns them


@pytest.mark.parametrize("seed", [0, 1])
def test_a_resisted_redesign_keeps_the_erp_clash_on_rules_alive_far_longer(seed):
    from sim.cli.hydra_config import load
    from sim.core.model import DualISModel

    clash = {}
    for rate in (1.0, 0.01):
        run = load(["scenario=erp_migration", f"model.rule_redesign_rate={rate}", "model.n_workers=60"])
        model = DualISModel(run.model, rng=seed)
        model.run(250)
        clash[rate] = model.table().iloc[151:250]["clash"].mean()
    assert clash[0.01] > 2 * clash[1.0]


def test_a_workshop_that_collects_failures_fixes_rules_nobody_knows_better_than(build):
    """Everyone follows a rule that has gone wrong: practice alone has nothing to raise, failures do."""
    model = build(n_dimensions=200)
    state = model.state
    state.code[:] = -state.reality  # every rule wrong
    state.beliefs[:] = state.code  # and everybody follows it
    assert (mech.workshop(state.code, state, model.rng, rate=0.5) == state.code).all()
    fixed = mech.workshop(state.code, state, model.rng, rate=0.5, needs=1.0) == state.reality
    assert 0.4 < fixed.mean() < 0.6  # each rule with probability rate * min(1, 0 + 1 * 1)
