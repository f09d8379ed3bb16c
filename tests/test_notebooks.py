"""The teaching notebooks in ``notebooks/``: stored clean, and each runs top to bottom without an error.

Each notebook is executed in a temporary copy with nbclient on the ``python3`` kernel of the
interpreter running the tests (the user's own kernelspecs are hidden, so the kernel is this
environment's Python). The notebooks write their sweeps where ``DUALIS_NOTEBOOK_OUTPUTS`` points,
here a temporary folder, so a test never resumes an earlier run. Execution times are recorded as
test properties (``--junitxml``) and in ``outputs/notebooks/test_timings.json``.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.analysis.regimes import REGIMES

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
NAMES = ("01_equilibrium_paradox", "02_regime_sweep", "03_policy_comparison", "04_scenario_discovery")
CELL_TIMEOUT = 300  # seconds per cell; the notebooks target well under 2 minutes in all
TIMINGS = ROOT / "outputs" / "notebooks" / "test_timings.json"


def stored(name: str):
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def tagged(nb, tag: str):
    cells = [cell for cell in nb.cells if tag in cell.metadata.get("tags", [])]
    assert len(cells) == 1, f"expected one cell tagged {tag!r}, found {len(cells)}"
    return cells[0]


def text_of(cell) -> str:
    """All text a code cell showed: streams and the plain-text form of its results."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif "data" in output:
            parts.append(output.data.get("text/plain", ""))
    return "\n".join(parts)


def figures(nb) -> int:
    return sum("image/png" in output.get("data", {}) for cell in nb.cells for output in cell.get("outputs", []))


@pytest.fixture
def execute(tmp_path, monkeypatch, record_property):
    """Execute a copy of a stored notebook in ``tmp_path``; return it with its outputs folder."""

    def _execute(name: str):
        work = tmp_path / "notebooks"
        work.mkdir()
        shutil.copy(NOTEBOOKS / f"{name}.ipynb", work)
        outputs = tmp_path / "outputs"
        monkeypatch.setenv("DUALIS_NOTEBOOK_OUTPUTS", str(outputs))
        monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter"))  # only this environment's kernelspec
        nb = nbformat.read(work / f"{name}.ipynb", as_version=4)
        client = nbclient.NotebookClient(
            nb, kernel_name="python3", timeout=CELL_TIMEOUT, resources={"metadata": {"path": str(work)}}
        )
        start = time.perf_counter()
        try:
            client.execute()
        except nbclient.exceptions.CellExecutionError as error:
            pytest.fail(f"{name}: a cell raised\n{error}")
        seconds = time.perf_counter() - start
        record_property(f"{name}_seconds", round(seconds, 1))
        TIMINGS.parent.mkdir(parents=True, exist_ok=True)
        timings = json.loads(TIMINGS.read_text()) if TIMINGS.exists() else {}
        TIMINGS.write_text(json.dumps({**timings, name: round(seconds, 1)}, indent=2) + "\n")
        print(f"{name}: executed in {seconds:.1f} s")
        errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
        assert not errors, f"{name}: error outputs {[e.ename for e in errors]}"
        return nb, outputs

    return _execute


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_stored_without_outputs(name):
    nb = stored(name)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code, f"{name} has no code"
    dirty = [
        i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and (cell.outputs or cell.execution_count)
    ]
    assert not dirty, f"{name}: cells {dirty} carry outputs or execution counts; clear them before saving"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


def test_no_other_notebooks_are_dirty():
    for path in NOTEBOOKS.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        assert not any(c.cell_type == "code" and (c.outputs or c.execution_count) for c in nb.cells), path.name


def test_equilibrium_paradox_notebook(execute):
    nb, _ = execute("01_equilibrium_paradox")
    assert figures(nb) >= 3, "expected a dynamics figure per regime and the side-by-side figure"
    check = text_of(tagged(nb, "regime-check"))
    for regime in ("rigid", "loose", "resilient", "inert"):
        assert re.search(rf"^{regime}\s*: classified as {regime} on seeds \[\d", check, re.MULTILINE), check


def test_regime_sweep_notebook(execute):
    nb, outputs = execute("02_regime_sweep")
    (sweep,) = outputs.glob("regime_sweep-*")
    table = pd.read_parquet(sweep / "runs.parquet")
    assert len(table) == 18  # 3 x 3 cells x 2 seeds
    assert table.groupby(["model.enforcement", "model.individualization"]).size().eq(2).all()
    assert (table["error"] == "").all()
    assert set(table["regime"]) <= set(REGIMES)
    assert figures(nb) >= 1  # the regime map
    assert "8 jobs skipped, 1 job run again" in text_of(tagged(nb, "resume"))


def test_policy_comparison_notebook(execute):
    nb, outputs = execute("03_policy_comparison")
    ranking = text_of(tagged(nb, "ranking"))
    for policy in ("mandate", "recognise_data_work", "continuous_participation", "pilot_participation"):
        assert policy in ranking, f"{policy} missing from the ranking:\n{ranking}"
    assert "non-dominated" in ranking  # the report's table marks the trade-off frontier, it does not rank
    assert figures(nb) >= 1  # the forest plot
    (sweep,) = outputs.glob("policy_comparison-*")
    table = pd.read_parquet(sweep / "runs.parquet")
    assert table.groupby("policy")["seed"].apply(sorted).map(tuple).nunique() == 1  # same seeds in every arm
    assert len(table) == 5 * 6


def test_scenario_discovery_notebook(execute):
    nb, outputs = execute("04_scenario_discovery")
    folder = outputs / "exploration-small"
    design = pd.read_parquet(folder / "design.parquet")
    assert len(design) == 40 and design["personal_ties"].dtype.kind == "i"
    assert design["enforcement"].between(0.0, 0.8).all() and design["individualization"].between(0.0, 1.0).all()
    table = pd.read_parquet(folder / "runs.parquet")
    assert len(table) == 40 and (table["error"] == "").all() and set(table["regime"]) <= set(REGIMES)
    boxes = text_of(tagged(nb, "boxes"))
    assert "# Scenario discovery: the run ends resilient" in boxes and "coverage" in boxes, boxes
    assert re.search(r"recover within 30 weeks", text_of(tagged(nb, "threshold")))
    assert (folder / "discovery-resilient" / "boxes.csv").exists() and (folder / "ensembles-regime.png").exists()
    assert figures(nb) >= 4  # trade-off, box limits, ensembles by regime and by box
