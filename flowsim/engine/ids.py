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
#: The ten timestamp characters of the last millisecond written: the events of one operation share it.
_last_time: tuple[int, str] = (-1, "")


def ulid(millis: int, randomness: int) -> str:
    """The 26-character ULID of a millisecond timestamp and 80 random bits.

    Ten characters for the 48-bit time (two zero bits first), sixteen for the
    randomness: eight lookups of ten bits.
    """
    global _last_time
    if type(millis) is not int or type(randomness) is not int or not 0 <= millis < 1 << 48 \
            or not 0 <= randomness < 1 << 80:
        raise ValueError("a ULID holds a 48-bit timestamp and 80 random bits")
    p = _PAIRS
    last, time = _last_time
    if millis != last:
        time = p[millis >> 40] + p[millis >> 30 & 1023] + p[millis >> 20 & 1023] + p[millis >> 10 & 1023] + p[millis & 1023]
        _last_time = (millis, time)
    r = randomness
    return (time + p[r >> 70] + p[r >> 60 & 1023] + p[r >> 50 & 1023] + p[r >> 40 & 1023]
            + p[r >> 30 & 1023] + p[r >> 20 & 1023] + p[r >> 10 & 1023] + p[r & 1023])
