"""dualis: an agent-based model of dual information-system (dual-IS) equilibrium dynamics."""

from sim.config import ConfigError, ModelConfig, RunConfig, Shock, validate
from sim.hydra_config import load
from sim.model import DualISModel
from sim.observables import OBSERVABLES
from sim.runner import Simulation, simulate

__all__ = [
    "OBSERVABLES",
    "ConfigError",
    "DualISModel",
    "ModelConfig",
    "RunConfig",
    "Shock",
    "Simulation",
    "load",
    "simulate",
    "validate",
]
