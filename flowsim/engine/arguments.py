"""Checks of the public API's arguments, shared by the engine and its public helpers.

Every public method of :class:`flowsim.Simulation` (and ``normalise``,
``hash_number``, ``SimClock`` and ``Catalogue``) checks what it is given at
its entry, before it changes anything, and refuses junk with a documented
:mod:`flowsim.errors` type that names the argument, the value and what is
expected.  So a refused call leaves the world as it was, and a caller never
sees a ``TypeError``, ``KeyError``, ``OverflowError`` or pydantic's
``ValidationError``.  Times are checked by :func:`flowsim.clock.require_time`.

Content (a send's messages, template body and delivery tag) is not checked
here: it is API input, answered 400 by :mod:`flowsim.content` as LINE does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Literal, overload

from .errors import InvalidValueError, shown

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

#: R24 compares app versions as numbers: one to four dot-separated parts.
_VERSION = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,9}){0,3}")

#: Seeds are written into strings (``f"{seed}:pins"``); Python refuses that past 4300 digits.
_SEED_LIMIT = 10**100

#: Action arguments that are text the user types or picks (``oa`` is looked up instead).
_TEXT_ARGS = ("number", "text", "value")


def is_text(value: object) -> bool:
    """A ``str`` that is valid Unicode (no lone surrogate), so it can be written as UTF-8 or JSON."""
    if not isinstance(value, str):
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@overload
def text(value: object, what: str, *, optional: Literal[False] = False) -> str: ...
@overload
def text(value: object, what: str, *, optional: bool) -> str | None: ...
def text(value: object, what: str, *, optional: bool = False) -> str | None:
    """``value`` if it is valid text (or ``None`` when ``optional``), else :class:`InvalidValueError`."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        expected = "a string or None" if optional else "a string"
        raise InvalidValueError(f"{what} {shown(value)}: expected {expected}")
    if not is_text(value):
        raise InvalidValueError(f"{what} {shown(value)}: not valid Unicode text (it holds a lone surrogate)")
    return value


def identifier(value: Any, what: str) -> str:
    """A new id: non-empty text without control characters (ids appear in scenario files, logs, the TUI)."""
    name = text(value, what)
    if not name or _CONTROL.search(name):
        raise InvalidValueError(f"{what} {shown(value)}: expected a non-empty name without control characters")
    return name


def lookup_key(value: Any, what: str) -> Any:
    """After a lookup found nothing: :class:`InvalidValueError` unless ``value`` is a string.

    (A string that is not there is the caller's ``Unknown…Error``.)
    """
    if not isinstance(value, str):
        raise InvalidValueError(f"{what} {shown(value)}: expected a string") from None
    return value


def id_set(value: Any, what: str) -> set[str]:
    """``blocked=`` / ``friends=``: one id as a plain string, or an iterable of ids."""
    if isinstance(value, str):
        return {text(value, what)}
    if not isinstance(value, Iterable) or isinstance(value, (bytes, bytearray, memoryview)):
        raise InvalidValueError(f"{what} {shown(value)}: expected an official account id or a list of them")
    items = list(value)
    for item in items:
        if not isinstance(item, str):
            raise InvalidValueError(f"{what}: {shown(item)} is not an official account id; expected a string")
        text(item, what)
    return set(items)


def app_version(value: Any) -> str:
    """R24 compares versions as numbers, so a version is dot-separated decimal numbers."""
    version = text(value, "app_version")
    if not _VERSION.fullmatch(version):
        raise InvalidValueError(
            f"app_version {shown(value)}: expected dot-separated numbers such as '15.9.0' (R24 compares them)")
    return version


def seed(value: Any) -> int | str:
    if isinstance(value, int) and -_SEED_LIMIT < value < _SEED_LIMIT:
        return value
    if isinstance(value, str):
        return text(value, "seed")
    raise InvalidValueError(f"seed {shown(value)}: expected an integer (at most 100 digits) or a string")


def instance(value: Any, cls: type, what: str, *, optional: bool = False) -> Any:
    if (value is None and optional) or isinstance(value, cls):
        return value
    expected = f"a {cls.__name__}" + (" or None" if optional else "")
    raise InvalidValueError(f"{what} {shown(value)}: expected {expected}")


def day(value: Any) -> date:
    """R26 counts by calendar day in UTC+9: a ``date``, not a ``datetime``."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidValueError(
            f"day {shown(value)}: expected a date (a calendar day in UTC+9, R26), e.g. date(2026, 4, 1)")
    return value


def action_args(action: str, kwargs: dict[str, Any]) -> None:
    """The types of a user action's arguments (that they are given is checked by the engine)."""
    for name, value in kwargs.items():
        if name == "pin":
            if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**18:
                continue
            if not isinstance(value, str):
                raise InvalidValueError(f"{action} pin {shown(value)}: expected the PIN as a string of digits")
            text(value, f"{action} pin")
        elif name in _TEXT_ARGS:
            text(value, f"{action} {name}")
