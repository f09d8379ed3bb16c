"""A normal (non-editable) install runs from any folder: the wheel carries the configuration tree.

Modelled on Hydra's own ``test_installed_app.py``: build the wheel, install it into a
fresh virtual environment and run the command line far from the checkout.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}  # nothing but the venv
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=clean, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """A fresh venv with the wheel installed (its dependencies seen through a path file), and a folder outside."""
    base = tmp_path_factory.mktemp("installed")
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", ROOT, "-w", base / "dist", cwd=base)
    (wheel,) = (base / "dist").glob("dualis-*.whl")
    run(sys.executable, "-m", "venv", base / "venv", cwd=base)
    python = base / "venv" / "bin" / "python"
    run(python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel, cwd=base)
    purelib = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=base).stdout.strip())
    # the dependencies of the test environment, without its editable dualis (path files there are not read)
    (purelib / "test-dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    outside = base / "elsewhere"
    outside.mkdir()
    return python, outside


def test_the_installed_package_is_the_wheel_not_the_checkout(installed):
    python, outside = installed
    where = run(python, "-c", "import sim; print(sim.__file__)", cwd=outside).stdout.strip()
    assert not Path(where).is_relative_to(ROOT) and "venv" in where


def test_an_installed_run_works_outside_the_checkout(installed):
    python, outside = installed
    run(
        python,
        "-m",
        "sim",
        "steps=160",
        "model.n_workers=30",
        "scenario=erp_migration",
        "hydra.run.dir=one",
        cwd=outside,
    )
    (result,) = json.loads((outside / "one" / "summary.json").read_text())["runs"]
    assert result["error"] in ("", None) and result["steps_run"] == 160


def test_an_installed_study_and_command_work_outside_the_checkout(installed):
    python, outside = installed
    run(python, "-m", "sim", "study=regime_map", "model.individualization=0.5", "model.enforcement=0.3",
        "replicates=1", "steps=5", "hydra.sweep.dir=map", cwd=outside)  # fmt: skip
    assert (outside / "map" / "runs.parquet").is_file()
    window = run(python, "-m", "sim.window", "map", "--start", "0", "--end", "5", cwd=outside)
    assert "commons_quality" in window.stdout


def test_the_installed_page_finds_its_info_text(installed):
    python, outside = installed
    text = run(python, "-c", "from sim.ui.lesson import INFO; print(INFO.read_text()[:200])", cwd=outside).stdout
    assert "What is it?" in text
