"""A ramp: one parameter walked through equal levels within a run, spelled out as scheduled changes."""

from __future__ import annotations

import dataclasses

from sim.core.config import Change, RampConfig, RampDirection, RunConfig


def ramp_changes(ramp: RampConfig) -> list[Change]:
    """The scheduled changes that walk ``ramp.key`` through the ramp's levels (the first from week 0)."""
    values = ramp.values()
    return [Change(time=ramp.start + i * ramp.weeks_per_level, key=ramp.key, value=v) for i, v in enumerate(values[1:])]


def with_ramp(run: RunConfig) -> RunConfig:
    """``run`` with its ramp, if any, turned into the first level as a start value plus scheduled changes."""
    ramp = run.ramp
    if ramp.direction is RampDirection.none:
        return run
    model = dataclasses.replace(
        run.model, **{ramp.key: ramp.values()[0]}, changes=[*run.model.changes, *ramp_changes(ramp)]
    )
    return dataclasses.replace(run, model=model)
