"""The interactive page: sliders, live charts, the worker network and the regime, in a browser.

    .venv/bin/solara run sim/ui/app.py          # then open http://localhost:8765

Built on Mesa's SolaraViz: the sidebar resets the organisation with new slider values
(on top of the chosen scenario and policy), and Step / Play advance it week by week.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import solara
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from mesa.visualization import Slider, SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter

from sim.analysis.maps import COLOURS
from sim.analysis.regimes import classify, indicators
from sim.cli.catalogue import options
from sim.cli.hydra_config import load
from sim.core.config import RegimeConfig
from sim.core.model import DualISModel

# The options of the scenario and policy menus are the files of those config groups (the defaults first).
SCENARIOS = sorted(options("scenario"), key=lambda name: (name != "default", name))
POLICIES = sorted(options("policy"), key=lambda name: (name != "none", name))


class DashboardModel(DualISModel):
    """The dual-IS model built from a named scenario and policy, with the sliders' values on top."""

    def __init__(  # "organisation", not "scenario": Mesa's Model reserves that name
        self,
        organisation: str = "default",
        policy: str = "none",
        individualization: float = 0.5,
        enforcement: float = 0.3,
        malleability: float = 0.7,
        data_work_cost: float = 0.3,
        n_workers: int = 150,
        rng: int | None = 42,
    ):
        run = load([f"scenario={organisation}", f"policy={policy}"])
        model = dataclasses.replace(
            run.model,
            individualization=individualization,
            enforcement=enforcement,
            malleability=malleability,
            data_work_cost=data_work_cost,
            n_workers=n_workers,
        )
        super().__init__(model, rng=rng)  # checks the sliders' values
        self.organisation, self.policy = organisation, policy


def regime_now(model: DualISModel) -> tuple[str, dict]:
    """The regime the organisation is in so far: indicators over the latest weeks (and its first shock).

    "unsettled" while the latest ``regime.settle_window`` weeks still drift."""
    table = model.table()
    config = RegimeConfig()
    shocks = [s.time for s in model.config.shocks if s.time <= model.steps]
    values = indicators(table, min(shocks) if shocks else None, model.config.n_dimensions, config)
    return classify(values, config), values


@solara.component
def RegimePanel(model: DualISModel):
    """The regime so far, with the indicators that decide it (after one settle window of weeks)."""
    update_counter.get()
    window = RegimeConfig().settle_window
    with solara.Card("Regime"):
        if model.steps < window:
            solara.HTML(
                tag="p", unsafe_innerHTML=f"Too early to tell: the indicators need {window} weeks (week {model.steps})."
            )
            return
        regime, values = regime_now(model)
        recovery = values["recovery_time"]
        rows = [
            ("commons quality Q", f"{values['commons_quality']:.2f}"),
            ("mean autonomy", f"{values['autonomy']:.2f}"),
            ("surface churn / worker / week", f"{values['surface_churn']:.2f}"),
            ("code change / dimension / week", f"{values['code_change_rate']:.3f}"),
            ("weeks to recover from the shock", "no shock yet" if math.isnan(values["shock_depth"]) else
             ("not yet" if math.isnan(recovery) else f"{recovery:.0f}")),
        ]  # fmt: skip
        items = "".join(f"<li>{label}: <b>{value}</b></li>" for label, value in rows)
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"<h2 class='regime' style='color:{COLOURS[regime]}'>{regime}</h2><ul>{items}</ul>",
        )


def _layout(model: DualISModel) -> np.ndarray:
    """Positions of the workers: each formal unit a small ring, the units on a large ring."""
    state = model.state
    units = state.unit_starts.size
    angle = 2 * np.pi * state.unit / units
    centres = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    rank = np.arange(state.n_workers) - state.unit_starts[state.unit]
    around = 2 * np.pi * rank / state.unit_sizes[state.unit]
    radius = 0.8 * np.sin(np.pi / max(units, 2))
    return centres + radius * np.stack([np.cos(around), np.sin(around)], axis=1)


@solara.component
def NetworkView(model: DualISModel):
    """Workers coloured by autonomy (blue: in the system, yellow: personal tools), personal ties drawn."""
    update_counter.get()
    positions = _layout(model)
    fig = Figure(figsize=(5, 5))
    ax = fig.subplots()
    ties = model.state.ties
    owners = np.repeat(np.arange(ties.shape[0]), ties.shape[1])
    segments = np.stack([positions[owners], positions[ties.ravel()]], axis=1)
    ax.add_collection(LineCollection(segments, colors="#999999", linewidths=0.3, alpha=0.4))
    dots = ax.scatter(
        *positions.T, c=model.state.autonomy, cmap="viridis", vmin=0, vmax=1, s=25, edgecolors="black", linewidths=0.3
    )
    fig.colorbar(dots, ax=ax, label="autonomy")
    ax.set_title(f"Workers and their personal ties (week {model.steps})")
    ax.set_axis_off()
    solara.FigureMatplotlib(fig, format="png", bbox_inches="tight")


model_params = {
    "organisation": {"type": "Select", "value": "default", "values": SCENARIOS, "label": "Scenario"},
    "policy": {"type": "Select", "value": "none", "values": POLICIES, "label": "Policy (from week 100)"},
    "individualization": Slider("Individualization pressure", 0.5, 0.0, 1.0, 0.05),
    "enforcement": Slider("Institutional enforcement", 0.3, 0.0, 1.0, 0.05),
    "malleability": Slider("Tool malleability", 0.7, 0.0, 1.0, 0.05),
    "data_work_cost": Slider("Data-work cost", 0.3, 0.0, 1.0, 0.05),
    "n_workers": Slider("Workers", 150, 20, 500, 10),
}

components = [
    make_plot_component({"surface_churn": "tab:blue", "deep_change": "tab:red"}),
    (RegimePanel, 0),
    make_plot_component({"autonomy_mean": "black", "commons_quality": "tab:green", "data_worker_share": "tab:orange"}),
    (NetworkView, 0),
    make_plot_component({"productivity": "tab:purple", "satisfaction": "tab:olive"}),
]

page = SolaraViz(
    DashboardModel(), components=components, model_params=model_params, name="dualis: the dual-IS equilibrium"
)
