"""Write the reference tables that tests/test_reproducibility.py compares today's engine with.

Run from a checkout of the release being frozen (here: commit 948c286, before the settled
regime test and the data-dependence and peer-sanction mechanisms existed):

    python tests/data/make_reference_tables.py tests/data/reference_tables.parquet

Each table is one organisation run under its scenario with a shock in week 150; the tests
rerun the same configurations with every new switch at its off value and require the
columns that existed then to be bit-identical.
"""

from __future__ import annotations

import sys

import pandas as pd

from sim.cli.hydra_config import load
from sim.core.model import DualISModel

CASES = {
    "default": ["model.n_workers=60"],
    "knowledge_work_firm": ["scenario=knowledge_work_firm", "model.n_workers=60"],
    "bureaucracy_with_policies": [
        "scenario=bureaucratic_public_sector",
        "policy=[mandate,continuous_participation]",
        "model.n_workers=60",
    ],
}
SHOCK = "model.shocks=[{time: 150, share: 0.3}]"
STEPS, SEED = 300, 3


def reference_tables(switches_off: tuple[str, ...] = ()) -> pd.DataFrame:
    """The reference runs; ``switches_off`` are the overrides that turn later mechanisms off."""
    frames = []
    for name, overrides in CASES.items():
        model = DualISModel(load([*overrides, SHOCK, *switches_off]).model, rng=SEED)
        model.run(STEPS)
        frames.append(model.table().assign(case=name))
    return pd.concat(frames, ignore_index=True)


if __name__ == "__main__":
    reference_tables().to_parquet(sys.argv[1], index=False)
