"""The March (1991) special case: the engine reduces to March's model and reproduces its headline."""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest

from sim import DualISModel
from sim.cli.hydra_config import load

SEEDS = range(30)


def march_config(scenario: str, p1: float, p2: float):
    run = load([f"scenario={scenario}"])
    return run, dataclasses.replace(run.model, code_adoption=p1, code_learning=p2)


def equilibrium_knowledge(scenario: str, p1: float, p2: float, seeds=SEEDS) -> np.ndarray:
    run, config = march_config(scenario, p1, p2)
    knowledge = []
    for seed in seeds:
        model = DualISModel(config, rng=seed, stop_at_equilibrium=True)
        model.run(run.steps)
        assert not model.running, "March's model must reach its equilibrium"
        knowledge.append(model.observed["org_knowledge"])
    return np.array(knowledge)


@pytest.mark.parametrize("scenario", ["march1991", "march1991_program"])
def test_fast_socialization_lowers_equilibrium_knowledge(scenario):
    """March (1991), Figure 1: with p2 = 0.5, knowledge falls as p1 rises from 0.1 to 0.9."""
    slow = equilibrium_knowledge(scenario, p1=0.1, p2=0.5)
    fast = equilibrium_knowledge(scenario, p1=0.9, p2=0.5)
    standard_error = np.sqrt(slow.var(ddof=1) / slow.size + fast.var(ddof=1) / fast.size)
    assert slow.mean() - fast.mean() > 3 * standard_error
    assert slow.mean() > fast.mean() + 0.1


@pytest.mark.parametrize("scenario", ["march1991", "march1991_program"])
def test_the_march_case_switches_off_everything_march_does_not_have(scenario):
    run, config = march_config(scenario, p1=0.3, p2=0.5)
    model = DualISModel(config, rng=0, stop_at_equilibrium=True)
    model.run(run.steps)
    table = model.table()
    assert (table["autonomy_mean"] == 0).all()
    assert (table["commons_quality"] == 1).all()
    assert (table["tie_churn"] == 0).all()
    at_rest = model.state.code != 0
    assert np.all(model.state.beliefs[:, at_rest] == model.state.code[at_rest])


def reference_march_program(p1: float, p2: float, seed: int, m: int = 30, n: int = 50) -> float:
    """March's program written out plainly, after Christensen (2015), independent of the engine.

    Individuals act (a 0 belief acts on a coin flip), learn one step towards the code with
    probability p1 per dimension, and the code adopts the superior group's majority action
    with probability 1 - (1 - p2)^k, k = |net sum of their actions|, until nothing can change.
    """
    rnd = random.Random(seed)
    reality = [rnd.choice((-1, 1)) for _ in range(m)]
    beliefs = [[rnd.choice((-1, 0, 1)) for _ in range(m)] for _ in range(n)]
    code = [0] * m
    while True:
        actions = [[b if b else rnd.choice((-1, 1)) for b in person] for person in beliefs]
        scores = [sum(a * r for a, r in zip(acts, reality)) for acts in actions]
        code_score = sum(c * r for c, r in zip(code, reality))
        for person in beliefs:
            for j in range(m):
                if code[j] and rnd.random() < p1 and person[j] != code[j]:
                    person[j] += 1 if code[j] > person[j] else -1
        superior = [acts for acts, score in zip(actions, scores) if score > code_score]
        for j in range(m):
            net = sum(acts[j] for acts in superior)
            majority = (net > 0) - (net < 0)
            if majority and majority != code[j] and rnd.random() < 1 - (1 - p2) ** abs(net):
                code[j] = majority
        score = sum(c * r for c, r in zip(code, reality))
        can_teach = any(sum(b * r for b, r in zip(person, reality)) + person.count(0) > score for person in beliefs)
        can_learn = any(c and b != c for person in beliefs for b, c in zip(person, code))
        if not (can_teach or can_learn):
            return score / m


def test_the_engine_matches_a_plain_implementation_of_marchs_program():
    engine = equilibrium_knowledge("march1991_program", p1=0.5, p2=0.5, seeds=range(120))
    reference = np.array([reference_march_program(0.5, 0.5, seed) for seed in range(120)])
    standard_error = np.sqrt(engine.var(ddof=1) / engine.size + reference.var(ddof=1) / reference.size)
    assert abs(engine.mean() - reference.mean()) < 3 * standard_error
