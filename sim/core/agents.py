"""The knowledge worker: a Mesa agent that is a thin view on one row of the model's arrays.

Workers hold no state of their own. The model advances all of them at once with
array operations (:mod:`sim.core.mechanisms`); a worker object exists so that Mesa's
tools (AgentSet queries, visualisation, inspection in a notebook) see the same
agents a modeller thinks in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from sim.core.model import DualISModel


class Worker(mesa.Agent):
    """One knowledge worker: row ``index`` of the model's state."""

    def __init__(self, model: DualISModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def practice(self) -> np.ndarray:
        """Beliefs/practices over the task dimensions, in {-1, 0, +1} (a read-only copy)."""
        return self.model.state.beliefs[self.index].copy()

    @property
    def autonomy(self) -> float:
        """Share of work done in personal, malleable tools (surface structure)."""
        return float(self.model.state.autonomy[self.index])

    @property
    def does_data_work(self) -> bool:
        """Whether the worker records its out-of-system work into the commons."""
        return bool(self.model.state.data_work[self.index])

    @property
    def unit(self) -> int:
        """Formal unit the worker belongs to."""
        return int(self.model.state.unit[self.index])

    @property
    def personal_ties(self) -> list[Worker]:
        """The workers this worker currently keeps personal ties to."""
        workers = self.model.workers
        return [workers[j] for j in self.model.state.ties[self.index]]

    @property
    def productivity(self) -> float:
        """Last step's productivity (the economic outcome)."""
        return float(self.model.state.productivity[self.index])

    @property
    def satisfaction(self) -> float:
        """Last step's satisfaction in [0, 1] (the humanistic outcome)."""
        return float(self.model.state.satisfaction[self.index])
