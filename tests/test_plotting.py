"""Figures stand on their own: labelled axes with units, weeks on x, shocks marked, legends outside the data."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

from sim.analysis.plotting import SERIES, WARMUP, dynamics_figure, paradox_panels
from sim.core.model import DualISModel


def _table(weeks: int = 120):
    model = DualISModel(rng=1)
    model.run(weeks)
    return model.table()


def test_the_paradox_panels_have_their_own_labelled_axes_and_mark_the_shock():
    table = _table()
    fig = Figure()
    surface, deep, shares = paradox_panels(fig, table, [80], test_shock=80)
    assert surface.get_ylabel() == SERIES["surface_churn"][1] == "changes per worker per week"
    assert deep.get_ylabel() == SERIES["deep_change"][1] == "code entries per week"
    assert shares.get_ylabel().startswith("share") and shares.get_xlabel() == "week"
    for ax in (surface, deep, shares):
        assert "test shock" in ax.get_legend_handles_labels()[1]
        assert ax.get_legend().get_bbox_to_anchor().x0 > ax.get_window_extent().x1 - 1  # right of the axes
    warmup_peak = table.loc[table["step"] < WARMUP, "surface_churn"].max()
    assert 0 < surface.get_ylim()[1] < warmup_peak / 2  # the warm-up's churn does not set the scale


def test_the_dynamics_figure_labels_every_axis_with_a_unit():
    fig = dynamics_figure(_table(), shock_times=[60])
    for ax in fig.axes:
        assert ax.get_ylabel(), ax.get_title()
        assert "environment shock" in ax.get_legend_handles_labels()[1]
        assert not any(
            label.startswith(("autonomy_mean", "commons_quality")) for label in ax.get_legend_handles_labels()[1]
        )
    assert [ax.get_xlabel() for ax in fig.axes[2:]] == ["week", "week"]


def _sweep_table():
    import numpy as np
    import pandas as pd

    rows = []
    for e in (0.0, 0.5, 1.0):
        for i in (0.0, 0.5, 1.0):
            for seed in range(2):
                recovery = np.nan if e == 1.0 else 10.0 + 100 * (e == 0.5 and i == 1.0)  # one outlier, some "never"
                rows.append({"model.enforcement": e, "model.individualization": i, "seed": seed,
                             "regime": "rigid" if e == 1.0 else "resilient", "recovery_time": recovery,
                             "commons_quality": 0.5 + 0.1 * i})  # fmt: skip
    return pd.DataFrame(rows)


def test_the_maps_label_their_axes_from_the_schema_and_explain_grey_cells():
    from sim.analysis.maps import indicator_maps, regime_map

    table = _sweep_table()
    x, y = "model.individualization", "model.enforcement"
    fig = regime_map(table, x, y)
    assert fig.axes[0].get_xlabel() == "individualization pressure ι [pressure] (model.individualization)"
    assert fig.axes[0].get_ylabel() == "institutional enforcement e [share] (model.enforcement)"
    fig = indicator_maps(table, x, y)
    recovery = next(ax for ax in fig.axes if ax.get_title() == "weeks to recover from the shock")
    assert [t.get_text() for t in recovery.get_legend().get_texts()] == ["never recovered"]
    assert recovery.collections[0].get_clim()[1] < 110  # the outlier cell does not set the colour scale
    assert "[share]" in recovery.get_ylabel()
    assert "weeks before the test shock" in fig.get_suptitle()  # the caption states the window measured
    boundaries = [c for c in recovery.collections if c.get_label() == "regime boundary"]
    assert len(boundaries) == 1 and len(boundaries[0].get_segments()) == 3  # rigid row e=1 against 3 cells below


def test_the_forest_plot_lists_policies_top_to_bottom_in_the_report_tables_order():
    import pandas as pd

    from sim.analysis.compare import forest_plot

    rows = []
    for policy, effect in [("c_middle", 0.1), ("a_worst", -0.2), ("b_best", 0.3)]:
        for outcome in ("productivity", "satisfaction"):
            rows.append({"policy": policy, "outcome": outcome, "effect": effect, "low": effect - 0.05,
                         "high": effect + 0.05, "n": 10, "baseline": 1.0, "verdict": "better",
                         "distinguishable": True, "distinguishable_adjusted": True})  # fmt: skip
    effects = pd.DataFrame(rows)
    fig = forest_plot(effects)
    ax = fig.axes[0]
    by_position = [t.get_text() for t in sorted(ax.get_yticklabels(), key=lambda t: t.get_position()[1])]
    assert ax.yaxis_inverted()  # the smallest position is drawn on top
    assert by_position == ["a_worst", "b_best", "c_middle"]  # the table's (alphabetical) order, top to bottom
    assert ax.get_xlabel()
