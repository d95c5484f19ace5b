"""Identifiers in LINE's formats.

LINE's ``webhookEventId`` is a ULID: a 48-bit millisecond timestamp and 80
random bits, written as 26 characters of Crockford's base32.  The engine
makes them from the simulated clock and its seeded generator so that runs
are reproducible.  Design choice: this is done here in a few lines rather than
with ``python-ulid``, whose import (it pulls in ``importlib.metadata``) cost
about 35 ms of every ``flowsim run``; ``tests/engine`` checks the two agree.
"""

from __future__ import annotations

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: Every two characters, by the 10 bits they write (one lookup per pair: a ULID is made per webhook event).
_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]


def ulid(millis: int, randomness: int) -> str:
    """The 26-character ULID of a millisecond timestamp and 80 random bits."""
    if not 0 <= millis < 1 << 48 or not 0 <= randomness < 1 << 80:
        raise ValueError("a ULID holds a 48-bit timestamp and 80 random bits")
    v = millis << 80 | randomness  # 26 characters of 5 bits (two zero bits first): 1, 12 pairs, 1
    p = _PAIRS
    return (_CROCKFORD[v >> 125] + p[v >> 115 & 1023] + p[v >> 105 & 1023] + p[v >> 95 & 1023]
            + p[v >> 85 & 1023] + p[v >> 75 & 1023] + p[v >> 65 & 1023] + p[v >> 55 & 1023] + p[v >> 45 & 1023]
            + p[v >> 35 & 1023] + p[v >> 25 & 1023] + p[v >> 15 & 1023] + p[v >> 5 & 1023] + _CROCKFORD[v & 31])
