"""Do the two engines tell the same story? End states of many seeds on each, compared by two-sample tests.

    python -m sim.equivalence                      # 200 seeds, every named scenario, both engines
    python -m sim.equivalence --seeds 20 --scenarios default,march1991

The compiled engine (``model.engine=numba``) draws its random numbers in another order than
the NumPy reference (``model.engine=numpy``), so the two agree in distribution, not run by run.
One sweep (``python -m sim -m scenario=... model.engine=numpy,numba replicates=N``, so it runs
in parallel and a rerun resumes it) runs seeds 0 … N-1 of every named scenario on each engine
under the scenario's own regime protocol; then, per scenario, each regime indicator's two
samples are compared with a two-sample Kolmogorov–Smirnov test (on values rounded to
``DECIMALS`` decimals) and the regime shares with a chi-square test of homogeneity.
Under the null hypothesis that both engines sample one distribution the p-values are uniform,
so about 5% of them fall below 0.05 by chance; the report counts those and applies Holm's
correction over all tests. Writes ``equivalence-runs.csv`` (one row per run),
``equivalence.csv`` (one row per test) and ``equivalence.md`` into ``--out``, the sweep into
``--out``/sweep.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from sim.analysis.files import atomic_write, collect

ENGINES = ("numpy", "numba")
INDICATORS = (
    "autonomy",
    "commons_quality",
    "data_worker_share",
    "practice_diversity",
    "surface_churn",
    "code_change_rate",
    "held_at_ceiling",
    "trust",
    "productivity",
    "satisfaction",
    "shock_depth",
    "recovery_time_capped",
)
"""The regime indicators compared (each run's steady state before its test shock, see ``regimes.indicators``)."""
DECIMALS = 9
"""Indicators are compared rounded to this many decimals. The engines sum the same terms in
another order, so a value that is exactly 0.6 on one is 0.5999999999999996 on the other; a
rank test would read that last-bit difference as a shifted distribution."""


def run_sweep(folder: Path, seeds: int, scenarios: str) -> pd.DataFrame:
    """Run (or resume) the sweep of ``scenarios`` (a Hydra choice list, or ``glob(*)``) on both engines.

    Returns one row per run: scenario, engine, seed, regime and indicators.
    """
    command = [
        sys.executable, "-m", "sim", "-m", f"scenario={scenarios}", f"model.engine={','.join(ENGINES)}",
        f"replicates={seeds}", "seed=0", f"hydra.sweep.dir={folder.resolve()}",
    ]  # fmt: skip
    subprocess.run(command, check=True)
    runs = collect(folder).rename(columns={"model.engine": "engine"})
    failed = runs[runs["error"] != ""]
    if len(failed):
        raise RuntimeError(f"{len(failed)} runs failed, e.g. {failed['error'].iloc[0]}")
    return runs


def compare(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per scenario and indicator (KS test) and per scenario for the regime shares (chi-square)."""
    rows = []
    for scenario, group in runs.groupby("scenario", sort=True):
        samples = {engine: group[group["engine"] == engine] for engine in ENGINES}
        for name in INDICATORS:
            a, b = (samples[engine][name].dropna().astype(float).round(DECIMALS) for engine in ENGINES)
            if len(a) < 2 or len(b) < 2:
                continue
            same = a.nunique() == 1 and b.nunique() == 1 and a.iloc[0] == b.iloc[0]
            p = 1.0 if same else float(stats.ks_2samp(a, b, method="asymp").pvalue)
            rows.append(_row(scenario, name, "KS", a.mean(), b.mean(), p, len(a), len(b)))
        counts = pd.crosstab(group["engine"], group["regime"])
        counts = counts.loc[:, counts.sum() > 0]
        p = float(stats.chi2_contingency(counts)[1]) if counts.shape[1] > 1 else 1.0
        shares = {engine: _shares(samples[engine]["regime"]) for engine in ENGINES}
        rows.append(
            _row(scenario, "regime", "chi-square", shares["numpy"], shares["numba"], p, *map(len, samples.values()))
        )
    table = pd.DataFrame(rows)
    table["holm_rejects"] = multipletests(table["p"], alpha=0.05, method="holm")[0]
    return table


def _row(scenario, indicator, test, numpy_value, numba_value, p, n_numpy, n_numba) -> dict:
    return {
        "scenario": scenario,
        "indicator": indicator,
        "test": test,
        "numpy": numpy_value,
        "numba": numba_value,
        "p": p,
        "seeds": f"{n_numpy}/{n_numba}",
    }


def _shares(regimes: pd.Series) -> str:
    shares = regimes.value_counts(normalize=True).sort_index()
    return ", ".join(f"{name} {share:.2f}" for name, share in shares.items())


def report(tests: pd.DataFrame, seeds: int) -> str:
    """The Markdown report: a verdict line and the table of tests."""
    below = int((tests["p"] < 0.05).sum())
    rejected = int(tests["holm_rejects"].sum())
    verdict = (
        f"{len(tests)} two-sample tests, {seeds} seeds per engine and scenario: {below} with p < 0.05 "
        f"(about {0.05 * len(tests):.1f} expected by chance), {rejected} rejected after Holm's correction."
    )
    lines = [
        verdict,
        "",
        "| scenario | indicator | test | numpy engine | numba engine | p |",
        "|---|---|---|---|---|---:|",
    ]
    for row in tests.itertuples():
        numpy_value, numba_value = (f"{v:.4g}" if isinstance(v, float) else v for v in (row.numpy, row.numba))
        lines.append(f"| {row.scenario} | {row.indicator} | {row.test} | {numpy_value} | {numba_value} | {row.p:.3g} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200, help="seeds per engine and scenario (default 200)")
    parser.add_argument("--scenarios", default="glob(*)", help="comma-separated named scenarios (default: all)")
    parser.add_argument("--out", type=Path, default=Path("outputs/equivalence"), help="output folder")
    args = parser.parse_args(argv)
    if args.seeds < 2:
        sys.exit(f"error: --seeds={args.seeds} must be at least 2 (a two-sample test needs two of each)")
    runs = run_sweep(args.out / "sweep", args.seeds, args.scenarios)
    tests = compare(runs)
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write(args.out / "equivalence-runs.csv", lambda path: runs.to_csv(path, index=False))
    atomic_write(args.out / "equivalence.csv", lambda path: tests.to_csv(path, index=False))
    atomic_write(args.out / "equivalence.md", lambda path: path.write_text(report(tests, args.seeds)))
    print(report(tests, args.seeds).splitlines()[0])
    print(f"wrote {args.out / 'equivalence.md'}")
