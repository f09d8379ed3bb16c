"""Configuration schema of the dual-IS model: plain dataclasses, no Hydra.

Every parameter carries its allowed range and unit in the field metadata, so
that one function (:func:`validate`) checks a whole configuration before any
work starts, and the ODD document can list the same ranges the code enforces.
Hydra registers these dataclasses as structured configs in :mod:`sim.cli.app`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A configuration value outside what the model allows (one line, names the key)."""


def param(default: Any, low: float, high: float, unit: str, doc: str, symbol: str = "") -> Any:
    """A config field with inclusive bounds ``[low, high]``, a unit, a one-line meaning and its symbol in the ODD."""
    return field(default=default, metadata={"bounds": (low, high), "unit": unit, "doc": doc, "symbol": symbol})


class StepRule(Enum):
    """How a belief moves when it is influenced (March's text vs. stepwise reading)."""

    jump = "jump"  # adopt the influencing value outright (March 1991, text)
    one_step = "one_step"  # move one step towards it: -1 -> 0 -> +1


class ZeroBelief(Enum):
    """How a worker acts on a dimension where it holds no belief (0)."""

    abstain = "abstain"  # a 0 belief contributes nothing (March 1991, text)
    coin_flip = "coin_flip"  # a 0 belief acts as a random +-1 (March's program)


class SuperiorBasis(Enum):
    """What the code compares with its own knowledge to find the superior group."""

    beliefs = "beliefs"  # beliefs that match reality (March 1991, text)
    actions = "actions"  # actions, zero beliefs acting per ZeroBelief (March's program)


class Engine(Enum):
    """Which implementation steps the model: the same equations, different random streams."""

    numba = "numba"  # fused compiled kernels (sim.core.kernels): the fast default
    numpy = "numpy"  # whole-array NumPy operations (sim.core.mechanisms): the readable reference


@dataclass
class Shock:
    """A scheduled shock to the task environment: a share of reality flips sign."""

    time: int = param(100, 1, math.inf, "step", "step at which the shock hits")
    share: float = param(0.3, 0.0, 1.0, "share of dimensions", "share of reality flipped")


@dataclass
class Change:
    """A scheduled change of one model parameter, from ``time`` on (e.g. a lockdown cuts formal ties)."""

    time: int = param(100, 1, math.inf, "step", "step from which the new value holds")
    key: str = field(default="enforcement", metadata={"doc": "a numeric model parameter (not a size)"})
    value: float = field(default=0.0, metadata={"doc": "the new value, within the key's range"})


@dataclass
class Migration:
    """Replacement of the organisational code by a vendor standard (ERP migration, seed 003 §3.4)."""

    time: int = param(100, 1, math.inf, "step", "step at which the new system goes live")
    accuracy: float = param(
        0.7, 0.0, 1.0, "share of dimensions", "share of dimensions on which the vendor's process fits the task"
    )


class PolicyKind(Enum):
    """The interventions an analyst can test (docs/odd.md, section 10)."""

    mandate = "mandate"  # raise enforcement: mandate system use
    liberalise = "liberalise"  # lower enforcement, raise tool malleability
    recognise_data_work = "recognise_data_work"  # data work recognised as work: lower its cost
    participation = "participation"  # periodic workshops: outside practice reaches the code
    boundary_spanners = "boundary_spanners"  # spanners carry off-record information into shared channels
    migration = "migration"  # replace (part of) the code by a vendor standard


@dataclass
class Policy:
    """One intervention: what, from when, until when (None: to the end of the run), how strongly."""

    kind: PolicyKind = PolicyKind.mandate
    start: int = param(100, 1, math.inf, "step", "first week the policy is in force")
    end: int | None = field(default=None, metadata={"doc": "first week it is no longer in force (None: never ends)"})
    strength: float = param(0.5, 0.0, 1.0, "share", "how far the policy moves its lever (0: no effect)")
    period: int = param(4, 1, 10_000, "weeks", "weeks between participation workshops")
    accuracy: float = param(
        0.7, 0.0, 1.0, "share of dimensions", "share of dimensions on which a migrated vendor standard fits"
    )


STRUCTURAL = ("n_workers", "n_dimensions", "unit_size", "personal_ties")


@dataclass
class ModelConfig:
    """All parameters of one organisation. One step is one working week."""

    # --- size and structure -------------------------------------------------
    n_workers: int = param(200, 2, 10_000_000, "workers", "number of knowledge workers", symbol="n")
    n_dimensions: int = param(30, 1, 10_000, "dimensions", "task dimensions m (March's m)", symbol="m")
    unit_size: int = param(
        10, 1, 10_000_000, "workers", "workers per formal unit (last unit may be smaller)", symbol="u"
    )
    personal_ties: int = param(6, 0, 1_000, "ties per worker", "personal ties each worker keeps", symbol="k")
    formal_tie_strength: float = param(
        1.0, 0.0, 1.0, "weight", "weight of formal unit ties in the peer view (0 = cut, e.g. lockdown)", symbol="φ"
    )

    # --- individualization (surface structure) -----------------------------
    individualization: float = param(
        0.5,
        0.0,
        1.0,
        "pressure",
        "pull of personal tools: affordance payoff, wanted autonomy, self-organisation",
        symbol="ι",
    )
    malleability: float = param(0.7, 0.0, 1.0, "share", "end-user malleability of personal tools", symbol="μ")
    experiment_rate: float = param(
        0.3,
        0.0,
        1.0,
        "probability/week/dimension",
        "chance a fully autonomous worker tries another practice",
        symbol="x",
    )
    perception_noise: float = param(
        0.5, 0.0, 100.0, "payoff units", "sd of noise on a perceived practice gain", symbol="σ"
    )
    rewire_rate: float = param(
        0.5, 0.0, 1.0, "probability/week", "chance a fully autonomous worker rewires a tie", symbol="ρ"
    )
    autonomy_adjust_rate: float = param(
        0.05, 0.0, 1.0, "autonomy/payoff", "step size of autonomy equilibration", symbol="η"
    )
    initial_autonomy: float = param(0.3, 0.0, 1.0, "share of work", "autonomy every worker starts with", symbol="a₀")
    min_autonomy: float = param(
        0.0,
        0.0,
        1.0,
        "share of work",
        "floor on autonomy, e.g. forced remote work (wins over the ceiling)",
        symbol="a_min",
    )
    wanted_autonomy_concentration: float = param(
        10.0, 0.1, 1e6, "Beta concentration", "how tightly wanted autonomy clusters around the pressure", symbol="κ"
    )

    # --- socialization ------------------------------------------------------
    socialization: float = param(
        0.02, 0.0, 1.0, "probability/week/dimension", "rate of adopting the peers' majority", symbol="p_s"
    )

    # --- institutionalization (deep structure) -----------------------------
    enforcement: float = param(
        0.3,
        0.0,
        1.0,
        "share",
        "pull of in-system work onto the code, and ceiling 1-enforcement on autonomy",
        symbol="e",
    )
    code_adoption: float = param(
        0.3,
        0.0,
        1.0,
        "probability/week/dimension",
        "rate at which fully enforced in-system work teaches the code's practice (March's p1)",
        symbol="p₁",
    )
    slow_learners: float = param(
        0.0, 0.0, 1.0, "share of workers", "share who learn the code slowly (March's heterogeneous p1)", symbol="σ_s"
    )
    slow_code_adoption: float = param(
        0.1, 0.0, 1.0, "probability/week/dimension", "code adoption rate of the slow learners", symbol="p₁ˢ"
    )
    code_learning: float = param(0.5, 0.0, 1.0, "probability/week", "code learning rate (March's p2)", symbol="p₂")
    rigidity: float = param(
        0.3, 0.0, 1.0, "share", "how much the system resists change (slows code learning)", symbol="R"
    )

    # --- commons and data work ---------------------------------------------
    commons: bool = field(default=True, metadata={"doc": "model the data commons (off: Q fixed at 1)"})
    initial_quality: float = param(0.5, 0.0, 1.0, "quality", "data commons quality Q at start", symbol="Q₀")
    commons_rate: float = param(
        0.1, 0.0, 1.0, "1/week", "speed at which Q relaxes to what capture sustains", symbol="λ"
    )
    inconsistency_penalty: float = param(
        0.5, 0.0, 1.0, "share", "loss of Q from diverse, inconsistent practice (parallel versions)", symbol="δ"
    )
    data_work_cost: float = param(
        0.3, 0.0, 10.0, "payoff units", "time cost of recording all out-of-system work", symbol="c"
    )
    initial_data_workers: float = param(
        0.7, 0.0, 1.0, "share of workers", "share who do data work at start", symbol="s₀"
    )
    imitation_rate: float = param(
        0.1, 0.0, 1.0, "probability/week", "chance of comparing payoff with a tie", symbol="p_i"
    )
    imitation_temperature: float = param(
        0.1, 1e-6, 100.0, "payoff units", "noise of the Fermi imitation rule", symbol="T"
    )
    norm_conformity: float = param(
        0.03,
        0.0,
        1.0,
        "probability/week",
        "chance of adopting the data-work choice of most personal ties",
        symbol="p_n",
    )
    strategy_mutation: float = param(
        0.005, 0.0, 1.0, "probability/week", "chance of switching data work at random", symbol="p_m"
    )

    # --- payoffs (productivity, the economic outcome) ----------------------
    knowledge_weight: float = param(1.0, 0.0, 100.0, "payoff units", "value of task knowledge", symbol="w_K")
    affordance_weight: float = param(1.0, 0.0, 100.0, "payoff units", "value of personal malleable tools", symbol="w_A")
    commons_weight: float = param(
        0.5, 0.0, 100.0, "payoff units", "value of commons data reached through the system", symbol="w_Q"
    )
    clash_weight: float = param(
        0.5, 0.0, 100.0, "payoff units", "cost of enforced rules that contradict practice", symbol="w_C"
    )
    bridging: float = param(
        0.0,
        0.0,
        1.0,
        "share",
        "share of off-record information boundary spanners carry into shared channels",
        symbol="β",
    )
    coordination_weight: float = param(
        0.3, 0.0, 100.0, "payoff units", "coordination cost of fragmentation", symbol="w_F"
    )
    data_dependence: float = param(
        0.3,
        0.0,
        100.0,
        "payoff units",
        "cost per unit of out-of-system work of finding fragmented data (0: off)",
        symbol="w_D",
    )
    workshop_needs: float = param(
        0.0,
        0.0,
        1.0,
        "weight",
        "weight a participatory workshop gives to failures met by following a wrong rule (0: off)",
        symbol="ν",
    )
    rule_redesign_rate: float = param(
        1.0,
        0.0,
        1.0,
        "probability/week",
        "chance a rule a new system contradicts is rewritten by the organisation each week (1: at once)",
        symbol="r_O",
    )
    customisation_rate: float = param(
        0.0,
        0.0,
        1.0,
        "probability/week",
        "chance such a rule is re-coded into the system instead, frozen there since (0: never)",
        symbol="r_S",
    )
    shared_processes: float = param(
        0.0,
        0.0,
        1.0,
        "share of processes",
        "share of processes collaboration tools open to every unit, owned by none (0: off)",
        symbol="σ_P",
    )
    paper_share: float = param(
        0.0,
        0.0,
        1.0,
        "share of processes",
        "share of processes whose audit rules still demand a paper record of in-system work (0: off)",
        symbol="ψ",
    )
    blame_bias: float = param(
        0.0,
        0.0,
        1.0,
        "probability",
        "chance that an error of one's own practice is blamed on the system (and not corrected)",
        symbol="β_A",
    )
    trust_rate: float = param(
        0.1, 0.0, 1.0, "1/week", "speed at which trust in the system follows the errors blamed on it", symbol="λ_T"
    )
    distrust_weight: float = param(
        0.0,
        0.0,
        100.0,
        "payoff units",
        "extra pay workers see in working around a system they distrust (0: off)",
        symbol="w_T",
    )
    peer_sanction: float = param(
        0.0,
        0.0,
        100.0,
        "payoff units",
        "loss of a free rider whose unrecorded work data-working unit-mates see (0: off)",
        symbol="w_S",
    )

    # --- satisfaction (the humanistic outcome) -----------------------------
    fit_weight: float = param(1.0, 0.0, 100.0, "satisfaction", "loss per unit gap to wanted autonomy", symbol="f_A")
    workload_weight: float = param(
        0.5, 0.0, 100.0, "satisfaction", "loss per unit of data and coordination work", symbol="f_L"
    )
    clash_satisfaction_weight: float = param(
        0.5, 0.0, 100.0, "satisfaction", "loss per unit of clash on rules", symbol="f_C"
    )

    # --- environment -------------------------------------------------------
    turbulence: float = param(0.0, 0.0, 1.0, "probability/week/dimension", "reality drift (March's p4)", symbol="p₄")
    turnover: float = param(0.0, 0.0, 1.0, "probability/week", "chance a worker is replaced (March's p3)", symbol="p₃")
    shocks: list[Shock] = field(default_factory=list, metadata={"doc": "scheduled environment shocks"})
    changes: list[Change] = field(default_factory=list, metadata={"doc": "scheduled parameter changes"})
    migrations: list[Migration] = field(default_factory=list, metadata={"doc": "scheduled code replacements"})
    policies: dict[str, Policy] = field(default_factory=dict, metadata={"doc": "interventions in force, by name"})

    # --- March (1991) reading switches -------------------------------------
    step_rule: StepRule = field(default=StepRule.jump, metadata={"doc": "how an influenced belief moves"})
    zero_belief: ZeroBelief = field(default=ZeroBelief.abstain, metadata={"doc": "how a 0 belief acts"})
    superior_basis: SuperiorBasis = field(
        default=SuperiorBasis.beliefs, metadata={"doc": "what the code judges the superior group on"}
    )

    # --- implementation -------------------------------------------------------
    engine: Engine = field(
        default=Engine.numba,
        metadata={"doc": "numba: compiled kernels; numpy: the reference, bit-identical to earlier releases"},
    )


SETTLE_OBSERVABLES = ("commons_quality", "autonomy_mean", "data_worker_share", "worker_knowledge")


@dataclass
class RegimeConfig:
    """How regime indicators are measured and where the classifier draws its lines (docs/odd.md, section 8)."""

    test: str = field(
        default="settled",
        metadata={
            "choices": ("settled", "scheduled"),
            "doc": "settled: shock the organisation once its series have settled; scheduled: the first model.shocks",
        },
    )
    settle_window: int = param(100, 2, 100_000, "weeks", "rolling window over which drift is measured")
    settle_tolerance: float = param(
        0.02, 0.0, 2.0, "units of the observable", "largest trend change over one window of a settled series"
    )
    shock_share: float = param(0.3, 0.0, 1.0, "share of dimensions", "share of reality the settled test shock flips")
    recovery_window: int = param(
        200, 1, 10_000_000, "weeks", "weeks a settled run goes on after its test shock (burn-in cap: steps minus this)"
    )
    baseline_window: int = param(30, 1, 100_000, "weeks", "weeks before the shock that define the steady state")
    recovery_measure: str = field(
        default="worker_knowledge",
        metadata={
            "choices": ("worker_knowledge", "org_knowledge", "productivity"),
            "doc": "what the shock test watches",
        },
    )
    recovery_tolerance: float = param(
        0.05, 0.0, 2.0, "knowledge units", "recovered once within this distance of the pre-shock level"
    )
    loose_max_quality: float = param(
        0.5, 0.0, 1.0, "quality", "commons quality Q at or below which the commons has collapsed (loose)"
    )
    rigid_min_recovery: float = param(
        50,
        0,
        100_000,
        "weeks",
        "recovery slower than this, or none, means the organisation does not adapt (rigid or inert)",
    )
    resilient_min_churn: float = param(
        0.1, 0.0, 100.0, "changes/worker/week", "surface churn below this means a frozen surface (not adaptive)"
    )
    rigid_min_held: float = param(
        0.5,
        0.0,
        1.0,
        "share of workers",
        "share held at the autonomy ceiling, wanting more, from which enforcement is what stops adaptation (rigid)",
    )


class RampDirection(Enum):
    """Which way a ramp moves its parameter (a quasi-static sweep within one run)."""

    none = "none"
    up = "up"  # from `low` to `high`
    down = "down"  # from `high` to `low`


@dataclass
class RampConfig:
    """A parameter moved slowly in equal steps within one run: the sweep up or down of a hysteresis test."""

    direction: RampDirection = field(default=RampDirection.none, metadata={"doc": "none, up or down"})
    key: str = field(default="enforcement", metadata={"doc": "a numeric model parameter (not a size)"})
    low: float = field(default=0.0, metadata={"doc": "lowest value, within the key's range"})
    high: float = field(default=1.0, metadata={"doc": "highest value, within the key's range"})
    levels: int = param(51, 2, 100_000, "values", "values from one end to the other, both ends included")
    start: int = param(300, 1, 10_000_000, "step", "week the second level starts (the first holds from week 0)")
    weeks_per_level: int = param(40, 1, 10_000_000, "weeks", "weeks each level holds")

    def values(self) -> list[float]:
        """The levels in the order the ramp visits them."""
        span = [self.low + (self.high - self.low) * i / (self.levels - 1) for i in range(self.levels)]
        values = [round(v, 10) for v in span]
        return values[::-1] if self.direction is RampDirection.down else values

    def end(self) -> int:
        """The week the last level ends."""
        return self.start + (self.levels - 1) * self.weeks_per_level


@dataclass
class ExplorationConfig:
    """Open exploration (``study=exploration``, :mod:`sim.exploration`): a space-filling design over many parameters."""

    samples: int = param(0, 0, 10_000_000, "points", "design points to sample (0: no exploration)")
    method: str = field(
        default="lhs",
        metadata={"choices": ("lhs", "sobol"), "doc": "Latin hypercube or scrambled Sobol sequence (scipy.stats.qmc)"},
    )
    seed: int = param(0, 0, 2**32 - 1, "integer", "seed of the sampler: the design depends on it and these keys only")
    parameters: list[str] = field(
        default_factory=list,
        metadata={"doc": "model parameters to vary (empty: the default space of sim.runs.exploration.default_space)"},
    )
    ranges: dict[str, list[float]] = field(
        default_factory=dict, metadata={"doc": "[low, high] of a varied parameter, within its schema range"}
    )


@dataclass
class OutputConfig:
    """What a run writes into its folder."""

    table_format: str = field(default="parquet", metadata={"choices": ("parquet", "csv")})
    figure: bool = True
    progress: bool = True


COMPARISON_OUTCOMES = (
    "productivity",
    "satisfaction",
    "commons_quality",
    "data_worker_share",
    "recovery_time_capped",
    "resilient",
)
"""The outcomes a policy report compares (sim.compare describes each, with its direction and window)."""
RANKABLE_OUTCOMES = tuple(o for o in COMPARISON_OUTCOMES if o != "data_worker_share")
"""Outcomes with a direction (higher is better, or worse): the share of data workers is a means, not an end."""


def _weight(outcome: str) -> Any:
    return param(0.0, 0.0, math.inf, "weight", f"weight of the gain in {outcome}, in standard deviations over all runs")


@dataclass
class OutcomeWeights:
    """Weights of a ranking by weighted score, one per outcome of RANKABLE_OUTCOMES (all 0: no weighted ranking)."""

    productivity: float = _weight("productivity")
    satisfaction: float = _weight("satisfaction")
    commons_quality: float = _weight("commons quality")
    recovery_time_capped: float = _weight("weeks to recover (a gain is a faster recovery)")
    resilient: float = _weight("the chance of ending resilient")

    def given(self) -> dict[str, float]:
        """The weights that are not 0, by outcome."""
        return {name: value for name, value in dataclasses.asdict(self).items() if value}


@dataclass
class ComparisonConfig:
    """How a policy report orders and tests its policies (sim.compare); no ranking unless asked for."""

    rank_by: str | None = field(
        default=None, metadata={"doc": "rank the policies by their effect on this outcome (None: no ranking)"}
    )
    weights: OutcomeWeights = field(default_factory=OutcomeWeights)
    correction: str = field(
        default="holm",
        metadata={"choices": ("holm", "fdr_bh"), "doc": "multiplicity correction: Holm or Benjamini-Hochberg"},
    )


@dataclass
class DoseConfig:
    """Override the strength and start week of every policy in force (a dose-response sweep; None: as set)."""

    strength: float | None = field(default=None, metadata={"doc": "strength of every policy in force, in [0, 1]"})
    start: int | None = field(
        default=None, metadata={"doc": "start week of every policy in force (an end moves with it)"}
    )


@dataclass
class RunConfig:
    """One run: a model configuration, a seed and a horizon."""

    seed: int = param(0, 0, 2**63 - 1, "integer", "seed of the model's one random generator")
    steps: int = param(300, 1, 10_000_000, "weeks", "number of steps to run")
    stop_at_equilibrium: bool = field(
        default=False, metadata={"doc": "stop once every belief equals the code (March's equilibrium)"}
    )
    replicates: int = param(1, 1, 100_000, "runs", "seeds run in one job: seed, seed+1, ..., seed+replicates-1")
    design: str | None = field(
        default=None, metadata={"doc": "a Parquet table of model parameter points (a design of experiments)"}
    )
    point: int | None = field(default=None, metadata={"doc": "the row of `design` this job runs (sweep it)"})
    model: ModelConfig = field(default_factory=ModelConfig)
    regime: RegimeConfig = field(default_factory=RegimeConfig)
    ramp: RampConfig = field(default_factory=RampConfig)
    exploration: ExplorationConfig = field(default_factory=ExplorationConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    comparison: ComparisonConfig = field(default_factory=ComparisonConfig)
    dose: DoseConfig = field(default_factory=DoseConfig)


def parameter_rows(schema: type | None = None) -> list[dict[str, Any]]:
    """One row per parameter of ``schema`` (default :class:`ModelConfig`): name, symbol, default, range, unit, meaning.

    The ODD's parameter table and any user interface that offers sliders read this,
    so they cannot drift from the ranges :func:`validate` enforces.
    """
    schema = schema or ModelConfig
    rows = []
    for f in dataclasses.fields(schema):
        default = f.default_factory() if f.default is dataclasses.MISSING else f.default
        bounds = f.metadata.get("bounds")
        if isinstance(default, Enum):
            allowed = ", ".join(member.name for member in type(default))
            default = default.name
        elif "choices" in f.metadata:
            allowed = ", ".join(f.metadata["choices"])
        elif bounds is not None:
            allowed = f"[{bounds[0]:g}, {bounds[1]:g}]"
        else:
            allowed = "true, false" if isinstance(default, bool) else "see text"
        rows.append(
            {
                "name": f.name,
                "symbol": f.metadata.get("symbol", ""),
                "default": default,
                "allowed": allowed,
                "unit": f.metadata.get("unit", ""),
                "meaning": f.metadata.get("doc", ""),
            }
        )
    return rows


def _check_fields(obj: Any, prefix: str) -> None:
    for f in dataclasses.fields(obj):
        key = f"{prefix}{f.name}"
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            _check_fields(value, f"{key}.")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if dataclasses.is_dataclass(item):
                    _check_fields(item, f"{key}[{i}].")
        elif isinstance(value, dict):
            for name, item in value.items():
                if dataclasses.is_dataclass(item):
                    _check_fields(item, f"{key}.{name}.")
        bounds = f.metadata.get("bounds")
        if bounds is not None:
            low, high = bounds
            if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
                raise ConfigError(f"{key}={value!r} is not a number; allowed: [{low}, {high}] ({f.metadata['unit']})")
            if not low <= value <= high:
                raise ConfigError(f"{key}={value!r} is outside [{low:g}, {high:g}] ({f.metadata['unit']})")
        choices = f.metadata.get("choices")
        if choices is not None and value not in choices:
            raise ConfigError(f"{key}={value!r} is not allowed; allowed: {', '.join(choices)}")
        kind = type(f.default)
        if issubclass(kind, Enum) and not isinstance(value, kind):  # a plain string would be read as the default
            allowed = ", ".join(f"{kind.__name__}.{member.name}" for member in kind)
            raise ConfigError(f"{key}={value!r} is a {type(value).__name__}; allowed: {allowed}")


def validate(run: RunConfig) -> RunConfig:
    """Check every value of ``run``; raise :class:`ConfigError` naming the first bad key.

    Besides the per-field ranges this checks relations between fields that no
    single range can express. Returns ``run`` unchanged so calls can chain.
    """
    _check_fields(run, "")
    _check_model_relations(run.model)
    if run.design is not None and not Path(run.design).is_file():
        raise ConfigError(f"design={run.design} is not a file; allowed: a Parquet table of parameter points")
    _check_ramp(run)
    _check_comparison(run.comparison)
    _check_dose(run)
    _check_within_run(run)
    if (run.design is None) != (run.point is None):
        raise ConfigError(f"design={run.design} and point={run.point} go together: set both or neither")
    return run


def validate_model(model: ModelConfig) -> ModelConfig:
    """Check an organisation's parameters as :func:`validate` does (keys named ``model.*``); returns ``model``."""
    _check_fields(model, "model.")
    _check_model_relations(model)
    return model


def _check_model_relations(model: ModelConfig) -> None:
    """Relations between the organisation's parameters, its scheduled changes and its policies."""
    if model.personal_ties >= model.n_workers:
        raise ConfigError(f"model.personal_ties={model.personal_ties} must be below model.n_workers={model.n_workers}")
    if model.unit_size > model.n_workers:
        raise ConfigError(f"model.unit_size={model.unit_size} must not exceed model.n_workers={model.n_workers}")
    if model.rule_redesign_rate + model.customisation_rate > 1:
        raise ConfigError(
            f"model.rule_redesign_rate={model.rule_redesign_rate:g} + model.customisation_rate="
            f"{model.customisation_rate:g} exceed 1: they are competing weekly chances (lower the redesign rate)"
        )
    for i, change in enumerate(model.changes):
        _check_change(change, f"model.changes[{i}]")
    for name, policy in model.policies.items():
        _check_policy(policy, f"model.policies.{name}")


def _check_within_run(run: RunConfig) -> None:
    """Scheduled events and policies must start within the run: later ones would change nothing."""
    model = run.model
    scheduled = [(f"model.shocks[{i}].time", s.time) for i, s in enumerate(model.shocks)]
    scheduled += [(f"model.changes[{i}].time", c.time) for i, c in enumerate(model.changes)]
    scheduled += [(f"model.migrations[{i}].time", m.time) for i, m in enumerate(model.migrations)]
    scheduled += [(f"model.policies.{name}.start", p.start) for name, p in model.policies.items()]
    for key, week in scheduled:
        if week > run.steps:
            raise ConfigError(
                f"{key}={week} is after the run's last week (steps={run.steps}); allowed: 0 to {run.steps}"
            )


def _check_change(change: Change, key: str, value_key: str | None = None) -> None:
    """A scheduled change must name a bounded, non-structural parameter and stay within its range."""
    fields = {f.name: f for f in dataclasses.fields(ModelConfig)}
    target = fields.get(change.key)
    if target is None or "bounds" not in target.metadata or change.key in STRUCTURAL:
        allowed = [name for name, f in fields.items() if "bounds" in f.metadata and name not in STRUCTURAL]
        raise ConfigError(f"{key}.key={change.key!r} is not a changeable parameter; allowed: {', '.join(allowed)}")
    low, high = target.metadata["bounds"]
    if not low <= change.value <= high:
        raise ConfigError(
            f"{value_key or key + '.value'}={change.value!r} is outside [{low:g}, {high:g}] for {change.key}"
        )


def _check_ramp(run: RunConfig) -> None:
    """A ramp moves a changeable parameter within its range and, if it moves at all, ends within the run."""
    ramp = run.ramp
    for end in ("low", "high"):
        _check_change(Change(time=1, key=ramp.key, value=getattr(ramp, end)), "ramp", value_key=f"ramp.{end}")
    if ramp.direction is not RampDirection.none and ramp.end() > run.steps:
        raise ConfigError(
            f"ramp ends in week {ramp.end()} (ramp.start + (ramp.levels - 1) * ramp.weeks_per_level), "
            f"after steps={run.steps}; allowed: a ramp that ends within the run"
        )


def _check_policy(policy: Policy, key: str) -> None:
    """Numbers are range-checked with every field; here: a policy must end after it starts."""
    if policy.end is not None and policy.end <= policy.start:
        raise ConfigError(f"{key}.end={policy.end} must be after {key}.start={policy.start} (or null: never ends)")


def _check_comparison(comparison: ComparisonConfig) -> None:
    """A ranking names a known outcome, or sets weights, not both (weights are range-checked as fields)."""
    if comparison.rank_by is not None and comparison.rank_by not in RANKABLE_OUTCOMES:
        raise ConfigError(
            f"comparison.rank_by={comparison.rank_by} is not an outcome with a direction; "
            f"allowed: {', '.join(RANKABLE_OUTCOMES)}"
        )
    if comparison.rank_by is not None and comparison.weights.given():
        raise ConfigError(
            f"comparison.rank_by={comparison.rank_by} and comparison.weights are both set; allowed: one of them"
        )


def _check_dose(run: RunConfig) -> None:
    """A dose overrides the policies in force, so there must be one, and its values must be in range."""
    dose = run.dose
    if dose.strength is None and dose.start is None:
        return
    if not run.model.policies:
        key, value = ("dose.strength", dose.strength) if dose.strength is not None else ("dose.start", dose.start)
        raise ConfigError(f"{key}={value} needs a policy in force; allowed: with policy=<a policy other than none>")
    if dose.strength is not None and not 0 <= dose.strength <= 1:
        raise ConfigError(f"dose.strength={dose.strength!r} is outside [0, 1] (share)")
    if dose.start is not None and dose.start < 1:
        raise ConfigError(f"dose.start={dose.start!r} is outside [1, inf] (step)")
