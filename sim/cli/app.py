"""The command line: ``python -m sim [overrides]`` runs one organisation, ``-m`` sweeps, through Hydra.

Before Hydra starts, :func:`main` checks every override (and every value of every
sweep), so a bad value stops with one line naming the key, the value and what is
allowed. It also turns ``range(...)`` sweeps into rounded value lists (no
0.7000000000000001 in folder names and tables) and gives an ad-hoc sweep a folder
named after its overrides, so that running the same sweep again resumes it.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
from pathlib import Path

import hydra
from hydra import compose, initialize_config_dir
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim.cli.hydra_config import CONFIG_DIR, load, register_configs, to_run_config
from sim.cli.preflight import check
from sim.core.config import ConfigError
from sim.runs import exploration
from sim.runs.gather import DEFAULT_AXES, gather
from sim.runs.jobs import is_complete, run_job
from sim.runs.sweeps import key_of, merged, parse
from sim.studies import discover

log = logging.getLogger("sim")


@hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")
def run_one(cfg: DictConfig) -> None:
    """Run one job (all its replicates) into Hydra's output folder; skip it if already complete."""
    hydra_cfg = HydraConfig.get()
    folder = Path(hydra_cfg.runtime.output_dir)
    sweeping = hydra_cfg.mode == RunMode.MULTIRUN
    if sweeping and is_complete(folder):
        log.info("job %s already complete, skipped", folder.name)
        return
    run = to_run_config(cfg)
    (folder / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True))
    swept = {key: _value(cfg, key, value) for key, value in _overrides(hydra_cfg.overrides.task)}
    results = run_job(
        folder, run, swept, figure=run.output.figure and not sweeping, progress=run.output.progress and not sweeping
    )
    for result in results:
        if result["error"]:
            log.error("seed %d failed: %s", result["seed"], result["error"])
        else:
            log.info(
                "seed %d: %s after %d steps (%.2f s)",
                result["seed"],
                result["regime"],
                result["steps_run"],
                result["runtime_seconds"],
            )
    log.info("results in %s", folder)


def _overrides(task: list[str]) -> list[tuple[str, str]]:
    return [(key_of(o), o.get_value_element_as_str()) for o in parse(task) if not o.is_delete()]


def _value(cfg: DictConfig, key: str, text: str) -> object:
    """The typed value an override set (a group choice stays its option name)."""
    value = OmegaConf.select(cfg, key, default=None)
    return value if isinstance(value, (bool, int, float, str)) else text


class GatherSweep(Callback):
    """At the end of a multirun: gather every run into ``runs.parquet``/``runs.csv`` and draw the maps.

    Runs in the launching process, whatever the launcher. A failed run is a row with
    its error (jobs never raise), so this always runs at the end of a sweep.
    """

    def __init__(self, map_x: str = DEFAULT_AXES[0], map_y: str = DEFAULT_AXES[1]) -> None:
        self.axes = (map_x, map_y)

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        report = gather(sweep_dir, self.axes)
        if (sweep_dir / exploration.SPACE).exists():  # an open exploration: where does it end resilient?
            report["discovery"] = sorted(p.name for p in discover.write_report(sweep_dir, "resilient").values())
        log.info("gathered %s", report)


INFORMATION_FLAGS = ("-h", "--help", "--hydra-help", "-i", "--info", "-c", "--cfg", "-sc", "--shell-completion")


def command_line_overrides(argv: list[str]) -> list[str] | None:
    """The overrides in ``argv``, or None when Hydra is asked for help or information only.

    Hydra's own flags start with ``-``; their values (a config name, a package, ``job``)
    hold no ``=``, and every override does (``key=value``) or is a deletion (``~key``).
    """
    if any(arg.split("=", 1)[0] in INFORMATION_FLAGS for arg in argv):
        return None
    return [arg for arg in argv if not arg.startswith("-") and ("=" in arg or arg.startswith("~"))]


def round_ranges(overrides: list[str], digits: int = 10) -> list[str]:
    """Spell ``key=range(a,b,step)`` sweeps out as rounded value lists: ``key=0.0,0.1,...``."""
    spelled = []
    for text, parsed in zip(overrides, parse(overrides), strict=True):
        if parsed.is_sweep_override() and "range(" in text:
            values = [round(float(v), digits) for v in parsed.sweep_string_iterator()]
            words = [str(int(v)) if v.is_integer() and "." not in text else repr(v) for v in values]
            spelled.append(f"{parsed.get_key_element()}={','.join(words)}")
        else:
            spelled.append(text)
    return spelled


def sweep_folder(overrides: list[str]) -> str:
    """A stable folder for an ad-hoc sweep: the swept keys plus a hash of all overrides."""
    keys = [o.split("=", 1)[0].split(".")[-1] for o in overrides if "," in o.split("=", 1)[-1]]
    slug = "-".join(re.sub(r"\W", "", k) for k in keys) or "sweep"
    digest = hashlib.sha1("\n".join(sorted(overrides)).encode()).hexdigest()[:8]
    return f"outputs/sweeps/{slug}-{digest}"


def sweep_plan(overrides: list[str]) -> DictConfig:
    """The Hydra part of the configuration these overrides compose to (sweeps held out): its
    sweep folder, mode and a study's ``sweeper.params``."""
    fixed = [o.input_line for o in parse(overrides) if not o.is_sweep_override()]
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose(config_name="config", overrides=fixed, return_hydra_config=True).hydra


def resume_conflict(folder: Path, overrides: list[str]) -> str | None:
    """Why resuming into the sweep ``folder`` would be wrong: it holds a sweep of other overrides."""
    previous = folder / "multirun.yaml"
    if not previous.exists():
        return None
    task = sorted(o for o in overrides if not o.lstrip("+~").startswith(("hydra.", "hydra/")))
    stored = sorted(OmegaConf.load(previous).hydra.overrides.task)
    if stored == task:
        return None
    return (
        f"hydra.sweep.dir={folder} already holds a sweep of other overrides ({' '.join(stored)}); "
        "run exactly that command to resume it, or choose another folder"
    )


def prepare_exploration(overrides: list[str]) -> tuple[list[str], str | None]:
    """Overrides to add for an exploration (``design=… point=range(N)``), or a one-line problem.

    Nothing to add unless the composed configuration asks for ``exploration.samples`` > 0.
    A configuration that does not compose is left to :func:`sim.cli.preflight.check` to report.
    """
    if not any(o.lstrip("+~").startswith(("study=", "exploration.")) for o in overrides):
        return [], None
    parsed = parse(overrides)
    fixed = [o for o, p in zip(overrides, parsed, strict=True) if not p.is_sweep_override()]
    plain = [o for o in fixed if not o.lstrip("+~").startswith(("hydra.", "hydra/"))]
    try:
        run = load(plain)
    except Exception:  # noqa: BLE001 -- the preflight check names the bad override
        return [], None
    if run.exploration.samples == 0:
        return [], None
    taken = [o for o in overrides if o.lstrip("+~").startswith(("design=", "point="))]
    if taken:
        return [], f"{taken[0]} cannot be combined with an exploration; allowed: exploration.* draws the design"
    added = []
    studied = any(o.startswith("study=") for o in overrides)
    if not studied and not any(flag in sys.argv for flag in ("-m", "--multirun")):
        return [], f"exploration.samples={run.exploration.samples} runs a sweep; allowed: with study=exploration or -m"
    if not studied and not any(o.startswith("hydra.sweep.dir=") for o in overrides):
        added.append(f"hydra.sweep.dir={sweep_folder(round_ranges(overrides))}")  # the folder an ad-hoc sweep gets
    try:
        path = exploration.write_design(Path(sweep_plan([*overrides, *added]).sweep.dir), run.exploration, run)
    except ConfigError as exc:
        return [], str(exc)
    return [*added, f"design={path.resolve()}", f"point=range({run.exploration.samples})"], None


def fail(problem: str) -> None:
    """Stop before any work with one line on standard error."""
    print(f"error: {problem}", file=sys.stderr)
    sys.exit(2)


def main() -> None:
    """Entry point: check every job of the run or sweep, make sweeps resumable, then hand over to Hydra.

    Hydra's public entrance (``hydra.main``) reads its arguments from ``sys.argv``, so the
    rounded ranges and an ad-hoc sweep's folder are handed to it there.
    """
    register_configs()
    argv = sys.argv[1:]
    overrides = command_line_overrides(argv)
    if overrides is not None:
        added, problem = prepare_exploration(overrides)  # an exploration's design, drawn and checked first
        overrides, argv = [*overrides, *added], [*argv, *added]
        if problem := problem or check(overrides):
            fail(problem)
        spelled = round_ranges(overrides)
        argv = [spelled[overrides.index(a)] if a in overrides else a for a in argv]
        plan = sweep_plan(spelled)
        multirun = "-m" in argv or "--multirun" in argv or plan.mode == RunMode.MULTIRUN
        if multirun:
            study_params = dict(plan.sweeper.params or {})
            if study_params and (problem := check(merged(study_params, spelled))):
                fail(problem)
            if not any(o.startswith("hydra.sweep.dir=") for o in spelled) and not study_params:
                spelled.append(f"hydra.sweep.dir={sweep_folder(spelled)}")
                argv.append(spelled[-1])
                plan.sweep.dir = spelled[-1].split("=", 1)[1]
            if conflict := resume_conflict(Path(plan.sweep.dir), spelled):
                fail(conflict)
    sys.argv = [sys.argv[0], *argv]
    run_one()
