"""The dual-IS step written the straightforward Mesa way: one Python ``Worker.step()`` per agent.

A yardstick for the vectorised model in :mod:`sim.core.model`, not a second model: each
worker holds its practice as a Python list and does, in its own ``step()``, the
work the array code does for its row — revise each of the m dimensions with its own
random draw (code pull, an experiment with a noisy perceived gain, the peers'
majority from its unit and its personal ties), rewire a tie, move its autonomy
along the productivity gradient, imitate a tie's data work, conform, mutate, leave.
The model does the collective parts (environment, code learning from the visible
superior group, the commons) and collects the same 17 observables with a Mesa
``DataCollector``. It follows the same equations (docs/odd.md) for the default
configuration (``zero_belief=abstain``, ``superior_basis=beliefs``), but draws its
random numbers from Python's ``random`` in a different order, so its runs are
statistically comparable, not bit-identical.

Usage::

    python bench/mesa_reference.py --workers 1000 --steps 50
"""

from __future__ import annotations

import argparse
import math
import time

import mesa

from sim.core.config import ModelConfig, StepRule
from sim.core.mechanisms import autonomy_bounds
from sim.core.observables import OBSERVABLES


def sign(x: float) -> int:
    return (x > 0) - (x < 0)


class Worker(mesa.Agent):
    """A knowledge worker holding its own state in Python attributes."""

    def __init__(self, model: MesaReferenceModel, index: int) -> None:
        super().__init__(model)
        c, rnd = model.config, model.random
        self.index = index
        self.beliefs = [rnd.choice((-1, 0, 1)) for _ in range(c.n_dimensions)]
        self.autonomy = min(max(c.initial_autonomy, model.a_low), model.a_high)
        mean = min(max(c.individualization, 0.01), 0.99)
        kappa = c.wanted_autonomy_concentration
        self.wanted_autonomy = rnd.betavariate(kappa * mean, kappa * (1.0 - mean))
        self.data_work = rnd.random() < c.initial_data_workers
        self.unit = index // c.unit_size
        self.ties: list[Worker] = []  # filled once every worker exists
        self.productivity = 0.0
        self.satisfaction = 1.0
        self.clash = 0.0
        self.gradient = 0.0
        self.knowledge = 0.0
        self.old_beliefs = self.beliefs
        self.old_data_work = self.data_work

    # --- the week's work (E3, E5-E7) ---------------------------------------
    def work(self) -> None:
        model, c = self.model, self.model.config
        reality, code, m = model.reality, model.code, len(model.reality)
        k_own = sum(b * r for b, r in zip(self.beliefs, reality)) / m
        mismatch = sum(1 for b, cj in zip(self.beliefs, code) if cj != 0 and b != cj) / m
        a, s, e = self.autonomy, self.data_work, c.enforcement
        clash = e * (1.0 - a) * mismatch
        data_work_time = c.data_work_cost * a * s
        self.productivity = (
            c.knowledge_weight * (k_own + (1.0 - a) * e * (model.k_code - k_own))
            + c.affordance_weight * model.affordance * a * (2.0 - a)
            + c.commons_weight * model.quality * (1.0 - a)
            - c.clash_weight * clash
            - c.coordination_weight * model.frag
            - data_work_time
            - c.data_dependence * model.frag * a
        )
        self.satisfaction = min(
            max(
                1.0
                - c.fit_weight * abs(self.wanted_autonomy - a)
                - c.workload_weight * (data_work_time + model.frag)
                - c.clash_satisfaction_weight * clash,
                0.0,
            ),
            1.0,
        )
        self.gradient = (
            -c.knowledge_weight * e * (model.k_code - k_own)
            + 2.0 * c.affordance_weight * model.affordance * (1.0 - a)
            - c.commons_weight * model.quality
            + c.clash_weight * e * mismatch
            - c.data_work_cost * s
            - c.data_dependence * model.frag
        )
        self.clash, self.knowledge = clash, k_own
        self.workload = data_work_time + model.frag
        wrong = [j for j, (b, r) in enumerate(zip(self.beliefs, reality)) if b != 0 and b != r]
        system = sum(1 for j in wrong if self.beliefs[j] == code[j])
        self.errors, self.system_errors = len(wrong) / m, system / m
        self.blamed = (system + c.blame_bias * (len(wrong) - system)) / m
        self.old_beliefs, self.old_data_work = self.beliefs, self.data_work  # start-of-week state

    # --- learning and adaptation (E9-E11, E13-E15) -------------------------
    def peer_view(self, j: int) -> int:
        """Sign of the formal unit's and the personal ties' weighted mean belief on dimension j."""
        model, c = self.model, self.model.config
        signal = 0.0
        if c.formal_tie_strength > 0:
            members = model.units[self.unit]
            total = sum(w.old_beliefs[j] for w in members) - self.old_beliefs[j]
            signal += c.formal_tie_strength * (1.0 - self.autonomy) * total / max(len(members) - 1, 1)
        if self.ties:
            signal += self.autonomy * sum(w.old_beliefs[j] for w in self.ties) / len(self.ties)
        return sign(signal)

    def step(self) -> None:
        model, c, rnd = self.model, self.model.config, self.model.random
        reality, code = model.reality, model.code
        a = self.autonomy
        pull = c.code_adoption * c.enforcement * (1.0 - a)
        explore = pull + c.experiment_rate * c.malleability * a
        peer_band = max(explore, 1.0 - c.socialization)
        one_step = c.step_rule is StepRule.one_step
        old = self.old_beliefs
        new = list(old)
        for j in range(len(old)):
            u = rnd.random()
            b = old[j]
            if u < pull:  # institutionalization: onto the code
                if code[j] != 0 and b != code[j]:
                    new[j] = b + sign(code[j] - b) if one_step else code[j]
            elif u < explore:  # individualization: an experiment
                candidate = (b + 1 + rnd.randint(1, 2)) % 3 - 1
                if reality[j] * (candidate - b) + c.perception_noise * rnd.gauss(0.0, 1.0) > 0:
                    new[j] = candidate
            elif u >= peer_band:  # socialization: the peers' majority
                g = self.peer_view(j)
                if g != 0 and b != g:
                    new[j] = b + sign(g - b) if one_step else g
        model.practices_changed += sum(1 for x, y in zip(new, old) if x != y)
        self.beliefs = new

        # rewiring: move one random tie to a random other worker
        if self.ties and rnd.random() < c.rewire_rate * c.malleability * a:
            other = rnd.randrange(len(model.workers) - 1)
            other += other >= self.index
            self.ties[rnd.randrange(len(self.ties))] = model.workers[other]
            model.ties_rewired += 1

        # autonomy equilibration
        step = c.autonomy_adjust_rate * c.individualization
        self.autonomy = min(max(a + step * self.gradient, model.a_low), model.a_high)

        # data work: imitation (Fermi rule) or conformity, then mutation
        draw = rnd.random()
        if self.ties and draw < c.imitation_rate:
            peer = rnd.choice(self.ties)
            advantage = (peer.productivity - self.productivity) / c.imitation_temperature
            if rnd.random() < 1.0 / (1.0 + math.exp(-min(max(advantage, -50.0), 50.0))):
                self.data_work = peer.old_data_work
        if draw >= 1.0 - c.norm_conformity:
            signal = 0.0
            if c.formal_tie_strength > 0:
                members = model.units[self.unit]
                total = sum(w.old_data_work - 0.5 for w in members) - (self.old_data_work - 0.5)
                signal += c.formal_tie_strength * (1.0 - a) * total / max(len(members) - 1, 1)
            if self.ties:
                signal += a * sum(w.old_data_work - 0.5 for w in self.ties) / len(self.ties)
            if signal != 0:
                self.data_work = signal > 0
        if c.strategy_mutation > 0 and rnd.random() < c.strategy_mutation:
            self.data_work = not self.data_work

        # turnover: a newcomer takes the place
        if c.turnover > 0 and rnd.random() < c.turnover:
            self.beliefs = [rnd.choice((-1, 0, 1)) for _ in range(len(old))]
            self.autonomy = min(max(c.initial_autonomy, model.a_low), model.a_high)
            self.data_work = rnd.random() < c.initial_data_workers


class MesaReferenceModel(mesa.Model):
    """The dual-IS organisation with one Python ``step()`` per worker (default mechanisms, no policies)."""

    def __init__(self, config: ModelConfig | None = None, rng: int | None = None) -> None:
        super().__init__(rng=rng)
        self.config = c = config if config is not None else ModelConfig()
        self.a_low, self.a_high = autonomy_bounds(c)
        self.reality = [self.random.choice((-1, 1)) for _ in range(c.n_dimensions)]
        self.code = [0] * c.n_dimensions
        self.quality = c.initial_quality if c.commons else 1.0
        self.trust = 1.0
        self.affordance = c.individualization * c.malleability
        self.workers = [Worker(self, i) for i in range(c.n_workers)]
        self.units: dict[int, list[Worker]] = {}
        for w in self.workers:
            self.units.setdefault(w.unit, []).append(w)
        n = c.n_workers
        for w in self.workers:
            for _ in range(c.personal_ties):
                other = self.random.randrange(n - 1)
                w.ties.append(self.workers[other + (other >= w.index)])
        self.ties_rewired = self.practices_changed = self.code_changed = self.reality_changed = 0
        self.datacollector = mesa.DataCollector(
            model_reporters={name: (lambda model, name=name: model.observed[name]) for name in OBSERVABLES}
        )
        self._week(record_only=True)

    def step(self) -> None:
        c = self.config
        self.ties_rewired = self.practices_changed = self.code_changed = self.reality_changed = 0
        for j in range(len(self.reality)):  # turbulence, then scheduled shocks
            if c.turbulence > 0 and self.random.random() < c.turbulence:
                self.reality[j] *= -1
                self.reality_changed += 1
        for shock in c.shocks:
            if shock.time == self.steps:
                for j in self.random.sample(range(len(self.reality)), round(shock.share * len(self.reality))):
                    self.reality[j] *= -1
                    self.reality_changed += 1
        self._week()

    def _week(self, record_only: bool = False) -> None:
        c, m = self.config, len(self.reality)
        workers = self.workers
        self.frag = sum(w.autonomy * (not w.data_work) for w in workers) / len(workers) * (1.0 - c.bridging)
        column = [sum(w.beliefs[j] for w in workers) / len(workers) for j in range(m)]
        diversity = 1.0 - sum(abs(x) for x in column) / m
        self.k_code = sum(cj * r for cj, r in zip(self.code, self.reality)) / m
        self.agents.do("work")
        if not record_only:
            new_code = self._learn_code()
            self.agents.do("step")
            self.code_changed += sum(1 for x, y in zip(new_code, self.code) if x != y)
            self.code = new_code
            if c.commons:
                target = (1.0 - self.frag) * (1.0 - c.inconsistency_penalty * diversity)
                self.quality += c.commons_rate * (target - self.quality)
            blamed = sum(w.blamed for w in self.workers) / len(self.workers)
            self.trust += c.trust_rate * (1.0 - blamed - self.trust)
        self._observe(diversity)
        self.datacollector.collect(self)

    def _learn_code(self) -> list[int]:
        """The code learns from the visible superior group (E8, superior_basis=beliefs)."""
        c, code, reality = self.config, self.code, self.reality
        p = c.code_learning * (1.0 - c.rigidity) * self.quality
        errors = sum(w.errors for w in self.workers)
        if errors > 0:  # the share of errors wrongly blamed on the system (E5d)
            p *= 1.0 - c.blame_bias * (errors - sum(w.system_errors for w in self.workers)) / errors
        if p <= 0:
            return code
        own = sum(1 for cj, r in zip(code, reality) if cj == r)
        superior = [w for w in self.workers if sum(1 for b, r in zip(w.old_beliefs, reality) if b == r) > own]
        new = list(code)
        for j in range(len(code)):
            net = agree = weight_sum = 0.0
            for w in superior:
                v = 1.0 - w.autonomy * (not w.data_work)
                net += v * w.old_beliefs[j]
                agree += v * (w.old_beliefs[j] == code[j])
                weight_sum += v
            majority, pressure = sign(net), weight_sum - 2.0 * agree
            adopt = 1.0 - (1.0 - p) ** max(pressure, 0.0)
            if majority != 0 and majority != code[j] and self.random.random() < adopt:
                new[j] = majority
        return new

    def _observe(self, diversity: float) -> None:
        c, workers, n, m = self.config, self.workers, len(self.workers), len(self.reality)
        autonomy = [w.autonomy for w in workers]
        mean_a = sum(autonomy) / n
        tie_churn, practice_churn = self.ties_rewired / n, self.practices_changed / n
        errors = sum(w.errors for w in workers)
        self.observed = {
            "org_knowledge": self.k_code,
            "code_accuracy": sum(1 for cj, r in zip(self.code, self.reality) if cj == r) / m,
            "worker_knowledge": sum(w.knowledge for w in workers) / n,
            "autonomy_mean": mean_a,
            "autonomy_sd": math.sqrt(sum((a - mean_a) ** 2 for a in autonomy) / n),
            "practice_diversity": diversity,
            "commons_quality": self.quality,
            "fragmentation": self.frag,
            "data_worker_share": sum(w.data_work for w in workers) / n,
            "productivity": sum(w.productivity for w in workers) / n,
            "satisfaction": sum(w.satisfaction for w in workers) / n,
            "clash": sum(w.clash for w in workers) / n,
            "tie_churn": tie_churn,
            "practice_churn": practice_churn,
            "surface_churn": tie_churn + practice_churn,
            "deep_change": float(self.code_changed),
            "reality_change": float(self.reality_changed),
            "institutional_pull": sum(c.code_adoption * c.enforcement * (1.0 - a) for a in autonomy) / n,
            "exploration": sum(c.experiment_rate * c.malleability * a for a in autonomy) / n,
            "workload": sum(w.workload for w in workers) / n,
            "blame": sum(w.blamed for w in workers) / errors if errors else 0.0,
            "trust": self.trust,
            "shared_conflict": 0.0,  # the reference is the default organisation: no shared processes
            "shared_neglect": 0.0,
            "rule_clash": 0.0,  # and no migration
            "petrified": 0.0,
            "held_at_ceiling": sum(
                1 for w in workers if self.a_high < 1.0 and w.autonomy >= self.a_high and w.gradient > 0
            )
            / n,
        }

    def run(self, steps: int) -> None:
        while self.running and self.steps < steps:
            self.step()

    def table(self):
        frame = self.datacollector.get_model_vars_dataframe()
        frame.insert(0, "step", range(len(frame)))
        return frame.reset_index(drop=True)


def agent_steps_per_second(n_workers: int, steps: int, seed: int = 0) -> float:
    """Rate of the reference model after a short warm-up (default config, m = 30, no shocks)."""
    model = MesaReferenceModel(ModelConfig(n_workers=n_workers, n_dimensions=30, shocks=[]), rng=seed)
    model.run(2)
    start = time.perf_counter()
    model.run(model.steps + steps)
    return n_workers * steps / (time.perf_counter() - start)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1_000)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    print(f"{agent_steps_per_second(args.workers, args.steps):,.0f} agent-steps/s")
