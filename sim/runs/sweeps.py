"""What a sweep is made of, read the way Hydra's basic sweeper reads it.

The one place where override text is parsed (Hydra's own grammar). A study's
``hydra.sweeper.params`` come first and the command line's overrides after them; where
both set a key the command line wins, as in Hydra's basic sweeper.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override


def parse(overrides: Iterable[str]) -> list[Override]:
    """Parse override text (``key=value``, ``key=a,b``, ``key=range(...)``, ``+key=...``)."""
    return OverridesParser.create().parse_overrides(list(overrides))


def key_of(override: Override) -> str:
    """The dotted key an override sets, without its ``+``/``~``/``++`` prefix."""
    return override.get_key_element().lstrip("+~")


def merged(params: Mapping[str, object], task: Iterable[str]) -> list[str]:
    """A study's sweep ``params`` and the command line's ``task`` as Hydra's basic sweeper combines them.

    Each key keeps the place of its first appearance (the study's, if it has one) and takes its
    last value (the command line's): the job order Hydra then numbers.
    """
    texts = [f"{key}={value}" for key, value in params.items()] + list(task)
    latest: dict[str, str] = {}
    for text, override in zip(texts, parse(texts), strict=True):
        latest[override.get_key_element()] = text
    return list(latest.values())


def sweep_values(override: Override) -> list[str]:
    """The values a (sweep) override takes, as override text ``key=value``."""
    if override.is_sweep_override():
        return [f"{override.get_key_element()}={value}" for value in override.sweep_string_iterator()]
    return [override.input_line]


def job_count(overrides: Iterable[str]) -> int:
    """How many jobs a sweep of these overrides launches: the product of its keys' numbers of values."""
    return math.prod(len(values) for values in _values_by_key(overrides).values())


def jobs_of(overrides: Iterable[str]) -> list[list[str]]:
    """Each job's overrides, in the order Hydra's basic sweeper numbers the jobs.

    Every key keeps the place of its first appearance and the value of its last; the jobs
    are the product of the keys' values, the last key varying fastest.
    """
    return [list(job) for job in itertools.product(*_values_by_key(overrides).values())]


def _values_by_key(overrides: Iterable[str]) -> dict[str, list[str]]:
    """Each key's values as override text (one for a plain override), keys in order of first appearance."""
    values: dict[str, list[str]] = {}
    for override in parse(overrides):
        key = override.get_key_element()
        if override.is_sweep_override():
            values[key] = [f"{key}={value}" for value in override.sweep_string_iterator()]
        else:
            values[key] = [f"{key}={override.get_value_element_as_str()}"]
    return values


def job_identity(job_overrides: Iterable[str]) -> tuple[str, ...]:
    """What a job is, whatever the order its overrides were given in: their sorted text."""
    return tuple(sorted(job_overrides))
