"""Times and durations as scenario files write them.

* Durations: ``-30d``, ``-179d23h59m``, ``1d12h``, ``24h`` — units ``y d h m
  s`` in that order, each at most once, combinable; a year is 365 days (the
  spec says so: no calendar arithmetic, so R11's 180-day boundaries are
  exact).  Spaces between parts are tolerated (``1d 12h``).
* Times: ISO 8601 with a UTC offset (``2026-04-01T09:00:00+09:00``, or
  ``Z``).  A time without an offset is refused: an hour's ambiguity would
  move R11 and R22 boundaries.  YAML's own timestamp form with a space
  (``2026-04-01 09:00:00 +09:00``) is accepted too, since YAML users write it.

Both parsers return ``None``-free results or raise :class:`ValueError` with a
message that says what was expected (the loader adds file:line:col).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from .yamlsource import describe_type

_UNITS = {"y": 365 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
#: One part of a duration (``12h``, ``3 d``) and the spaces after it.  Read part by part
#: (each match consumes a unit letter), never by one pattern of optional parts around
#: ``\s*``: that backtracks exponentially on a string of spaces (100 spaces: 7 minutes).
_PART_RE = re.compile(r"(\d+)\s*([ydhms])\s*")
#: Longer than any calendar: every time from year 1 to 9999 is closer to every other.
MAX_DURATION = datetime.max - datetime.min
#: For the JSON Schema (editors): a signed duration (each part ends with its unit: no backtracking).
DURATION_PATTERN = r"^\s*[+-]?\s*(\d+\s*y\s*)?(\d+\s*d\s*)?(\d+\s*h\s*)?(\d+\s*m\s*)?(\d+\s*s\s*)?$"
DURATION_EXAMPLES = "e.g. 24h, 30d, 1d12h or 179d23h59m"

_YAML_TS_RE = re.compile(
    r"(?P<date>\d{4}-\d{1,2}-\d{1,2})(?:[Tt]|[ \t]+)(?P<time>\d{1,2}:\d{2}:\d{2}(?:\.\d*)?)"
    r"[ \t]*(?P<tz>Z|[-+]\d{1,2}(?::?\d{2})?)?"
)


def parse_duration(text: str) -> timedelta:
    """``"-179d23h59m"`` → ``-timedelta(days=179, hours=23, minutes=59)``.

    Linear in the length of ``text``; a duration longer than :data:`MAX_DURATION`
    is refused (no time plus it is a time).
    """
    body = text.strip() if isinstance(text, str) else ""
    negative = body[:1] == "-"
    if body[:1] in ("-", "+"):
        body = body[1:].lstrip()
    order = tuple(_UNITS)
    seconds, pos, last = 0, 0, -1
    while pos < len(body):
        part = _PART_RE.match(body, pos)
        if part is None or order.index(part.group(2)) <= last:
            break
        digits, unit = part.group(1).lstrip("0"), part.group(2)
        if len(digits) > 15:  # more seconds than MAX_DURATION, whatever the unit
            raise ValueError(_too_long(text))
        seconds += int(digits or "0") * _UNITS[unit]
        pos, last = part.end(), order.index(unit)
    if pos < len(body) or last < 0:
        raise ValueError(f"invalid duration {describe_type(text)}: expected a number and unit(s) y d h m s, "
                         f"{DURATION_EXAMPLES}")
    if seconds > MAX_DURATION.days * 86400 + MAX_DURATION.seconds:
        raise ValueError(_too_long(text))
    return timedelta(seconds=-seconds if negative else seconds)


def _too_long(text: str) -> str:
    return (f"duration {describe_type(text)} is longer than the calendar (more than {MAX_DURATION.days:,} days, "
            f"year 1 to 9999); expected {DURATION_EXAMPLES}")


def format_duration(delta: timedelta) -> str:
    """The inverse of :func:`parse_duration`: ``timedelta(days=1, hours=12)`` → ``"1d12h"``."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    parts = []
    for unit in ("d", "h", "m", "s"):  # never "y": 365d is unambiguous, a year is not to a reader
        factor = _UNITS[unit]
        if seconds >= factor:
            parts.append(f"{seconds // factor}{unit}")
            seconds %= factor
    return sign + ("".join(parts) or "0s")


def parse_time(value: str | datetime | date) -> datetime:
    """An aware datetime from ISO 8601 text (or from what YAML/Python already parsed)."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        raise ValueError(f"{value.isoformat()} is a date without a time and UTC offset; "
                         f"expected e.g. {value.isoformat()}T00:00:00+09:00")
    elif isinstance(value, str):
        parsed = _parse_iso(value.strip())
    else:
        raise ValueError(f"expected an ISO 8601 time with a UTC offset, e.g. 2026-04-01T09:00:00+09:00, "
                         f"found {describe_type(value)}")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(f"time {value!s} has no UTC offset; expected e.g. {parsed.isoformat()}+09:00")
    return parsed


def _parse_iso(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    match = _YAML_TS_RE.fullmatch(text)
    if match:
        tz = match.group("tz") or ""
        if tz and tz != "Z" and ":" not in tz:
            tz = tz[:3] + (":" + tz[3:] if len(tz) > 3 else ":00")
        elif tz and tz != "Z" and len(tz.split(":")[0]) == 2:
            tz = tz[0] + "0" + tz[1:]
        try:
            return datetime.fromisoformat(f"{match.group('date')}T{match.group('time')}{tz}")
        except ValueError:
            pass
    raise ValueError(f"invalid time {describe_type(text)}: expected ISO 8601 with a UTC offset, e.g. 2026-04-01T09:00:00+09:00")


def format_time(value: datetime) -> str:
    return value.isoformat()


UTC = timezone.utc
