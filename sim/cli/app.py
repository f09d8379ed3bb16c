"""The command line: ``python -m sim [overrides]`` runs one organisation, ``-m`` sweeps, through Hydra.

Before Hydra starts, :func:`main` checks every override (and every value of every
sweep), so a bad value stops with one line naming the key, the value and what is
allowed. It also turns ``range(...)`` sweeps into rounded value lists (no
0.7000000000000001 in folder names and tables) and gives an ad-hoc sweep a folder
named after its overrides, so that running the same sweep again resumes it.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import signal
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.types import ValueType
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim.analysis.files import SUMMARY, atomic_write
from sim.cli.hydra_config import CONFIG_DIR, load, register_configs, to_run_config
from sim.cli.preflight import check, sweep_plan
from sim.core.config import ConfigError
from sim.runs import exploration
from sim.runs.gather import DEFAULT_AXES, failure_line, gather
from sim.runs.jobs import JobIdentity, is_complete, run_job
from sim.runs.lock import FolderInUse, SweepLock
from sim.runs.progress import SweepProgress
from sim.runs.resume import BlockedJob, ForeignJobs, check_job_folders, reconcile
from sim.runs.sweeps import job_identity, jobs_of, key_of, merged, parse
from sim.studies import discover

log = logging.getLogger("sim")


# How the runs of this process went, for the exit status: set by the single run, or by the
# gathering at the end of a sweep (both in this process, whatever the launcher).
OUTCOME: dict[str, object] = {}


@hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")
def run_one(cfg: DictConfig) -> None:
    """Run one job (all its replicates) into Hydra's output folder; skip it if it already ran exactly this.

    Nothing a job meets (a full disk, a folder it cannot write) stops the sweep: the failure is
    logged, recorded as the job's rows where the folder can still be written, and counted.
    """
    hydra_cfg = HydraConfig.get()
    folder = Path(hydra_cfg.runtime.output_dir)
    sweeping = hydra_cfg.mode == RunMode.MULTIRUN
    identity = JobIdentity(job_identity(hydra_cfg.overrides.task), config_digest(cfg))
    try:
        if sweeping and is_complete(folder, identity):
            log.info("job %s already complete, skipped", folder.name)
            return
        run = to_run_config(cfg)
        atomic_write(folder / "config.yaml", lambda p: p.write_text(OmegaConf.to_yaml(cfg, resolve=True)))
        swept = {key: _value(cfg, key, value) for key, value in _overrides(hydra_cfg.overrides.task)}
        results = run_job(
            folder,
            run,
            swept,
            figure=run.output.figure and not sweeping,
            progress=run.output.progress and not sweeping,
            identity=identity,
        )
    except Exception as exc:  # noqa: BLE001 -- the job fails, the sweep goes on and gathers what it has
        log.error("job %s failed: %s: %s", folder, type(exc).__name__, exc)
        OUTCOME.update(runs=cfg.get("replicates", 1), failed=cfg.get("replicates", 1), where=folder / SUMMARY)
        return
    for result in results:
        if result["error"]:
            log.error("seed %d failed: %s", result["seed"], result["error"])
        else:
            log.log(
                logging.DEBUG if sweeping else logging.INFO,  # a sweep reports its progress as a whole
                "seed %d: %s after %d steps (%.2f s)",
                result["seed"],
                result["regime"],
                result["steps_run"],
                result["runtime_seconds"],
            )
    OUTCOME.update(runs=len(results), failed=sum(bool(r["error"]) for r in results), where=folder / SUMMARY)
    log.info("results in %s", folder)


def config_digest(cfg: DictConfig) -> str:
    """SHA-256 of a job's resolved configuration: a resumed job must have run exactly this."""
    return hashlib.sha256(OmegaConf.to_yaml(cfg, resolve=True).encode()).hexdigest()


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
        OUTCOME.update(report=report, sweep_dir=sweep_dir)


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


def spell_globs(overrides: list[str]) -> list[str]:
    """Spell ``group=glob(...)`` sweeps out as the group's matching options: ``scenario=a,b,...``.

    Hydra expands a glob with its config loader, which the up-front checks do not have; the
    options are the group's files in the config tree.
    """
    spelled = []
    for text, parsed in zip(overrides, parse(overrides), strict=True):
        if parsed.value_type is ValueType.GLOB_CHOICE_SWEEP:
            group = parsed.get_key_element()
            options = sorted(path.stem for path in (CONFIG_DIR / group).glob("*.yaml"))
            chosen = parsed.value().filter(options)
            if not chosen:
                fail(f"{text} matches no option of {group}; options: {', '.join(options) or 'none'}")
            spelled.append(f"{group}={','.join(chosen)}")
        else:
            spelled.append(text)
    return spelled


def sweep_folder(overrides: list[str]) -> str:
    """A stable folder for an ad-hoc sweep: the swept keys plus a hash of all overrides."""
    keys = [o.split("=", 1)[0].split(".")[-1] for o in overrides if "," in o.split("=", 1)[-1]]
    slug = "-".join(re.sub(r"\W", "", k) for k in keys) or "sweep"
    digest = hashlib.sha1("\n".join(sorted(overrides)).encode()).hexdigest()[:8]
    return f"outputs/sweeps/{slug}-{digest}"


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

    Exit status: 0 when every run succeeded; 2 for bad input, before any work; 3 when runs
    failed (one line says how many and where their errors are). A sweep holds its folder's
    lock while it runs. Hydra's public entrance (``hydra.main``) reads its arguments from
    ``sys.argv``, so the rounded ranges and an ad-hoc sweep's folder are handed to it there.
    """
    register_configs()
    argv = sys.argv[1:]
    overrides = command_line_overrides(argv)
    if overrides is None:  # help or information only
        run_one()
        return
    globbed = spell_globs(overrides)
    argv = [globbed[overrides.index(a)] if a in overrides else a for a in argv]
    overrides = globbed
    added, problem = prepare_exploration(overrides)  # an exploration's design, drawn and checked first
    overrides, argv = [*overrides, *added], [*argv, *added]
    if problem := problem or check(overrides):
        fail(problem)
    spelled = round_ranges(overrides)
    argv = [spelled[overrides.index(a)] if a in overrides else a for a in argv]
    plan = sweep_plan(spelled)
    sys.argv = [sys.argv[0], *argv]
    if not ("-m" in argv or "--multirun" in argv or plan.mode == RunMode.MULTIRUN):
        run_one()
        sys.exit(exit_status(OUTCOME.get("failed", 0), OUTCOME.get("runs", 0), OUTCOME.get("where")))
    study_params = dict(plan.sweeper.params or {})
    sweep = merged(study_params, spelled)
    studied = any(o.lstrip("+~").startswith("study=") for o in spelled)  # a study names its own folder
    if not any(o.startswith("hydra.sweep.dir=") for o in spelled) and not study_params and not studied:
        spelled.append(f"hydra.sweep.dir={sweep_folder(spelled)}")
        sys.argv.append(spelled[-1])
        plan.sweep.dir = spelled[-1].split("=", 1)[1]
    folder = Path(plan.sweep.dir)
    try:
        with SweepLock(folder):
            jobs = jobs_of([o for o in sweep if not o.lstrip("+~").startswith("hydra")])
            moved = reconcile(folder, jobs)
            check_job_folders(folder, len(jobs))
            if moved:
                log.warning("%d finished jobs renumbered to this sweep's order", moved)
            with stop_workers_on_sigterm(), SweepProgress(folder, len(jobs)):
                run_one()
    except (FolderInUse, ForeignJobs, BlockedJob) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"hydra.sweep.dir={folder} cannot be used ({exc.strerror or exc})")
    report = OUTCOME.get("report")
    if report is not None and (line := failure_line(folder, report)):
        print(line, file=sys.stderr)
        sys.exit(3)


def exit_status(failed: int, runs: int, where: Path | None) -> int:
    """0 if every run succeeded; else 3, after one line saying how many failed and where their errors are."""
    if not failed:
        return 0
    print(f"error: {failed} of {runs} runs failed, see the error column of {where}", file=sys.stderr)
    return 3


@contextlib.contextmanager
def stop_workers_on_sigterm():
    """SIGTERM to the sweep stops it as Ctrl-C does: the launcher then stops its worker processes."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
