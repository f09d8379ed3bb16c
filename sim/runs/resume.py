"""Resuming a sweep: finished jobs are known by what they ran, not by their numbers.

Hydra numbers a sweep's jobs in the order its arguments were given, so the same sweep
with its arguments in another order numbers its jobs differently. Before a sweep starts,
:func:`reconcile` moves every finished job's folder to the number the job has now, and
refuses a folder whose finished jobs are not jobs of this sweep.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sim.analysis.files import DamagedJob, job_dirs, read_summary
from sim.runs.sweeps import job_identity


class ForeignJobs(RuntimeError):
    """The sweep folder holds finished jobs that this sweep does not have."""


class BlockedJob(RuntimeError):
    """A job's folder exists but is not a folder this process can write."""


def check_job_folders(folder: Path, jobs: int) -> None:
    """Raise :class:`BlockedJob` if any of the ``jobs`` job paths exists as a file or an unwritable folder."""
    for number in range(jobs):
        path = folder / str(number)
        if path.exists() and not (path.is_dir() and os.access(path, os.W_OK | os.X_OK)):
            raise BlockedJob(
                f"{path} exists but is not a folder this sweep can write; move it away or fix its permissions"
            )


def finished_jobs(folder: Path) -> dict[str, tuple[str, ...]]:
    """Folder name -> identity of every intact finished job that recorded its overrides."""
    found = {}
    for job_dir in job_dirs(folder) if folder.is_dir() else []:
        try:
            overrides = read_summary(job_dir)["job"].get("overrides")
        except DamagedJob:
            continue  # redone by the sweep
        if overrides is not None:
            found[job_dir.name] = job_identity(overrides)
    return found


def reconcile(folder: Path, jobs: list[list[str]]) -> int:
    """Renumber the finished jobs in ``folder`` to the numbers ``jobs`` give them; return how many moved.

    Raises :class:`ForeignJobs` (before moving anything) if a finished job is not one of ``jobs``.
    """
    number = {job_identity(job): str(i) for i, job in enumerate(jobs)}
    finished = finished_jobs(folder)
    foreign = {name: identity for name, identity in finished.items() if identity not in number}
    if foreign:
        name, identity = next(iter(foreign.items()))
        raise ForeignJobs(
            f"hydra.sweep.dir={folder} holds finished jobs of another sweep ({len(foreign)}, e.g. job {name}: "
            f"{' '.join(identity)}); run that sweep to resume it, or choose another folder"
        )
    moves = {name: number[identity] for name, identity in finished.items() if number[identity] != name}
    staging = folder / ".renumbering"
    staging.mkdir(exist_ok=True)
    for name in moves:  # two steps, so that jobs can swap numbers
        (folder / name).rename(staging / name)
    for name, target in moves.items():
        if (folder / target).exists():
            shutil.rmtree(folder / target)  # an unfinished or damaged job's leftovers
        (staging / name).rename(folder / target)
    staging.rmdir()
    return len(moves)
