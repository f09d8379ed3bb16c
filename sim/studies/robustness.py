"""Do the regime boundaries move sensibly with other parameters? The regime map under variations.

    python -m sim.robustness            # the default variations (about 15 minutes on 2 cores)
    python -m sim.robustness --quick    # a small version, for a smoke test

Each variation is the default regime map (``study=regime_map``) with one other
parameter set to another value, run through the ordinary sweep machinery (parallel,
resumable) into ``outputs/robustness/full/<key>-<value>/``. The report sets the maps'
shapes side by side (:mod:`sim.analysis.mapstats`): regime shares, connected regions, the
resilient band's width per individualization level, and how many seeds of a cell agree.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.patches import Patch

from sim.analysis.files import atomic_write, collect, save_figure
from sim.analysis.maps import COLOURS, ORDER, cell_regimes, draw_regime_map
from sim.analysis.mapstats import map_summary
from sim.core.config import ModelConfig
from sim.runs.gather import DEFAULT_AXES

FOLDER = Path("outputs/robustness")
BASELINE = ("baseline", "")
VARIATIONS = {
    "malleability": (0.5, 0.9),  # default 0.7: how fast autonomous workers explore
    "data_work_cost": (0.15, 0.6),  # default 0.3: the free-rider's temptation
    "commons_weight": (0.25, 1.0),  # default 0.5: what the commons is worth to in-system work
    "data_dependence": (0.0, 0.6),  # default 0.3: the balancing feedback of seed 001 (0: off)
    "peer_sanction": (0.5, 1.0),  # default 0: conditional cooperation held up by sanctions
}
REPLICATES = 3
QUICK = {"grid": ["model.individualization=0.5,0.9", "model.enforcement=0.3,0.5,0.7"], "replicates": 1}


def variations(quick: bool) -> list[tuple[str, str]]:
    """(key, value) pairs to run: the baseline, then each variation (the quick version: one variation)."""
    pairs = [(key, f"{value:g}") for key, values in VARIATIONS.items() for value in values]
    return [BASELINE, *(pairs[:1] if quick else pairs)]


def run_variation(key: str, value: str, folder: Path, quick: bool) -> pd.DataFrame:
    """Run the regime map with ``model.<key>=<value>`` into ``folder``; its tidy table."""
    command = [sys.executable, "-m", "sim", "study=regime_map", f"hydra.sweep.dir={folder.resolve()}"]
    command.append(f"replicates={QUICK['replicates'] if quick else REPLICATES}")
    if key != BASELINE[0]:
        command.append(f"model.{key}={value}")
    if quick:
        command += [*QUICK["grid"], "model.n_workers=60"]
    subprocess.run(command, check=True)
    return collect(folder)


def summary_table(summaries: dict[str, dict]) -> pd.DataFrame:
    """One row per variation: regime shares, regions per regime, resilient widths, seed agreement."""
    rows = []
    for name, summary in summaries.items():
        row = {"variation": name, "runs": summary["runs"], "seed_agreement": summary["seed_agreement"]}
        row.update({f"share_{regime}": share for regime, share in summary["regime_shares"].items()})
        row.update({f"regions_{regime}": count for regime, count in summary["connected_regions"].items()})
        row["resilient_width_by_individualization"] = " ".join(
            f"{level}:{width}" for level, width in summary["resilient_width_cells"].items()
        )
        row["columns_resilient_2_wide"] = summary["columns_with_resilient_at_least_2_wide"]
        rows.append(row)
    return pd.DataFrame(rows).fillna(0)


def title(name: str) -> str:
    """A variation's name in words: ``malleability-0.5`` -> ``malleability = 0.5 (default 0.7)``."""
    if name == BASELINE[0]:
        return "baseline (every parameter at its default)"
    key, _, value = name.rpartition("-")
    return f"{key} = {value} (default {getattr(ModelConfig(), key):g})"


def panel_figure(tables: dict[str, pd.DataFrame]) -> plt.Figure:
    """The variations' regime maps side by side, each titled with its variation, one legend for all."""
    x, y = DEFAULT_AXES
    columns = 3
    rows = -(-len(tables) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(5.5 * columns, 4.8 * rows), layout="constrained", squeeze=False)
    for ax, (name, table) in zip(axes.flat, tables.items(), strict=False):
        draw_regime_map(ax, table, x, y, fontsize=6)
        ax.set_title(title(name))
    for ax in axes.flat[len(tables) :]:
        ax.set_visible(False)
    present = {regime for table in tables.values() for regime in table["regime"]}
    fig.legend(
        handles=[Patch(color=COLOURS[r], label=r) for r in ORDER if r in present],
        loc="outside lower center", ncol=len(present), frameon=False,
    )  # fmt: skip
    fig.suptitle("Regime maps with one other parameter changed (majority regime per cell, seeds agreeing / run)")
    return fig


def study(quick: bool, folder: Path = FOLDER) -> pd.DataFrame:
    """Run every variation, write ``robustness.csv``, ``robustness.md`` and ``robustness.png``; return the table."""
    out = folder / ("quick" if quick else "full")
    tables, summaries = {}, {}
    for key, value in variations(quick):
        name = key if key == BASELINE[0] else f"{key}-{value}"
        table = run_variation(key, value, out / name, quick)
        tables[name] = table
        summaries[name] = map_summary(table, cell_regimes(table, *DEFAULT_AXES), *DEFAULT_AXES)
    summary = summary_table(summaries)
    atomic_write(out / "robustness.csv", lambda p: summary.to_csv(p, index=False))
    atomic_write(out / "robustness.md", lambda p: p.write_text(summary.to_markdown(index=False) + "\n"))
    atomic_write(out / "robustness.json", lambda p: p.write_text(json.dumps(summaries, indent=2)))
    figure = panel_figure(tables)
    save_figure(figure, out / "robustness.png", dpi=90)
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The regime map under variations of one other parameter each.")
    parser.add_argument("--quick", action="store_true", help="a small version, for a smoke test")
    args = parser.parse_args(argv)
    print(study(args.quick).to_string(index=False))
