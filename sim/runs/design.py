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

from sim.core.config import ConfigError, ModelConfig, RunConfig, validate


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
