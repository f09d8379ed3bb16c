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
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim import exploration
from sim.gather import DEFAULT_AXES, gather
from sim.hydra_config import CONFIG_DIR, to_run_config
from sim.jobs import is_complete, run_job
from sim.preflight import check

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
    pairs = []
    for override in OverridesParser.create().parse_overrides(list(task)):
        if not override.is_delete():
            pairs.append((override.get_key_element().lstrip("+~"), override.get_value_element_as_str()))
    return pairs


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
        log.info("gathered %s", report)


def command_line_overrides(argv: list[str]) -> list[str] | None:
    """The overrides in ``argv``, or None when Hydra is asked for help or information only."""
    from hydra._internal.utils import get_args_parser

    args, _ = get_args_parser().parse_known_args(argv)
    if args.help or args.hydra_help or args.info or args.cfg or args.shell_completion:
        return None
    return args.overrides


def round_ranges(overrides: list[str], digits: int = 10) -> list[str]:
    """Spell ``key=range(a,b,step)`` sweeps out as rounded value lists: ``key=0.0,0.1,...``."""
    spelled = []
    for text, parsed in zip(overrides, OverridesParser.create().parse_overrides(overrides), strict=True):
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


def sweep_dir_of(overrides: list[str]) -> Path:
    """The folder a multirun with these overrides writes into (explicit, or from the config)."""
    for override in overrides:
        if override.startswith("hydra.sweep.dir="):
            return Path(override.split("=", 1)[1])
    fixed = [
        o
        for o, p in zip(overrides, OverridesParser.create().parse_overrides(overrides), strict=True)
        if not p.is_sweep_override()
    ]
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return Path(compose(config_name="config", overrides=fixed, return_hydra_config=True).hydra.sweep.dir)


def resume_conflict(overrides: list[str]) -> str | None:
    """Why resuming into the sweep folder would be wrong: it holds a sweep of other overrides."""
    folder = sweep_dir_of(overrides)
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


def main() -> None:
    """Entry point: check the overrides, make sweeps resumable, then hand over to Hydra."""
    argv = sys.argv[1:]
    overrides = command_line_overrides(argv)
    if overrides is not None:
        added, problem = exploration.prepare(overrides)  # an exploration's design, drawn and checked first
        overrides, argv = [*overrides, *added], [*argv, *added]
        problem = problem or check(overrides)
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            sys.exit(2)
        spelled = round_ranges(overrides)
        argv = [spelled[overrides.index(a)] if a in overrides else a for a in argv]
        multirun = "-m" in argv or "--multirun" in argv or any(o.startswith("study=") for o in spelled)
        if multirun and not any(o.startswith(("hydra.sweep.dir=", "study=")) for o in spelled):
            spelled.append(f"hydra.sweep.dir={sweep_folder(spelled)}")
            argv.append(spelled[-1])
        conflict = resume_conflict(spelled) if multirun else None
        if conflict:
            print(f"error: {conflict}", file=sys.stderr)
            sys.exit(2)
    sys.argv = [sys.argv[0], *argv]
    run_one()
