"""Check command-line overrides before Hydra starts any work, and say what is wrong in one line.

Hydra reports a bad override as a multi-line message (and a type error deep in a
sweep only when that job runs). Here every override, and every value of every
sweep, is composed and validated up front; the first problem becomes one line
that names the key, the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import get_args, get_origin, get_type_hints

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException, MissingConfigException

from sim.config import ConfigError, RunConfig
from sim.hydra_config import load


def _field_at(path: str) -> tuple[dataclasses.Field | None, type | None, list[str]]:
    """The dataclass field at a dotted ``path`` of RunConfig, its type, and its siblings' names.

    A name under a ``dict[str, X]`` field (e.g. ``model.policies.mandate``) stands for an X.
    """
    owner: type | None = RunConfig
    found = None
    hint = None
    names: list[str] = []
    parts = iter(path.split("."))
    for part in parts:
        if owner is None or not dataclasses.is_dataclass(owner):
            return None, None, []
        fields = {f.name: f for f in dataclasses.fields(owner)}
        names = sorted(fields)
        if part not in fields:
            return None, None, names
        found = fields[part]
        hint = get_type_hints(owner)[part]
        if get_origin(hint) is dict:
            next(parts, None)  # the entry's name
            owner = get_args(hint)[1]
        else:
            owner = hint if dataclasses.is_dataclass(hint) else None
    return found, hint, names


def allowed(path: str) -> str:
    """What the key at ``path`` accepts, in words."""
    found, hint, names = _field_at(path)
    if found is None:
        parent = path.rpartition(".")[0] or "the top level"
        return f"known keys under {parent}: {', '.join(names)}" if names else "no such key"
    if "bounds" in found.metadata:
        low, high = found.metadata["bounds"]
        return f"{hint.__name__} in [{low:g}, {high:g}] ({found.metadata['unit']})"
    if isinstance(hint, type) and issubclass(hint, Enum):
        return "one of " + ", ".join(member.name for member in hint)
    if "choices" in found.metadata:
        return "one of " + ", ".join(found.metadata["choices"])
    if get_origin(hint) is list:
        return f"list of {get_args(hint)[0].__name__}"
    return str(getattr(hint, "__name__", hint))


def _first_line(exc: BaseException) -> str:
    cause = exc.__cause__ or exc
    return str(cause).strip().splitlines()[0]


def _describe(override: str, exc: Exception) -> str:
    """One line for a failed override."""
    key, _, value = override.lstrip("+~").partition("=")
    if isinstance(exc, MissingConfigException) and exc.options is not None:
        return f"{key}={value} is not a known option; allowed: {', '.join(sorted(exc.options))}"
    if isinstance(exc, ConfigError):
        return str(exc)
    return f"{key}={value} is invalid ({_first_line(exc)}); allowed: {allowed(key)}"


def expand(overrides: list[str]) -> list[list[str]]:
    """Override lists that together try every value of every sweep at least once.

    Each sweep's values are tried one at a time, the other sweeps held at their first
    value, so the check grows with the sum, not the product, of the sweep sizes.
    """
    parsed = OverridesParser.create().parse_overrides(overrides)
    choices = []
    for item in parsed:
        key = item.get_key_element()
        if item.is_sweep_override():
            choices.append([f"{key}={value}" for value in item.sweep_string_iterator()])
        else:
            choices.append([item.input_line])
    base = [values[0] for values in choices]
    combos = [base]
    for i, values in enumerate(choices):
        for value in values[1:]:
            combos.append(base[:i] + [value] + base[i + 1 :])
    return combos


def _error(overrides: list[str]) -> Exception | None:
    """The exception composing and validating ``overrides`` raises, if any."""
    try:
        load(overrides)
    except (HydraException, ConfigError, ValueError) as exc:
        return exc
    return None


def check(overrides: list[str]) -> str | None:
    """Return one line describing the first bad override, or None if all are fine."""
    overrides = [o for o in overrides if not o.lstrip("+~").startswith(("hydra.", "hydra/"))]
    try:
        combos = expand(overrides)
    except HydraException as exc:
        return _first_line(exc)
    for combo in combos:
        combined = _error(combo)
        if combined is None:
            continue
        for end, override in enumerate(combo, start=1):  # the first override whose prefix fails is the culprit
            prefix_error = _error(combo[:end])
            if prefix_error is not None:
                return _describe(override, prefix_error)
        return str(combined) if isinstance(combined, ConfigError) else _first_line(combined)
    return None
