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
    for job, (e, i) in enumerate((e, i) for e in (0.0, 0.5, 1.0) for i in (0.0, 0.5, 1.0)):
        for seed in range(2):
            recovery = np.nan if e == 1.0 else 10.0 + 100 * (e == 0.5 and i == 1.0)  # one outlier, some "never"
            rows.append({"job": job, "model.enforcement": e, "model.individualization": i, "seed": seed,
                         "regime": "rigid" if e == 1.0 else "resilient", "recovery_time": recovery,
                         "commons_quality": 0.5 + 0.1 * i, "shock_week": 60.0 + 10 * seed + 20 * e})  # fmt: skip
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
    boundaries = [c for c in recovery.collections if c.get_label() == "regime boundary"]
    assert len(boundaries) == 1 and len(boundaries[0].get_segments()) == 3  # rigid row e=1 against 3 cells below


def test_a_colour_scale_where_nearly_every_cell_is_equal_still_reaches_the_cells_that_differ():
    import numpy as np

    from sim.analysis.maps import colour_range

    assert colour_range(np.array([0.0] * 99 + [2e-4])) == (0.0, 2e-4)  # not a scale of 1e-9 on one odd cell
    assert colour_range(np.arange(101.0)) == (2.0, 98.0)  # otherwise the 2nd to the 98th percentile
    assert colour_range(np.array([0.5, 0.5])) == (0.5, 1.5)


def _sweep_folder(folder, table, baseline_window: int, recovery_window: int):
    """A gathered sweep on disk: its configuration's regime windows and a short run's weeks per job."""
    import pandas as pd

    (folder / "multirun.yaml").write_text(
        f"regime:\n  test: settled\n  baseline_window: {baseline_window}\n  recovery_window: {recovery_window}\n"
    )
    weeks = _table(120)
    for job in table["job"].unique():
        (folder / str(job)).mkdir()
        pd.concat([weeks.assign(seed=seed) for seed in (0, 1)]).to_parquet(folder / str(job) / "timeseries.parquet")


def test_the_sweep_figures_state_the_windows_the_sweep_measured_over(tmp_path):
    from sim.analysis.maps import sweep_figures

    table = _sweep_table().assign(error="")
    _sweep_folder(tmp_path, table, baseline_window=40, recovery_window=150)  # not the defaults (30, 200)
    figures = sweep_figures(tmp_path, table, "model.individualization", "model.enforcement")
    captions = {
        "regime_map.png": figures["regime_map.png"].axes[0].get_title(),
        "indicator_maps.png": figures["indicator_maps.png"].get_suptitle(),
        "paradox.png": figures["paradox.png"].get_suptitle(),
    }
    for name, text in captions.items():
        text = " ".join(text.split())  # as read, not as wrapped
        assert "the 40 weeks before each run's own test shock (the shock came in weeks 60–90" in text, (name, text)
        assert "150 weeks after it" in text, (name, text)
    assert "mean over the 40 weeks" in " ".join(captions["indicator_maps.png"].split())


def test_the_paradox_figure_shows_one_run_per_regime_with_its_values_units_and_test_shock(tmp_path):
    from sim.analysis.maps import paradox_figure

    table = _sweep_table()
    _sweep_folder(tmp_path, table, baseline_window=30, recovery_window=200)
    fig = paradox_figure(tmp_path, table, "model.individualization", "model.enforcement")
    top = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert [ax.get_title(loc="left").split("\n") for ax in top] == [
        ["rigid (seed 0)", "ι = 0.5, e = 1; test shock in week 80"],  # the regime's most central cell
        ["resilient (seed 0)", "ι = 0.5, e = 0; test shock in week 60"],  # of two as central, the first
    ]
    units = [ax.get_ylabel() for ax in fig.axes if ax.get_ylabel()]
    assert units == ["surface (fast):\nchanges per worker per week", "deep (slow):\ncode entries per week",
                     "knowledge:\nscore in [-1, 1]", "commons:\nshare (0 to 1)"]  # fmt: skip
    assert all("test shock" in ax.get_legend_handles_labels()[1] for ax in fig.axes)
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    assert len(legends) == 4 and not any("_" in t.get_text() for lg in legends for t in lg.get_texts())  # no raw keys


def test_the_forest_plot_lists_policies_best_first_in_each_panel_and_states_the_window():
    import pandas as pd

    from sim.analysis.compare import forest_plot

    effects = {  # outcome: effect per policy (productivity higher is better, recovery lower, data workers neither)
        "productivity": {"a_policy": 0.1, "b_policy": 0.3, "c_policy": -0.2},
        "data_worker_share": {"a_policy": 0.02, "b_policy": 0.05, "c_policy": -0.01},
        "recovery_time_capped": {"a_policy": -5.0, "b_policy": 10.0, "c_policy": -20.0},
    }
    rows = [{"policy": policy, "outcome": outcome, "effect": effect, "low": effect - 0.05, "high": effect + 0.05,
             "distinguishable_adjusted": True}
            for outcome, by_policy in effects.items() for policy, effect in by_policy.items()]  # fmt: skip
    fig = forest_plot(pd.DataFrame(rows), window="weeks 170–199, the 30 weeks before the shock")
    top_to_bottom = {}
    for ax in fig.axes[:3]:
        assert ax.yaxis_inverted()  # the smallest position is drawn on top
        ticks = sorted(ax.get_yticklabels(), key=lambda t: t.get_position()[1])
        top_to_bottom[ax.get_title().split(" (")[0].split("\n")[0]] = [t.get_text() for t in ticks]
        assert ax.get_xlabel().startswith("effect: policy − baseline (")
    assert top_to_bottom == {
        "productivity": ["b_policy", "a_policy", "c_policy"],  # the largest gain on top
        "weeks to recover from the shock": ["c_policy", "a_policy", "b_policy"],  # the fastest recovery on top
        "share of data workers": ["b_policy", "a_policy", "c_policy"],  # no direction: the largest effect on top
    }
    assert "means over weeks 170–199, the 30 weeks before the shock" in " ".join(fig.get_suptitle().split())


def test_the_effects_over_time_name_each_outcome_in_words(tmp_path):
    import pandas as pd

    from sim.analysis.policy_time import figure

    weeks = _table(120)
    rows = []
    for job, policy in enumerate(("none", "mandate")):
        (tmp_path / str(job)).mkdir()
        pd.concat([weeks.assign(seed=seed) for seed in (0, 1)]).to_parquet(tmp_path / str(job) / "timeseries.parquet")
        rows += [{"policy": policy, "job": job, "seed": seed, "shock_week": 80.0 + seed} for seed in (0, 1)]
    fig = figure(tmp_path, pd.DataFrame(rows))
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert all(labels) and not [text for text in labels if "_" in text], labels  # no raw column names
    assert "effect on commons quality Q\n(arm − baseline, same unit)" in labels
