""""Did you mean …?": the closest of the words expected, at a bounded cost.

Every hint of the scenario layer (a key, an enum value, a step kind, an id)
comes from :func:`close_match`, so its cost is bounded in one place:

* the loader opens a :func:`budget` for each file: past
  :data:`HINTS_PER_FILE` hints, there are none (only the first problems of a
  file are reported in full, and difflib costs about 0.1 ms a hint: a file of
  60,000 typos would otherwise spend seconds on hints nobody reads);
* among more than :data:`POOL` candidates (15,000 user ids), a hint compares
  with the nearest in sorted order, read forwards and backwards (a typo
  keeps one end of the word), never with all of them;
* a value longer than :data:`LONGEST` gets none (no id is a typo of a
  paragraph, and difflib's cost grows with the length).
"""

from __future__ import annotations

import bisect
import difflib
import functools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

HINTS_PER_FILE = 50
POOL = 200
LONGEST = 100

#: Hints left in the file being loaded (a one-item list, so nested calls share it); None: no budget.
_left: ContextVar[list[int] | None] = ContextVar("flowsim_hints_left", default=None)


@contextmanager
def budget(hints: int = HINTS_PER_FILE) -> Iterator[None]:
    """At most ``hints`` hints inside the ``with`` block (one file's loading)."""
    token = _left.set([hints])
    try:
        yield
    finally:
        _left.reset(token)


def close_match(value: object, options: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The option closest to ``value`` (difflib's ratio at least ``cutoff``), or None."""
    left = _left.get()
    if left is not None:
        if left[0] <= 0:
            return None
        left[0] -= 1
    text = str(value)
    if len(text) > LONGEST:
        return None
    options = list(options)
    pool = options if len(options) <= POOL else _nearest(text, options, POOL // 4)
    close = difflib.get_close_matches(text, pool, n=1, cutoff=cutoff)
    return close[0] if close else None


def did_you_mean(value: object, options: Iterable[str]) -> str:
    """`` (did you mean 'hanako'?)`` or ``""``."""
    close = close_match(value, options)
    return f" (did you mean {close!r}?)" if close else ""


def _nearest(value: str, known: list[str], n: int) -> list[str]:
    """The ``2 * n`` ids nearest ``value`` in sorted order, and the ``2 * n`` nearest read backwards."""
    pool: list[str] = []
    for step, ids in zip((1, -1), _sorted_both_ways(frozenset(known))):
        at = bisect.bisect_left(ids, value[::step])
        pool += [k[::step] for k in ids[max(0, at - n):at + n]]
    return pool


@functools.lru_cache(maxsize=4)
def _sorted_both_ways(known: frozenset[str]) -> tuple[list[str], list[str]]:
    """The ids sorted, and sorted read backwards (each reversed): sorted once for a file's errors."""
    return sorted(known), sorted(k[::-1] for k in known)
