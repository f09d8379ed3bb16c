"""dualis: an agent-based model of dual information-system (dual-IS) equilibrium dynamics."""

from sim.cli.hydra_config import load
from sim.core.config import ConfigError, Engine, ModelConfig, RunConfig, Shock, validate, validate_model
from sim.core.model import DualISModel
from sim.core.observables import OBSERVABLES
from sim.runs.runner import Simulation, simulate

__all__ = [
    "OBSERVABLES",
    "ConfigError",
    "DualISModel",
    "Engine",
    "ModelConfig",
    "RunConfig",
    "Shock",
    "Simulation",
    "load",
    "simulate",
    "validate",
    "validate_model",
]
