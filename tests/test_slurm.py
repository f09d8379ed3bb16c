"""The regime sweep on a real Slurm cluster: a one-node cluster on loopback (scripts/local_slurm.sh).

Runs where Slurm's daemons are installed and the tests run as root (as in CI, whose
.ci/run installs them from Debian's packages); skipped elsewhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.analysis.files import collect

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "local_slurm.sh"
SWEEP = [
    "model.enforcement=0.2,0.6",
    "model.individualization=0.3,0.9",
    "replicates=2",
    "steps=160",
    "model.n_workers=60",
]

pytestmark = pytest.mark.skipif(
    not (shutil.which("slurmctld") and shutil.which("slurmd") and shutil.which("sbatch") and os.geteuid() == 0),
    reason="needs Slurm's daemons (apt-get install munge slurmctld slurmd slurm-client) and root",
)


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    """Start a one-node cluster, yield its environment, stop it."""
    folder = tmp_path_factory.mktemp("slurm")
    env = {**os.environ, "SLURM_ACCOUNTING": "0"}
    started = subprocess.run(
        ["bash", SCRIPT, "start", folder], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert started.returncode == 0, started.stderr
    try:
        yield {**os.environ, "SLURM_CONF": str(folder / "etc" / "slurm.conf")}
    finally:
        subprocess.run(["bash", SCRIPT, "stop", folder], env=env, capture_output=True, timeout=120, check=False)


def sweep(folder: Path, env: dict, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "sim", "-m", *SWEEP, *extra, f"hydra.sweep.dir={folder}"]
    return subprocess.run(command, cwd=folder.parent, env=env, capture_output=True, text=True, timeout=900, check=False)


def test_a_sweep_on_slurm_gives_the_same_table_as_on_local_cores(slurm, tmp_path):
    local = sweep(tmp_path / "local", slurm, "hydra.launcher.n_jobs=1")
    assert local.returncode == 0, local.stderr
    on_slurm = sweep(
        tmp_path / "slurm",
        slurm,
        "hydra/launcher=slurm",
        "hydra.launcher.partition=debug",
        "hydra.launcher.timeout_min=10",
    )
    assert on_slurm.returncode == 0, on_slurm.stderr
    jobs = list((tmp_path / "slurm" / ".submitit").glob("*/*_log.out"))
    assert len(jobs) == 4, "one Slurm job per Hydra job"
    drop = ["runtime_seconds"]
    pd.testing.assert_frame_equal(
        collect(tmp_path / "local").drop(columns=drop), collect(tmp_path / "slurm").drop(columns=drop)
    )
    assert (tmp_path / "slurm" / "runs.parquet").exists()
