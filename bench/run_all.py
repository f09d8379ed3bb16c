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

import numba
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from mesa_reference import MesaReferenceModel

from sim import DualISModel, ModelConfig
from sim.core.config import Engine

DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
GIB = 2**30

FULL = {
    "sizes": [200, 1_000, 10_000, 100_000],
    "steps": {200: 1000, 1_000: 300, 10_000: 60, 100_000: 10},
    "repeats": 5,
    "scale_sizes": [1_000, 5_000, 10_000, 20_000, 50_000, 100_000],
    "ties": [2, 4, 8, 16],
    "memory_sizes": [10_000, 100_000],
    "memory_steps": (50, 500),
    "large_runs": [(100_000, 500), (1_000_000, 100)],
    "reference_steps": 30,
    "sweep": ["study=regime_map"],  # the default sweep: 121 jobs x 5 seeds
    "sweep_runs": 11 * 11 * 5,
}
QUICK = {
    "sizes": [200, 1_000, 10_000, 100_000],
    "steps": {200: 200, 1_000: 50, 10_000: 10, 100_000: 2},
    "repeats": 2,
    "scale_sizes": [1_000, 5_000, 10_000, 20_000],
    "ties": [2, 4, 8, 16],
    "memory_sizes": [10_000],
    "memory_steps": (5, 20),
    "large_runs": [(10_000, 20)],
    "reference_steps": 3,
    "sweep": ["model.enforcement=0.1,0.5", "model.individualization=0.2", "replicates=1", "steps=50"],
    "sweep_runs": 2,
}


ENGINES = (Engine.numba, Engine.numpy)  # the compiled engine and the NumPy reference, side by side


def default_model(n_workers: int, seed: int = 0, engine: Engine = Engine.numba, **overrides) -> DualISModel:
    """The default organisation at ``n_workers`` workers, m = 30, no shocks, on ``engine``."""
    config = ModelConfig(n_workers=n_workers, n_dimensions=30, shocks=[], engine=engine, **overrides)
    return DualISModel(config, rng=seed)


def ms_per_step(model, steps: int, repeats: int, warmup: int = 5) -> float:
    """Best (lowest) milliseconds per step over ``repeats`` timings of ``steps`` steps, after a warm-up."""
    model.run(model.steps + warmup)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        model.run(model.steps + steps)
        best = min(best, (time.perf_counter() - start) / steps)
    return best * 1e3


def throughput(sizes: list[int], steps: dict[int, int], repeats: int, engine: Engine) -> dict[int, float]:
    """Milliseconds per step of the model on ``engine`` at each size."""
    return {n: ms_per_step(default_model(n, engine=engine), steps.get(n, max(2, 100_000 // n)), repeats) for n in sizes}


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
from sim.core.config import Engine
n, steps, trace = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
DualISModel(ModelConfig(n_workers=20), rng=0).run(2)  # load the compiled kernels outside the measurement
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


COMPILE_PROBE = r"""
import time
start = time.perf_counter()
from sim import DualISModel, ModelConfig
DualISModel(ModelConfig(n_workers=20), rng=0).run(2)
print(time.perf_counter() - start)
"""


def first_run(cache: Path) -> float:
    """Seconds a fresh process takes to import the package and step a model, with Numba's cache in ``cache``."""
    environment = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    out = subprocess.run(
        [sys.executable, "-c", COMPILE_PROBE], capture_output=True, text=True, check=True, cwd=ROOT, env=environment
    )
    return float(out.stdout.strip().splitlines()[-1])


def default_run(engine: Engine) -> tuple[float, int]:
    """Wall time of the whole default run, ``python -m sim`` in-process (compose, validate, simulate), and its weeks."""
    from sim.cli.hydra_config import load
    from sim.runs.runner import simulate

    start = time.perf_counter()
    table = simulate(load([f"model.engine={engine.value}"])).table
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


def plain_mesa_rate(n_workers: int, steps: int, seed: int = 0) -> float:
    """Agent-steps/s of the plain-Mesa reference (one Python ``step()`` per agent)."""
    reference = MesaReferenceModel(ModelConfig(n_workers=n_workers, n_dimensions=30, shocks=[]), rng=seed)
    reference.run(2)
    start = time.perf_counter()
    reference.run(reference.steps + steps)
    return n_workers * steps / (time.perf_counter() - start)


def run_suite(quick: bool = False, log=print) -> list[tuple[str, ...]]:
    """Run every benchmark; returns the table rows ``(measure, numba engine, numpy engine, plain Mesa, note)``."""
    p = QUICK if quick else FULL
    rows: list[tuple[str, ...]] = []

    def row(measure: str, compiled: str = "", reference: str = "", mesa: str = "", note: str = "") -> None:
        rows.append((measure, compiled or "—", reference or "—", mesa or "—", note))
        log(f"{measure}: {compiled} | {reference} | {mesa} {note}".rstrip())

    rates = {engine: throughput(p["sizes"], p["steps"], p["repeats"], engine) for engine in ENGINES}
    mesa_rate = plain_mesa_rate(1_000, p["reference_steps"])
    for n in p["sizes"]:
        fast, slow = rates[Engine.numba][n], rates[Engine.numpy][n]
        row(
            f"agent-steps/s, {n:,} workers",
            f"{n / fast * 1e3:,.0f}",
            f"{n / slow * 1e3:,.0f}",
            f"{mesa_rate:,.0f}" if n == 1_000 else "",
            f"{fast:.3f} vs {slow:.3f} ms/step: {slow / fast:.1f}x"
            + (f"; {n / fast * 1e3 / mesa_rate:.0f}x plain Mesa" if n == 1_000 else ""),
        )

    by_n = scaling_by_workers(p["scale_sizes"], p["repeats"])
    slope, intercept, r2 = linear_fit(list(by_n), list(by_n.values()))
    sizes = ", ".join(f"{n:,}" for n in by_n)
    row(
        "ms/step vs workers: slope",
        f"{slope * 1e3:.4f} ms per 1,000 workers",
        note=f"intercept {intercept:.3f} ms, R² = {r2:.4f} (n = {sizes})",
    )

    by_k = scaling_by_ties(p["ties"], p["repeats"], steps=10 if quick else 30)
    slope_k, intercept_k, r2_k = linear_fit(list(by_k), list(by_k.values()))
    row(
        "ms/step vs personal ties: slope",
        f"{slope_k:.4f} ms per tie",
        note=f"intercept {intercept_k:.3f} ms, R² = {r2_k:.4f} (k = {', '.join(map(str, by_k))}; 10,000 workers)",
    )

    for n in p["memory_sizes"]:
        mem = memory(n, p["memory_steps"][0], trace=True)
        row(
            f"peak memory per worker, {n:,} workers",
            f"{mem['traced'] / n / 1024:.2f} KiB",
            note=f"tracemalloc peak {mem['traced'] / 2**20:,.1f} MiB over {mem['steps']} steps; "
            f"process peak RSS {mem['peak'] / 2**20:,.0f} MiB ({mem['base'] / 2**20:,.0f} MiB after imports)",
        )
    for n, steps in p["large_runs"]:
        mem = memory(n, steps, trace=False)
        row(
            f"{n:,} workers x {steps} steps within 4 GiB",
            "yes" if mem["peak"] <= 4 * GIB else "NO",
            note=f"peak RSS {mem['peak'] / GIB:.2f} GiB, wall {mem['wall']:.1f} s (subprocess, model built and run)",
        )

    with tempfile.TemporaryDirectory(prefix="dualis-numba-cache-") as cache:
        cold, warm = first_run(Path(cache)), first_run(Path(cache))
    row(
        "first model after install / later (fresh process)",
        f"{cold:.1f} s / {warm:.1f} s",
        note="import and two weeks; the first run compiles the kernels into Numba's cache, later ones load them",
    )

    runs = {engine: default_run(engine) for engine in ENGINES}
    row(
        "whole default run (`python -m sim`, in-process)",
        f"{runs[Engine.numba][0]:.2f} s",
        f"{runs[Engine.numpy][0]:.2f} s",
        note=f"200 workers, {runs[Engine.numba][1]} / {runs[Engine.numpy][1]} weeks (settled test)",
    )

    count = p["sweep_runs"]
    times = {engine: (sweep([*p["sweep"], f"model.engine={engine.value}"], 1),
                      sweep([*p["sweep"], f"model.engine={engine.value}"], 2)) for engine in ENGINES}  # fmt: skip
    for cores in (1, 2):
        fast, slow = times[Engine.numba][cores - 1], times[Engine.numpy][cores - 1]
        row(
            f"sweep throughput, {cores} core{'s' if cores > 1 else ''}",
            f"{count / (fast / 60):.0f} runs/min",
            f"{count / (slow / 60):.0f} runs/min",
            note=f"{count} runs in {fast:.1f} s vs {slow:.1f} s",
        )
    efficiency = {engine: times[engine][0] / times[engine][1] / 2 for engine in ENGINES}
    row(
        "parallel efficiency, 2 cores",
        f"{efficiency[Engine.numba]:.2f}",
        f"{efficiency[Engine.numpy]:.2f}",
        note="(t1 / t2) / 2; " + " ".join(p["sweep"]),
    )
    return rows


def markdown(rows: list[tuple[str, ...]], quick: bool) -> str:
    cpu = platform.processor() or platform.machine()
    header = (
        f"Measured {time.strftime('%Y-%m-%d')} with `python bench/run_all.py{' --quick' if quick else ''}` "
        f"on {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, NumPy {np.__version__}, "
        f"Numba {numba.__version__}.\n\n"
    )
    lines = ["| measure | numba engine | numpy engine | plain Mesa | note |", "|---|---:|---:|---:|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return header + "\n".join(lines) + "\n"


def write_table(table: str, doc: Path = DOC) -> None:
    """Replace what lies between the markers in ``doc`` with ``table``."""
    text = doc.read_text()
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    doc.write_text(f"{head}{BEGIN}\n{table}{END}{tail}")


def main(argv: list[str] | None = None) -> list[tuple[str, ...]]:
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
