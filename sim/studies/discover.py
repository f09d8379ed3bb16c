"""Scenario discovery: where in parameter space is a target concentrated? PRIM boxes, CART and feature scores.

    python -m sim.discover outputs/studies/exploration-lhs2000-seed0 --target resilient
    python -m sim.discover <sweep folder> --target rigid            # or loose, inert, unsettled
    python -m sim.discover <sweep folder> --target 'recovery_time<30'
    python -m sim.discover <sweep folder> --target 'resilient&final_worker_knowledge>=0.5'
    python -m sim.discover <sweep folder> --target bistable          # a ramped exploration (hysteresis)

The inputs are the sweep's varied model parameters (the ``model.*`` columns of its tidy
table with more than one value, e.g. an exploration's design); the target is a yes/no per
run: a regime, a threshold on any numeric column of the table (an indicator such as
``recovery_time`` or ``commons_quality``, or ``final_<observable>``; a recovery that never
came counts as infinitely slow), several of these joined by ``&``, or, for a sweep of ramps up and down over design points,
whether a point is bistable (:func:`bistable_points`). Failed runs are left out.

The algorithms are EMA Workbench's (Kwakkel 2017): PRIM (Friedman & Fisher 1999) peels the
box in which the target is densest, one box after another (``--boxes``); on each box's peeling
trajectory the chosen box is the one that best separates target from other runs (the largest
Youden's J: share of the target runs inside minus share of the other runs inside) among those
covering at least ``--min-coverage`` of the target runs not yet in an earlier box,
and a restriction whose limits could have come about by chance (quasi-p value above 0.05 on
each) is then dropped (EMA's ``drop_restriction``). Per box: *coverage* = target runs
in the box / all target runs, *density* = target runs in the box / runs in the box, *mass* =
runs in the box / all runs, the restricted parameters with their limits and the quasi-p
values of each limit (the chance that a limit this tight would appear by chance in a box of
this size). CART (a classification tree, ``--mass-min`` the smallest leaf) gives the leaves as
boxes; extra-trees feature scoring ranks every parameter by how much it explains the target.

Outputs in ``<sweep folder>/discovery-<target>/``: ``report.md``, ``boxes.csv`` (one row per
box and restricted parameter), ``trajectory.csv`` (the peeling trajectories), ``cart.csv``,
``feature_scores.csv``, ``tradeoff.png`` (density against coverage along the trajectory) and
``box_limits.png`` (the chosen box's limits within the sampled ranges).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import operator
import re
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.analysis.files import atomic_write, collect
from sim.analysis.regimes import REGIMES
from sim.runs.exploration import Dimension, load_space

PREFIX = "model."
BISTABLE = "bistable"
OPERATORS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt, "==": operator.eq}
THRESHOLD = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(<=|>=|==|<|>)\s*(-?[\d.]+(?:e-?\d+)?)\s*$")
NEVER = {"recovery_time"}
"""Columns where a missing value means "never": counted as +infinity."""


class DiscoveryError(ValueError):
    """A folder or target that discovery cannot work with (one line)."""


def _ema():
    """EMA Workbench's analysis modules; its package import warns about optional parallel back-ends."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import cart, feature_scoring, prim
        from ema_workbench.analysis.scenario_discovery_util import RuleInductionType
    logging.getLogger("EMA").setLevel(logging.WARNING)
    return prim, cart, feature_scoring, RuleInductionType


def load_runs(sweep_dir: Path) -> pd.DataFrame:
    """The sweep's tidy table (``runs.parquet``, else gathered from its jobs); an error if there is none."""
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise DiscoveryError(f"sweep folder {sweep_dir} is not a folder; allowed: the folder of a sweep or study")
    path = sweep_dir / "runs.parquet"
    table = pd.read_parquet(path) if path.exists() else collect(sweep_dir)
    if table.empty:
        raise DiscoveryError(f"sweep folder {sweep_dir} holds no finished runs (no */summary.json, no runs.parquet)")
    return table


def inputs(table: pd.DataFrame) -> pd.DataFrame:
    """The varied model parameters, named without their ``model.`` prefix (integers stay integers)."""
    columns = [
        c for c in table.columns
        if c.startswith(PREFIX) and pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(table[c])
        and table[c].nunique() > 1
    ]  # fmt: skip
    x = table[columns].rename(columns=lambda c: c[len(PREFIX) :]).reset_index(drop=True)
    for c in x.columns:
        if pd.api.types.is_integer_dtype(x[c]):
            x[c] = x[c].astype(np.int64)
        else:
            x[c] = x[c].astype(float)
    return x


def target_values(table: pd.DataFrame, target: str) -> tuple[np.ndarray, str]:
    """The yes/no target per run, and how it reads in words; a one-line error for an unknown target.

    Conditions joined by ``&`` must all hold: ``resilient&final_worker_knowledge>=0.5``.
    """
    if "&" in target:
        parts = [target_values(table, part.strip()) for part in target.split("&")]
        return np.logical_and.reduce([values for values, _ in parts]), " and ".join(words for _, words in parts)
    if target in REGIMES:
        return (table["regime"] == target).to_numpy(), f"the run ends {target}"
    match = THRESHOLD.match(target)
    if match is None:
        raise DiscoveryError(
            f"--target={target!r} is not a target; allowed: {', '.join(REGIMES)}, {BISTABLE}, "
            "or a threshold such as recovery_time<30 (<, <=, >, >=, ==), several joined by &"
        )
    column, op, number = match.groups()
    if column not in table.columns or not pd.api.types.is_numeric_dtype(table[column]):
        numeric = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c]) and not c.startswith(PREFIX)]
        raise DiscoveryError(f"--target={target!r}: {column!r} is not a numeric column; allowed: {', '.join(numeric)}")
    values = table[column].astype(float)
    if column in NEVER:
        values = values.fillna(math.inf)
    return OPERATORS[op](values, float(number)).fillna(False).to_numpy(dtype=bool), f"{column} {op} {number}"


def bistable_points(sweep_dir: Path, table: pd.DataFrame, gap: float | None = None) -> pd.DataFrame:
    """One row per design point ramped both up and down: its parameters and whether it is bistable.

    A point is bistable when, at some level of the ramped parameter, the seed means of the plateau
    states of the two directions differ by more than ``gap`` in commons quality or autonomy
    (:mod:`sim.analysis.hysteresis`: the same rule and threshold as the hysteresis study).
    """
    from sim.analysis import hysteresis

    gap = hysteresis.GAP if gap is None else gap
    if hysteresis.RAMP not in table.columns or "point" not in table.columns:
        raise DiscoveryError(
            f"--target={BISTABLE} needs a sweep of ramps up and down over design points "
            "(ramp.direction and point columns; e.g. study=exploration_hysteresis)"
        )
    ok = table[table["error"] == ""]
    rows = [
        row | {"point": point}
        for (job, point), seeds in ok.groupby(["job", "point"], sort=False)["seed"]
        for row in hysteresis.job_plateaus(Path(sweep_dir) / job, seeds)
    ]
    if not rows:
        raise DiscoveryError(f"--target={BISTABLE}: no finished ramped runs in {sweep_dir}")
    plateaus = pd.DataFrame(rows)
    means = plateaus.groupby(["point", "value", "direction"])[list(hysteresis.BISTABILITY)].mean().unstack("direction")
    both = means.dropna()
    if both.empty:
        raise DiscoveryError(f"--target={BISTABLE}: no design point was ramped in both directions yet")
    gaps = pd.concat(
        {name: (both[(name, "up")] - both[(name, "down")]).abs() for name in hysteresis.BISTABILITY}, axis=1
    ).max(axis=1)
    largest = gaps.groupby(level="point").max()
    per_point = ok.drop_duplicates("point").set_index("point").loc[largest.index]
    result = per_point.reset_index()
    result["largest_gap"] = largest.to_numpy()
    result["bistable"] = result["largest_gap"] > gap
    return result


@dataclass
class Box:
    """One PRIM box at its chosen point of the peeling trajectory."""

    number: int
    chosen: int
    coverage: float
    density: float
    mass: float
    res_dim: int
    limits: pd.DataFrame  # index: restricted parameter; columns: min, max, qp_lower, qp_upper
    trajectory: pd.DataFrame
    dropped: list[str] = field(default_factory=list)  # restrictions dropped as insignificant


@dataclass
class Discovery:
    """Everything discovery found for one target."""

    target: str
    meaning: str
    x: pd.DataFrame
    y: np.ndarray
    boxes: list[Box]
    cart: pd.DataFrame
    scores: pd.Series
    notes: list[str] = field(default_factory=list)

    @property
    def base_rate(self) -> float:
        return float(self.y.mean())


def choose(trajectory: pd.DataFrame, min_coverage: float) -> int:
    """The box of the trajectory that best separates target from other rows: the largest Youden's J.

    J = (target rows inside / target rows) − (other rows inside / other rows), both counted among the
    rows the trajectory started from (those not in an earlier box): how much better the box does than a
    random box of the same size, whatever the target's base rate. Only boxes covering at least
    ``min_coverage`` of those target rows are eligible; ties go to the larger coverage, and with no
    eligible box the first one (everything) is chosen. Densest-at-a-coverage-floor would always peel down
    to the floor, trading much coverage for a little density that the noise of the data makes up.
    """
    targets, rows = float(trajectory["k"].iloc[0]), float(trajectory["n"].iloc[0])
    cover = trajectory["k"] / targets
    false = (trajectory["n"] - trajectory["k"]) / max(rows - targets, 1.0)
    scored = trajectory.assign(j=cover - false, cover=cover)[cover >= min_coverage - 1e-9]
    if scored.empty:
        return int(trajectory.index[0])
    best = scored.sort_values(["j", "cover"], ascending=False, kind="stable")
    return int(best.index[0])


def _insignificant(box, i: int, qp_max: float) -> list[str]:
    """Restricted parameters of trajectory point ``i`` none of whose limits has a quasi-p value below ``qp_max``."""
    return [name for name, values in box.p_values[i].items() if all(v < 0 or v > qp_max for v in values)]


def prim_boxes(
    x: pd.DataFrame,
    y: np.ndarray,
    boxes: int,
    min_coverage: float,
    peel_alpha: float,
    mass_min: float,
    qp_max: float = 0.05,
    notes: list[str] | None = None,
) -> list[Box]:
    """Up to ``boxes`` PRIM boxes, each chosen on its own trajectory (:func:`choose`).

    On the chosen box, restrictions whose limits could have come about by chance (quasi-p value above
    ``qp_max`` on each of its limits) are dropped with EMA's ``drop_restriction``, one after another.
    """
    prim, *_ = _ema()
    # EMA Workbench 3.0 pastes an integer column by writing a half-step float into its integer box
    # limits, which pandas 3 refuses: integers go in as floats (their limits may then fall between two).
    x = x.astype(float)
    algorithm = prim.Prim(x, y.astype(int), peel_alpha=peel_alpha, mass_min=mass_min)
    notes = [] if notes is None else notes
    found = []
    for number in range(1, boxes + 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            box = algorithm.find_box()
        if box is None:
            break
        trajectory = box.peeling_trajectory.copy().reset_index(drop=True)
        chosen = choose(trajectory, min_coverage)
        box.select(chosen)
        dropped, current = [], chosen
        while weak := _insignificant(box, current, qp_max):
            box.drop_restriction(weak[0], current)  # appends the wider box to the trajectory
            dropped.append(weak[0])
            current = len(box.peeling_trajectory) - 1
        if int(box.peeling_trajectory["res_dim"].iloc[current]) == 0:
            if number > 1 or chosen == 0:
                notes.append(f"PRIM box {number}: none, the target rows left are scattered (nothing beats chance)")
                break
            notes.append(
                f"PRIM box {number}: no limit has a quasi-p value below {qp_max}; shown undropped, read with care"
            )
            current, dropped = chosen, []
        stats, limits = box.inspect(current, style="data")[0]
        limits = limits.droplevel(0, axis=1) if isinstance(limits.columns, pd.MultiIndex) else limits
        limits.columns = ["min", "max", "qp_lower", "qp_upper"]
        found.append(
            Box(number, chosen, float(stats["coverage"]), float(stats["density"]), float(stats["mass"]),
                int(stats["res_dim"]), limits.astype(float), trajectory, dropped)
        )  # fmt: skip
        left = np.setdiff1d(algorithm.yi_remaining, box.yi)
        if not y[left].any():
            break
    return found


def cart_leaves(x: pd.DataFrame, y: np.ndarray, mass_min: float) -> pd.DataFrame:
    """CART's leaves as boxes: one row per leaf and parameter it restricts, with the leaf's statistics.

    A leaf holds at least one run: EMA's CART asks scikit-learn for ``int(mass_min * runs)``
    runs per leaf, which is 0 (and refused) when fewer than ``1 / mass_min`` runs were made.
    The floor is 1.5 runs as a share, so that rounding never makes it 0.
    """
    _, cart, _, _ = _ema()
    np.random.seed(0)  # scikit-learn breaks ties between equally good splits at random
    x = x.astype(float)  # EMA 3.0 writes float split values into integer limits, which pandas 3 refuses
    tree = cart.CART(x, y.astype(int), mass_min=max(mass_min, 1.5 / len(x)))  # int(1.5) = 1, safe from rounding
    tree.build_tree()
    stats = tree.stats_to_dataframe()
    limits = tree.boxes_to_dataframe()
    rows = []
    for leaf, stat in stats.iterrows():
        for parameter in limits.index:
            low, high = limits.loc[parameter, (leaf, "min")], limits.loc[parameter, (leaf, "max")]
            if low > x[parameter].min() or high < x[parameter].max():
                rows.append({"leaf": leaf, "parameter": parameter, "min": low, "max": high, **stat.to_dict()})
        if not any(r["leaf"] == leaf for r in rows):
            rows.append({"leaf": leaf, "parameter": "", "min": math.nan, "max": math.nan, **stat.to_dict()})
    return pd.DataFrame(rows)


def feature_scores(x: pd.DataFrame, y: np.ndarray) -> pd.Series:
    """Extra-trees feature scores of every parameter for the target (they sum to 1)."""
    _, _, scoring, kind = _ema()
    scores, _ = scoring.get_ex_feature_scores(x, y.astype(int), mode=kind.CLASSIFICATION, random_state=0)
    return scores.iloc[:, 0].rename("score").sort_values(ascending=False)


def discover(
    sweep_dir: Path,
    target: str,
    boxes: int = 3,
    min_coverage: float = 0.5,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
) -> Discovery:
    """PRIM boxes, CART leaves and feature scores for ``target`` on the sweep in ``sweep_dir``."""
    table = load_runs(sweep_dir)
    notes = []
    failed = int((table["error"] != "").sum()) if "error" in table.columns else 0
    if failed:
        notes.append(f"{failed} failed runs left out")
        table = table[table["error"] == ""].reset_index(drop=True)
    if target == BISTABLE:
        table = bistable_points(sweep_dir, table)
        y, meaning = table["bistable"].to_numpy(dtype=bool), "the point is bistable (ramps up and down disagree)"
        notes.append(f"one row per design point ramped up and down ({len(table)} points)")
    else:
        y, meaning = target_values(table, target)
    x = inputs(table)
    if x.empty:
        raise DiscoveryError(
            f"sweep folder {sweep_dir} varies no model parameter; allowed: a sweep or exploration over model.* keys"
        )
    if "unsettled" in set(table.get("regime", [])) and target != "unsettled":
        share = float((table["regime"] == "unsettled").mean())
        notes.append(f"{share:.1%} of the runs are unsettled (no regime read); they count as not meeting the target")
    found = prim_boxes(x, y, boxes, min_coverage, peel_alpha, mass_min, notes=notes) if y.any() and not y.all() else []
    if not y.any():
        notes.append("no run meets the target: nothing to discover")
    elif y.all():
        notes.append("every run meets the target: nothing to discover")
    leaves = cart_leaves(x, y, mass_min) if y.any() and not y.all() else pd.DataFrame()
    scores = feature_scores(x, y) if y.any() and not y.all() else pd.Series(dtype=float, name="score")
    return Discovery(target, meaning, x, y, found, leaves, scores, notes)


# --- outputs ------------------------------------------------------------------------------


def slug(target: str) -> str:
    """A folder name for a target: ``recovery_time<30`` -> ``recovery_time-lt-30``."""
    words = {"<=": "-le-", ">=": "-ge-", "==": "-eq-", "<": "-lt-", ">": "-gt-", "&": "-and-"}
    for op, word in words.items():
        target = target.replace(op, word)
    return re.sub(r"[^\w.-]", "", target)


def label(name: str, space: dict[str, Dimension]) -> str:
    """A parameter as a reader sees it: its symbol, name and unit."""
    from sim.core.config import ModelConfig

    meta = next((f.metadata for f in ModelConfig.__dataclass_fields__.values() if f.name == name), {})
    symbol = meta.get("symbol", "")
    unit = meta.get("unit", "")
    return f"{symbol + ' ' if symbol else ''}{name}" + (f" ({unit})" if unit else "")


def sampled_range(name: str, x: pd.DataFrame, space: dict[str, Dimension]) -> tuple[float, float]:
    """The range a parameter was sampled over (the exploration's), else the range the runs span."""
    if name in space:
        return space[name].low, space[name].high
    return float(x[name].min()), float(x[name].max())


def boxes_table(found: Discovery, space: dict[str, Dimension]) -> pd.DataFrame:
    """``boxes.csv``: one row per box and restricted parameter."""
    rows = []
    for box in found.boxes:
        common = {"box": box.number, "trajectory_point": box.chosen, "coverage": box.coverage,
                  "density": box.density, "mass": box.mass, "restricted": box.res_dim}  # fmt: skip
        if box.limits.empty:
            rows.append({**common, "parameter": ""})
        for name, lim in box.limits.iterrows():
            low, high = sampled_range(name, found.x, space)
            rows.append({**common, "parameter": name, "min": lim["min"], "max": lim["max"], "sampled_low": low,
                         "sampled_high": high, "qp_lower": lim["qp_lower"], "qp_upper": lim["qp_upper"]})  # fmt: skip
    return pd.DataFrame(rows)


def tradeoff_figure(found: Discovery) -> plt.Figure:
    """Density against coverage along each box's peeling trajectory, the chosen boxes marked."""
    fig, ax = plt.subplots(figsize=(7.5, 5))
    cmap = plt.get_cmap("viridis")
    most = max([int(b.trajectory["res_dim"].max()) for b in found.boxes] + [1])
    for box, marker in zip(found.boxes, "osD^v", strict=False):
        t = box.trajectory
        points = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap=cmap, vmin=0, vmax=most, s=22,
                            marker=marker, label=f"box {box.number}: peeling trajectory")  # fmt: skip
        c = t.loc[box.chosen]
        ax.scatter([c["coverage"]], [c["density"]], s=220, facecolors="none", edgecolors="#CC3311", linewidths=2)
        ax.annotate(f"box {box.number} chosen on the trajectory\n(coverage {c['coverage']:.2f}, density {c['density']:.2f})",
                    (c["coverage"], c["density"]), xytext=(-10, -30), textcoords="offset points", ha="right",
                    fontsize=8, color="#CC3311")  # fmt: skip
        if box.dropped:  # the reported box: the chosen one without its chance restrictions
            ax.scatter([box.coverage], [box.density], s=160, marker="*", color="#CC3311", zorder=3)
            ax.annotate(f"box {box.number} reported, {len(box.dropped)} chance restrictions dropped\n"
                        f"(coverage {box.coverage:.2f}, density {box.density:.2f})", (box.coverage, box.density),
                        xytext=(0, -48), textcoords="offset points", ha="right", fontsize=8, color="#CC3311")  # fmt: skip
    if found.boxes:
        fig.colorbar(points, ax=ax, label="parameters restricted by the box")
    ax.axhline(
        found.base_rate,
        color="grey",
        ls="--",
        lw=1,
        label=f"share of all runs meeting the target ({found.base_rate:.2f})",
    )
    ax.set_xlim(0, 1.05)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("coverage: share of the target runs inside the box")
    ax.set_ylabel("density: share of the box's runs meeting the target")
    ax.set_title(f"PRIM trade-off for target: {found.meaning}", fontsize=10)
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    return fig


def box_limits_figure(found: Discovery, space: dict[str, Dimension], number: int = 1) -> plt.Figure:
    """The chosen box's limits on each restricted parameter, as a share of the range it was sampled over."""
    box = next((b for b in found.boxes if b.number == number), None)
    names = list(box.limits.index) if box is not None else []
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.55 * max(1, len(names))))
    for i, name in enumerate(names):
        low, high = sampled_range(name, found.x, space)
        lim = box.limits.loc[name]
        span = high - low or 1.0
        a, b = (lim["min"] - low) / span, (lim["max"] - low) / span
        ax.barh(i, 1.0, left=0, color="#DDDDDD", height=0.6)
        ax.barh(i, b - a, left=a, color="#228833", height=0.6)
        fmt = "{:.0f}" if found.x[name].dtype.kind == "i" else "{:.3g}"
        ax.text(1.02, i, f"[{fmt.format(lim['min'])}, {fmt.format(lim['max'])}] of [{fmt.format(low)}, {fmt.format(high)}]",
                va="center", fontsize=8)  # fmt: skip
    ax.set_yticks(range(len(names)), [label(n, space) for n in names], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("position within the sampled range (0 = lowest value sampled, 1 = highest)")
    title = f"PRIM box {number} for target: {found.meaning}"
    if box is not None:
        title += f"\ncoverage {box.coverage:.2f}, density {box.density:.2f}, mass {box.mass:.2f} (green: the box, grey: the sampled range)"
    else:
        title += "\nno box found"
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def markdown(found: Discovery, space: dict[str, Dimension], sweep_dir: Path) -> str:
    """The report: the target, the boxes with their limits, the trajectory, CART's pure leaves, the scores."""
    n = len(found.y)
    lines = [
        f"# Scenario discovery: {found.meaning}",
        "",
        (
            f"Sweep `{sweep_dir}`: {n} rows, {len(found.x.columns)} varied parameters; "
            f"{int(found.y.sum())} rows ({found.base_rate:.1%}) meet the target `{found.target}`."
        ),
        "",
    ]
    lines += [f"- {note}" for note in found.notes] + ([""] if found.notes else [])
    if found.cart.empty and not found.boxes:
        return "\n".join(lines + ["Nothing to discover (see the notes above).", ""])
    lines += ["## PRIM boxes", "", *([] if found.boxes else ["No PRIM box (see the notes above).", ""]),
              ("Coverage: share of all target rows inside the box; density: share of the box's rows meeting the "
              "target; mass: share of all rows inside the box. Each box is the point of its peeling trajectory with "
              "the largest Youden's J (share of the target rows inside minus share of the other rows inside) among "
              "those covering the chosen share of the target rows left after the earlier boxes; restrictions with a quasi-p value above 0.05 on each limit (chance) "
              "are then dropped."), ""]  # fmt: skip
    for box in found.boxes:
        lines += [(f"### Box {box.number}: coverage {box.coverage:.2f}, density {box.density:.2f}, mass {box.mass:.2f}, "
                  f"{box.res_dim} parameters restricted (trajectory point {box.chosen})"), "",
                  "| parameter | box | sampled | quasi-p (lower, upper limit) |", "|---|---|---|---|"]  # fmt: skip
        for name, lim in box.limits.iterrows():
            low, high = sampled_range(name, found.x, space)
            qp = ", ".join("—" if pd.isna(v) else f"{v:.2g}" for v in (lim["qp_lower"], lim["qp_upper"]))
            lines.append(
                f"| {label(name, space)} | [{lim['min']:.4g}, {lim['max']:.4g}] | [{low:.4g}, {high:.4g}] | {qp} |"
            )
        if box.dropped:
            lines.append(f"\nDropped as chance restrictions: {', '.join(box.dropped)}.")
        lines.append("")
    first = found.boxes[0].trajectory if found.boxes else pd.DataFrame(columns=["coverage"])
    lines += (
        [
            "### Peeling trajectory of box 1",
            "",
            "| point | coverage | density | mass | restricted |",
            "|---|---|---|---|---|",
        ]
        if found.boxes
        else []
    )
    step = max(1, len(first) // 15)
    for i, row in first.iloc[::step].iterrows():
        lines.append(
            f"| {i} | {row['coverage']:.3f} | {row['density']:.3f} | {row['mass']:.3f} | {int(row['res_dim'])} |"
        )
    if found.boxes:
        lines += ["", "(every trajectory point in `trajectory.csv`; `tradeoff.png` draws them)", ""]
    if not found.cart.empty:
        pure = found.cart[found.cart["density"] >= 0.5].drop_duplicates("leaf")
        lines += ["## CART", "",
                  (f"{found.cart['leaf'].nunique()} leaves; the {len(pure)} where most rows meet the target "
                  "(all leaves with their limits in `cart.csv`):"), "",
                  "| leaf | coverage | density | mass | limits |", "|---|---|---|---|---|"]  # fmt: skip
        for _, leaf in pure.sort_values("coverage", ascending=False).iterrows():
            parts = found.cart[found.cart["leaf"] == leaf["leaf"]]
            limits = "; ".join(
                f"{p['parameter']} ∈ [{p['min']:.3g}, {p['max']:.3g}]" for _, p in parts.iterrows() if p["parameter"]
            )
            lines.append(
                f"| {leaf['leaf']} | {leaf['coverage']:.2f} | {leaf['density']:.2f} | {leaf['mass']:.2f} | {limits} |"
            )
        lines.append("")
    lines += ["## Feature scores (extra trees)", "", "| parameter | score |", "|---|---|"]
    lines += [f"| {label(name, space)} | {score:.3f} |" for name, score in found.scores.items()]
    return "\n".join(lines + [""])


def _save(figure: plt.Figure, path: Path) -> Path:
    atomic_write(path, lambda p: figure.savefig(p, dpi=110, format="png"))
    plt.close(figure)
    return path


def write_report(sweep_dir: Path, target: str, out: Path | None = None, **options) -> dict[str, Path]:
    """Run discovery for ``target`` and write its outputs; their paths by name."""
    sweep_dir = Path(sweep_dir)
    found = discover(sweep_dir, target, **options)
    space = load_space(sweep_dir)
    out = out or sweep_dir / f"discovery-{slug(target)}"
    out.mkdir(parents=True, exist_ok=True)
    paths = {"report": out / "report.md", "boxes": out / "boxes.csv"}
    atomic_write(paths["report"], lambda p: p.write_text(markdown(found, space, sweep_dir)))
    atomic_write(paths["boxes"], lambda p: boxes_table(found, space).to_csv(p, index=False))
    if found.boxes:
        trajectories = pd.concat([b.trajectory.assign(box=b.number, chosen=lambda t, b=b: t.index == b.chosen)
                                  for b in found.boxes])  # fmt: skip
        paths["trajectory"] = out / "trajectory.csv"
        atomic_write(paths["trajectory"], lambda p: trajectories.to_csv(p, index_label="point"))
        paths["tradeoff"] = _save(tradeoff_figure(found), out / "tradeoff.png")
        paths["box_limits"] = _save(box_limits_figure(found, space), out / "box_limits.png")
    if not found.cart.empty:
        paths["cart"] = out / "cart.csv"
        atomic_write(paths["cart"], lambda p: found.cart.to_csv(p, index=False))
    if not found.scores.empty:
        paths["feature_scores"] = out / "feature_scores.csv"
        atomic_write(paths["feature_scores"], lambda p: found.scores.to_csv(p, index_label="parameter"))
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Scenario discovery on a sweep: PRIM boxes, CART, feature scores.")
    parser.add_argument("sweep_dir", type=Path, help="the folder of a sweep or study (e.g. an exploration)")
    parser.add_argument(
        "--target", default="resilient", help=f"{', '.join(REGIMES)}, {BISTABLE} or e.g. 'recovery_time<30'"
    )
    parser.add_argument("--boxes", type=int, default=3, help="PRIM boxes to find, one after another (default 3)")
    parser.add_argument(
        "--min-coverage", type=float, default=0.5, help="smallest coverage of a chosen box (default 0.5)"
    )
    parser.add_argument(
        "--peel-alpha", type=float, default=0.05, help="share of rows peeled per PRIM step (default 0.05)"
    )
    parser.add_argument(
        "--mass-min", type=float, default=0.05, help="smallest share of rows in a box or leaf (default 0.05)"
    )
    parser.add_argument("--out", type=Path, default=None, help="output folder (default <sweep>/discovery-<target>)")
    args = parser.parse_args(argv)
    for name, value, low, high in (("--boxes", args.boxes, 1, 100), ("--min-coverage", args.min_coverage, 0, 1),
                                   ("--peel-alpha", args.peel_alpha, 1e-6, 0.5), ("--mass-min", args.mass_min, 0, 0.5)):  # fmt: skip
        if not low <= value <= high:
            parser.exit(2, f"error: {name}={value} is outside [{low:g}, {high:g}]\n")
    try:
        paths = write_report(args.sweep_dir, args.target, args.out, boxes=args.boxes, min_coverage=args.min_coverage,
                             peel_alpha=args.peel_alpha, mass_min=args.mass_min)  # fmt: skip
    except DiscoveryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    print(paths["report"].read_text())
    with contextlib.suppress(KeyError):
        print(f"figures: {paths['tradeoff']}, {paths['box_limits']}")
