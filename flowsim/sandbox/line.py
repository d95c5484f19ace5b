"""LINE's wire vocabulary for the notification-message endpoints: paths, limits, error bodies.

Only what belongs to HTTP lives here (authentication, content type, sizes,
JSON parsing, the rate limit, statistics dates).  What a send's content or
destination is answered (400 for R28-R30 and a malformed ``to``, 422, 200,
202) is the engine's :class:`flowsim.engine.models.SendResult`, forwarded as it is.

Every message is LINE's own wording where LINE documents or shows it
(docs/sandbox.md's table says which); the rest are marked *decision*.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

#: The four endpoints, exactly as LINE's paths.
PUSH = "/bot/pnp/push"
TEMPLATED_PUSH = "/v2/bot/message/pnp/templated/push"
STATISTICS = "/v2/bot/message/delivery/pnp"
TEMPLATED_STATISTICS = "/v2/bot/message/delivery/pnp/templated"

#: LINE: requests above 2 MB are refused with 413.
MAX_BODY = 2 * 1024 * 1024
#: LINE: 2,000 requests per second per channel on each of these endpoints.
RATE_LIMIT = 2000
#: LINE: statistics are counted from this day (UTC+9); earlier days are ``out_of_service``.
STATISTICS_START = date(2018, 3, 31)

AUTH_REQUIRED = ("Authorization header required. Must follow the scheme, "
                 "'Authorization: Bearer <ACCESS TOKEN>'")
INVALID_TOKEN = ("Authentication failed due to the following reason: invalid token. "
                 "Confirm that the access token in the authorization header is valid.")
TOO_LARGE = "Request exceeds the max size of 2MB"
RATE_LIMITED = "The API rate limit has been exceeded. Try again later."
BAD_DATE = "The value for the 'date' parameter is invalid"
NOT_FOUND = "Not found"                      # decision: the wording of 404
METHOD_NOT_ALLOWED = "Method not allowed"    # decision: the wording of 405
BODY_ERRORS = "The request body has {n} error(s)"
SERVER_ERROR = "Internal server error"       # a bug in the sandbox, never a client's doing


def error(message: str, details: list[dict[str, str]] | tuple[dict[str, str], ...] = ()) -> dict[str, Any]:
    """LINE's error body: ``{"message": ..., "details": [...]}``, ``details`` left out when empty."""
    body: dict[str, Any] = {"message": message}
    if details:
        body["details"] = [dict(d) for d in details]
    return body


def body_error(prop: str, message: str) -> dict[str, Any]:
    """One invalid property of the request body (or a header, LINE uses the same shape)."""
    return error(BODY_ERRORS.format(n=1), [{"message": message, "property": prop}])


def unsupported_type(content_type: str | None) -> dict[str, Any]:
    """LINE's wording; 400 is the sandbox's status for it (decision)."""
    return error(f"The content type, {content_type or '(none)'}, is not supported")


def unparsable(line: int, column: int) -> dict[str, Any]:
    return error(f"The request body could not be parsed as JSON (line: {line}, column: {column})")


_JSON_TYPE = re.compile(r"\s*application/json\s*(?:;\s*charset\s*=\s*\"?utf-8\"?\s*)?;?\s*", re.IGNORECASE)


def is_json_type(content_type: str | None) -> bool:
    """``application/json``, with or without ``charset=utf-8`` (any case); nothing else."""
    if content_type == "application/json":  # what the SDK sends: no pattern to match
        return True
    return content_type is not None and _JSON_TYPE.fullmatch(content_type) is not None


def bearer_token(authorization: str | None) -> str | None:
    """The token of ``Authorization: Bearer <token>``, or ``None`` when the header does not follow the scheme."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


_DATE = re.compile(r"[0-9]{8}")


def parse_date(value: str | None) -> date | None:
    """``yyyyMMdd`` (ASCII digits only) as a date, or ``None`` when missing, malformed or impossible."""
    if value is None or not _DATE.fullmatch(value):
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None
