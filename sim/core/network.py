"""Formal units and personal ties: construction, rewiring and the peer view.

Formal ties are fixed groups (units are contiguous blocks of workers, so a
unit's total is one ``np.add.reduceat``). Personal ties are a fixed number of
out-ties per worker held in an ``(n, k)`` index array, so reading every
worker's ties is one gather and rewiring is one scattered write.
"""

from __future__ import annotations

import numpy as np


def formal_units(n: int, unit_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split ``n`` workers into contiguous units of ``unit_size`` (the last may be smaller).

    Returns the unit of each worker, the first worker of each unit and each unit's size.
    """
    unit = np.arange(n) // unit_size
    starts = np.arange(0, n, unit_size)
    sizes = np.diff(np.append(starts, n))
    return unit, starts, sizes


def random_others(rng: np.random.Generator, owners: np.ndarray, n: int) -> np.ndarray:
    """One uniformly random worker other than each owner (draw from n-1, skip the owner)."""
    draw = rng.integers(0, n - 1, size=owners.shape)
    return draw + (draw >= owners)


def initial_personal_ties(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """``k`` personal out-ties per worker to uniformly random other workers (a random digraph)."""
    owners = np.repeat(np.arange(n), k).reshape(n, k)
    return random_others(rng, owners, n)


def rewire(rng: np.random.Generator, ties: np.ndarray, probability: np.ndarray) -> int:
    """Each worker, with its own ``probability``, moves one random tie to a random other worker.

    Modifies ``ties`` in place and returns the number of ties rewired.
    """
    n, k = ties.shape
    if k == 0:
        return 0
    movers = np.flatnonzero(rng.random(n) < probability)
    slots = rng.integers(0, k, size=movers.size)
    ties[movers, slots] = random_others(rng, movers, n)
    return int(movers.size)


def peer_view_at(
    beliefs: np.ndarray,
    ties: np.ndarray,
    unit: np.ndarray,
    unit_starts: np.ndarray,
    unit_sizes: np.ndarray,
    autonomy: np.ndarray,
    formal_strength: float,
    rows: np.ndarray,
    cols: np.ndarray,
) -> np.ndarray:
    """The majority practice worker ``rows[t]`` sees among its ties on dimension ``cols[t]``, in {-1, 0, +1}.

    A worker listens to its formal unit (the other members' mean belief) with weight
    ``formal_strength * (1 - autonomy)`` and to its personal ties' mean belief with weight
    ``autonomy``: the more of its work a worker does in personal tools, the more it
    organises around its personal network instead of its fixed group (seed 001).
    Positive per-worker factors do not change the sign, so the means' denominators are
    folded into the weights (float32). A worker consults its peers on a dimension only
    when socialization picks that entry (2% of them by default), so only those entries
    are computed, not the whole ``(n, m)`` view.
    """
    signal = np.zeros(rows.shape, dtype=np.float32)
    if formal_strength > 0:
        wide = unit_sizes.max() > np.iinfo(np.int16).max
        unit_totals = np.add.reduceat(beliefs, unit_starts, axis=0, dtype=np.int32 if wide else np.int16)
        others = np.maximum(unit_sizes - 1, 1)[unit[rows]]
        weight = (formal_strength * (1.0 - autonomy[rows]) / others).astype(np.float32)
        signal += weight * (unit_totals[unit[rows], cols] - beliefs[rows, cols])
    k = ties.shape[1]
    if k:
        personal_total = beliefs[ties[rows], cols[:, None]].sum(axis=1, dtype=np.int16)
        signal += (autonomy[rows] / k).astype(np.float32) * personal_total
    return np.sign(signal).astype(np.int8)
