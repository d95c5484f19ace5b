"""Load a scenario file: bytes → YAML nodes → values with positions → models → checks.

:func:`load_scenario` is the one entry point for files; :func:`loads_scenario`
takes text, :func:`scenario_from_data` plain Python data (what the TUI builds).
Every failure is a :class:`ScenarioFileError` at ``file:line:col`` that says
what was expected; several problems in one file are reported together.
Pydantic's error locations are mapped back to YAML positions by walking the
location along the recorded paths (components that are not keys of the file,
such as union tags, are skipped).  Every error is located, but only the first
ones in file order get a message (with its "did you mean"): the rest are
counted, so a file of 60,000 bad steps costs little more than validating it.
"""

from __future__ import annotations

import functools
import os
import re
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from . import hints
from .checks import check
from .errors import MAX_REPORTED, ScenarioFileError
from .models import STEP_KINDS, Scenario, Step, annotate
from .yamlsource import Positions, describe_type, parse, read_text

_TOP_KEYS = ", ".join(Scenario.model_fields[n].alias or n for n in Scenario.model_fields)


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read, validate and cross-check a scenario file.  Raises :class:`ScenarioFileError`."""
    name = os.fspath(path)
    return loads_scenario(read_text(name), name)


def loads_scenario(text: str, name: str = "<string>") -> Scenario:
    """The same, from text (``name`` is what errors call the file)."""
    data, positions = parse(text, name)
    return scenario_from_data(data, name, positions)


@hints.budget()
def scenario_from_data(data: Any, name: str = "<data>", positions: Positions | None = None) -> Scenario:
    """Validate already-parsed data (positions unknown → errors point at 1:1 of ``name``)."""
    positions = positions or Positions()
    if not isinstance(data, dict):
        line, col = positions.of_value(())
        raise ScenarioFileError(name, line, col, f"the file holds {describe_type(data)}; expected a mapping "
                                f"at the top level with the keys {_TOP_KEYS}")
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioFileError.collect(_from_pydantic(exc, positions, name)) from None
    annotate(scenario, "_path", name)
    for step, line in zip(scenario.steps, positions.step_lines()):
        annotate(step, "_line", line)
    problems = check(scenario, positions, name)
    if problems:
        raise ScenarioFileError.collect(problems)
    return scenario


@functools.cache
def _step_adapter() -> TypeAdapter[Step]:
    """Built on first use: ``flowsim run`` never needs it."""
    return TypeAdapter(Step)


@hints.budget()
def step_from_data(data: Any, name: str = "<step>") -> Step:
    """One step (``{"send": {...}, "as": ...}``) from plain data, validated like a step of a file.

    The file-level checks (known users and accounts) are not made: the engine
    refuses unknown ids itself when the step runs.
    """
    try:
        return _step_adapter().validate_python(data)
    except ValidationError as exc:
        raise ScenarioFileError.collect(_from_pydantic(exc, Positions(), name)) from None


# ---------------------------------------------------------------- pydantic → file:line:col


def _walk(loc: tuple[Any, ...], positions: Positions) -> tuple[Any, ...]:
    """The longest path of the file that ``loc`` leads through (skipping union tags etc.)."""
    path: tuple[Any, ...] = ()
    known_values, known_keys = positions.values, positions.keys
    if len(loc) >= 3 and loc[0] == "steps" and loc[2] in STEP_KINDS:
        loc = loc[:2] + loc[3:]  # drop the step union's tag
    for comp in loc:
        candidate = (*path, comp)
        if candidate in known_values or candidate in known_keys:
            path = candidate
    return path


def _dotted(path: tuple[Any, ...]) -> str:
    out = ""
    for comp in path:
        out += f"[{comp}]" if isinstance(comp, int) else (f".{comp}" if out else str(comp))
    return out


def _from_pydantic(exc: ValidationError, positions: Positions, name: str) -> list[ScenarioFileError]:
    """The first :data:`MAX_REPORTED` errors in file order, the last counting the others (``omitted``)."""
    located = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        kind = err["type"]
        if kind == "missing":
            path = _walk(loc[:-1], positions)
            line, col = positions.of_key(path) if path else positions.of_value(())
        elif kind == "unknown_key":
            path = _walk(loc, positions)
            line, col = positions.of_key((*path, err["ctx"]["key"]))
        else:
            path = _walk(loc, positions)
            line, col = positions.of_value(path)
        located.append((line, col, kind, err, path))
    located.sort(key=lambda item: (item[0], item[1]))
    problems: list[ScenarioFileError] = []
    seen: set[tuple[Any, ...]] = set()
    with hints.budget(MAX_REPORTED):
        for line, col, kind, err, path in located:
            if len(problems) < MAX_REPORTED:
                message = _located_message(kind, err, path)
                key: tuple[Any, ...] = (line, col, message)
            else:
                key = (line, col, kind, err["msg"])  # counted, not worded
            if key not in seen:
                seen.add(key)
                if len(problems) < MAX_REPORTED:
                    problems.append(ScenarioFileError(name, line, col, message))
    problems[-1].omitted = len(seen) - len(problems)
    return problems


def _located_message(kind: str, err: ErrorDetails, path: tuple[Any, ...]) -> str:
    where = _dotted(path)
    if kind == "missing":
        missing = err["loc"][-1]
        return f"missing required key {missing!r}{' in ' + where if where else ''}; expected `{missing}:` here"
    prefix = f"{where}: " if where else ""
    return prefix + (err["msg"] if kind == "unknown_key" else _message(err))


def _message(err: ErrorDetails) -> str:
    kind = err["type"]
    value = err.get("input")
    found = describe_type(value)
    ctx = err.get("ctx") or {}
    if kind == "step_kind":
        return _step_kind_message(value)
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        hint = hints.did_you_mean(value, options)
        return f"{found} is not allowed{hint}; expected one of: {', '.join(options)}"
    if kind in ("string_type", "string_sub_type"):
        return f"expected text, found {found}"
    if kind.startswith("int_") or kind == "int_type":
        return f"expected a whole number, found {found}"
    if kind.startswith("bool_"):
        return f"expected true or false, found {found}"
    if kind in ("dict_type", "model_type", "model_attributes_type", "mapping_type"):
        return f"expected a mapping (key: value), found {found}"
    if kind in ("list_type", "tuple_type", "iterable_type"):
        return f"expected a list, found {found}"
    if kind == "too_short":
        return f"expected at least {ctx.get('min_length')} item(s), found {ctx.get('actual_length', 0)}"
    if kind == "too_long":
        return f"expected at most {ctx.get('max_length')} item(s), found {ctx.get('actual_length')}"
    if kind == "greater_than_equal":
        return f"expected a number >= {ctx.get('ge')}, found {found}"
    if kind == "extra_forbidden":
        return "unknown key; expected only the documented keys (see `flowsim schema`)"
    return f"{err['msg']}; found {found}"


def _step_kind_message(value: Any) -> str:
    kinds = ", ".join(STEP_KINDS)
    if not isinstance(value, dict):
        return f"a step must be a mapping; expected one of {kinds} (e.g. `- do: agree`), found {describe_type(value)}"
    present = [k for k in STEP_KINDS if k in value]
    if len(present) > 1:
        both = " and ".join(f"`{k}`" for k in present)
        return f"one step has both {both}; expected exactly one of {kinds} per step (split it into steps)"
    keys = [describe_type(k)[1:-1] if isinstance(k, str) else str(k) for k in list(value)[:_KEYS_SHOWN]]
    found = ", ".join(keys) + (f", … ({len(value):,} keys)" if len(value) > _KEYS_SHOWN else "")
    close = [(key, hints.close_match(key, STEP_KINDS)) for key in keys]
    hint = "; ".join(f"{key!r} → did you mean {kind!r}?" for key, kind in close if kind)
    hint = f" ({hint})" if hint else ""
    return f"a step needs one of its kinds; expected exactly one of {kinds}; found keys {found or 'none'}{hint}"


#: Keys of a step without a kind that its error names.
_KEYS_SHOWN = 5
