"""Times and durations as scenario files write them.

* Durations: ``-30d``, ``-179d23h59m``, ``1d12h``, ``24h``, ``500ms`` — units
  ``y d h m s ms us`` in that order, each at most once, combinable; a year is
  365 days (the spec says so: no calendar arithmetic, so R11's 180-day
  boundaries are exact).  Spaces between parts are tolerated (``1d 12h``).
  **Extension**: ``ms`` and ``us`` (milli- and microseconds), so that what the
  TUI saves keeps a duration exactly (a timedelta counts microseconds).
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

#: Microseconds per unit.
_UNITS = {"y": 365 * 86_400_000_000, "d": 86_400_000_000, "h": 3_600_000_000, "m": 60_000_000, "s": 1_000_000,
          "ms": 1000, "us": 1}
#: One part of a duration (``12h``, ``3 d``) and the spaces after it.  Read part by part
#: (each match consumes a unit letter), never by one pattern of optional parts around
#: ``\s*``: that backtracks exponentially on a string of spaces (100 spaces: 7 minutes).
_PART_RE = re.compile(r"(\d+)\s*(ms|us|[ydhms])\s*")
#: Longer than any calendar: every time from year 1 to 9999 is closer to every other.
MAX_DURATION = datetime.max - datetime.min
#: For the JSON Schema (editors): a signed duration (each part ends with its unit: no backtracking).
DURATION_PATTERN = (r"^\s*[+-]?\s*(\d+\s*y\s*)?(\d+\s*d\s*)?(\d+\s*h\s*)?(\d+\s*m\s*)?(\d+\s*s\s*)?"
                    r"(\d+\s*ms\s*)?(\d+\s*us\s*)?$")
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
    micros, pos, last = 0, 0, -1
    while pos < len(body):
        part = _PART_RE.match(body, pos)
        if part is None or order.index(part.group(2)) <= last:
            break
        digits, unit = part.group(1).lstrip("0"), part.group(2)
        if len(digits) > 18:  # more microseconds than MAX_DURATION, whatever the unit
            raise ValueError(_too_long(text))
        micros += int(digits or "0") * _UNITS[unit]
        pos, last = part.end(), order.index(unit)
    if pos < len(body) or last < 0:
        raise ValueError(f"invalid duration {describe_type(text)}: expected a number and unit(s) y d h m s ms us, "
                         f"{DURATION_EXAMPLES}")
    if micros > MAX_DURATION // timedelta(microseconds=1):
        raise ValueError(_too_long(text))
    return timedelta(microseconds=-micros if negative else micros)


def _too_long(text: str) -> str:
    return (f"duration {describe_type(text)} is longer than the calendar (more than {MAX_DURATION.days:,} days, "
            f"year 1 to 9999); expected {DURATION_EXAMPLES}")


def format_duration(delta: timedelta) -> str:
    """The inverse of :func:`parse_duration`: ``timedelta(days=1, hours=12)`` → ``"1d12h"``; exact
    (``timedelta(milliseconds=1500)`` → ``"1s500ms"``)."""
    micros = delta // timedelta(microseconds=1)
    sign = "-" if micros < 0 else ""
    micros = abs(micros)
    parts = []
    for unit in ("d", "h", "m", "s", "ms", "us"):  # never "y": 365d is unambiguous, a year is not to a reader
        factor = _UNITS[unit]
        if micros >= factor:
            parts.append(f"{micros // factor}{unit}")
            micros %= factor
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
