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


def ulid(millis: int, randomness: int) -> str:
    """The 26-character ULID of a millisecond timestamp and 80 random bits."""
    if not 0 <= millis < 1 << 48 or not 0 <= randomness < 1 << 80:
        raise ValueError("a ULID holds a 48-bit timestamp and 80 random bits")
    value = millis << 80 | randomness
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))
