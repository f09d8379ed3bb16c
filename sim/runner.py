"""Run one configuration from start to end, with progress on long runs. No Hydra here."""

from __future__ import annotations

import time

import pandas as pd
from tqdm.auto import tqdm

from sim.config import RunConfig, validate
from sim.model import DualISModel


def simulate(run: RunConfig, progress: bool = False) -> tuple[pd.DataFrame, float]:
    """Validate ``run``, simulate it and return the per-step table and the runtime in seconds."""
    validate(run)
    start = time.perf_counter()
    model = DualISModel(run.model, rng=run.seed, stop_at_equilibrium=run.stop_at_equilibrium)
    with tqdm(total=run.steps, desc="weeks", unit="step", disable=None if progress else True) as bar:
        while model.running and model.steps < run.steps:
            model.step()
            bar.update()
    return model.table(), time.perf_counter() - start
