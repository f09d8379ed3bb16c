"""Hydra's view of the configuration: the schema in the ConfigStore and composing from ``conf/``.

:func:`register_configs` registers :class:`sim.core.config.RunConfig` as the structured
schema ``run_schema`` that ``conf/config.yaml`` builds on (the command line calls it
before Hydra starts). :func:`load` composes a configuration the same way the command
line does, for tests, notebooks and library use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

from sim.core.config import RunConfig, validate

# Installed, the configuration tree ships inside the package (sim/conf/); in a checkout it is conf/.
_INSTALLED, _CHECKOUT = Path(__file__).resolve().parents[1] / "conf", Path(__file__).resolve().parents[2] / "conf"
CONFIG_DIR = _INSTALLED if (_INSTALLED / "config.yaml").is_file() else _CHECKOUT


def register_configs() -> None:
    """Register the structured configs with Hydra's ConfigStore, and the ``dualis_catalogue``
    resolver that ``--help`` lists the scenarios, policies and studies with (again: harmless)."""
    from sim.cli.catalogue import catalogue

    ConfigStore.instance().store(name="run_schema", node=RunConfig)
    OmegaConf.register_new_resolver("dualis_catalogue", catalogue, replace=True)


def to_run_config(cfg: Any) -> RunConfig:
    """Turn a composed Hydra config into a validated :class:`RunConfig`."""
    return validate(OmegaConf.to_object(cfg))


def load(overrides: list[str] | tuple[str, ...] = ()) -> RunConfig:
    """Compose ``conf/config.yaml`` with command-line style ``overrides`` and validate it."""
    register_configs()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return to_run_config(compose(config_name="config", overrides=list(overrides)))
