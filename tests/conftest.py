"""Shared helpers: small models built from keyword overrides of the defaults."""

from __future__ import annotations

import dataclasses

import pytest

from sim import DualISModel, ModelConfig


def small_config(**overrides) -> ModelConfig:
    """A 60-worker organisation with no scheduled shock, changed by ``overrides``."""
    base = {"n_workers": 60, "unit_size": 10, "shocks": []}
    return dataclasses.replace(ModelConfig(), **{**base, **overrides})


@pytest.fixture
def build():
    """Build a model from layers of config overrides: ``build(QUIET, enforcement=1.0, seed=2)``.

    Later layers and keyword overrides win over earlier ones.
    """

    def _build(*layers: dict, seed: int = 1, **overrides) -> DualISModel:
        merged = {key: value for layer in (*layers, overrides) for key, value in layer.items()}
        return DualISModel(small_config(**merged), rng=seed)

    return _build
