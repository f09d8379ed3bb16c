"""The compiled engine: one week of the model as a few fused loops over workers and dimensions.

The same equations as :mod:`sim.core.mechanisms` (docs/odd.md), compiled with Numba. Where the
NumPy engine spends one array operation per term, each kernel here makes one pass over the
arrays and draws its random numbers inside the loop, so a week costs a handful of passes
whatever the number of terms:

* :func:`week_outcomes` — one pass over beliefs: every worker's knowledge, mismatch with the
  code and errors, the column and unit totals, and the superior group's pull on the code
  (E2–E5d, E8); then productivity, satisfaction and the autonomy gradient per worker (E5–E7).
* :func:`week_learning` — the code learns (E8, workshops E8b, rule clashes E0b) and practice
  is revised (E9–E11), then ties are rewired (E11, *Rewiring*).
* :func:`week_adaptation` — the commons (E12), trust (E5d), autonomy (E13) and data work (E14).
* :func:`week_observation` — the observables of :data:`sim.core.observables.OBSERVABLES`.

Random numbers come from a xoshiro256** generator (Blackman & Vigna 2021) whose four words of
state live in a ``uint64`` array that the model seeds from its own ``rng``, so every run is
still fixed by its seed. NumPy's ``Generator`` can be passed into Numba, but unboxing it costs
about 9 µs per call (most of a 200-worker week), and Numba reports a memory leak for such
calls made often (numba#9103). Practice revision finds a row's revised entries with one 32-bit
draw per entry (or geometric skips where few of many are revised) and keeps an experiment with
one uniform against Phi(gain / noise) instead of a normal draw: each entry is still revised
independently with the probabilities of E9 and E10, but the draws are not the NumPy engine's,
so the two engines agree in distribution, not run by run (docs/performance.md, "Same science").
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from numba import njit

from sim.core.config import ModelConfig, StepRule, SuperiorBasis, ZeroBelief

# --- the random stream -----------------------------------------------------------------


def seed_stream(rng: np.random.Generator) -> np.ndarray:
    """Four words of xoshiro256** state drawn from ``rng`` (never all zero)."""
    state = rng.integers(0, np.iinfo(np.uint64).max, size=4, dtype=np.uint64, endpoint=True)
    if not state.any():
        state[0] = 1
    return state


@njit(cache=True, inline="always")
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit(cache=True, inline="always")
def next_bits(s):
    """The next 64 random bits of xoshiro256** (state ``s``, four uint64 words, updated in place)."""
    result = _rotl(s[1] * np.uint64(5), 7) * np.uint64(9)
    t = s[1] << np.uint64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return result


@njit(cache=True, inline="always")
def uniform(s):
    """A uniform draw in [0, 1) with 53 random bits."""
    return float(next_bits(s) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, inline="always")
def below(s, k):
    """A uniform integer in [0, k)."""
    return min(int(uniform(s) * k), k - 1)


NEVER = 1 << 62  # more entries than any organisation has


@njit(cache=True, inline="always")
def skip(s, log_miss):
    """Entries passed over before the next hit, when each entry is hit with probability
    ``1 - exp(log_miss)``: a geometric draw (``log_miss = 0`` never hits)."""
    if log_miss == 0.0:
        return NEVER
    passed = math.log(1.0 - uniform(s)) / log_miss
    return int(passed) if passed < NEVER else NEVER


# --- the levers in force, as one record ------------------------------------------------

FLOAT_LEVERS = [field.name for field in dataclasses.fields(ModelConfig) if field.type in (float, "float")]
"""Every real-valued parameter of the organisation, by name, as the kernels read them."""
LEVERS = np.dtype(
    [(name, np.float64) for name in FLOAT_LEVERS]
    + [
        ("commons", np.bool_),
        ("one_step", np.bool_),
        ("coin_flip", np.bool_),
        ("by_actions", np.bool_),
        ("n_shared", np.int64),
        ("workshop", np.float64),
    ]
)


def lever_values(config: ModelConfig, workshop: float = 0.0) -> tuple:
    """The levers in force as one tuple, in the order of :data:`LEVERS`.

    ``workshop`` is this week's participatory-workshop rate (0: none this week).
    """
    return (
        *(getattr(config, name) for name in FLOAT_LEVERS),
        config.commons,
        config.step_rule is StepRule.one_step,
        config.zero_belief is ZeroBelief.coin_flip,
        config.superior_basis is SuperiorBasis.actions,
        round(config.shared_processes * config.n_dimensions),
        workshop,
    )


def levers_record(config: ModelConfig, workshop: float = 0.0) -> np.ndarray:
    """The configuration in force as a one-element structured array; the kernels read its record.

    An array, not the record itself: Numba takes an array argument in a fraction of a
    microsecond but spends several on a record.
    """
    return np.array([lever_values(config, workshop)], dtype=LEVERS)


# --- small pieces shared by the kernels -------------------------------------------------


@njit(cache=True, inline="always")
def _sign(x):
    return (x > 0) - (x < 0)


@njit(cache=True, inline="always")
def _move(belief, target, one_step):
    """Where an influenced belief lands: the target, or one step towards it."""
    if one_step:
        return belief + _sign(target - belief)
    return target


@njit(cache=True)
def _autonomy_bounds(p):
    return p.min_autonomy, max(1.0 - p.enforcement, p.min_autonomy)


@njit(cache=True, inline="always")
def _revision_rates(p, autonomy, slow, i):
    """Worker ``i``'s weekly chances per dimension of being pulled onto the code and of experimenting."""
    adoption = p.slow_code_adoption if slow[i] else p.code_adoption
    return adoption * p.enforcement * (1.0 - autonomy[i]), p.experiment_rate * p.malleability * autonomy[i]


@njit(cache=True)
def _unit_totals(beliefs, unit, n_units, n_columns):
    """Per unit, the summed beliefs on the first ``n_columns`` dimensions."""
    totals = np.zeros((n_units, n_columns), dtype=np.int32)
    for i in range(beliefs.shape[0]):
        for j in range(n_columns):
            totals[unit[i], j] += beliefs[i, j]
    return totals


@njit(cache=True)
def _shared_conflict(totals, code, reality, n_shared):
    """Shares of the shared processes in conflict (units hold opposite majorities) and neglected."""
    if n_shared == 0:
        return 0.0, 0.0
    conflict = 0
    neglect = 0
    for j in range(n_shared):
        positive = False
        negative = False
        for u in range(totals.shape[0]):
            positive |= totals[u, j] > 0
            negative |= totals[u, j] < 0
        conflict += positive and negative
        neglect += code[j] != reality[j]
    return conflict / n_shared, neglect / n_shared


# --- the kernels ------------------------------------------------------------------------


@njit(cache=True, inline="always")
def _row_sums(values, reality, code, codified, wrong_rule):
    """Over one row of values: sum x r, sum |x|, entries differing from a codified rule, entries following a wrong rule."""
    score = np.int32(0)
    nonzero = np.int32(0)
    mismatch = np.int32(0)
    followed = np.int32(0)
    for j in range(values.size):
        x = np.int32(values[j])
        c = np.int32(code[j])
        score += x * np.int32(reality[j])
        nonzero += x * x
        mismatch += np.int32(codified[j]) * np.int32(x != c)
        followed += np.int32(wrong_rule[j]) * np.int32(x == c)
    return score, nonzero, mismatch, followed


@njit(cache=True, inline="always")
def _accumulate(values, column, totals_row):
    """Add one row of beliefs to the column totals and to its unit's totals (if kept)."""
    for j in range(values.size):
        column[j] += values[j]
    for j in range(totals_row.size):
        totals_row[j] += values[j]


@njit(cache=True)
def _coin_flips(s, beliefs_row, acted):
    """Actions of one worker under March's program: its beliefs, a fair coin where a belief is 0."""
    bits = np.uint64(0)
    for j in range(beliefs_row.size):
        if j % 64 == 0:
            bits = next_bits(s)
        coin = 1 if (bits >> np.uint64(j % 64)) & np.uint64(1) else -1
        acted[j] = beliefs_row[j] if beliefs_row[j] != 0 else coin


@njit(cache=True)
def week_outcomes(
    levers,
    s,
    beliefs,
    reality,
    code,
    rule_clash,
    autonomy,
    wanted,
    data_work,
    unit,
    unit_sizes,
    quality,
    trust,
    out,
    pull,
):
    """Act and score: the outcomes of the week for every worker, and what the code could learn.

    One pass over the beliefs. Writes per worker into ``out`` (rows as the fields of
    :class:`sim.core.mechanisms.Outcomes`) and into ``pull`` (rows: the superior group's
    weighted sum of values per dimension, its weight agreeing with the code; the last column
    holds the group's total weight). Returns fragmentation, practice diversity, the share of
    processes shared and in conflict, the unit totals of beliefs (empty unless the peer view or
    shared processes need them), the share of errors wrongly blamed on the system (M) and the
    mean share blamed. Equations: :func:`sim.core.mechanisms.outcomes`, ``learn_code``,
    ``misattributed_share``.
    """
    p = levers[0]
    n, m = beliefs.shape
    n_units = unit_sizes.size
    free = 0.0
    for i in range(n):
        free += autonomy[i] * (1.0 - data_work[i])
    frag = free / n * (1.0 - p.bridging)
    codified = np.empty(m, dtype=np.bool_)
    wrong_rule = np.empty(m, dtype=np.bool_)
    code_hits = 0
    code_score = 0
    clash_share = 0.0
    for j in range(m):
        codified[j] = code[j] != 0
        wrong_rule[j] = codified[j] and code[j] != reality[j]
        code_hits += code[j] == reality[j]
        code_score += code[j] * reality[j]
        clash_share += rule_clash[j]
    k_code = code_score / m
    clash_share /= m
    sanction = np.zeros(n)
    sanction_slope = np.zeros(n)
    if p.peer_sanction > 0 and p.formal_tie_strength > 0:
        recorders = np.zeros(n_units)
        for i in range(n):
            recorders[unit[i]] += data_work[i]
        for i in range(n):
            mates = (recorders[unit[i]] - data_work[i]) / max(unit_sizes[unit[i]] - 1, 1)
            seen = p.peer_sanction * p.formal_tie_strength * mates * (1 - data_work[i])
            sanction[i] = seen * autonomy[i] * (1.0 - autonomy[i])
            sanction_slope[i] = seen * (1.0 - 2.0 * autonomy[i])
    totals = np.zeros((n_units, m if p.formal_tie_strength > 0 or p.n_shared > 0 else 0), dtype=np.int32)
    column = np.zeros(m, dtype=np.int32)
    acted = np.empty(m, dtype=np.int8)
    pull[:] = 0.0
    e = p.enforcement
    affordance = p.individualization * p.malleability
    for i in range(n):
        row = beliefs[i]
        _accumulate(row, column, totals[unit[i]])
        score, nonzero, mismatch, followed = _row_sums(row, reality, code, codified, wrong_rule)
        hits = (nonzero + score) // 2
        if p.coin_flip:
            _coin_flips(s, row, acted)
            score, nonzero, _, followed = _row_sums(acted, reality, code, codified, wrong_rule)
        if (score > code_score) if p.by_actions else (hits > code_hits):
            weight = 1.0 - autonomy[i] * (1 - data_work[i])  # the share of its work the system sees
            for j in range(m):
                pull[0, j] += weight * (acted[j] if p.by_actions else row[j])
                pull[1, j] += weight * (row[j] == code[j])
            pull[0, m] += weight
        a = autonomy[i]
        k_own = score / m
        mismatch_share = mismatch / m + clash_share
        clash = e * (1.0 - a) * mismatch_share
        data_work_time = p.data_work_cost * a * data_work[i]
        paper_time = p.data_work_cost * p.paper_share * (1.0 - a)
        productivity = (
            p.knowledge_weight * (k_own + (1.0 - a) * e * (k_code - k_own))
            + p.affordance_weight * affordance * a * (2.0 - a)
            + p.commons_weight * quality * (1.0 - a)
            - p.clash_weight * clash
            - p.coordination_weight * frag
            - data_work_time
            - p.data_dependence * frag * a
            - sanction[i]
            - paper_time
        )
        gradient = (
            -p.knowledge_weight * e * (k_code - k_own)
            + 2.0 * p.affordance_weight * affordance * (1.0 - a)
            - p.commons_weight * quality
            + p.clash_weight * e * mismatch_share
            - p.data_work_cost * data_work[i]
            - p.data_dependence * frag
            - sanction_slope[i]
            + p.data_work_cost * p.paper_share
            + p.distrust_weight * (1.0 - trust)
        )
        errors = (nonzero - score) / (2 * m)
        system_errors = followed / m
        out[0, i] = productivity
        out[2, i] = clash
        out[3, i] = gradient
        out[4, i] = k_own
        out[5, i] = data_work_time + frag + paper_time
        out[6, i] = errors
        out[7, i] = system_errors
        out[8, i] = system_errors + p.blame_bias * (errors - system_errors)
    conflict = 0.0
    if p.n_shared > 0:  # sorting out conflicting records of shared processes costs time (E5b')
        conflict = _shared_conflict(totals, code, reality, p.n_shared)[0] * (p.n_shared / m)
    for i in range(n):
        out[0, i] -= p.coordination_weight * conflict
        out[5, i] += conflict
        fit = p.fit_weight * abs(wanted[i] - autonomy[i])
        mood = 1.0 - fit - p.workload_weight * out[5, i] - p.clash_satisfaction_weight * out[2, i]
        out[1, i] = min(max(mood, 0.0), 1.0)
    diversity = 0.0
    for j in range(m):
        diversity += abs(column[j] / n)
    errors_total = out[6].sum()
    misattributed = 0.0
    if p.blame_bias > 0 and errors_total > 0:
        misattributed = p.blame_bias * (errors_total - out[7].sum()) / errors_total
    return frag, 1.0 - diversity / m, conflict, totals, misattributed, out[8].mean()


@njit(cache=True)
def _learn_code(p, s, code, reality, customised, beliefs, pull, quality, misattributed, n_units):
    """The code adopts the superior group's view where it differs (E8); returns the new code."""
    m = beliefs.shape[1]
    new = code.copy()
    rate = p.code_learning * (1.0 - p.rigidity) * quality * (1.0 - misattributed)
    weight = pull[0, m]
    if rate <= 0 or weight <= 0:
        return new
    for j in range(m):
        net = pull[0, j]
        majority = _sign(net)
        if majority == 0 or majority == code[j] or customised[j]:
            continue
        pressure = abs(net) if p.by_actions else weight - 2.0 * pull[1, j]
        rate_j = rate / n_units if j < p.n_shared else rate
        if pressure > 0 and uniform(s) < 1.0 - (1.0 - rate_j) ** pressure:
            new[j] = majority
    return new


@njit(cache=True)
def _workshop(p, s, new, reality, customised, beliefs):
    """A participatory workshop corrects wrong rules at ``rate * min(1, know better + needs * fail)`` (E8b)."""
    n, m = beliefs.shape
    for j in range(m):
        if new[j] == reality[j] or customised[j]:
            continue
        better = 0
        failing = 0
        for i in range(n):
            better += beliefs[i, j] == reality[j]
            failing += beliefs[i, j] == new[j]
        signal = better / n
        if p.workshop_needs > 0:
            signal = min(1.0, signal + p.workshop_needs * failing / n)
        if uniform(s) < p.workshop * signal:
            new[j] = reality[j]


@njit(cache=True, inline="always")
def _peer_view(beliefs, totals, ties, unit, unit_sizes, autonomy, formal, i, j):
    """The majority practice worker ``i`` sees on dimension ``j``: unit mates by phi (1 - a), ties by a (E11)."""
    signal = 0.0
    if formal > 0:
        others = max(unit_sizes[unit[i]] - 1, 1)
        signal += formal * (1.0 - autonomy[i]) / others * (totals[unit[i], j] - beliefs[i, j])
    k = ties.shape[1]
    if k:
        personal = 0
        for t in range(k):
            personal += beliefs[ties[i, t], j]
        signal += autonomy[i] / k * personal
    return _sign(signal)


@njit(cache=True)
def _keep_chances(noise):
    """P(gain + noise N(0, 1) > 0) for the gains -2, -1, 0, +1, +2 of an experiment (index gain + 2).

    The chance is Phi(gain / noise), so one uniform decides what a normal draw would (E10).
    """
    keep = np.zeros(5)
    for index in range(5):
        gain = index - 2
        if noise > 0:
            keep[index] = 0.5 * (1.0 + math.erf(gain / (noise * math.sqrt(2.0))))
        else:
            keep[index] = 1.0 if gain > 0 else 0.0
    return keep


@njit(cache=True, inline="always")
def _experiment(s, old, r, keep):
    """Try one of the two other values (each with chance 1/2) and keep it with chance Phi(gain / noise)."""
    w = uniform(s)
    shift = 1 if w < 0.5 else 2
    candidate = (old + 1 + shift) % 3 - 1
    return candidate if 2.0 * w - (shift - 1) < keep[r * (candidate - old) + 2] else old


# Cost of finding the next revised entry by a geometric skip (a logarithm), in 32-bit draws;
# measured on the development machine. A row is scanned entry by entry unless skipping is cheaper.
SKIP_COST = 33.0
TWO_32 = 4294967296.0


@njit(cache=True, inline="always")
def _draw_revisions(s, hazard, m, where, band):
    """Which entries of one row are revised (each with chance ``hazard``) and a uniform position
    in [0, hazard) for each, written to ``where`` and ``band``; returns how many.

    One 32-bit draw per entry, or, where few of many entries are revised
    (``m > SKIP_COST (1 + hazard m)``), geometric skips from one revised entry to the next:
    the same distribution either way.
    """
    hits = 0
    if m <= SKIP_COST * (1.0 + hazard * m):
        threshold = np.uint64(hazard * TWO_32)
        for pair in range(0, m, 2):
            bits = next_bits(s)
            for j in range(pair, min(pair + 2, m)):
                draw = bits & np.uint64(0xFFFFFFFF)
                bits >>= np.uint64(32)
                if draw < threshold:
                    where[hits] = j
                    band[hits] = float(draw) / TWO_32
                    hits += 1
    else:
        log_miss = math.log1p(-hazard)
        j = skip(s, log_miss)
        while j < m:
            where[hits] = j
            band[hits] = uniform(s) * hazard
            hits += 1
            j += 1 + skip(s, log_miss)
    return hits


@njit(cache=True)
def _revise_practice(p, s, beliefs, new, code, reality, totals, ties, unit, unit_sizes, autonomy, slow):
    """Institutionalization, individualization and socialization as competing hazards (E9–E11).

    Entry (i, j) is revised at most once a week, with probability ``h_i = explore_i + 1 -
    max(explore_i, 1 - socialization)`` (:func:`_draw_revisions`), and its uniform position in
    [0, h_i) picks the band as :func:`sim.core.mechanisms.revise_practice` does: below ``pull_i``
    onto the code, below ``explore_i`` an experiment, above it the peer view. Writes into
    ``new`` (a copy of ``beliefs``) and returns the entries changed.
    """
    n, m = beliefs.shape
    keep = _keep_chances(p.perception_noise)
    one_step, formal = p.one_step, p.formal_tie_strength
    where = np.empty(m, dtype=np.int64)
    band = np.empty(m)
    changed = 0
    for i in range(n):
        pull, experiment = _revision_rates(p, autonomy, slow, i)
        explore = pull + experiment
        hazard = min(explore + 1.0 - max(explore, 1.0 - p.socialization), 1.0)
        if hazard <= 0:
            continue
        for hit in range(_draw_revisions(s, hazard, m, where, band)):
            j = where[hit]
            old = beliefs[i, j]
            if band[hit] < pull:  # institutionalization: onto the code, where it holds a view
                value = _move(old, code[j], one_step) if code[j] != 0 else old
            elif band[hit] < explore:  # individualization
                value = _experiment(s, old, reality[j], keep)
            else:  # socialization
                target = _peer_view(beliefs, totals, ties, unit, unit_sizes, autonomy, formal, i, j)
                value = _move(old, target, one_step) if target != 0 else old
            if value != old:
                new[i, j] = value
                changed += 1
    return changed


@njit(cache=True)
def _resolve_rule_clash(p, s, code, rules, rule_clash, customised):
    """Each open clash is resolved by redesign or customisation (E0b); returns the entries re-coded."""
    recoded = 0
    for j in range(code.size):
        rule_clash[j] &= code[j] != rules[j]
        if not rule_clash[j]:
            continue
        u = uniform(s)
        if u < p.rule_redesign_rate:
            rule_clash[j] = False
        elif u < p.rule_redesign_rate + p.customisation_rate:
            rule_clash[j] = False
            code[j] = rules[j]
            customised[j] = True
            recoded += 1
    return recoded


@njit(cache=True)
def _random_other(s, owner, n):
    draw = below(s, n - 1)
    return draw + (draw >= owner)


@njit(cache=True)
def _rewire(p, s, ties, autonomy):
    """Each worker moves one random tie to a random other worker with chance ``r mu a_i`` (E11, *Rewiring*)."""
    n, k = ties.shape
    if k == 0:
        return 0
    moved = 0
    for i in range(n):
        if uniform(s) < p.rewire_rate * p.malleability * autonomy[i]:
            ties[i, below(s, k)] = _random_other(s, i, n)
            moved += 1
    return moved


@njit(cache=True)
def week_learning(
    levers, s, beliefs, new, code, reality, rules, rule_clash, customised, pull, totals, ties, unit, unit_sizes,
    autonomy, slow, quality, misattributed,
):  # fmt: skip
    """Code and practice learn from the same start-of-week state, then ties are rewired.

    ``new`` (a copy of ``beliefs``) receives the revised practice; ``code`` is updated in place.
    Returns (practice entries changed, code entries changed, ties rewired).
    """
    p = levers[0]
    n_units = unit_sizes.size
    learned = _learn_code(p, s, code, reality, customised, beliefs, pull, quality, misattributed, n_units)
    if p.workshop > 0:
        _workshop(p, s, learned, reality, customised, beliefs)
    practice_changed = _revise_practice(
        p, s, beliefs, new, code, reality, totals, ties, unit, unit_sizes, autonomy, slow
    )
    code_changed = 0
    for j in range(code.size):
        code_changed += learned[j] != code[j]
        code[j] = learned[j]
    code_changed += _resolve_rule_clash(p, s, code, rules, rule_clash, customised)
    return practice_changed, code_changed, _rewire(p, s, ties, autonomy)


@njit(cache=True)
def _norm_sign(p, before, autonomy, ties, unit, unit_sizes, recorders, i):
    """Sign of the data-work norm worker ``i`` sees among its unit and its ties (E14)."""
    signal = 0.0
    centred = before[i] - 0.5
    if p.formal_tie_strength > 0:
        others = max(unit_sizes[unit[i]] - 1, 1)
        signal += p.formal_tie_strength * (1.0 - autonomy[i]) * (recorders[unit[i]] - centred) / others
    k = ties.shape[1]
    if k:
        personal = 0.0
        for t in range(k):
            personal += before[ties[i, t]] - 0.5
        signal += autonomy[i] * personal / k
    return _sign(signal)


@njit(cache=True)
def week_adaptation(levers, s, autonomy, data_work, ties, unit, unit_sizes, productivity, gradient, blamed_mean, scalars, frag, diversity, conflict):  # fmt: skip
    """The commons, trust, autonomy and data work adapt to the week (E12, E5d, E13, E14).

    ``scalars`` holds [quality, trust], updated in place. Returns the data-work switches.
    """
    p = levers[0]
    n, k = ties.shape
    if p.commons:
        target = (1.0 - frag) * (1.0 - p.inconsistency_penalty * diversity) * (1.0 - p.inconsistency_penalty * conflict)
        scalars[0] += p.commons_rate * (target - scalars[0])
    scalars[1] += p.trust_rate * (1.0 - blamed_mean - scalars[1])
    low, high = _autonomy_bounds(p)
    step = p.autonomy_adjust_rate * p.individualization
    for i in range(n):
        autonomy[i] = min(max(autonomy[i] + step * gradient[i], low), high)
    before = data_work.copy()
    recorders = np.zeros(unit_sizes.size)
    for i in range(n):
        recorders[unit[i]] += before[i] - 0.5
    for i in range(n):
        draw = uniform(s)
        if draw < p.imitation_rate and k:
            model = ties[i, below(s, k)]
            advantage = min(max((productivity[model] - productivity[i]) / p.imitation_temperature, -50.0), 50.0)
            if uniform(s) < 1.0 / (1.0 + math.exp(-advantage)):
                data_work[i] = before[model]
        elif draw >= 1.0 - p.norm_conformity:
            norm = _norm_sign(p, before, autonomy, ties, unit, unit_sizes, recorders, i)
            if norm != 0:
                data_work[i] = norm > 0
        if p.strategy_mutation > 0 and uniform(s) < p.strategy_mutation:
            data_work[i] = not data_work[i]
    switched = 0
    for i in range(n):
        switched += data_work[i] != before[i]
    return switched


@njit(cache=True)
def week_observation(
    levers, row, beliefs, code, reality, rule_clash, customised, autonomy, data_work, unit, unit_sizes, slow,
    out, scalars, frag, diversity, ties_rewired, practices_changed, code_changed, reality_changed,
):  # fmt: skip
    """The observables of the end of the week into ``row``, in the order of ``OBSERVABLES``."""
    p = levers[0]
    n, m = beliefs.shape
    hits = 0
    score = 0
    clashing = 0
    frozen = 0
    for j in range(m):
        hits += code[j] == reality[j]
        score += code[j] * reality[j]
        clashing += rule_clash[j]
        frozen += customised[j]
    ceiling = _autonomy_bounds(p)[1]
    total = 0.0
    squares = 0.0
    recorders = 0
    pull_sum = 0.0
    explore_sum = 0.0
    held = 0
    for i in range(n):
        a = autonomy[i]
        total += a
        recorders += data_work[i]
        pull, experiment = _revision_rates(p, autonomy, slow, i)
        pull_sum += pull
        explore_sum += experiment
        held += a >= ceiling and out[3, i] > 0 and ceiling < 1.0
    mean = total / n
    for i in range(n):
        squares += (autonomy[i] - mean) ** 2
    errors = out[6].sum()
    conflict, neglect = 0.0, 0.0
    if p.n_shared > 0:
        conflict, neglect = _shared_conflict(
            _unit_totals(beliefs, unit, unit_sizes.size, p.n_shared), code, reality, p.n_shared
        )
    tie_churn = ties_rewired / n
    practice_churn = practices_changed / n
    row[0] = score / m
    row[1] = hits / m
    row[2] = out[4].mean()
    row[3] = mean
    row[4] = math.sqrt(squares / n)
    row[5] = diversity
    row[6] = scalars[0]
    row[7] = frag
    row[8] = recorders / n
    row[9] = out[0].mean()
    row[10] = out[1].mean()
    row[11] = out[2].mean()
    row[12] = tie_churn
    row[13] = practice_churn
    row[14] = tie_churn + practice_churn
    row[15] = code_changed
    row[16] = reality_changed
    row[17] = pull_sum / n
    row[18] = explore_sum / n
    row[19] = held / n
    row[20] = out[5].mean()
    row[21] = out[8].sum() / errors if errors > 0 else 0.0
    row[22] = scalars[1]
    row[23] = conflict
    row[24] = neglect
    row[25] = clashing / m
    row[26] = frozen / m
