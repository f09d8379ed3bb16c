"""The interactive page for a class: controls, monitors, the paradox in three charts, the workers, an Info tab.

    solara run sim/ui/app.py          # then open http://localhost:8765

The page is built from Solara components around a :class:`sim.ui.lesson.Lesson` (the model
under the command line's regime-test protocol). It does not use Mesa's SolaraViz sidebar:
SolaraViz's inputs keep the values they were built with, so choosing a scenario could not
set the sliders, and its play loop lets the charts read the model while a step is writing
its table. Here every step and every read holds the lesson's lock.
"""

from __future__ import annotations

import math
import threading
import time

import markdown
import numpy as np
import solara
import solara.lab
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from sim.analysis.maps import COLOURS
from sim.analysis.plotting import paradox_panels
from sim.cli.catalogue import options
from sim.ui.lesson import CONTROLS, INFO, Lesson, Snapshot, scenario_values

# The options of the scenario and policy menus are the files of those config groups (the defaults first).
DESCRIPTIONS = {**options("scenario"), **options("policy")}  # each file's first sentence
SCENARIOS = sorted(options("scenario"), key=lambda name: (name != "default", name))
POLICIES = sorted(options("policy"), key=lambda name: (name != "none", name))
FASTEST = 100  # the top of the speed slider: as many weeks as the computer manages between two redraws
DEFAULT_SPEED = 25  # weeks per second
REDRAW = 0.4  # seconds between two redraws while playing

scenario = solara.reactive("default")
policy = solara.reactive("none")
values = solara.reactive(scenario_values("default", "none"))
lesson = solara.reactive(None)  # one Lesson per browser session, built by Page (never shared)
playing = solara.reactive(False)
speed = solara.reactive(DEFAULT_SPEED)
tick = solara.reactive(0)  # bumped to redraw the charts
message = solara.reactive("")
error = solara.reactive("")


def prose(text: str) -> None:
    """Markdown as HTML, rendered here: solara.Markdown fetches KaTeX from a CDN, which a classroom may not reach."""
    solara.HTML(tag="div", unsafe_innerHTML=markdown.markdown(text, extensions=["tables"]), classes=["prose"])


def redraw() -> None:
    tick.value += 1


def restart() -> None:
    """Build the organisation anew from the chosen scenario, policy and the sliders' values."""
    playing.value = False
    try:
        lesson.value = Lesson(scenario.value, policy.value, values.value)
        error.value = ""
    except ValueError as exc:  # ConfigError: a bad combination of values: say which, in one line
        error.value = f"cannot build this organisation: {exc}"
    message.value = ""
    redraw()


def choose(new_scenario: str | None = None, new_policy: str | None = None) -> None:
    """Load a scenario's (and policy's) values into the controls, and start it afresh."""
    if new_scenario is not None:
        scenario.value = new_scenario
    if new_policy is not None:
        policy.value = new_policy
    values.value = scenario_values(scenario.value, policy.value)
    restart()


def toggle() -> None:
    """Play or pause; on pause, wait for the week in progress and draw it."""
    playing.value = not playing.value
    if not playing.value:
        with lesson.value.lock:
            redraw()


def step_once() -> None:
    lesson.value.advance(1)
    redraw()  # the week shown and the charts


def shock_now() -> None:
    try:
        week = lesson.value.shock_now()
        message.value = f"An environment shock hits in week {week}."
    except ValueError as exc:
        message.value = str(exc)
    redraw()


def connected(context) -> bool:
    """Whether a browser page is still connected to this session (False: stop working)."""
    if context is None:
        return True
    from solara.server.kernel_context import PageStatus

    return context.closed_event.is_set() is False and PageStatus.CONNECTED in context.page_status.values()


def play(cancel: threading.Event, context) -> None:
    """Step the lesson at the chosen speed while playing, redrawing a few times a second."""
    last_draw = time.perf_counter()
    due = last_draw
    while playing.value and not cancel.is_set():
        run = lesson.value
        if run.finished or not connected(context):
            redraw()  # the last week, drawn before the pause re-renders the page around this thread
            playing.value = False
            return
        now = time.perf_counter()
        if speed.value >= FASTEST:
            run.advance(1)
        elif now >= due:
            run.advance(1)
            due = max(due + 1 / speed.value, now - 2.0)  # catch up on the weeks a slow redraw held up
        else:
            time.sleep(min(due - now, 0.02))
        if time.perf_counter() - last_draw >= REDRAW:
            redraw()
            last_draw = time.perf_counter()
    redraw()


@solara.component
def ControlsPanel():
    solara.Select("Scenario", value=scenario.value, values=SCENARIOS, on_value=lambda v: choose(new_scenario=v))
    solara.Text(DESCRIPTIONS.get(scenario.value, ""), style={"font-size": "0.8em"})
    solara.Select(
        "Policy", value=policy.value, values=POLICIES, on_value=lambda v: choose(new_policy=v)
    )  # fmt: skip
    solara.Text(DESCRIPTIONS.get(policy.value, ""), style={"font-size": "0.8em"})
    prose("Choosing a scenario or a policy loads its values into the sliders and starts afresh.")
    for control in CONTROLS:
        value = values.value[control.key]
        shown = f"{value:g}" if not control.integer else f"{int(value)}"
        label = f"{control.label}: {shown} ({control.unit})"

        def change(new, key=control.key, integer=control.integer):
            values.value = {**values.value, key: int(new) if integer else round(float(new), 4)}

        slider = solara.SliderInt if control.integer else solara.SliderFloat
        with solara.Column(gap="0px", classes=[f"control-{control.key}"]):
            solara.Text(label)
            slider("", value=value, min=control.low, max=control.high, step=control.step, on_value=change)
    if values.value != lesson.value.values:
        solara.Warning("Slider values changed: press Reset to start again with them.", dense=True)


@solara.component
def RunButtons(context):
    solara.use_thread(
        lambda cancel: play(cancel, context), dependencies=[playing.value], intrusive_cancel=False
    )  # fmt: skip
    tick.value  # noqa: B018  (redraw with the week)
    run = lesson.value
    with solara.Row():
        solara.Button("Reset", color="primary", on_click=restart)
        solara.Button(
            "❚❚" if playing.value else "▶",
            color="primary",
            disabled=run.finished,
            on_click=toggle,
        )
        solara.Button("Step", color="primary", disabled=playing.value or run.finished, on_click=step_once)
    solara.Button("Shock now", color="warning", on_click=shock_now, disabled=run.finished)
    label = "fastest" if speed.value >= FASTEST else f"{speed.value} weeks per second"
    solara.SliderInt(f"Speed: {label}", value=speed.value, min=1, max=FASTEST, on_value=speed.set)
    solara.Text(f"Week {run.week} of {run.end}" + (": the run has ended" if run.finished else ""), classes=["week"])
    if message.value:
        solara.Info(message.value, dense=True)
    if error.value:
        solara.Error(error.value, dense=True)


def monitor(label: str, value: str, unit: str = "") -> None:
    with solara.Card(margin=1, style={"min-width": "150px"}):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"<div style='font-size:0.8em'>{label}</div>"
            f"<div class='monitor' data-label='{label}' style='font-size:1.6em'><b>{value}</b> <small>{unit}</small></div>",
        )


@solara.component
def Monitors(snap: Snapshot):
    with solara.Row(style={"flex-wrap": "wrap"}):
        monitor("week", f"{snap.week}")
        monitor("commons quality Q", f"{snap.latest('commons_quality'):.2f}", "of 1")
        monitor("mean autonomy", f"{snap.latest('autonomy_mean'):.2f}", "share in personal tools")
        monitor("data workers", f"{100 * snap.latest('data_worker_share'):.0f}", "% of workers")
        monitor("surface churn", f"{snap.latest('surface_churn', 10):.2f}", "changes / worker / week")
        monitor("deep change", f"{snap.latest('deep_change', 10):.2f}", "code entries / week")
        flipped = int(snap.table["reality_change"].sum())
        monitor("environment changed", f"{flipped}", "dimension flips so far")


@solara.component
def RegimePanel(snap: Snapshot):
    status, regime, found = lesson.value.regime(snap)
    with solara.Card("Regime"):
        if lesson.value.model.stop_at_equilibrium and not lesson.value.model.running:
            solara.HTML(tag="h2", classes=["regime"], unsafe_innerHTML="March's equilibrium")
            prose(f"Week {snap.week}: every belief equals the code, so nothing changes any more (March 1991).")
            return
        if status == "not tested yet":
            when = (
                f"the test shock hits in week {snap.test_shock}"
                if snap.test_shock is not None
                else f"the test shock comes once the organisation has settled (week {lesson.value.earliest} at the"
                f" earliest)"
            )
            solara.HTML(tag="h2", classes=["regime"], unsafe_innerHTML="not tested yet")
            prose(f"Week {snap.week}: {when}; the regime is read after it.")
            return
        if status == "being tested":
            solara.HTML(tag="h2", classes=["regime"], unsafe_innerHTML="being tested")
            prose(
                f"The test shock hit in week {snap.test_shock}: is the knowledge of the workers back within"
                f" {lesson.value.regime_config.recovery_window} weeks?"
            )
            return
        recovery = found["recovery_time"]
        rows = [
            ("commons quality Q (before the shock)", f"{found['commons_quality']:.2f}"),
            ("mean autonomy", f"{found['autonomy']:.2f}"),
            ("surface churn / worker / week", f"{found['surface_churn']:.2f}"),
            ("code change / dimension / week", f"{found['code_change_rate']:.3f}"),
            ("weeks to recover from the test shock", "not tested" if math.isnan(found["shock_depth"]) else
             ("not recovered" if math.isnan(recovery) else f"{recovery:.0f}")),
        ]  # fmt: skip
        items = "".join(f"<li>{label}: <b>{value}</b></li>" for label, value in rows)
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"<h2 class='regime' style='color:{COLOURS.get(regime, 'black')}'>{regime}</h2>"
            f"<ul>{items}</ul>",
        )


@solara.component
def ParadoxCharts(snap: Snapshot):
    fig = Figure(figsize=(9, 7), layout="constrained")
    shocks = sorted({*snap.extra_shocks, *([snap.test_shock] if snap.test_shock is not None else [])})
    paradox_panels(fig, snap.table, [s for s in shocks if s <= snap.week], test_shock=snap.test_shock)
    solara.FigureMatplotlib(fig, format="png")


def _layout(snap: Snapshot) -> np.ndarray:
    """Positions of the workers: each formal unit a small ring, the units on a large ring."""
    units = snap.unit_starts.size
    angle = 2 * np.pi * snap.unit / units
    centres = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    rank = np.arange(snap.autonomy.size) - snap.unit_starts[snap.unit]
    around = 2 * np.pi * rank / snap.unit_sizes[snap.unit]
    radius = 0.8 * np.sin(np.pi / max(units, 2))
    return centres + radius * np.stack([np.cos(around), np.sin(around)], axis=1)


@solara.component
def NetworkView(snap: Snapshot):
    """Workers coloured by autonomy (dark: in the system, yellow: personal tools), personal ties drawn."""
    positions = _layout(snap)
    fig = Figure(figsize=(5, 5), layout="constrained")
    ax = fig.subplots()
    owners = np.repeat(np.arange(snap.ties.shape[0]), snap.ties.shape[1])
    segments = np.stack([positions[owners], positions[snap.ties.ravel()]], axis=1)
    ax.add_collection(LineCollection(segments, colors="#999999", linewidths=0.3, alpha=0.4))
    dots = ax.scatter(
        *positions.T, c=snap.autonomy, cmap="viridis", vmin=0, vmax=1, s=25, edgecolors="black", linewidths=0.3
    )
    fig.colorbar(dots, ax=ax, label="autonomy (share of work in personal tools)")
    ax.set_title(f"Workers by formal unit, with personal ties\n(week {snap.week})", fontsize=10)
    ax.set_axis_off()
    solara.FigureMatplotlib(fig, format="png")


@solara.component
def ModelTab():
    tick.value  # noqa: B018  (redraw on every tick)
    snap = lesson.value.snapshot()
    Monitors(snap)
    with solara.Columns([3, 2]):
        ParadoxCharts(snap)
        with solara.Column():
            RegimePanel(snap)
            NetworkView(snap)


@solara.component
def InfoTab():
    with solara.Column(style={"max-width": "60em", "padding": "0 1em"}):
        InfoText()


@solara.component
def InfoText():
    prose(INFO.read_text(encoding="utf-8"))
    rows = "\n".join(f"| {c.label} | `model.{c.key}` | {c.unit} | {c.doc} |" for c in CONTROLS)
    prose(f"### The controls\n\n| control | parameter | unit | meaning |\n|---|---|---|---|\n{rows}\n")


@solara.component
def Page():
    try:
        from solara.server.kernel_context import get_current_context

        context = get_current_context()
    except RuntimeError:  # not served by solara (e.g. a notebook): nothing to watch
        context = None
    if lesson.value is None:
        lesson.value = Lesson(scenario.value, policy.value, values.value)
    solara.Title("dualis: the dual-IS equilibrium")
    with solara.AppBar():
        solara.AppBarTitle("dualis: the dual-IS equilibrium paradox")
    with solara.Sidebar():
        with solara.Card("Run"):
            RunButtons(context)
        with solara.Card("Organisation"):
            ControlsPanel()
    with solara.lab.Tabs():
        with solara.lab.Tab("Model"):
            ModelTab()
        with solara.lab.Tab("Info"):
            InfoTab()


page = Page
