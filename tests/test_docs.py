"""The ODD document describes the model as built."""

from __future__ import annotations

import dataclasses
import importlib.util
import re
from pathlib import Path

from sim import OBSERVABLES, ModelConfig
from sim.core import events, mechanisms, network

DOCS = Path(__file__).resolve().parent.parent / "docs"
ODD = (DOCS / "odd.md").read_text()


def load_table_module():
    spec = importlib.util.spec_from_file_location("parameter_table", DOCS / "parameter_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_parameter_tables_match_the_schema():
    table = load_table_module()
    for block in table.BLOCKS:
        assert table.table_in_odd(block) == table.markdown_table(block), f"{block}: run python docs/parameter_table.py"


def test_every_parameter_and_observable_is_documented():
    for f in dataclasses.fields(ModelConfig):
        assert f"`{f.name}`" in ODD, f.name
    for name in OBSERVABLES:
        assert name in ODD, name


def test_every_function_an_equation_heading_names_exists():
    headings = re.findall(r"^### E\d+ .*$", ODD, flags=re.MULTILINE)
    assert len(headings) >= 16
    named = {name.split(": ")[-1] for heading in headings for name in re.findall(r"`([^`]+)`", heading)}
    for name in named:
        assert any(hasattr(module, name) for module in (mechanisms, network, events)), name
