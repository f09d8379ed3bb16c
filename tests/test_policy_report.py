"""The policy report: its statistics against published cases, its trade-off logic on constructed tables,
zero-strength policies giving exactly zero effects, bad options named before any work, and the three
policy studies in small versions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis import compare, policy_stats
from sim.cli.hydra_config import load
from sim.cli.preflight import check
from sim.runs.jobs import run_replicates

ROOT = Path(__file__).resolve().parent.parent


# --- statistics against published cases ------------------------------------------------------------


def cavo_pairs() -> tuple[pd.Series, pd.Series]:
    """Cavo et al. (2012) as in Fagerland, Lydersen & Laake (2017), ch. 8: complete response before and after
    consolidation therapy, 161 patients: 59 both, 6 before only, 16 after only, 80 neither."""
    before = [1] * 59 + [1] * 6 + [0] * 16 + [0] * 80
    after = [1] * 59 + [0] * 6 + [1] * 16 + [0] * 80
    return pd.Series(before, dtype=float), pd.Series(after, dtype=float)


def test_newcombes_paired_interval_reproduces_the_textbook_example():
    # Fagerland et al. (2017), Table 8.x / contingencytables::Newcombe_square_and_add_CI_paired_2x2(cavo_2012):
    # estimate -0.0621, 95% CI -0.1186 to -0.0046
    difference, low, high = policy_stats.newcombe_paired(59, 6, 16, 80)
    assert round(difference, 4) == -0.0621
    assert (round(low, 4), round(high, 4)) == (-0.1186, -0.0046)


def test_the_binary_effect_pairs_by_index_and_gives_the_exact_mcnemar_p():
    before, after = cavo_pairs()
    shuffled = np.random.default_rng(0).permutation(len(before))
    effect = policy_stats.binary_effect(before.iloc[shuffled], after)  # pairing must follow the index, not order
    assert effect["n"] == 161
    assert (round(effect["low"], 4), round(effect["high"], 4)) == (-0.1186, -0.0046)
    # Fagerland et al. (2017): "The McNemar exact conditional test: P = 0.052479"
    assert round(effect["p"], 6) == 0.052479


def test_binary_bounds_stay_between_minus_one_and_one():
    treated, control = pd.Series([1.0] * 5), pd.Series([0.0] * 5)
    effect = policy_stats.binary_effect(treated, control)
    assert effect["effect"] == 1.0 and effect["high"] == 1.0 and 0 < effect["low"] < 1
    t_low = policy_stats.continuous_effect(pd.Series([1.0, 0, 0, 0, 0]), pd.Series([0.0] * 5))["low"]
    assert t_low < 0  # a t interval on 0/1 values leaves [0, 1]; that is why the report does not use it
    effect = policy_stats.binary_effect(pd.Series([1.0, 0, 0, 0, 0]), pd.Series([0.0] * 5))
    assert -1 <= effect["low"] <= effect["effect"] <= effect["high"] <= 1


def test_holm_and_benjamini_hochberg_on_a_known_set_of_p_values():
    p = [0.01, 0.04, 0.03, 0.005]
    # Holm: sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04, made monotone: 0.04 -> 0.06
    np.testing.assert_allclose(policy_stats.adjust(p, "holm"), [0.03, 0.06, 0.06, 0.02])
    # BH: times 4/1, 4/2, 4/3, 4/4 = 0.02, 0.02, 0.04, 0.04 (monotone from the top)
    np.testing.assert_allclose(policy_stats.adjust(p, "fdr_bh"), [0.02, 0.04, 0.04, 0.02])
    adjusted = policy_stats.adjust([0.01, np.nan, 0.02], "holm")
    assert np.isnan(adjusted[1]) and adjusted[0] == pytest.approx(0.02)  # NaN is not counted as a comparison


def test_a_constant_paired_difference_has_no_spread():
    same = pd.Series([1.0, 2.0, 3.0])
    assert policy_stats.continuous_effect(same, same) == {"effect": 0.0, "low": 0.0, "high": 0.0, "p": 1.0, "n": 3}
    shifted = policy_stats.continuous_effect(same + 2, same)
    assert (shifted["low"], shifted["high"], shifted["p"]) == (2.0, 2.0, 0.0)


# --- trade-offs on constructed tables ----------------------------------------------------------------


def test_the_non_dominated_set_of_a_constructed_table():
    gains = pd.DataFrame(
        {"a": [1.0, 2.0, 0.5, 1.0, -1.0, 0.0], "b": [1.0, 0.0, 0.5, 1.0, 2.0, 0.0]},
        index=["good", "one_sided", "weak", "twin", "other_side", "none"],
    )
    # weak is beaten by good (and twin) on both; none by good; twin ties good, so neither beats the other
    assert policy_stats.non_dominated(gains) == ["good", "one_sided", "twin", "other_side"]
    assert policy_stats.dominators(gains, "weak") == ["good", "twin"]
    assert policy_stats.dominators(gains, "good") == []


def effects_of(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    """A compare() result built by hand: (policy, outcome, effect, pooled_sd), all distinguishable."""
    frame = pd.DataFrame(rows, columns=["policy", "outcome", "effect", "pooled_sd"])
    frame["direction"] = frame["outcome"].map(compare.DIRECTIONS)
    frame["baseline"] = 1.0
    frame["low"], frame["high"] = frame["effect"] - 0.01, frame["effect"] + 0.01
    frame["p"], frame["n"] = 0.001, 30
    return compare.verdicts(frame)


def test_lower_is_better_for_recovery_and_the_baseline_can_dominate():
    effects = effects_of(
        [
            ("fast", "productivity", 0.1, 0.1),
            ("fast", "recovery_time_capped", -10.0, 10.0),
            ("slow", "productivity", 0.0, 0.1),
            ("slow", "recovery_time_capped", 20.0, 10.0),
        ]
    )
    gains = compare.gains(effects)
    assert gains.loc["fast", "recovery_time_capped"] == 10.0  # 10 weeks faster is a gain of 10
    assert policy_stats.non_dominated(gains) == ["fast"]
    assert set(policy_stats.dominators(gains, "slow")) == {"fast", "none"}  # doing nothing beats it
    table = compare.effects_table(effects)
    assert table.loc["slow", "recovery_time_capped"].endswith("worse")
    assert table.loc["fast", "non-dominated"] == "yes" and table.loc["slow", "non-dominated"] == "no"


def test_ranking_by_one_outcome_or_by_weights_as_asked():
    effects = effects_of(
        [
            ("a", "productivity", 0.2, 0.1),
            ("a", "recovery_time_capped", 30.0, 10.0),
            ("b", "productivity", 0.1, 0.1),
            ("b", "recovery_time_capped", -10.0, 10.0),
        ]
    )
    assert list(compare.ranking(effects, by="productivity").index) == ["a", "b"]
    assert list(compare.ranking(effects, by="recovery_time_capped").index) == ["b", "a"]
    # a: 1 x 0.2/0.1 + 1 x (-30)/10 = -1; b: 1 + 1 = 2
    ranked = compare.ranking(effects, weights={"productivity": 1.0, "recovery_time_capped": 1.0})
    assert list(ranked.index) == ["b", "a"] and list(ranked["score"]) == [2.0, -1.0]
    with pytest.raises(ValueError, match="exactly one"):
        compare.ranking(effects)


# --- zero strength, reports, options ------------------------------------------------------------------

SMALL = [
    "model.n_workers=60",
    "steps=150",
    "regime.test=scheduled",
    "model.shocks=[{time: 120, share: 0.3}]",
    "regime.settle_window=20",
    "replicates=3",
]
POLICIES = ["mandate", "liberalise", "recognise_data_work", "continuous_participation", "boundary_spanners"]


def runs_table(arms: dict[str, list[str]]) -> pd.DataFrame:
    """A tidy runs table (as sim.runs.gather makes it) of small runs, one arm per list of overrides."""
    rows = []
    for arm, overrides in arms.items():
        results, _ = run_replicates(load([*SMALL, *overrides]))
        for result in results:
            rows.append({"policy": arm, "seed": result["seed"], "regime": result["regime"], **result["indicators"]})
    return pd.DataFrame(rows)


def test_policies_of_zero_strength_give_exactly_zero_effects():
    arms = {"none": [], **{p: [f"policy={p}", "dose.strength=0"] for p in [*POLICIES, "vendor_migration"]}}
    effects = compare.compare(runs_table(arms))
    assert len(effects) == 6 * 6
    assert (effects["effect"] == 0).all()
    continuous = effects[effects["method"] == "t"]
    assert (continuous["low"] == 0).all() and (continuous["high"] == 0).all()
    assert set(effects.loc[effects["method"] == "t", "verdict"]) == {"no difference in any seed"}
    assert not effects["distinguishable"].any()


def test_the_report_states_window_directions_method_and_correction(tmp_path):
    table = runs_table({"none": [], "mandate": ["policy=mandate", "model.policies.mandate.strength=1"]})
    report = compare.markdown(compare.compare(table), compare.regime_shares(table), pd.DataFrame(),
                              compare.Settings(shock_week=120, shock_share=0.3, steps=150), table)  # fmt: skip
    for phrase in ["weeks 90–119", "lower is better", "higher is better", "Newcombe", "Student's t", "Holm",
                   "No ranking", "scheduled test", "Non-dominated"]:  # fmt: skip
        assert phrase in report, phrase
    assert "## Ranking, as asked" not in report


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (["comparison.rank_by=profit"], "comparison.rank_by=profit is not an outcome with a direction; allowed: "),
        (["comparison.weights.profit=1"], "comparison.weights.profit=1 is invalid"),
        (["comparison.weights.productivity=-1"], "comparison.weights.productivity=-1.0 is outside [0, inf]"),
        (["comparison.rank_by=productivity", "comparison.weights.satisfaction=1"], "both set; allowed: one of them"),
        (["comparison.correction=bonferroni"], "comparison.correction='bonferroni' is not allowed; allowed: holm"),
        (["study=dose_response"], "dose.strength=0.0 needs a policy in force"),
        (["study=dose_response", "policy=bribe"], "policy=bribe is not a known option"),
    ],
)
def test_bad_report_options_are_named_in_one_line_before_any_work(overrides, expected):
    message = check(overrides)
    assert message is not None and expected in message and "\n" not in message


def test_a_dose_moves_the_policy_whatever_its_entry_is_called():
    run = load(["policy=pilot_participation", "dose.strength=0.25", "dose.start=150"])
    from sim.core.policies import with_dose

    (policy,) = with_dose(run).model.policies.values()
    assert (policy.strength, policy.start, policy.end) == (0.25, 150, 176)  # the 26-week pilot keeps its length


# --- the studies in small versions --------------------------------------------------------------------

STUDY_SMALL = ["model.n_workers=40", "steps=120", "regime.test=scheduled", "model.shocks=[{time: 100, share: 0.3}]",
               "regime.settle_window=20", "replicates=3", "hydra.launcher.n_jobs=2"]  # fmt: skip


def run_study(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_a_small_policy_comparison_is_byte_identical_on_rerun(tmp_path):
    folder = tmp_path / "comparison"
    args = [
        "study=policy_comparison",
        "policy=none,mandate,boundary_spanners",
        *STUDY_SMALL,
        f"hydra.sweep.dir={folder}",
    ]
    run_study(*args, "comparison.rank_by=recovery_time_capped", cwd=tmp_path)
    report = (folder / "comparison.md").read_text()
    assert "## Ranking, as asked" in report and "By the gain in recovery_time_capped" in report
    assert (folder / "trajectories.png").read_bytes()[:4] == b"\x89PNG"
    first = report
    compare.main([str(folder), "--rank-by", "recovery_time_capped"])
    assert (folder / "comparison.md").read_text() == first


def test_a_small_dose_response_study(tmp_path):
    folder = tmp_path / "dose"
    run_study("study=dose_response", "policy=mandate", "dose.strength=0.0,0.5,1.0", "dose.start=50,80",
              *STUDY_SMALL, f"hydra.sweep.dir={folder}", cwd=tmp_path)  # fmt: skip
    found = pd.read_csv(folder / "dose_response.csv")
    assert set(found["start"]) == {50, 80} and set(found["strength"]) == {0.5, 1.0}
    assert len(found) == 2 * 2 * 6
    report = (folder / "dose_response.md").read_text()
    assert "Dose-response of `mandate`" in report and "start week 80" in report
    assert (folder / "dose_response.png").read_bytes()[:4] == b"\x89PNG"


def test_a_small_robustness_study(tmp_path):
    folder = tmp_path / "robust"
    run_study("study=policy_robustness", "scenario=default,knowledge_work_firm", "policy=none,mandate,liberalise",
              *STUDY_SMALL, f"hydra.sweep.dir={folder}", cwd=tmp_path)  # fmt: skip
    found = pd.read_csv(folder / "robustness.csv")
    assert set(found["scenario"]) == {"default", "knowledge_work_firm"}
    assert set(found["policy"]) == {"mandate", "liberalise"}
    regret = found.dropna(subset=["regret"])
    assert (regret["regret"] >= 0).all()
    report = (folder / "robustness.md").read_text()
    assert "max regret" in report and "Non-dominated in every scenario" in report
    table = pd.read_parquet(folder / "runs.parquet")
    seeds = table.groupby(["scenario", "policy"])["seed"].apply(tuple)
    assert seeds.nunique() == 1  # the same seeds in every arm of every scenario
