"""Global sensitivity analysis (SALib): Morris screening of all parameters, then Sobol indices.

    python -m sim.sensitivity morris                 # screen every model parameter
    python -m sim.sensitivity sobol                  # first/total-order indices of Morris's top parameters
    python -m sim.sensitivity morris --quick         # a small version (CI)

The samples become a design (:mod:`sim.runs.design`) that runs through the ordinary sweep
machinery: in parallel on the local cores, resumable, one tidy row per run. Outputs:
the regime indicators (recovery time, Q, autonomy, productivity, satisfaction) and the
regime itself (the share of a point's seeds in each regime of the settled test, unsettled included). Results
land in ``outputs/sensitivity/<method>/``: a table of indices and a chart.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.analysis.files import atomic_write, collect, save_figure
from sim.runs.design import problem

OUTPUTS = {
    "recovery_time_capped": "weeks to recover",
    "commons_quality": "commons quality Q",
    "autonomy": "autonomy",
    "productivity": "productivity",
    "satisfaction": "satisfaction",
    "rigid": "P(rigid)",
    "loose": "P(loose)",
    "resilient": "P(resilient)",
    "inert": "P(inert)",
    "unsettled": "P(unsettled)",
}
REGIMES = ("rigid", "loose", "resilient", "inert", "unsettled")
FOLDER = Path("outputs/sensitivity")


def morris_design(spec: dict, trajectories: int, seed: int = 0) -> pd.DataFrame:
    from SALib.sample import morris

    return pd.DataFrame(morris.sample(spec, trajectories, num_levels=4, seed=seed), columns=spec["names"])


def sobol_design(spec: dict, base_samples: int, seed: int = 0) -> pd.DataFrame:
    from SALib.sample import sobol

    return pd.DataFrame(sobol.sample(spec, base_samples, calc_second_order=False, seed=seed), columns=spec["names"])


def run_design(design: pd.DataFrame, folder: Path, replicates: int, steps: int) -> pd.DataFrame:
    """Run every row of ``design`` (``replicates`` seeds each) as a sweep into ``folder``; its tidy table."""
    folder.mkdir(parents=True, exist_ok=True)
    design_file = folder / "design.parquet"
    if not design_file.exists():
        atomic_write(design_file, lambda p: design.to_parquet(p, index=False))
    elif not pd.read_parquet(design_file).equals(design):
        raise SystemExit(f"error: {folder} holds another design; choose another folder or delete it")
    command = [
        sys.executable, "-m", "sim", "-m", f"point=range({len(design)})", f"design={design_file.resolve()}",
        f"replicates={replicates}", f"steps={steps}", f"hydra.sweep.dir={(folder / 'runs').resolve()}",
    ]  # fmt: skip
    status = subprocess.run(command, check=False).returncode
    if status != 0:
        raise SystemExit(status)  # the sweep has said why
    return collect(folder / "runs")


def outputs_by_point(runs: pd.DataFrame, points: int) -> pd.DataFrame:
    """The mean of each output over a point's seeds (regimes as shares), one row per design point."""
    ok = runs[runs["error"] == ""].copy()
    for regime in REGIMES:
        ok[regime] = (ok["regime"] == regime).astype(float)
    means = ok.groupby("point")[list(OUTPUTS)].mean()
    return means.reindex(range(points))


def analyse(method: str, spec: dict, design: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """Sensitivity indices, one row per (output, parameter), with 95% confidence intervals."""
    from SALib.analyze import morris, sobol

    rows = []
    for output in OUTPUTS:
        y = values[output].to_numpy(dtype=float)
        if np.isnan(y).any() or np.ptp(y) == 0:
            # a constant output has no sensitivity to apportion; an indicator missing at some
            # point (recovery time where no seed settled) has none that the method can compute
            continue
        if method == "morris":
            si = morris.analyze(spec, design.to_numpy(), y, num_levels=4, conf_level=0.95, seed=0)
            for i, name in enumerate(spec["names"]):
                rows.append({"output": output, "parameter": name, "mu_star": si["mu_star"][i],
                             "mu_star_conf": si["mu_star_conf"][i], "sigma": si["sigma"][i]})  # fmt: skip
        else:
            si = sobol.analyze(spec, y, calc_second_order=False, conf_level=0.95, seed=0)
            for i, name in enumerate(spec["names"]):
                rows.append({"output": output, "parameter": name, "S1": si["S1"][i], "S1_conf": si["S1_conf"][i],
                             "ST": si["ST"][i], "ST_conf": si["ST_conf"][i]})  # fmt: skip
    return pd.DataFrame(rows)


def top_parameters(morris_indices: pd.DataFrame, count: int) -> list[str]:
    """The parameters with the largest μ* (normalised per output), summed over outputs."""
    scaled = morris_indices.assign(
        share=morris_indices.groupby("output")["mu_star"].transform(lambda m: m / m.max() if m.max() > 0 else 0)
    )
    return scaled.groupby("parameter")["share"].sum().nlargest(count).index.tolist()


def chart(method: str, indices: pd.DataFrame) -> plt.Figure:
    """Morris: μ* with its interval per parameter; Sobol: S1 and ST with intervals; one panel per output."""
    outputs = list(dict.fromkeys(indices["output"]))
    cols = 4
    rows = -(-len(outputs) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.5 * cols, 4 * rows), layout="constrained", squeeze=False)
    for ax, output in zip(axes.flat, outputs, strict=False):
        part = indices[indices["output"] == output]
        if method == "morris":
            part = part.nlargest(10, "mu_star").iloc[::-1]
            ax.barh(part["parameter"], part["mu_star"], xerr=part["mu_star_conf"], color="tab:blue")
            ax.set_xlabel("μ* (mean |elementary effect|)")
        else:
            y = np.arange(len(part))
            ax.barh(y - 0.2, part["S1"], 0.4, xerr=part["S1_conf"], label="first order S1")
            ax.barh(y + 0.2, part["ST"], 0.4, xerr=part["ST_conf"], label="total order ST")
            ax.set_yticks(y, part["parameter"])
            ax.legend(fontsize=7)
        ax.set_title(OUTPUTS[output], fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes.flat[len(outputs) :]:
        ax.set_visible(False)
    fig.suptitle(f"{method.capitalize()} sensitivity of the regime indicators (95% intervals)")
    return fig


def study(method: str, quick: bool, folder: Path = FOLDER) -> pd.DataFrame:
    """Design, run, analyse and chart one method; returns the indices."""
    spec = problem()
    out = folder / (f"{method}-quick" if quick else method)
    replicates, steps = (1, 500) if quick else (3, 1000)  # the settled test needs the default 1,000 weeks
    if method == "morris":
        design = morris_design(spec, trajectories=4 if quick else 12)
    else:
        morris_file = folder / ("morris-quick" if quick else "morris") / "indices.csv"
        if not morris_file.exists():
            raise SystemExit(
                f"error: run the Morris screening first (python -m sim.sensitivity morris{' --quick' if quick else ''})"
            )
        names = top_parameters(pd.read_csv(morris_file), 3 if quick else 6)
        spec = {
            "num_vars": len(names),
            "names": names,
            "bounds": [spec["bounds"][spec["names"].index(n)] for n in names],
        }
        design = sobol_design(spec, base_samples=8 if quick else 128)
    runs = run_design(design, out, replicates, steps)
    indices = analyse(method, spec, design, outputs_by_point(runs, len(design)))
    atomic_write(out / "indices.csv", lambda p: indices.to_csv(p, index=False))
    save_figure(chart(method, indices), out / "indices.png")
    return indices


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Global sensitivity analysis of the regime indicators.")
    parser.add_argument("method", choices=["morris", "sobol"])
    parser.add_argument("--quick", action="store_true", help="a small version, for a smoke test")
    args = parser.parse_args(argv)
    indices = study(args.method, args.quick)
    key = "mu_star" if args.method == "morris" else "ST"
    print(indices.sort_values(key, ascending=False).groupby("output").head(3).to_string(index=False))
