"""Moving code must not move results: the per-step tables of the reference cases keep their hashes.

The hashes in tests/data/table_hashes.json were written by tests/data/make_table_hashes.py.
A change meant to alter results regenerates them in its own commit and says why.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


def _maker():
    spec = importlib.util.spec_from_file_location("make_table_hashes", DATA / "make_table_hashes.py")
    maker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maker)
    return maker


MAKER = _maker()
STORED = json.loads((DATA / "table_hashes.json").read_text())


def test_every_scenario_and_policy_has_a_stored_hash():
    assert set(MAKER.CASES) == set(STORED)


@pytest.mark.parametrize("case", sorted(STORED))
def test_the_table_of_each_reference_case_is_unchanged(case):
    from sim import load, simulate

    table = simulate(load([*MAKER.CASES[case], f"seed={MAKER.SEED}"])).table
    assert MAKER.table_hash(table) == STORED[case]


def test_the_hash_sees_a_change_in_the_last_bit():
    import pandas as pd

    table = pd.DataFrame({"x": [0.1, 0.2]})
    nudged = table.assign(x=[0.1, 0.2 + 2**-54])
    assert nudged["x"].iloc[1] != 0.2 and MAKER.table_hash(table) != MAKER.table_hash(nudged)
