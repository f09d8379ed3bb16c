"""Write the hashes of the per-step tables that tests/test_table_hashes.py checks.

    python tests/data/make_table_hashes.py tests/data/table_hashes.json

Every named scenario (both March readings among them), every policy and three sizes, each simulated
through :func:`sim.runs.runner.simulate` (the settled regime test, ramp and shocks included) for
a few hundred weeks. A change that moves code around must leave every hash as it is; a
change that alters a table regenerates this file in its own commit and says why.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pandas as pd

from sim import load, simulate

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))
POLICIES = sorted(p.stem for p in (ROOT / "scenarios" / "policies").glob("*.yaml") if p.stem != "none")
# The NumPy engine: the reference implementation, whose tables stay bit-identical across releases.
SHORT = [
    "steps=400",
    "regime.settle_window=50",
    "regime.recovery_window=100",
    "model.n_workers=60",
    "model.engine=numpy",
]
CASES = {
    **{f"scenario={name}": [f"scenario={name}", *SHORT] for name in SCENARIOS},
    **{f"policy={name}": [f"policy={name}", *SHORT] for name in POLICIES},
    **{f"n_workers={n}": [*SHORT, f"model.n_workers={n}"] for n in (20, 200, 1000)},
}
SEED = 5


def table_hash(table: pd.DataFrame) -> str:
    """A digest of a table's column names and every value's bits."""
    digest = hashlib.sha256(",".join(table.columns).encode())
    digest.update(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def table_hashes() -> dict[str, str]:
    """The hash of each reference case's per-step table."""
    return {name: table_hash(simulate(load([*overrides, f"seed={SEED}"])).table) for name, overrides in CASES.items()}


if __name__ == "__main__":
    Path(sys.argv[1]).write_text(json.dumps(table_hashes(), indent=1, sort_keys=True) + "\n")
