"""The command line: ``python -m sim [overrides]`` runs one organisation through Hydra.

Every override (and every value of every sweep under ``-m``) is checked before
Hydra starts, so a bad value stops with one line naming the key, the value and
what is allowed, and a non-zero exit status.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from sim.hydra_config import CONFIG_DIR, to_run_config
from sim.output import write_run
from sim.preflight import check
from sim.runner import simulate

log = logging.getLogger("sim")


@hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")
def run_one(cfg: DictConfig) -> None:
    """Simulate the composed configuration and write results into Hydra's output folder."""
    run = to_run_config(cfg)
    folder = Path(HydraConfig.get().runtime.output_dir)
    (folder / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True))
    table, runtime = simulate(run, progress=run.output.progress)
    written = write_run(folder, table, run, runtime)
    log.info(
        "%d steps in %.2f s; wrote %s", table["step"].iloc[-1], runtime, ", ".join(p.name for p in written.values())
    )


def command_line_overrides(argv: list[str]) -> list[str] | None:
    """The overrides in ``argv``, or None when Hydra is asked for help or information only."""
    from hydra._internal.utils import get_args_parser

    args, _ = get_args_parser().parse_known_args(argv)
    if args.help or args.hydra_help or args.info or args.cfg or args.shell_completion:
        return None
    return args.overrides


def main() -> None:
    """Entry point: check the overrides, then hand over to Hydra."""
    overrides = command_line_overrides(sys.argv[1:])
    problem = check(overrides) if overrides is not None else None
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        sys.exit(2)
    run_one()
