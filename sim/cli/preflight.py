"""Check command-line overrides before Hydra starts any work, and say what is wrong in one line.

Hydra reports a bad override as a multi-line message (and a type error deep in a
sweep only when that job runs). Here every override, and every value of every
sweep, is composed and validated up front; the first problem becomes one line
that names the key, the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import itertools
from enum import Enum
from typing import get_args, get_origin, get_type_hints

from hydra import compose, initialize_config_dir
from hydra.errors import HydraException, MissingConfigException
from omegaconf import DictConfig

from sim.cli.hydra_config import CONFIG_DIR, load
from sim.core.config import ConfigError, RunConfig, validate
from sim.runs.sweeps import key_of, merged, parse, sweep_values


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
    choices = [sweep_values(item) for item in parse(overrides)]
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


def check(overrides: list[str]) -> str | None:
    """Return one line describing the first bad override, or None if all are fine.

    The command line's overrides are checked first, then, when a ``study=`` is chosen, the
    sweeps it adds merged with them as Hydra merges them (:func:`with_study`).
    """
    if problem := check_overrides(overrides):
        return problem
    study = with_study(overrides)
    return check_overrides(study) if study is not None else None


def sweep_plan(overrides: list[str]) -> DictConfig:
    """The Hydra part of the configuration these overrides compose to (sweeps held out): its
    sweep folder, mode and a study's ``sweeper.params``."""
    fixed = [o.input_line for o in parse(overrides) if not o.is_sweep_override()]
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose(config_name="config", overrides=fixed, return_hydra_config=True).hydra


def with_study(overrides: list[str]) -> list[str] | None:
    """``overrides`` merged with the sweeps a chosen study adds (``hydra.sweeper.params``); None without one."""
    if not any(o.startswith("study=") for o in overrides):
        return None
    params = sweep_plan(overrides).sweeper.params
    return merged(dict(params), overrides) if params else None


def check_overrides(overrides: list[str]) -> str | None:
    """Return one line describing the first bad override of ``overrides`` as given, or None if all are fine.

    The first value of every sweep is composed by Hydra; further values of a scalar key
    are set on that validated configuration directly, which gives the same verdict
    without composing once per value (a design sweep can have thousands of points).
    Then every combination of the sweeps' values is checked against the rules that
    relate fields (:func:`combination_problem`).
    """
    overrides = [o for o in overrides if not _hydra_only(o)]
    try:
        if problem := _unused(overrides):
            return problem
        combos = expand(overrides)
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
    return combination_problem(overrides)


def _unused(overrides: list[str]) -> str | None:
    """Input Hydra would take without complaint but that would change nothing, in one line."""
    for item in parse(overrides):
        key = key_of(item)
        if item.is_sweep_override() and not sweep_values(item):
            return f"{item.input_line} gives no values to sweep; allowed: a list or a range with at least one value"
        added = item.get_key_element().startswith("+") and not key.startswith("hydra")
        if added and _field_at(key)[0] is None and not key.startswith("model.policies."):
            return f"{item.input_line} adds a key the model does not have; allowed: {allowed(key)}"
    return None


def _hydra_only(override: str) -> bool:
    """Overrides of Hydra's own settings (launcher, folders) do not change a job; its search path does."""
    key = override.lstrip("+~")
    return key.startswith(("hydra.", "hydra/")) and not key.startswith("hydra.searchpath")


MAX_COMPOSED = 64  # combinations of option sweeps (scenario=a,b...) composed by Hydra for the combination check


def combination_problem(overrides: list[str]) -> str | None:
    """The first combination of sweep values that breaks a rule relating fields, in one line; else None.

    Each value may be fine alone while a combination is not (``model.n_workers=200,8`` with
    ``model.personal_ties=3,10``: 10 ties among 8 workers). Scalar sweeps are set on a composed
    configuration and validated, every combination of them; sweeps of other keys (options
    such as ``scenario``) are composed, up to ``MAX_COMPOSED`` combinations of them.
    """
    parsed = parse(overrides)
    sweeps = [o for o in parsed if o.is_sweep_override() and len(sweep_values(o)) > 1]
    if len(sweeps) < 2:
        return None
    fixed = [o.input_line for o in parsed if o not in sweeps]
    scalar = [o for o in sweeps if _is_scalar(key_of(o))]
    composed = [o for o in sweeps if o not in scalar]
    scalar_values = [sweep_values(o) for o in scalar]
    firsts = [values[0] for values in scalar_values]
    for option_combo in itertools.islice(itertools.product(*map(sweep_values, composed)), MAX_COMPOSED):
        base = load([*fixed, *firsts, *option_combo])
        for scalar_combo in itertools.product(*scalar_values):
            run = base
            for text in scalar_combo:
                key, _, value = text.partition("=")
                run = _with_value(run, key.lstrip("+~"), value) if run is not None else None
            if run is None:
                continue  # a value only Hydra can set (null): checked alone above
            try:
                validate(run)
            except ConfigError as exc:
                return f"{exc} (the combination {' '.join([*option_combo, *scalar_combo])})"
    return None


def _is_scalar(key: str) -> bool:
    """Whether the value at ``key`` can be set on a composed configuration without Hydra."""
    found, hint, _ = _field_at(key)
    kind = _scalar(hint) if found is not None else None
    return kind is not None and kind is not bool
