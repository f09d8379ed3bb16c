"""Open exploration: a space-filling design over many model parameters at once, run as an ordinary sweep.

    python -m sim study=exploration exploration.samples=2000
    python -m sim study=exploration exploration.parameters=[enforcement,individualization,rigidity] \\
        +exploration.ranges.enforcement=[0.2,0.8]

``exploration.*`` (:class:`sim.core.config.ExplorationConfig`) sets the sample: how many points,
Latin hypercube (``lhs``) or scrambled Sobol sequence (``sobol``, a power of two points), the
sampler's seed, the parameters to vary and their ranges. Without ``exploration.parameters`` the
space is the one the sensitivity study screens (:func:`sim.studies.sensitivity.problem`: every bounded
model parameter but the sizes and the scenario levers; probabilities over [0, 1], compounding
weekly rates over [0, 0.02], every other value at ±50% of its default) plus the number of
personal ties (the tie structure, an integer, ±50%). A range given in ``exploration.ranges``
must lie within the schema's range; integer parameters are sampled uniformly over their integers.

Before Hydra starts, :func:`prepare` draws the design (it depends on ``exploration.*`` and
nothing else), checks every point as a configuration, writes it to ``design.parquet`` in the
sweep's folder with the space in ``exploration.json``, and adds ``design=<file>
point=range(N)`` to the overrides: from there it is a design sweep like the sensitivity
studies' (:mod:`sim.runs.design`), parallel, resumable and cluster-ready, gathered into one tidy
table with the sampled values as ``model.*`` columns. ``python -m sim.discover`` reads it.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.files import atomic_write
from sim.core.config import STRUCTURAL, ConfigError, ExplorationConfig, ModelConfig, RunConfig, validate

DESIGN = "design.parquet"
SPACE = "exploration.json"
TIES = "personal_ties"
"""The tie structure: not in the sensitivity screening (a size), but explored by default."""


@dataclasses.dataclass(frozen=True)
class Dimension:
    """One varied parameter: its name, sampled range, type, unit and meaning (from the schema)."""

    name: str
    low: float
    high: float
    integer: bool
    unit: str
    doc: str
    symbol: str


def _fields() -> dict[str, dataclasses.Field]:
    return {f.name: f for f in dataclasses.fields(ModelConfig)}


def _is_integer(f: dataclasses.Field) -> bool:
    return f.type in (int, "int")


def explorable() -> list[str]:
    """Model parameters a design can vary: every bounded number but the sizes of the organisation."""
    return [
        name
        for name, f in _fields().items()
        if "bounds" in f.metadata and f.type not in (bool, "bool") and (name not in STRUCTURAL or name == TIES)
    ]


def _half_range(name: str) -> tuple[float, float]:
    """The sensitivity study's rule for a parameter outside its space: [0, 1] kept, else ±50% of the default."""
    f = _fields()[name]
    low, high = f.metadata["bounds"]
    default = f.default
    if (low, high) == (0.0, 1.0):
        return 0.0, 1.0
    if default == 0:
        raise ConfigError(
            f"exploration.parameters: {name} has default 0, so ±50% is no range; "
            f"allowed: give one in exploration.ranges (within [{low:g}, {high:g}])"
        )
    return max(low, 0.5 * default), min(high, 1.5 * default)


def default_space() -> dict[str, tuple[float, float]]:
    """The sensitivity study's space plus the number of personal ties, in schema order."""
    from sim.runs.design import problem

    spec = problem()
    ranges = {
        name: (round(float(lo), 10), round(float(hi), 10))
        for name, (lo, hi) in zip(spec["names"], spec["bounds"], strict=True)
    }
    ranges[TIES] = tuple(round(v, 10) for v in _half_range(TIES))
    return {name: ranges[name] for name in _fields() if name in ranges}


def space(config: ExplorationConfig) -> list[Dimension]:
    """The dimensions ``config`` varies, with their ranges; a bad name or range is a one-line :class:`ConfigError`."""
    fields = _fields()
    allowed = explorable()
    base = default_space()
    names = list(config.parameters) or list(base)
    for name in names:
        if name not in allowed:
            raise ConfigError(
                f"exploration.parameters: {name!r} is not an explorable parameter; allowed: {', '.join(allowed)}"
            )
    if len(set(names)) != len(names):
        raise ConfigError(f"exploration.parameters={names} names a parameter twice")
    ranges = {name: base[name] if name in base else _half_range(name) for name in names}
    for name, bounds in dict(config.ranges).items():
        key = f"exploration.ranges.{name}"
        if name not in ranges:
            raise ConfigError(f"{key} is not a varied parameter; allowed: {', '.join(names)}")
        values = list(bounds)
        low, high = fields[name].metadata["bounds"]
        if len(values) != 2 or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
            raise ConfigError(f"{key}={values} is not a range; allowed: [low, high] within [{low:g}, {high:g}]")
        if not low <= values[0] < values[1] <= high:
            raise ConfigError(
                f"{key}={values} is not within [{low:g}, {high:g}] with low < high ({fields[name].metadata['unit']})"
            )
        ranges[name] = (float(values[0]), float(values[1]))
    ordered = [name for name in fields if name in ranges]
    return [
        Dimension(
            name, *ranges[name], integer=_is_integer(fields[name]), unit=fields[name].metadata["unit"],
            doc=fields[name].metadata["doc"], symbol=fields[name].metadata.get("symbol", ""),
        )
        for name in ordered
    ]  # fmt: skip


def unit_sample(config: ExplorationConfig, dimensions: int) -> np.ndarray:
    """``config.samples`` points in the unit hypercube, from ``config.seed`` alone."""
    from scipy.stats import qmc

    rng = np.random.default_rng(config.seed)
    if config.method == "sobol":
        n = config.samples
        if n & (n - 1):
            raise ConfigError(
                f"exploration.samples={n} is not a power of 2; allowed with exploration.method=sobol: "
                f"2^k points (e.g. {2 ** math.ceil(math.log2(n))}), or exploration.method=lhs"
            )
        return qmc.Sobol(dimensions, scramble=True, rng=rng).random(n)
    return qmc.LatinHypercube(dimensions, rng=rng).random(config.samples)


def sample(config: ExplorationConfig) -> pd.DataFrame:
    """The design: one row per point, one column per dimension, integers as integers, within each range."""
    if config.samples < 1:
        raise ConfigError(f"exploration.samples={config.samples}; allowed: at least 1 point")
    dims = space(config)
    unit = unit_sample(config, len(dims))
    columns = {}
    for j, dim in enumerate(dims):
        if dim.integer:  # equal shares of [0, 1) for each integer low, ..., high
            values = np.floor(dim.low + unit[:, j] * (dim.high - dim.low + 1))
            columns[dim.name] = np.clip(values, dim.low, dim.high).astype(np.int64)
        else:
            columns[dim.name] = dim.low + unit[:, j] * (dim.high - dim.low)
    return pd.DataFrame(columns)


def check_points(design: pd.DataFrame, run: RunConfig) -> None:
    """Every point must be a valid organisation on top of ``run`` (e.g. fewer ties than workers)."""
    for point, row in enumerate(design.to_dict("records")):
        try:
            validate(dataclasses.replace(run, model=dataclasses.replace(run.model, **row)))
        except ConfigError as exc:
            raise ConfigError(f"exploration: point {point} of the design is not a valid organisation: {exc}") from None


def describe(config: ExplorationConfig) -> dict[str, Any]:
    """What ``exploration.json`` records: the sampler and, per dimension, its range, type and unit."""
    return {
        "samples": config.samples,
        "method": config.method,
        "seed": config.seed,
        "dimensions": [dataclasses.asdict(dim) for dim in space(config)],
    }


def load_space(sweep_dir: Path) -> dict[str, Dimension]:
    """The dimensions an exploration sweep sampled (empty if the folder holds no ``exploration.json``)."""
    path = Path(sweep_dir) / SPACE
    if not path.exists():
        return {}
    return {d["name"]: Dimension(**d) for d in json.loads(path.read_text())["dimensions"]}


def write_design(folder: Path, config: ExplorationConfig, run: RunConfig) -> Path:
    """Draw, check and write the design into ``folder``; refuse a folder that holds another design."""
    design = sample(config)
    check_points(design, run)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / DESIGN
    if path.exists():
        if not pd.read_parquet(path).equals(design):
            raise ConfigError(
                f"hydra.sweep.dir={folder} holds another design (other exploration.* settings); "
                "allowed: the same settings to resume it, or another hydra.sweep.dir"
            )
    else:
        atomic_write(path, lambda p: design.to_parquet(p, index=False))
    atomic_write(folder / SPACE, lambda p: p.write_text(json.dumps(describe(config), indent=2) + "\n"))
    return path
