"""The model's state as a structure of arrays: one row per worker, one column per dimension.

Agents (:class:`sim.core.agents.Worker`) are thin views on one row of these arrays;
every mechanism works on whole arrays at once, so a step costs a fixed number
of array operations whatever the number of workers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.config import ModelConfig
from sim.core.network import formal_units, initial_personal_ties

BELIEF_VALUES = np.array([-1, 0, 1], dtype=np.int8)


@dataclass
class State:
    """Everything that changes during a run."""

    reality: np.ndarray  # (m,) int8 in {-1, +1}: the task environment
    code: np.ndarray  # (m,) int8 in {-1, 0, +1}: the organisational code of the enterprise system
    rules: np.ndarray  # (m,) int8: the organisation's own rule where it contradicts a new code (E0b)
    rule_clash: np.ndarray  # (m,) bool: the system's rule contradicts the organisation's, unresolved
    customised: np.ndarray  # (m,) bool: re-coded to the organisation's rule, frozen since (petrified)
    quality: float  # Q in [0, 1]: quality of the data commons
    trust: float  # in [0, 1]: the workers' trust in the enterprise system (E5d)
    beliefs: np.ndarray  # (n, m) int8 in {-1, 0, +1}: each worker's practice
    autonomy: np.ndarray  # (n,) float in [0, 1]: share of work done in personal tools
    wanted_autonomy: np.ndarray  # (n,) float in [0, 1]: autonomy each worker would like
    data_work: np.ndarray  # (n,) bool: records its out-of-system work into the commons
    unit: np.ndarray  # (n,) int: formal unit of each worker (units are contiguous blocks)
    unit_starts: np.ndarray  # (units,) int: first worker of each unit
    unit_sizes: np.ndarray  # (units,) int: workers per unit
    ties: np.ndarray  # (n, k) int: personal ties, indices of other workers
    slow: np.ndarray  # (n,) bool: learns the code at the slow rate (March's heterogeneous p1)
    productivity: np.ndarray  # (n,) float: last step's productivity
    satisfaction: np.ndarray  # (n,) float in [0, 1]: last step's satisfaction

    @property
    def n_workers(self) -> int:
        return self.beliefs.shape[0]


def random_beliefs(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    """Beliefs drawn uniformly from {-1, 0, +1}, as in March (1991)."""
    return BELIEF_VALUES[rng.integers(0, 3, size=(n, m))]


def wanted_autonomy(rng: np.random.Generator, config: ModelConfig, n: int) -> np.ndarray:
    """Wanted autonomy ~ Beta with mean = individualization pressure (kept inside (0.01, 0.99))."""
    mean = min(max(config.individualization, 0.01), 0.99)
    kappa = config.wanted_autonomy_concentration
    return rng.beta(kappa * mean, kappa * (1.0 - mean), size=n)


def slow_learners(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """A random ``share`` of the workers learns the code slowly (no draw when there are none)."""
    slow = np.zeros(n, dtype=bool)
    if share > 0:
        slow[rng.permutation(n)[: round(share * n)]] = True
    return slow


def initial_state(config: ModelConfig, rng: np.random.Generator) -> State:
    """Draw the starting organisation: random reality and beliefs, a blank code (March 1991)."""
    n, m = config.n_workers, config.n_dimensions
    unit, unit_starts, unit_sizes = formal_units(n, config.unit_size)
    return State(
        reality=np.where(rng.random(m) < 0.5, -1, 1).astype(np.int8),
        code=np.zeros(m, dtype=np.int8),
        rules=np.zeros(m, dtype=np.int8),
        rule_clash=np.zeros(m, dtype=bool),
        customised=np.zeros(m, dtype=bool),
        quality=config.initial_quality if config.commons else 1.0,
        trust=1.0,
        beliefs=random_beliefs(rng, n, m),
        autonomy=np.full(n, config.initial_autonomy),
        wanted_autonomy=wanted_autonomy(rng, config, n),
        data_work=rng.random(n) < config.initial_data_workers,
        unit=unit,
        unit_starts=unit_starts,
        unit_sizes=unit_sizes,
        ties=initial_personal_ties(rng, n, config.personal_ties),
        slow=slow_learners(rng, n, config.slow_learners),
        productivity=np.zeros(n),
        satisfaction=np.ones(n),
    )
