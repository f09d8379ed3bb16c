"""A progress bar for a sweep, fed by the sweep folder itself, so it works with every launcher.

Jobs run in worker processes (or on a cluster); the launching process only sees their
folders. A background thread counts the jobs whose summary has appeared and the failed
runs in them, once a second, and draws them with tqdm (only on a terminal).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Self

from tqdm.auto import tqdm

from sim.analysis.files import SUMMARY


class SweepProgress:
    """``with SweepProgress(folder, jobs):`` shows done / failed / skipped-as-complete jobs, rate and time left."""

    def __init__(self, folder: Path, jobs: int, interval: float = 1.0) -> None:
        self.folder, self.jobs, self.interval = Path(folder), jobs, interval
        self._seen: set[str] = set()
        self._failed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> Self:
        self._count()  # jobs finished before this sweep started are skipped, not done now
        skipped = len(self._seen)
        self.bar = tqdm(total=self.jobs, initial=skipped, unit="job", desc="sweep", disable=None, dynamic_ncols=True)
        self.bar.set_postfix(failed_runs=self._failed, skipped=skipped)
        self.skipped = skipped
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._update()
        self.bar.close()

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            self._update()

    def _update(self) -> None:
        before = len(self._seen)
        self._count()
        self.bar.update(len(self._seen) - before)
        self.bar.set_postfix(failed_runs=self._failed, skipped=self.skipped)

    def _count(self) -> None:
        for summary in self.folder.glob(f"*/{SUMMARY}"):
            name = summary.parent.name
            if name in self._seen:
                continue
            try:
                runs = json.loads(summary.read_text())["runs"]
            except (OSError, ValueError, KeyError, TypeError):
                continue  # being written, or damaged: the gathering names it
            self._seen.add(name)
            self._failed += sum(bool(run.get("error")) for run in runs)
