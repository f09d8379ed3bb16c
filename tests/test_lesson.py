"""The page's organisation without a browser: scenario values, the settled-test protocol, the lock, the shock button."""

from __future__ import annotations

import threading

import pytest

from sim.cli.hydra_config import load
from sim.runs.runner import simulate
from sim.ui.lesson import CONTROLS, INFO, Lesson, scenario_values


def test_a_scenario_gives_the_values_the_command_line_runs():
    values = scenario_values("bureaucratic_public_sector")
    model = load(["scenario=bureaucratic_public_sector"]).model
    assert values == {c.key: getattr(model, c.key) for c in CONTROLS}
    assert values["enforcement"] == 0.8 != scenario_values("default")["enforcement"]


def test_every_control_has_a_unit_and_a_meaning_from_the_schema():
    for control in CONTROLS:
        assert control.unit and control.doc, control.key


def test_the_page_runs_the_command_lines_run_week_for_week():
    """Same scenario, seed and protocol: the page's table is the command line's, and it stops where that stops."""
    run = load(["scenario=default", "seed=42"])
    expected = simulate(run)
    lesson = Lesson("default", "none", seed=42)
    while lesson.advance(7):
        pass
    assert lesson.finished and lesson.week == len(expected.table) - 1
    assert lesson.test_shock == expected.test_shock
    assert lesson.model.table().equals(expected.table)
    assert lesson.advance(1) == 0  # it stops at the run length


def test_the_regime_is_not_read_before_the_shock_test():
    lesson = Lesson()
    lesson.advance(60)
    assert lesson.regime()[:2] == ("not tested yet", "")
    while lesson.test_shock is None:
        lesson.advance(1)
    lesson.advance(1)
    assert lesson.regime()[0] in ("being tested", "tested")
    while lesson.advance(10):
        pass
    status, regime, _ = lesson.regime()
    assert status == "tested" and regime


def test_shock_now_flips_the_environment_next_week():
    lesson = Lesson()
    lesson.advance(5)
    week = lesson.shock_now()
    lesson.advance(1)
    table = lesson.snapshot().table
    assert week == 6 and table["reality_change"].iloc[week] >= 9  # 30% of 30 dimensions


def test_a_chart_reading_while_the_model_plays_always_sees_a_whole_table():
    """The page's crash: a chart read the DataCollector half-way through a week. Snapshots hold the lock."""
    lesson = Lesson()
    stop = threading.Event()
    player = threading.Thread(target=lambda: [lesson.advance(1) for _ in range(400) if not stop.is_set()])
    player.start()
    try:
        while player.is_alive():
            snap = lesson.snapshot()
            assert len(snap.table) == snap.week + 1
    finally:
        stop.set()
        player.join()


def test_a_bad_value_names_the_parameter():
    with pytest.raises(ValueError, match="enforcement"):
        Lesson(values={"enforcement": 2.0})


def test_the_info_text_has_the_netlogo_sections():
    text = INFO.read_text(encoding="utf-8")
    for heading in ["What is it?", "How it works", "How to use it", "Things to notice", "Things to try",
                    "Credits and references"]:  # fmt: skip
        assert f"## {heading}" in text


def test_every_scenario_fits_the_page_sliders():
    from sim.cli.catalogue import options

    for scenario in options("scenario"):
        for key, value in scenario_values(scenario).items():
            control = next(c for c in CONTROLS if c.key == key)
            assert control.low <= value <= control.high, (scenario, key, value)


def test_the_play_loop_stops_when_no_browser_page_is_connected():
    pytest.importorskip("solara")
    from types import SimpleNamespace

    from solara.server.kernel_context import PageStatus

    from sim.ui.app import connected

    def context(*statuses, closed=False):
        event = threading.Event()
        if closed:
            event.set()
        return SimpleNamespace(closed_event=event, page_status=dict(enumerate(statuses)))

    assert connected(context(PageStatus.CONNECTED, PageStatus.CLOSED))
    assert not connected(context(PageStatus.DISCONNECTED))
    assert not connected(context(PageStatus.CLOSED))
    assert not connected(context(PageStatus.CONNECTED, closed=True))
