"""The model's mechanisms, each a function of whole arrays (equations in docs/odd.md).

Every function reads the state and the configuration, draws what it needs from
the model's one random generator, and either returns new values or updates the
state in place and returns how many entries it changed (the churn counts).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.core.config import ModelConfig, StepRule, SuperiorBasis, ZeroBelief
from sim.core.network import peer_view_at
from sim.core.state import State, random_beliefs, wanted_autonomy


# --- environment -------------------------------------------------------------
def advance_environment(state: State, config: ModelConfig, rng: np.random.Generator, step: int) -> int:
    """Turbulence (each dimension flips with probability p4) and scheduled shocks.

    Returns the number of reality dimensions that flipped this step.
    """
    m = state.reality.size
    due = [shock for shock in config.shocks if shock.time == step]
    if config.turbulence <= 0 and not due:
        return 0  # nothing happens, and nothing is drawn
    flips = rng.random(m) < config.turbulence if config.turbulence > 0 else np.zeros(m, dtype=bool)
    for shock in due:
        hit = rng.permutation(m)[: round(shock.share * m)]
        flips[hit] = ~flips[hit]
    state.reality[flips] *= -1
    return int(flips.sum())


# --- acting and knowing --------------------------------------------------------
def actions(beliefs: np.ndarray, config: ModelConfig, rng: np.random.Generator) -> np.ndarray:
    """What workers do on each dimension: their belief, or a coin flip where it is 0 (March's program)."""
    if config.zero_belief is ZeroBelief.abstain:
        return beliefs
    coin = np.where(rng.random(beliefs.shape) < 0.5, -1, 1).astype(np.int8)
    return np.where(beliefs == 0, coin, beliefs)


def knowledge(values: np.ndarray, reality: np.ndarray) -> np.ndarray:
    """March's knowledge: mean over dimensions of value * reality, in [-1, 1].

    The sum of m terms in {-1, 0, +1} is an integer of at most m < 2**24 in size, so a
    float32 product sums it exactly (and twice as fast as float64).
    """
    return (values.astype(np.float32) @ reality.astype(np.float32)).astype(np.float64) / reality.size


def count_per_row(mask: np.ndarray, columns: np.ndarray | None = None) -> np.ndarray:
    """Exact count of True entries in each row of ``mask`` (only in ``columns``, a bool mask, if given).

    A float32 matrix-vector product: exact, as counts stay below 2**24, and several
    times faster than ``np.count_nonzero(axis=1)``.
    """
    weights = np.ones(mask.shape[1], dtype=np.float32) if columns is None else columns.astype(np.float32)
    return (mask @ weights).astype(np.int64)


# --- revising practice: individualization, institutionalization, socialization --
def move(beliefs: np.ndarray, target: np.ndarray, rule: StepRule) -> np.ndarray:
    """Where an influenced belief lands: the target itself, or one step towards it."""
    if rule is StepRule.jump:
        return target
    return (beliefs + np.sign(target.astype(np.int16) - beliefs)).astype(np.int8)


def revision_rates(state: State, config: ModelConfig) -> tuple[np.ndarray, np.ndarray]:
    """Per worker, the weekly chance per dimension of being pulled onto the code, and of experimenting.

    ``p1_i e (1 - a_i)`` (institutionalization) and ``x mu a_i`` (individualization), as
    float32: the widths of the first two bands of :func:`revise_practice`.
    """
    adoption = (
        np.where(state.slow, config.slow_code_adoption, config.code_adoption)
        if state.slow.any()
        else config.code_adoption
    )
    pull = (adoption * config.enforcement * (1.0 - state.autonomy)).astype(np.float32)
    experiment = (config.experiment_rate * config.malleability * state.autonomy).astype(np.float32)
    return pull, experiment


def revise_practice(state: State, config: ModelConfig, rng: np.random.Generator) -> int:
    """Each worker revises each dimension of its practice at most once a week.

    One uniform draw ``u_ij`` per worker and dimension picks the influence, as
    competing hazards (earlier bands win where they overlap):

    * institutionalization, ``u < p1_i e (1 - a_i)``: work in the system follows its
      rules, so practice moves onto the code where the code holds a view (p1_i is
      ``code_adoption``, or ``slow_code_adoption`` for the slow learners);
    * individualization, next ``x_exp (mu) a_i`` of the unit interval: the worker tries
      another value with its malleable tools and keeps it when the perceived gain
      ``r_j (x' - x) + N(0, perception_noise)`` is positive;
    * socialization, ``u >= 1 - socialization``: practice moves onto the majority of
      the worker's ties where they hold a view.

    The peer view (:func:`sim.core.network.peer_view_at`) is computed only at the entries
    socialization picks.
    Returns the number of practice entries changed.
    """
    beliefs, code = state.beliefs, state.code
    u = rng.random(beliefs.shape, dtype=np.float32)
    pull, experiment = revision_rates(state, config)
    explore = pull + experiment
    # The bands are disjoint (explore >= pull, peer_band >= explore), and where a belief
    # already equals its target moving onto it changes nothing, so no "b != target" masks.
    below_pull = u < pull[:, None]
    new = np.where(below_pull & (code != 0), move(beliefs, code, config.step_rule), beliefs)
    peer_band = np.maximum(explore, np.float32(1.0 - config.socialization))
    # np.flatnonzero + divmod is np.nonzero (same entries, same order), several times faster
    peer_i, peer_j = np.divmod(np.flatnonzero(u >= peer_band[:, None]), u.shape[1])
    if peer_i.size:
        target = peer_view_at(
            beliefs,
            state.ties,
            state.unit,
            state.unit_starts,
            state.unit_sizes,
            state.autonomy,
            config.formal_tie_strength,
            peer_i,
            peer_j,
        )
        held = target != 0
        new[peer_i[held], peer_j[held]] = move(beliefs[peer_i[held], peer_j[held]], target[held], config.step_rule)
    tried_i, tried_j = np.divmod(np.flatnonzero((u < explore[:, None]) ^ below_pull), u.shape[1])
    if tried_i.size:
        old = beliefs[tried_i, tried_j]
        # one of the two other values: shift by 1 or 2 in the cyclic order -1, 0, +1
        candidate = ((old + 1 + rng.integers(1, 3, size=old.size)) % 3 - 1).astype(np.int8)
        gain = state.reality[tried_j] * (candidate.astype(np.int16) - old)
        perceived = gain + config.perception_noise * rng.standard_normal(old.size)
        keep = perceived > 0
        new[tried_i[keep], tried_j[keep]] = candidate[keep]
    count = int(np.count_nonzero(new != beliefs))
    state.beliefs = new
    return count


def visibility(state: State) -> np.ndarray:
    """Share of each worker's work the system can see: in-system work plus recorded outside work."""
    return 1.0 - state.autonomy * ~state.data_work


def learn_code(
    state: State, config: ModelConfig, rng: np.random.Generator, acted: np.ndarray, misattributed: float = 0.0
) -> np.ndarray:
    """The code learns from the visible superior group (March 1991, footnote 1).

    Two readings of March, chosen by ``superior_basis`` (weights are each superior
    worker's visibility ``v_i``; with ``v = 1`` they are March's plain counts):

    * ``beliefs`` (the paper's text): superior workers hold more beliefs that match
      reality than the code does; the dominant view on dimension j is the sign of
      their summed beliefs, and ``k_j`` = weight differing from the code minus
      weight agreeing with it.
    * ``actions`` (March's program, after Christensen 2015): superior workers' actions
      score ``sum(action * reality)`` above the code's ``sum(code * reality)``; the
      dominant view is the sign of their summed actions and ``k_j`` its absolute value.

    Where the dominant view differs from the code and ``k_j > 0`` the code adopts it
    with probability ``1 - (1 - p)^k_j``, ``p = code_learning * (1 - rigidity) * Q * (1 - M)``
    (learning slows with rigidity, with poor data and with the share ``M`` of this week's
    errors wrongly blamed on the system, :func:`misattributed_share`), divided by the number
    of units on a shared process, whose rule no single unit owns. Returns the new code; the
    caller applies it, so beliefs and code update from the same start-of-step state.
    """
    code, reality = state.code, state.reality
    p = config.code_learning * (1.0 - config.rigidity) * state.quality
    if misattributed > 0:
        p *= 1.0 - misattributed
    if p <= 0:
        return code
    if config.superior_basis is SuperiorBasis.actions:
        superior = acted @ reality.astype(np.int32) > int(code.astype(np.int32) @ reality)
    else:
        superior = count_per_row(state.beliefs == reality) > np.count_nonzero(code == reality)
    if not superior.any():
        return code
    weight = visibility(state)[superior]
    if config.superior_basis is SuperiorBasis.actions:
        net = weight @ acted[superior].astype(np.float64)
        pressure = np.abs(net)
    else:
        superior_beliefs = state.beliefs[superior]
        net = weight @ superior_beliefs.astype(np.float64)
        agree = weight @ (superior_beliefs == code)
        pressure = weight.sum() - 2.0 * agree
    majority = np.sign(net).astype(np.int8)
    shared = shared_processes(config, code.size)
    if shared.any():  # nobody's to maintain: each unit waits for another (E8, shared processes)
        p = np.where(shared, p / state.unit_starts.size, p)
    adopt_probability = 1.0 - (1.0 - p) ** np.maximum(pressure, 0.0)
    adopt = (majority != 0) & (majority != code) & (rng.random(code.size) < adopt_probability)
    if state.customised.any():
        adopt &= ~state.customised  # petrified: customised rules are no longer learned
    return np.where(adopt, majority, code)


def workshop(code: np.ndarray, state: State, rng: np.random.Generator, rate: float, needs: float = 0.0) -> np.ndarray:
    """A participatory workshop: practice from inside and outside the system reaches the code.

    Workers bring the practices that work better than the code's rule on a dimension
    (their experience: b_ij = r_j where c_j != r_j), whether or not the system ever saw
    them, and, with weight ``needs``, the failures they meet following a rule that has
    become wrong (b_ij = c_j != r_j): needs that only "become apparent after the rollout".
    The code corrects the rule with probability ``rate * f_j``, ``f_j = min(1, share who
    know better + needs * share who fail by it)``: development needs collected "openly and
    decentrally" (seed 000). Returns the new code.
    """
    reality = state.reality
    signal = np.count_nonzero(state.beliefs == reality, axis=0) / state.n_workers
    if needs > 0:
        failing = np.count_nonzero(state.beliefs == code, axis=0) / state.n_workers
        signal = np.minimum(1.0, signal + needs * failing)
    wrong = code != reality
    adopt = wrong & (rng.random(code.size) < rate * signal) & ~state.customised
    return np.where(adopt, reality, code)


def resolve_rule_clash(state: State, config: ModelConfig, rng: np.random.Generator) -> int:
    """Each clash between the system's rule and the organisation's is resolved one way or the other.

    Per clashing rule one uniform draw: below ``rule_redesign_rate`` the organisation rewrites
    its rule to the system's (organisational redesign, resisted in a bureaucracy); in the next
    band of width ``customisation_rate`` the system is re-coded to the organisation's rule
    (system redesign), which then stays frozen (``customised``: the petrified bureaucracy of
    seed 003, section 4.1). A clash also ends when the code comes to agree with the rule.
    Returns the code entries re-coded. No draws while nothing clashes.
    """
    state.rule_clash &= state.code != state.rules
    clashing = np.flatnonzero(state.rule_clash)
    if clashing.size == 0:
        return 0
    u = rng.random(clashing.size)
    redesigned = u < config.rule_redesign_rate
    recoded = clashing[~redesigned & (u < config.rule_redesign_rate + config.customisation_rate)]
    state.rule_clash[clashing[redesigned]] = False
    state.rule_clash[recoded] = False
    state.code[recoded] = state.rules[recoded]
    state.customised[recoded] = True
    return int(recoded.size)


def at_equilibrium(state: State, config: ModelConfig) -> bool:
    """March's absorbing state: no worker can learn from the code and none can teach it.

    Nobody differs from the code where it holds a view, and nobody could score above
    the code (under ``actions``, counting each 0 belief as a lucky coin flip).
    """
    code, reality, beliefs = state.code, state.reality, state.beliefs
    if np.any((code != 0) & (beliefs != code)):
        return False
    if config.superior_basis is SuperiorBasis.actions:
        best_case = beliefs @ reality.astype(np.int32) + np.count_nonzero(beliefs == 0, axis=1)
        return not np.any(best_case > int(code.astype(np.int32) @ reality))
    return not np.any(np.count_nonzero(beliefs == reality, axis=1) > np.count_nonzero(code == reality))


# --- the commons ---------------------------------------------------------------
def fragmentation(state: State, config: ModelConfig) -> float:
    """Share of all work done outside the system, never recorded and not bridged by boundary spanners."""
    return float(np.mean(state.autonomy * ~state.data_work)) * (1.0 - config.bridging)


def practice_diversity(beliefs: np.ndarray) -> float:
    """1 - mean |mean belief| over dimensions: 0 when everybody agrees, 1 when views cancel out."""
    # column sums of integers are exact in float32 (n < 2**24), so this is beliefs.mean(axis=0)
    mean = (np.ones(beliefs.shape[0], dtype=np.float32) @ beliefs.astype(np.float32)).astype(np.float64)
    mean /= beliefs.shape[0]
    return float(1.0 - np.abs(mean).mean())


def update_commons(state: State, config: ModelConfig, frag: float, diversity: float, conflict: float = 0.0) -> None:
    """Q relaxes towards what capture sustains: ``Q* = (1 - F) (1 - delta D) (1 - delta C_s)``.

    ``Q <- Q + commons_rate (Q* - Q)``. In-system work and data work capture data
    (1 - F); inconsistent practices put parallel versions into it (D), and so do units
    that enter conflicting records of the processes they share (C_s, :func:`conflicting_processes`).
    With the commons switched off Q stays at 1.
    """
    if not config.commons:
        return
    target = (1.0 - frag) * (1.0 - config.inconsistency_penalty * diversity)
    if conflict > 0:
        target *= 1.0 - config.inconsistency_penalty * conflict
    state.quality += config.commons_rate * (target - state.quality)


def unit_views(state: State, dimensions: np.ndarray) -> np.ndarray:
    """Each unit's majority practice on ``dimensions``, in {-1, 0, +1}: shape (units, dimensions)."""
    totals = np.add.reduceat(state.beliefs[:, dimensions].astype(np.int32), state.unit_starts, axis=0)
    return np.sign(totals)


def shared_processes(config: ModelConfig, m: int) -> np.ndarray:
    """Which of the ``m`` processes are shared: the first ``round(sigma_P m)`` (beliefs and reality are random,
    so which ones does not matter, and no random draw is spent)."""
    return np.arange(m) < round(config.shared_processes * m)


def shared_conflict(state: State, config: ModelConfig) -> tuple[float, float]:
    """Shared processes in conflict and neglected, each as a share of the shared processes.

    A shared process is *in conflict* when two units hold opposite majority practices on
    it: they step on each other's toes, entering duplicate, conflicting records. It is
    *neglected* when the code's rule for it is wrong: with no single owner, each unit waits
    for another to have it changed (:func:`learn_code`). Zero when nothing is shared.
    """
    shared = np.flatnonzero(shared_processes(config, state.code.size))
    if shared.size == 0:
        return 0.0, 0.0
    views = unit_views(state, shared)
    conflict = (views > 0).any(axis=0) & (views < 0).any(axis=0)
    neglect = state.code[shared] != state.reality[shared]
    return float(conflict.mean()), float(neglect.mean())


def conflicting_processes(state: State, config: ModelConfig) -> float:
    """C_s: the share of all processes that are shared and in conflict (what costs time and the commons)."""
    conflict, _ = shared_conflict(state, config)
    return conflict * float(shared_processes(config, state.code.size).mean())


# --- outcomes and adaptation ---------------------------------------------------
class Outcomes(NamedTuple):
    """Per-worker results of one step."""

    productivity: np.ndarray
    satisfaction: np.ndarray
    clash: np.ndarray  # clash on rules: enforced code that contradicts own practice
    autonomy_gradient: np.ndarray  # marginal productivity of autonomy, as the worker perceives it
    knowledge: np.ndarray  # knowledge of each worker's actions, K_i (E3)
    workload: np.ndarray  # data work, paper records and coordination: what satisfaction's workload weighs
    errors: np.ndarray  # share of dimensions acted on wrongly (E5d)
    system_errors: np.ndarray  # share of dimensions acted on wrongly by following a wrong code (E5d)
    blamed: np.ndarray  # share of dimensions with an error attributed to the system (E5d)


def outcomes(state: State, config: ModelConfig, acted: np.ndarray, frag: float, conflict: float = 0.0) -> Outcomes:
    """Productivity, satisfaction and the marginal payoff of autonomy for every worker.

    productivity = w_K [K_i + (1-a) e (K_code - K_i)] + w_A i mu a (2-a) + w_Q Q (1-a)
                   - w_C clash_i - w_F F - c_dw a s_i - w_D a F - sanction_i
    clash_i      = e (1-a) mismatch_i   (enforced rules that contradict own practice)
    sanction_i   = w_S phi (1-a) u_i a (1-s_i)   (unrecorded work seen by data-working unit-mates)
    satisfaction = clip(1 - f |a* - a| - w_L (c_dw a s_i + c_dw psi (1-a) + F) - w_CS clash_i, 0, 1)
    with ``- c_dw psi (1-a)`` in productivity too (paper records, E5c), and ``- w_F C_s`` in
    productivity and ``+ C_s`` in workload for shared processes in conflict (E5b'). The autonomy gradient is
    d productivity / d a with the other terms held fixed, plus ``w_T (1 - trust)``: a worker
    who distrusts the system sees more in working around it than is there (E5d).
    """
    c = config
    a, s, e = state.autonomy, state.data_work, c.enforcement
    k_own = knowledge(acted, state.reality)
    k_code = float(knowledge(state.code, state.reality))
    mismatch = count_per_row(state.beliefs != state.code, state.code != 0) / state.code.size
    if state.rule_clash.any():  # the system's rules against the organisation's own (E0b, E6)
        mismatch = mismatch + float(state.rule_clash.mean())
    clash = e * (1.0 - a) * mismatch
    affordance = c.individualization * c.malleability
    data_work_time = c.data_work_cost * a * s
    productivity = (
        c.knowledge_weight * (k_own + (1.0 - a) * e * (k_code - k_own))
        + c.affordance_weight * affordance * a * (2.0 - a)
        + c.commons_weight * state.quality * (1.0 - a)
        - c.clash_weight * clash
        - c.coordination_weight * frag
        - data_work_time
    )
    if c.data_dependence > 0:
        productivity -= c.data_dependence * frag * a
    if c.peer_sanction > 0:
        sanction, sanction_gradient = peer_sanction(state, config)
        productivity -= sanction
    workload = data_work_time + frag
    if conflict > 0:  # sorting out conflicting records of shared processes (C_s: their share of all processes)
        productivity -= c.coordination_weight * conflict
        workload = workload + conflict
    if c.paper_share > 0:
        paper_time = c.data_work_cost * c.paper_share * (1.0 - a)
        productivity -= paper_time
        workload = workload + paper_time
    satisfaction = np.clip(
        1.0
        - c.fit_weight * np.abs(state.wanted_autonomy - a)
        - c.workload_weight * workload
        - c.clash_satisfaction_weight * clash,
        0.0,
        1.0,
    )
    gradient = (
        -c.knowledge_weight * e * (k_code - k_own)
        + 2.0 * c.affordance_weight * affordance * (1.0 - a)
        - c.commons_weight * state.quality
        + c.clash_weight * e * mismatch
        - c.data_work_cost * s
    )
    if c.data_dependence > 0:
        gradient -= c.data_dependence * frag
    if c.peer_sanction > 0:
        gradient -= sanction_gradient
    if c.paper_share > 0:
        gradient += c.data_work_cost * c.paper_share
    if c.distrust_weight > 0:
        gradient += c.distrust_weight * (1.0 - state.trust)
    errors, system_errors, blamed = attributed_errors(state, config, acted)
    return Outcomes(productivity, satisfaction, clash, gradient, k_own, workload, errors, system_errors, blamed)


def attributed_errors(
    state: State, config: ModelConfig, acted: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per worker, the shares of dimensions acted on wrongly, wrongly by the system's rule, and blamed on it.

    An error is an action against reality (``x_ij != 0, x_ij != r_j``). It is the system's
    when the worker followed a wrong code (``x_ij = c_j``); it is the worker's own practice
    otherwise, and then it is still blamed on the system with probability ``blame_bias``
    (in expectation: ``blamed_i = (system_i + beta_A own_i) / m``). Failures "blamed on the
    system" (seed 003, section 4.3). No random draws.
    """
    # As float32 matrix-vector products (exact: sums of at most m < 2**24 small integers). With
    # x in {-1, 0, +1}: wrong = (#nonzero - sum x r) / 2, and on the rules that are wrong
    # (c = -r) following them, x = c, counts (x c + |x|) / 2.
    reality, code = state.reality.astype(np.float32), state.code.astype(np.float32)
    values = acted.astype(np.float32)
    magnitude = np.abs(values)
    wrong_rules = ((state.code != state.reality) & (state.code != 0)).astype(np.float32)
    m = reality.size
    errors = (magnitude @ np.ones(m, dtype=np.float32) - values @ reality).astype(np.float64) / (2 * m)
    system = (values @ (code * wrong_rules) + magnitude @ wrong_rules).astype(np.float64) / (2 * m)
    return errors, system, system + config.blame_bias * (errors - system)


def misattributed_share(result: Outcomes, config: ModelConfig) -> float:
    """M, the share of this week's errors that are the workers' own but blamed on the system.

    ``M = beta_A (sum own_i) / (sum errors_i)``, at most ``beta_A``; 0 without errors. The
    system's maintainers spend their correction effort on these phantom faults while the
    practice that caused them goes uncorrected, so the code learns at ``(1 - M)`` its rate
    (:func:`learn_code`; seed 003, section 4.3: errors "hidden under faulty system action").
    """
    total = float(result.errors.sum())
    if config.blame_bias <= 0 or total <= 0:
        return 0.0
    return config.blame_bias * (total - float(result.system_errors.sum())) / total


def update_trust(state: State, config: ModelConfig, blamed: np.ndarray) -> None:
    """Trust in the system relaxes towards one minus the errors blamed on it: ``T <- T + lambda_T (1 - mean blamed - T)``."""
    state.trust += config.trust_rate * (1.0 - float(blamed.mean()) - state.trust)


def peer_sanction(state: State, config: ModelConfig) -> tuple[np.ndarray, np.ndarray]:
    """What free riding costs each worker when data-working unit-mates see it, and its slope in autonomy.

    ``sanction_i = w_S phi (1 - a_i) u_i a_i (1 - s_i)``: a free rider's unrecorded work
    ``a_i (1 - s_i)`` is seen by its unit in the share of work done alongside it
    ``phi (1 - a_i)``, and sanctioned (help and information withheld) by the share
    ``u_i`` of its unit-mates who do data work themselves: conditional cooperation
    held up by peer sanctions (Fehr & Gächter 2000). Withholding help costs the
    sanctioner nothing here. Zeros when formal ties are cut (nobody sees).
    """
    if config.formal_tie_strength <= 0:
        zeros = np.zeros(state.n_workers)
        return zeros, zeros
    a, free_rider = state.autonomy, ~state.data_work
    unit_totals = np.add.reduceat(state.data_work.astype(np.float64), state.unit_starts)
    others = np.maximum(state.unit_sizes - 1, 1)[state.unit]
    cooperating_mates = (unit_totals[state.unit] - state.data_work) / others
    seen = config.peer_sanction * config.formal_tie_strength * cooperating_mates * free_rider
    return seen * a * (1.0 - a), seen * (1.0 - 2.0 * a)


def autonomy_bounds(config: ModelConfig) -> tuple[float, float]:
    """Allowed autonomy: enforcement caps the share of work that may leave the system at
    ``1 - e``; a floor ``a_min`` (forced remote work) wins over that cap."""
    return config.min_autonomy, max(1.0 - config.enforcement, config.min_autonomy)


def equilibrate_autonomy(state: State, config: ModelConfig, gradient: np.ndarray) -> None:
    """Each worker nudges autonomy towards the mode that pays more, under the ceiling.

    ``a <- clip(a + eta * iota * dpi/da, a_min, max(1 - e, a_min))``: self-organising one's autonomy is
    itself part of technological individualization, so with no pressure (iota = 0)
    autonomy stays where it is (seed 001: the worker "reigns over an equilibration
    process of maximizing and minimizing autonomy in a pursuit of productivity").
    """
    step = config.autonomy_adjust_rate * config.individualization
    np.clip(state.autonomy + step * gradient, *autonomy_bounds(config), out=state.autonomy)


def adapt_data_work(state: State, config: ModelConfig, rng: np.random.Generator) -> int:
    """Data work under conditional cooperation: payoff imitation, a group norm, mutation.

    One uniform draw per worker picks at most one of:

    * imitation (probability ``imitation_rate``): compare with one random personal tie
      and copy its choice with probability ``1 / (1 + exp(-(pi_j - pi_i) / T))`` (Fermi
      rule). Data work costs its doer and benefits everybody, so imitation spreads
      free riding, the faster the more out-of-system work there is to record;
    * conformity (probability ``norm_conformity``): follow the data-work norm of one's
      ties, weighted like the peer view: the formal unit by ``phi (1 - a_i)``, personal
      ties by ``a_i`` (socialization of a routine; no change on a tie).

    Then, with probability ``strategy_mutation``, switch at random. Returns the number of switches.
    """
    n, k = state.ties.shape
    before = state.data_work.copy()
    draw = rng.random(n)
    if k:
        imitators = np.flatnonzero(draw < config.imitation_rate)
        model = state.ties[imitators, rng.integers(0, k, size=imitators.size)]
        advantage = (state.productivity[model] - state.productivity[imitators]) / config.imitation_temperature
        copy = rng.random(imitators.size) < 1.0 / (1.0 + np.exp(-np.clip(advantage, -50, 50)))
        state.data_work[imitators[copy]] = before[model[copy]]
    conformers = np.flatnonzero(draw >= 1.0 - config.norm_conformity)
    if conformers.size:
        norm = norm_signal(state, config, before, conformers)
        state.data_work[conformers[norm != 0]] = norm[norm != 0] > 0
    if config.strategy_mutation > 0:
        flip = rng.random(n) < config.strategy_mutation
        state.data_work[flip] = ~state.data_work[flip]
    return int(np.count_nonzero(state.data_work != before))


def norm_signal(state: State, config: ModelConfig, data_work: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Sign of the data-work norm each worker sees: +1 most of its ties record, -1 most do not.

    ``rows`` restricts it to those workers (the same values as the full array's rows).
    """
    centred = data_work.astype(np.float64) - 0.5
    if rows is None:
        rows = np.arange(state.n_workers)
    signal = np.zeros(rows.size)
    if config.formal_tie_strength > 0:
        unit_totals = np.add.reduceat(centred, state.unit_starts)
        unit = state.unit[rows]
        others = np.maximum(state.unit_sizes - 1, 1)[unit]
        signal += (
            config.formal_tie_strength * (1.0 - state.autonomy[rows]) * (unit_totals[unit] - centred[rows]) / others
        )
    if state.ties.shape[1]:
        signal += state.autonomy[rows] * centred[state.ties[rows]].mean(axis=1)
    return np.sign(signal)


def turnover(state: State, config: ModelConfig, rng: np.random.Generator) -> int:
    """Each worker leaves with probability p3 and a newcomer with random beliefs takes its place."""
    if config.turnover <= 0:
        return 0
    leavers = np.flatnonzero(rng.random(state.n_workers) < config.turnover)
    state.beliefs[leavers] = random_beliefs(rng, leavers.size, state.reality.size)
    state.autonomy[leavers] = np.clip(config.initial_autonomy, *autonomy_bounds(config))
    state.wanted_autonomy[leavers] = wanted_autonomy(rng, config, leavers.size)
    state.data_work[leavers] = rng.random(leavers.size) < config.initial_data_workers
    return int(leavers.size)
