"""Designs of experiments: run listed parameter points through the ordinary sweep machinery.

A design is a Parquet table whose columns are model parameters and whose rows are
points (e.g. a Morris or Sobol sample from :mod:`sim.studies.sensitivity`). A sweep over
``point=range(N)`` with ``design=<file>`` runs each row as one job, in parallel,
resumable and gathered like any other sweep; the gathered table carries ``point``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from sim.core.config import STRUCTURAL, ConfigError, ModelConfig, RunConfig, parameter_rows, validate


def point_values(run: RunConfig) -> dict[str, float]:
    """The model parameters row ``run.point`` of the design sets, keyed as on the command line."""
    if run.design is None:
        return {}
    return {f"model.{key}": getattr(run.model, key) for key in pd.read_parquet(Path(run.design)).columns}


def apply_point(run: RunConfig) -> RunConfig:
    """``run`` with its model parameters set from row ``run.point`` of ``run.design`` (unchanged without a design)."""
    if run.design is None:
        return run
    if run.point is None:
        raise ConfigError(f"design={run.design} needs point=<row> (sweep it: point=range(N))")
    table = pd.read_parquet(Path(run.design))
    if not 0 <= run.point < len(table):
        raise ConfigError(f"point={run.point} is outside the design's rows [0, {len(table) - 1}]")
    types = {f.name: f.type for f in dataclasses.fields(ModelConfig)}
    unknown = sorted(set(table.columns) - set(types))
    if unknown:
        raise ConfigError(f"design={run.design} has columns that are not model parameters: {', '.join(unknown)}")
    row = table.iloc[run.point]
    values = {key: round(row[key]) if types[key] in (int, "int") else float(row[key]) for key in table.columns}
    return validate(dataclasses.replace(run, model=dataclasses.replace(run.model, **values)))


# Scenario and policy levers: 0 (or, for the rule redesign, 1) in the default organisation, and
# the rule-clash and workshop rates only act with a migration or a participation policy.
FIXED = ("min_autonomy", "bridging", "rule_redesign_rate", "customisation_rate", "workshop_needs")
# Weekly rates that compound over a run: the whole [0, 1] would mean a new world, staff or mind every week.
NARROW = {"turbulence": (0.0, 0.02), "turnover": (0.0, 0.02), "strategy_mutation": (0.0, 0.02)}


def problem() -> dict:
    """The screened parameter space (a SALib problem): every bounded model parameter but the sizes and the scenario levers: probabilities over [0, 1]
    (compounding weekly rates over [0, 0.02]), every other value at ±50% of its default."""
    names, bounds = [], []
    for row in parameter_rows(ModelConfig):
        default = row["default"]
        if not row["allowed"].startswith("[") or row["name"] in (*STRUCTURAL, *FIXED) or isinstance(default, bool):
            continue
        low, high = (float(x) for x in row["allowed"].strip("[]").split(","))
        if row["name"] in NARROW:
            low, high = NARROW[row["name"]]
        elif (low, high) != (0.0, 1.0):
            if default == 0:
                continue
            low, high = max(low, 0.5 * default), min(high, 1.5 * default)
        names.append(row["name"])
        bounds.append([low, high])
    return {"num_vars": len(names), "names": names, "bounds": bounds}
