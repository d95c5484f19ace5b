"""The one simulated clock.

All engine time comes from a :class:`SimClock`.  It never moves by itself:
only :meth:`SimClock.advance` and :meth:`SimClock.advance_to` move it, and
while it moves every timer that falls due is fired in time order, with the
clock set to the timer's own due time (R23).  A timer due exactly at the
target time fires (``due <= target``), which is what makes the 24-hour
window exact (R22: expired when ``now >= requested_at + 24h``).

The only read of wall time in the whole package is :func:`wall_now`, used
when a caller gives no start time; tests freeze it with ``freezegun``.

Simulated times stay between :data:`EARLIEST` and :data:`LATEST`; a time or
a move of the clock outside them is an :class:`InvalidValueError`, never
Python's ``OverflowError`` half-way through a step.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVarTuple, Unpack, overload

from .errors import ClockWentBackwardsError, InvalidValueError, NaiveDatetimeError, shown

#: The first representable simulated time: webhook timestamps and ids (ULIDs) count
#: milliseconds from the Unix epoch.
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
#: The last: a year short of ``datetime.max``, so that what the engine derives from
#: a time (a 24-hour window, a 180-day exemption, the UTC+9 day) stays representable.
LATEST = datetime(9999, 1, 1, tzinfo=timezone.utc)
_RANGE = "the simulated clock's representable range, 1970-01-01 to 9999-01-01 UTC"


def wall_now() -> datetime:
    """The current wall-clock time, aware, in UTC (frozen by ``freezegun`` in tests)."""
    return datetime.now(timezone.utc)


def require_aware(value: datetime, what: str = "time") -> datetime:
    """Refuse naive datetimes: an hour's ambiguity would move R11/R22 boundaries."""
    if not isinstance(value, datetime):
        raise InvalidValueError(f"{what} {shown(value)} is not a datetime; expected an aware datetime, "
                                "e.g. datetime(2026, 4, 1, 9, tzinfo=timezone(timedelta(hours=9)))")
    try:
        offset = value.utcoffset()
    except (ValueError, TypeError, OverflowError) as exc:  # a tzinfo that answers junk
        raise InvalidValueError(f"{what}: its tzinfo gives no usable UTC offset ({exc})") from None
    if offset is None:
        raise NaiveDatetimeError(f"{what} {value.isoformat()} has no UTC offset; give one, e.g. +09:00")
    return value


def require_time(value: datetime, what: str = "time", *, clock: bool = True) -> datetime:
    """An aware datetime inside the simulated clock's range (:data:`EARLIEST` to :data:`LATEST`).

    With ``clock=False`` (a time the clock never shows, such as when an account was
    created) only the end of the range applies: 180 days are added to such times.
    """
    require_aware(value, what)
    if value > LATEST or (clock and value < EARLIEST):
        raise InvalidValueError(f"{what} {value.isoformat()} is outside {_RANGE}")
    return value


_Ts = TypeVarTuple("_Ts")

#: How often (in timers scheduled) the heap is checked for cancelled timers to drop.
_COMPACT_EVERY = 1024


@dataclass(order=True, slots=True)
class Timer:
    """A callback due at a simulated time, called with ``args``.  Cancelled timers stay in the heap
    but never fire.

    Slotted, and with its arguments beside the callback rather than bound into
    it (a ``functools.partial`` of a bound method): every pending message has
    a timer, and each object here is one the garbage collector walks until
    the heap is compacted (one tracked object a timer, not four).
    """

    due: datetime
    seq: int
    callback: Callable[..., None] = field(compare=False)
    label: str = field(default="", compare=False)
    args: tuple[Any, ...] = field(default=(), compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class SimClock:
    """Simulated time with a heap of timers.

    >>> from datetime import datetime, timedelta, timezone
    >>> clock = SimClock(datetime(2026, 4, 1, tzinfo=timezone.utc))
    >>> fired = []
    >>> _ = clock.call_at(clock.now + timedelta(hours=1), lambda: fired.append(clock.now.hour))
    >>> clock.advance(timedelta(hours=2)); fired
    [1]
    """

    __slots__ = ("_now", "_timers", "_seq")

    def __init__(self, start: datetime | None = None) -> None:
        #: The time; the engine's own hot paths (:mod:`flowsim.engine.effects`) read this slot rather
        #: than :attr:`now`, some twenty times per Flow B user: a property is a function call each time.
        self._now = require_time(start, "start time") if start is not None else wall_now()
        self._timers: list[Timer] = []
        self._seq = itertools.count()

    @property
    def now(self) -> datetime:
        """The simulated time (read-only: only :meth:`advance` and :meth:`advance_to` move it)."""
        return self._now

    @overload
    def call_at(self, due: datetime, callback: Callable[[], None], label: str = "") -> Timer: ...

    @overload
    def call_at(self, due: datetime, callback: Callable[[Unpack[_Ts]], None], label: str,
                args: tuple[Unpack[_Ts]]) -> Timer: ...

    def call_at(self, due: datetime, callback: Callable[..., None], label: str = "",
                args: tuple[Any, ...] = ()) -> Timer:
        """Schedule ``callback(*args)`` at ``due``.  A time already reached fires on the next advance."""
        require_aware(due, "timer due time")
        if not callable(callback):
            raise InvalidValueError(f"timer callback {shown(callback)} is not callable")
        if not isinstance(label, str):
            raise InvalidValueError(f"timer label {shown(label)}: expected a string")
        if not isinstance(args, tuple):
            raise InvalidValueError(f"timer arguments {shown(args)}: expected a tuple")
        timer = Timer(due, next(self._seq), callback, label, args)
        heapq.heappush(self._timers, timer)
        if timer.seq % _COMPACT_EVERY == 0:
            self._compact()
        return timer

    def _compact(self) -> None:
        """Drop cancelled timers once they are most of the heap, so a long run's memory stays flat.

        (Most pending messages end before their expiry: their timers are
        cancelled, and would otherwise stay until they fall due.)
        """
        live = [t for t in self._timers if not t.cancelled]
        if 2 * len(live) < len(self._timers):
            heapq.heapify(live)
            self._timers = live

    def next_due(self) -> datetime | None:
        """When the next live timer falls due (a server sleeps until then), or ``None``."""
        timers = self._timers
        while timers and timers[0].cancelled:
            heapq.heappop(timers)
        return timers[0].due if timers else None

    def pending_timers(self) -> list[Timer]:
        """Live timers, soonest first (for inspectors and countdowns)."""
        return sorted(t for t in self._timers if not t.cancelled)

    def advance(self, delta: timedelta) -> None:
        """Move forward by ``delta`` (which must not be negative), firing due timers in order."""
        if not isinstance(delta, timedelta):
            raise InvalidValueError(f"cannot advance the clock by {shown(delta)}; expected a timedelta, "
                                    "e.g. timedelta(hours=24)")
        if delta < timedelta(0):
            raise ClockWentBackwardsError(f"cannot advance the clock by a negative amount ({delta})")
        if delta > LATEST - self._now:
            raise InvalidValueError(f"cannot advance the clock by {delta} from {self._now.isoformat()}: "
                                    f"it would leave {_RANGE}")
        self.advance_to(self._now + delta)

    def advance_to(self, target: datetime) -> None:
        """Move forward to ``target``, firing every timer with ``due <= target`` in time order."""
        require_aware(target, "target time")
        if target < self._now:
            raise ClockWentBackwardsError(
                f"cannot move the clock back from {self._now.isoformat()} to {target.isoformat()}"
            )
        if target > LATEST:
            raise InvalidValueError(f"cannot move the clock to {target.isoformat()}: it would leave {_RANGE}")
        timers = self._timers
        while timers and timers[0].due <= target:
            timer = heapq.heappop(timers)
            if timer.cancelled:
                continue
            if timer.due > self._now:
                self._now = timer.due
            timer.callback(*timer.args)
        self._now = target
