"""Agent-steps per second of the dual-IS step, by number of workers (m = 30).

Usage::

    python bench/step_throughput.py                 # 1,000 and 10,000 workers
    python bench/step_throughput.py --workers 100 1000 10000 --steps 100

Each size is warmed up, then timed over ``--steps`` steps, best of ``--repeats``.
Besides the absolute rate, each size is reported as a ratio to the first size's
per-agent rate measured in the same process (1.0 = cost exactly linear in workers),
so the figures compare across machines.
"""

from __future__ import annotations

import argparse
import time

from sim import DualISModel, ModelConfig


def agent_steps_per_second(n_workers: int, steps: int, repeats: int, seed: int = 0) -> float:
    """Best rate over ``repeats`` timings of ``steps`` steps of a warmed-up default model."""
    model = DualISModel(ModelConfig(n_workers=n_workers, n_dimensions=30, shocks=[]), rng=seed)
    model.run(10)
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        model.run(model.steps + steps)
        best = max(best, n_workers * steps / (time.perf_counter() - start))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    print(f"{'workers':>10} {'agent-steps/s':>15} {'ms/step':>9} {'per-agent rate vs first':>24}")
    reference = None
    for n in args.workers:
        rate = agent_steps_per_second(n, args.steps, args.repeats)
        reference = reference or rate
        print(f"{n:>10,} {rate:>15,.0f} {n / rate * 1e3:>9.2f} {rate / reference:>24.2f}")


if __name__ == "__main__":
    main()
