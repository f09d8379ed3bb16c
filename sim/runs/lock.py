"""One sweep per folder: an operating-system lock on the sweep folder for as long as a sweep runs.

The lock is ``flock`` on ``<folder>/.sweep.lock`` (through ``filelock``): the operating
system releases it when its process ends however it ends, so the lock of a killed sweep
is taken over by the next one without any clean-up. Who holds it is written next to it.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Self

from filelock import FileLock, Timeout

LOCK, OWNER = ".sweep.lock", ".sweep.owner"


class FolderInUse(RuntimeError):
    """Another process runs a sweep in this folder."""


class SweepLock:
    """Hold the folder's lock (``with SweepLock(folder):``); raise :class:`FolderInUse` if another process has it."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._lock = FileLock(self.folder / LOCK, timeout=0)

    def __enter__(self) -> Self:
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire()
        except Timeout:
            raise FolderInUse(f"hydra.sweep.dir={self.folder} is in use by {holder(self.folder)}") from None
        owner = {"pid": os.getpid(), "since": time.strftime("%Y-%m-%d %H:%M:%S"), "command": " ".join(sys.argv)}
        (self.folder / OWNER).write_text(json.dumps(owner))
        return self

    def __exit__(self, *exc: object) -> None:
        (self.folder / OWNER).unlink(missing_ok=True)
        self._lock.release()


def holder(folder: Path) -> str:
    """Who holds a folder's lock, in words (as far as its owner file tells)."""
    try:
        owner = json.loads((Path(folder) / OWNER).read_text())
    except (OSError, ValueError):
        return "another process"
    return f"process {owner['pid']} since {owner['since']} ({owner['command']}); wait for it or choose another folder"
