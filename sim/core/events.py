"""Scheduled organisational events: parameter changes and code migrations.

Scenarios script them (a lockdown cuts formal ties and forces remote work from
week t; an ERP migration replaces the code with a vendor standard); the model
applies those due at the start of each week, before anything else happens.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.core.config import ModelConfig
from sim.core.state import State


def apply_changes(config: ModelConfig, step: int) -> ModelConfig:
    """The configuration with every change scheduled for ``step`` applied (in list order)."""
    due = {change.key: change.value for change in config.changes if change.time == step}
    if not due:
        return config
    field_types = {f.name: f.type for f in dataclasses.fields(ModelConfig)}
    typed = {key: int(value) if field_types[key] in (int, "int") else float(value) for key, value in due.items()}
    return dataclasses.replace(config, **typed)


def vendor_code(reality: np.ndarray, accuracy: float, rng: np.random.Generator) -> np.ndarray:
    """A vendor-standard code: a rule on every dimension, right on a share ``accuracy`` of them.

    The standard prescribes a process everywhere (no 0 entries) and was designed for
    other organisations, so it fits this one's task only in part (seed 003 §3.4).
    """
    m = reality.size
    wrong = rng.permutation(m)[: round((1.0 - accuracy) * m)]
    code = reality.copy()
    code[wrong] *= -1
    return code


def replace_code(state: State, config: ModelConfig, new: np.ndarray) -> int:
    """Put a new code into the system; return the entries that changed.

    Unless the organisation rewrites its rules at once (``rule_redesign_rate`` = 1), each
    rule of the old code that the new one contradicts stays the organisation's rule
    (``state.rules``) and is in clash with the system until it is resolved (E0b).
    """
    changed = new != state.code
    if config.rule_redesign_rate < 1:
        contradicted = changed & (state.code != 0)
        state.rules[contradicted] = state.code[contradicted]
        state.rule_clash |= contradicted
    state.code = new
    return int(np.count_nonzero(changed))


def migrate(state: State, config: ModelConfig, rng: np.random.Generator, step: int) -> int:
    """Replace the code by a vendor standard if a migration is due; return the code entries that changed."""
    changed = 0
    for migration in config.migrations:
        if migration.time == step:
            changed += replace_code(state, config, vendor_code(state.reality, migration.accuracy, rng))
    return changed
