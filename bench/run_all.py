"""The benchmark suite: speed, scaling, memory, whole runs, sweeps, and a plain-Mesa reference.

Usage::

    python bench/run_all.py            # the full suite (about 1.5 minutes on 2 cores)
    python bench/run_all.py --quick    # a smoke version (under a minute)
    python bench/run_all.py --no-write # print the table, leave docs/performance.md alone

It prints a Markdown table and writes it into ``docs/performance.md`` between the
markers ``<!-- bench:begin -->`` and ``<!-- bench:end -->`` (``--quick`` never writes).
Timings are the best of a few repeats after a warm-up, in this process, except memory
(one subprocess per size, peak RSS from ``getrusage``) and sweeps (``python -m sim -m``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from mesa_reference import MesaReferenceModel

from sim import DualISModel, ModelConfig

DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
GIB = 2**30

FULL = {
    "sizes": [100, 1_000, 10_000, 100_000],
    "steps": {100: 1000, 1_000: 300, 10_000: 60, 100_000: 10},
    "repeats": 5,
    "scale_sizes": [1_000, 5_000, 10_000, 20_000, 50_000, 100_000],
    "ties": [2, 4, 8, 16],
    "memory_sizes": [10_000, 100_000],
    "memory_steps": (50, 500),
    "reference_steps": 30,
    "sweep": ["study=regime_map"],  # the default sweep: 121 jobs x 5 seeds
    "sweep_runs": 11 * 11 * 5,
}
QUICK = {
    "sizes": [100, 1_000, 10_000, 100_000],
    "steps": {100: 200, 1_000: 50, 10_000: 10, 100_000: 2},
    "repeats": 2,
    "scale_sizes": [1_000, 5_000, 10_000, 20_000],
    "ties": [2, 4, 8, 16],
    "memory_sizes": [10_000],
    "memory_steps": (5, 20),
    "reference_steps": 3,
    "sweep": ["model.enforcement=0.1,0.5", "model.individualization=0.2", "replicates=1", "steps=50"],
    "sweep_runs": 2,
}


def default_model(n_workers: int, seed: int = 0, **overrides) -> DualISModel:
    """The default organisation at ``n_workers`` workers, m = 30, no shocks."""
    return DualISModel(ModelConfig(n_workers=n_workers, n_dimensions=30, shocks=[], **overrides), rng=seed)


def ms_per_step(model, steps: int, repeats: int, warmup: int = 5) -> float:
    """Best (lowest) milliseconds per step over ``repeats`` timings of ``steps`` steps, after a warm-up."""
    model.run(model.steps + warmup)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        model.run(model.steps + steps)
        best = min(best, (time.perf_counter() - start) / steps)
    return best * 1e3


def throughput(sizes: list[int], steps: dict[int, int], repeats: int) -> dict[int, float]:
    """Milliseconds per step of the vectorised model at each size."""
    return {n: ms_per_step(default_model(n), steps.get(n, max(2, 100_000 // n)), repeats) for n in sizes}


def linear_fit(x: list[float], y: list[float]) -> tuple[float, float, float]:
    """Least-squares line ``y = slope x + intercept`` and its R²."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (slope * x + intercept)
    total = ((y - y.mean()) ** 2).sum()
    return float(slope), float(intercept), float(1.0 - (residual**2).sum() / total) if total > 0 else 1.0


def scaling_by_workers(sizes: list[int], repeats: int) -> dict[int, float]:
    return {n: ms_per_step(default_model(n), max(3, 200_000 // n), repeats) for n in sizes}


def scaling_by_ties(ties: list[int], repeats: int, n_workers: int = 10_000, steps: int = 30) -> dict[int, float]:
    return {k: ms_per_step(default_model(n_workers, personal_ties=k), steps, repeats) for k in ties}


MEMORY_PROBE = r"""
import json, resource, sys, time, tracemalloc
from sim import DualISModel, ModelConfig
n, steps, trace = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
if trace:
    tracemalloc.start()
start = time.perf_counter()
model = DualISModel(ModelConfig(n_workers=n, n_dimensions=30, shocks=[]), rng=0)
model.run(steps)
table = model.table()
wall = time.perf_counter() - start
traced = tracemalloc.get_traced_memory()[1] if trace else 0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"workers": n, "steps": steps, "rows": len(table), "base": base, "peak": peak,
                  "traced": traced, "wall": wall}))
"""


def memory(n_workers: int, steps: int, trace: bool) -> dict:
    """A fresh process running ``steps`` steps at ``n_workers``: peak RSS (bytes, getrusage), wall
    time and, with ``trace``, the peak of the model's own allocations (tracemalloc, slower)."""
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(n_workers), str(steps), "1" if trace else "0"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def default_run() -> tuple[float, int]:
    """Wall time of the whole default run, ``python -m sim`` in-process (compose, validate, simulate), and its weeks."""
    from sim.cli.hydra_config import load
    from sim.runs.runner import simulate

    start = time.perf_counter()
    table = simulate(load([])).table
    assert len(table) > 1
    return time.perf_counter() - start, int(table["step"].iloc[-1])


def sweep(overrides: list[str], n_jobs: int) -> float:
    """Wall time of ``python -m sim -m <overrides> hydra.launcher.n_jobs=<n_jobs>`` into a fresh folder."""
    folder = Path(tempfile.mkdtemp(prefix=f"dualis-bench-sweep{n_jobs}-"))
    try:
        command = [
            sys.executable,
            "-m",
            "sim",
            "-m",
            *overrides,
            f"hydra.launcher.n_jobs={n_jobs}",
            f"hydra.sweep.dir={folder}",
        ]
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
        return time.perf_counter() - start
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def reference_speedup(n_workers: int, steps: int, seed: int = 0) -> tuple[float, float]:
    """Agent-steps/s of the plain-Mesa reference and of the vectorised model, same size, same process."""
    reference = MesaReferenceModel(ModelConfig(n_workers=n_workers, n_dimensions=30, shocks=[]), rng=seed)
    reference.run(2)
    start = time.perf_counter()
    reference.run(reference.steps + steps)
    ref_rate = n_workers * steps / (time.perf_counter() - start)
    vec_rate = n_workers / ms_per_step(default_model(n_workers, seed), max(steps, 100), 3) * 1e3
    return ref_rate, vec_rate


def run_suite(quick: bool = False, log=print) -> list[tuple[str, str, str]]:
    """Run every benchmark; returns the table rows ``(measure, value, note)``."""
    p = QUICK if quick else FULL
    rows: list[tuple[str, str, str]] = []

    def row(measure: str, value: str, note: str = "") -> None:
        rows.append((measure, value, note))
        log(f"{measure}: {value} {note}".rstrip())

    for n, ms in throughput(p["sizes"], p["steps"], p["repeats"]).items():
        row(f"agent-steps/s, {n:,} workers", f"{n / ms * 1e3:,.0f}", f"{ms:.3f} ms/step")

    by_n = scaling_by_workers(p["scale_sizes"], p["repeats"])
    slope, intercept, r2 = linear_fit(list(by_n), list(by_n.values()))
    sizes = ", ".join(f"{n:,}" for n in by_n)
    row(
        "ms/step vs workers: slope",
        f"{slope * 1e3:.4f} ms per 1,000 workers",
        f"intercept {intercept:.3f} ms, R² = {r2:.4f} (n = {sizes})",
    )

    by_k = scaling_by_ties(p["ties"], p["repeats"], steps=10 if quick else 30)
    slope_k, intercept_k, r2_k = linear_fit(list(by_k), list(by_k.values()))
    row(
        "ms/step vs personal ties: slope",
        f"{slope_k:.4f} ms per tie",
        f"intercept {intercept_k:.3f} ms, R² = {r2_k:.4f} (k = {', '.join(map(str, by_k))}; 10,000 workers)",
    )

    for n in p["memory_sizes"]:
        mem = memory(n, p["memory_steps"][0], trace=True)
        row(
            f"peak memory per worker, {n:,} workers",
            f"{mem['traced'] / n / 1024:.2f} KiB",
            f"tracemalloc peak {mem['traced'] / 2**20:,.1f} MiB over {mem['steps']} steps; "
            f"process peak RSS {mem['peak'] / 2**20:,.0f} MiB ({mem['base'] / 2**20:,.0f} MiB after imports)",
        )
    n = max(p["memory_sizes"])
    mem = memory(n, p["memory_steps"][1], trace=False)
    within = "yes" if mem["peak"] <= 4 * GIB else "NO"
    row(
        f"{n:,} workers x {mem['steps']} steps within 4 GiB",
        within,
        f"peak RSS {mem['peak'] / GIB:.2f} GiB, wall {mem['wall']:.1f} s (subprocess, model built and run)",
    )

    seconds, weeks = default_run()
    row(
        "whole default run (`python -m sim`, in-process)",
        f"{seconds:.2f} s",
        f"200 workers, {weeks} weeks (settled test)",
    )

    runs = p["sweep_runs"]
    t1 = sweep(p["sweep"], 1)
    t2 = sweep(p["sweep"], 2)
    row("sweep throughput, 1 core", f"{runs / (t1 / 60):.1f} runs/min", f"{runs} runs in {t1:.1f} s")
    row("sweep throughput, 2 cores", f"{runs / (t2 / 60):.1f} runs/min", f"{runs} runs in {t2:.1f} s")
    row("parallel efficiency, 2 cores", f"{t1 / t2 / 2:.2f}", "(t1 / t2) / 2; " + " ".join(p["sweep"]))

    ref_rate, vec_rate = reference_speedup(1_000, p["reference_steps"])
    row("plain-Mesa reference, 1,000 workers", f"{ref_rate:,.0f} agent-steps/s", "bench/mesa_reference.py")
    row(
        "speed-up over the plain-Mesa reference",
        f"{vec_rate / ref_rate:.1f}x",
        f"vectorised {vec_rate:,.0f} agent-steps/s, same process",
    )
    return rows


def markdown(rows: list[tuple[str, str, str]], quick: bool) -> str:
    cpu = platform.processor() or platform.machine()
    header = (
        f"Measured {time.strftime('%Y-%m-%d')} with `python bench/run_all.py{' --quick' if quick else ''}` "
        f"on {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, NumPy {np.__version__}.\n\n"
    )
    lines = ["| measure | value | note |", "|---|---:|---|"]
    lines += [f"| {m} | {v} | {n} |" for m, v, n in rows]
    return header + "\n".join(lines) + "\n"


def write_table(table: str, doc: Path = DOC) -> None:
    """Replace what lies between the markers in ``doc`` with ``table``."""
    text = doc.read_text()
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    doc.write_text(f"{head}{BEGIN}\n{table}{END}{tail}")


def main(argv: list[str] | None = None) -> list[tuple[str, str, str]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke version, under a minute; never writes the doc")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    args = parser.parse_args(argv)
    rows = run_suite(quick=args.quick, log=lambda line: print(line, file=sys.stderr, flush=True))
    table = markdown(rows, args.quick)
    print(table)
    if not (args.quick or args.no_write):
        write_table(table)
        print(f"written to {DOC.relative_to(ROOT)}", file=sys.stderr)
    return rows


if __name__ == "__main__":
    main()
