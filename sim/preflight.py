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

from sim.config import ConfigError, RunConfig, validate
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


def _scalar(hint: object) -> type | None:
    """The plain type behind a field's hint (``int | None`` -> int), or None if it is not a scalar."""
    options = [a for a in get_args(hint) if a is not type(None)] if get_origin(hint) is not None else [hint]
    if len(options) == 1 and isinstance(options[0], type) and issubclass(options[0], (bool, int, float, str, Enum)):
        return options[0]
    return None


def _with_value(run: RunConfig, key: str, text: str) -> RunConfig | None:
    """``run`` with the scalar at dotted ``key`` set from ``text``; None where only Hydra can tell."""
    parts = key.split(".")
    owner = run
    for part in parts[:-1]:
        owner = getattr(owner, part, None)
        if not dataclasses.is_dataclass(owner):
            return None
    found, hint, _ = _field_at(key)
    kind = _scalar(hint) if found is not None else None
    if kind is None or kind is bool or text in ("null", "None"):
        return None
    try:
        value = kind[text] if issubclass(kind, Enum) else kind(text)
    except (KeyError, ValueError):
        return None
    updated = dataclasses.replace(owner, **{parts[-1]: value})
    for depth in range(len(parts) - 2, -1, -1):  # rebuild the chain of dataclasses up to the root
        parent = run
        for part in parts[:depth]:
            parent = getattr(parent, part)
        updated = dataclasses.replace(parent, **{parts[depth]: updated})
    return updated


def with_study_sweeps(overrides: list[str]) -> list[str]:
    """``overrides`` plus the sweeps a chosen ``study=`` adds (``hydra.sweeper.params``), so they are checked too.

    A key set on the command line wins over the study's sweep of it, as in Hydra.
    """
    if not any(o.startswith("study=") for o in overrides):
        return overrides
    from hydra import compose, initialize_config_dir

    from sim.hydra_config import CONFIG_DIR

    parsed = OverridesParser.create().parse_overrides(overrides)
    fixed = [o for o, p in zip(overrides, parsed, strict=True) if not p.is_sweep_override()]
    given = {p.get_key_element().lstrip("+~") for p in parsed}
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            cfg = compose(config_name="config", overrides=fixed, return_hydra_config=True)
    except HydraException:
        return overrides  # a bad override: check() names it
    params = cfg.hydra.sweeper.params or {}
    return [*overrides, *(f"{key}={value}" for key, value in params.items() if key not in given)]


def check(overrides: list[str]) -> str | None:
    """Return one line describing the first bad override, or None if all are fine.

    The first value of every sweep is composed by Hydra; further values of a scalar key
    are set on that validated configuration directly, which gives the same verdict
    without composing once per value (a design sweep can have thousands of points).
    """
    overrides = [o for o in overrides if not o.lstrip("+~").startswith(("hydra.", "hydra/"))]
    try:
        combos = expand(with_study_sweeps(overrides))
    except HydraException as exc:
        return _first_line(exc)
    base_run = None
    for combo in combos:
        if base_run is not None:
            (changed,) = [o for o, b in zip(combo, combos[0], strict=True) if o != b]
            key, _, text = changed.partition("=")
            candidate = _with_value(base_run, key.lstrip("+~"), text)
            if candidate is not None:
                try:
                    validate(candidate)
                except ConfigError as exc:
                    return str(exc)
                continue
        try:
            run = load(combo)
        except (HydraException, ConfigError, ValueError) as combined:
            for end, override in enumerate(combo, start=1):  # the first override whose prefix fails is the culprit
                prefix_error = _error(combo[:end])
                if prefix_error is not None:
                    return _describe(override, prefix_error)
            return str(combined) if isinstance(combined, ConfigError) else _first_line(combined)
        base_run = base_run or run
    return None
