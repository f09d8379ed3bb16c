"""Hydra's view of the configuration: the schema in the ConfigStore and composing from ``conf/``.

Importing this module registers :class:`sim.config.RunConfig` as the structured
schema ``run_schema`` that ``conf/config.yaml`` builds on. :func:`load` composes a
configuration the same way the command line does, for tests and notebooks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

from sim.config import RunConfig, validate

CONFIG_DIR = Path(__file__).resolve().parent.parent / "conf"

ConfigStore.instance().store(name="run_schema", node=RunConfig)


def to_run_config(cfg: Any) -> RunConfig:
    """Turn a composed Hydra config into a validated :class:`RunConfig`."""
    return validate(OmegaConf.to_object(cfg))


def load(overrides: list[str] | tuple[str, ...] = ()) -> RunConfig:
    """Compose ``conf/config.yaml`` with command-line style ``overrides`` and validate it."""
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return to_run_config(compose(config_name="config", overrides=list(overrides)))
