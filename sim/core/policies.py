"""Interventions: policies in force change the organisation's levers for as long as they last.

Each policy acts through one lever, so that its effect can be traced (docs/odd.md §10):

| kind | lever, with strength s in [0, 1] |
|---|---|
| mandate | enforcement e -> e + s (1 - e) |
| liberalise | enforcement e -> e (1 - s); malleability mu -> mu + s (1 - mu) |
| recognise_data_work | data-work cost c -> c (1 - s) |
| boundary_spanners | bridging beta -> beta + s (1 - beta): off-record information carried into shared channels |
| participation | every ``period`` weeks a workshop: better practice from inside or outside the system reaches the code at rate s |
| migration | at ``start``, a share s of the code is replaced by a vendor standard that fits on ``accuracy`` of it |

A policy is in force from ``start`` until ``end`` (exclusive; None: to the end of the
run). With strength 0 a policy changes nothing, random draws included.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.core.config import ModelConfig, Policy, PolicyKind, RunConfig
from sim.core.events import replace_code, vendor_code
from sim.core.state import State


def in_force(policy: Policy, step: int) -> bool:
    """Whether ``policy`` applies in week ``step``."""
    return policy.start <= step and (policy.end is None or step < policy.end)


def _towards_one(value: float, strength: float) -> float:
    return value + strength * (1.0 - value)


def levers(config: ModelConfig, step: int) -> ModelConfig:
    """The configuration in force in week ``step``: the base configuration moved by every active policy."""
    active = [p for p in config.policies.values() if in_force(p, step) and p.strength > 0]
    if not active:
        return config
    lever_keys = ("enforcement", "malleability", "data_work_cost", "bridging")
    values = {key: getattr(config, key) for key in lever_keys}
    for policy in active:  # policies compose in the order they are listed
        s = policy.strength
        if policy.kind is PolicyKind.mandate:
            values["enforcement"] = _towards_one(values["enforcement"], s)
        elif policy.kind is PolicyKind.liberalise:
            values["enforcement"] *= 1.0 - s
            values["malleability"] = _towards_one(values["malleability"], s)
        elif policy.kind is PolicyKind.recognise_data_work:
            values["data_work_cost"] *= 1.0 - s
        elif policy.kind is PolicyKind.boundary_spanners:
            values["bridging"] = _towards_one(values["bridging"], s)
    changed = {key: value for key, value in values.items() if value != getattr(config, key)}
    return dataclasses.replace(config, **changed) if changed else config


def workshop_strength(config: ModelConfig, step: int) -> float:
    """The learning rate of this week's participatory workshop (0 when there is none)."""
    rate = 0.0
    for policy in config.policies.values():
        due = policy.kind is PolicyKind.participation and in_force(policy, step)
        if due and (step - policy.start) % policy.period == 0:
            rate = max(rate, policy.strength)
    return rate


def migrate_by_policy(state: State, config: ModelConfig, rng: np.random.Generator, step: int) -> int:
    """Replace a share ``strength`` of the code by a vendor standard in a migration's first week."""
    changed = 0
    for policy in config.policies.values():
        if policy.kind is PolicyKind.migration and policy.start == step and policy.strength > 0:
            vendor = vendor_code(state.reality, policy.accuracy, rng)
            replaced = rng.permutation(state.code.size)[: round(policy.strength * state.code.size)]
            new = state.code.copy()
            new[replaced] = vendor[replaced]
            changed += replace_code(state, config, new)
    return changed


def with_dose(run: RunConfig) -> RunConfig:
    """``run`` with ``dose.strength`` and ``dose.start`` set on every policy in force (an end keeps its distance).

    A dose-response study sweeps these two keys whatever the policy's entry is called.
    """
    dose = run.dose
    if dose.strength is None and dose.start is None:
        return run
    policies = {}
    for name, policy in run.model.policies.items():
        changes: dict = {}
        if dose.strength is not None:
            changes["strength"] = float(dose.strength)
        if dose.start is not None:
            changes["start"] = int(dose.start)
            if policy.end is not None:
                changes["end"] = policy.end + int(dose.start) - policy.start
        policies[name] = dataclasses.replace(policy, **changes)
    return dataclasses.replace(run, model=dataclasses.replace(run.model, policies=policies))
