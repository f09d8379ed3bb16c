"""The engine-equivalence study finds a moved distribution and passes two samples of one."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.studies.equivalence import INDICATORS, compare, report


def runs(shift: float = 0.0, seeds: int = 200, seed: int = 0) -> pd.DataFrame:
    """Two engines' runs of one scenario; the numba engine's autonomy moved by ``shift``."""
    rng = np.random.default_rng(seed)
    rows = []
    for engine in ("numpy", "numba"):
        for replicate in range(seeds):
            row = {
                "scenario": "default",
                "engine": engine,
                "seed": replicate,
                "regime": rng.choice(["rigid", "resilient"]),
            }
            row.update({name: rng.normal() for name in INDICATORS})
            if engine == "numba":
                row["autonomy"] += shift
            rows.append(row)
    return pd.DataFrame(rows)


def test_two_samples_of_one_distribution_are_rarely_rejected():
    """Holm's correction holds the chance of any rejection among a scenario's tests near 5%."""
    families = [compare(runs(seed=seed)) for seed in range(20)]
    assert all(len(tests) == len(INDICATORS) + 1 for tests in families)  # every indicator and the regimes
    assert sum(tests["holm_rejects"].any() for tests in families) <= 3  # 1 expected; 3+ has chance < 8%


def test_a_moved_indicator_is_rejected_and_named():
    tests = compare(runs(shift=0.5))
    moved = tests.set_index("indicator").loc["autonomy"]
    assert moved["holm_rejects"] and moved["p"] == tests["p"].min() and moved["p"] < 1e-6
    rejected = int(tests["holm_rejects"].sum())
    assert f"{rejected} rejected after Holm's correction" in report(tests, 200).splitlines()[0]
