"""The Starlette application: LINE's four notification-message endpoints and the control API.

Each LINE endpoint answers in this order (docs/sandbox.md, "Endpoints"):

1. 413 for a body above 2 MB (before anything else: the size is the edge's concern);
2. 401 without ``Authorization: Bearer <token>`` or with a token no channel has;
3. 429 above the channel's rate on that endpoint;
4. (sends) 400 for a content type other than JSON, a body that is not JSON,
   or a property the engine does not take that is malformed
   (``notificationDisabled``, ``customAggregationUnits``);
5. the engine's answer (:class:`flowsim.engine.models.SendResult`): its status and
   LINE's body, unchanged.

Every answer, errors and 404/405 included, is JSON with an
``x-line-request-id`` header; an unexpected exception in the sandbox is a
500 with LINE's body shape (and a bug to report), never a traceback on the wire.

The four endpoints are plain ASGI apps that :class:`SandboxApp` calls by
method and path before Starlette's middleware and router, which serve the
rest (the control API, 404, 405) and the lifespan.  The answers are the
same bytes either way (docs/sandbox.md, "Speed").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from flowsim.engine import JST, FlowsimError

from . import line
from .control import control_routes
from .world import RecordedRequest, Sandbox

log = logging.getLogger("flowsim.sandbox")

#: Largest body read (and thrown away) before a 413 is answered, so that the client
#: gets the answer instead of a reset connection; larger bodies are cut off.
DRAIN_LIMIT = 16 * 1024 * 1024

_UNIT = re.compile(r"[A-Za-z0-9_]{1,30}")


def request_id() -> str:
    """A fresh UUID-shaped id (random; the engine's seeded generator is kept for the world's own ids)."""
    h = random.randbytes(16).hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def encode(body: Any) -> bytes:
    """Compact UTF-8 JSON of an answer's body."""
    if type(body) is dict and not body:  # {}: every successful send
        return b"{}"
    try:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    except UnicodeEncodeError:  # a lone surrogate someone sent, shown back as a \uXXXX escape
        return json.dumps(body, separators=(",", ":")).encode()


def answer(status: int, body: Any, rid: str | None = None, headers: Mapping[str, str] | None = None) -> Response:
    """A JSON response carrying ``x-line-request-id``."""
    out = {"x-line-request-id": rid or request_id()}
    if headers:
        out.update(headers)
    return Response(encode(body), status, headers=out, media_type="application/json")


async def send_answer(send: Send, status: int, content: bytes, rid: str) -> None:
    """What :func:`answer`'s ``Response`` sends for ``content`` (the same headers, in the same order), unbuilt."""
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"x-line-request-id", rid.encode("latin-1")),
                            (b"content-length", str(len(content)).encode("latin-1")),
                            (b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": content})


async def read_body(receive: Receive, declared: str | None) -> bytes | None:
    """The body, or ``None`` when it exceeds :data:`line.MAX_BODY` (drained up to :data:`DRAIN_LIMIT`).

    ``declared`` is the ``Content-Length`` header.  The ASGI messages are read as Starlette's
    ``Request.stream`` reads them (a disconnect raises ``ClientDisconnect``), without its async
    generator, which asyncio registers and finalises for every request.
    """
    drain = declared is not None and declared.isdigit() and int(declared) > line.MAX_BODY
    chunks = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.request":
            chunk = message.get("body", b"")
            more = message.get("more_body", False)
            size += len(chunk)
            if drain:
                if size > DRAIN_LIMIT:
                    break
            elif size > line.MAX_BODY:
                return None
            else:
                chunks.append(chunk)
        elif message["type"] == "http.disconnect":
            raise ClientDisconnect()
    return None if drain else b"".join(chunks)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


#: ``json.loads(text, parse_constant=…)`` builds a decoder on every call; this one is made once.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def parse_json(raw: bytes) -> tuple[Any, dict[str, Any] | None]:
    """``(value, None)``, or ``(None, LINE's 400 body)`` naming the line and column that broke."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line_no = before.count(b"\n") + 1
        return None, line.unparsable(line_no, exc.start - (before.rfind(b"\n") + 1) + 1)
    if text.startswith("\ufeff"):  # what json.loads refuses before decoding: a BOM
        return None, line.unparsable(1, 1)
    try:
        return _DECODER.decode(text), None
    except json.JSONDecodeError as exc:
        return None, line.unparsable(exc.lineno, exc.colno)
    except (ValueError, RecursionError):  # NaN/Infinity, a 5,000-digit number, nesting deeper than Python's stack
        return None, line.unparsable(1, 1)


def _common_properties(data: dict[str, Any]) -> dict[str, Any] | None:
    """LINE's 400 for the properties that only the HTTP layer reads (the engine takes the rest)."""
    disabled = data.get("notificationDisabled")
    if disabled is not None and not isinstance(disabled, bool):
        return line.body_error("notificationDisabled", "must be a boolean")
    units = data.get("customAggregationUnits")
    if units is not None and not (
            isinstance(units, list) and len(units) <= 1 and all(isinstance(u, str) and _UNIT.fullmatch(u) for u in units)):
        return line.body_error("customAggregationUnits",
                               "must be a list of at most 1 unit name of 1 to 30 characters [A-Za-z0-9_]")
    return None


#: An endpoint's own work, once the common checks passed: ``(sandbox, oa, headers, body, scope) -> (status, body)``.
Handler = Callable[[Sandbox, str, dict[str, str], Any, Scope], tuple[int, Any]]


class LineEndpoint:
    """One LINE endpoint as an ASGI app.

    It records the request, then checks size, auth, rate limit and (sends) content type and JSON; then ``handler``.
    """

    def __init__(self, sandbox: Sandbox, handler: Handler, endpoint: str, send: bool) -> None:
        self.sandbox = sandbox
        self.handler = handler
        self.endpoint = endpoint
        self.send = send

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send_answer(send, *await self.respond(scope, receive))

    async def respond(self, scope: Scope, receive: Receive) -> tuple[int, bytes, str]:
        """Read and answer the request: its status, the body's bytes and the ``x-line-request-id``."""
        sandbox = self.sandbox
        rid = request_id()
        # one plain dict (ASGI names are lower case): cheaper than Starlette's Headers for a few lookups
        headers = {key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]}
        entry = sandbox.record(rid, scope["method"], scope["path"], scope["query_string"].decode("latin-1"),
                               headers, None)
        status, body = await self._guarded(scope, receive, entry, headers)
        sandbox.collect()
        entry.status, entry.answer = status, body
        for listener in sandbox.request_listeners:
            listener(entry)
        return status, encode(body), rid

    async def _guarded(self, scope: Scope, receive: Receive, entry: RecordedRequest,
                       headers: dict[str, str]) -> tuple[int, Any]:
        sandbox, is_send = self.sandbox, self.send
        raw = await read_body(receive, headers.get("content-length")) if is_send else b""
        if raw is None:
            return 413, line.error(line.TOO_LARGE)
        sandbox.sync()
        token = line.bearer_token(headers.get("authorization"))
        if token is None:
            return 401, line.error(line.AUTH_REQUIRED)
        oa = sandbox.tokens.get(token)
        if oa is None:
            return 401, line.error(line.INVALID_TOKEN)
        entry.oa = oa
        if not sandbox.limiter.allow(oa, self.endpoint):
            return 429, line.error(line.RATE_LIMITED)
        data = None
        if is_send:
            content_type = headers.get("content-type")
            if not line.is_json_type(content_type):
                entry.body = _printable(raw)
                return 400, line.unsupported_type(content_type)
            data, problem = parse_json(raw)
            entry.body = data if problem is None else _printable(raw)
            if problem is not None:
                return 400, problem
            if not isinstance(data, dict):
                return 400, line.error("The request body must be a JSON object")
            problem = _common_properties(data)
            if problem is not None:
                return 400, problem
        log = sandbox.sim.log
        before = len(log)
        try:
            return self.handler(sandbox, oa, headers, data, scope)
        except FlowsimError as exc:  # the engine refused an argument outright: still a client error
            return 400, line.error(str(exc))
        finally:  # per request, whatever else changed the simulation meanwhile (the TUI: Session.record_http_send)
            # the handler is synchronous (nothing else runs meanwhile) and calls only the engine's sends, which
            # log an ApiCalled for every answer they give: anything logged is this request's ApiCalled and effects
            entry.engine_sent = len(log) > before


def _printable(raw: bytes, limit: int = 2000) -> str:
    text = raw[:limit].decode("utf-8", "replace")
    return text + (f"… ({len(raw)} bytes)" if len(raw) > limit else "")


# ---------------------------------------------------------------------- the four endpoints


def push(sandbox: Sandbox, oa: str, headers: dict[str, str], data: Any, scope: Scope) -> tuple[int, Any]:
    result = sandbox.sim.send_flexible(oa, data.get("to"), data.get("messages"), headers.get("x-line-delivery-tag"))
    return result.status, result.body()


def templated_push(sandbox: Sandbox, oa: str, headers: dict[str, str], data: Any, scope: Scope) -> tuple[int, Any]:
    result = sandbox.sim.send_template(oa, data.get("to"), data.get("templateKey"), data.get("body"),
                                       headers.get("x-line-delivery-tag"))
    return result.status, result.body()


def statistics(kind: str) -> Handler:
    """``GET …/delivery/pnp[/templated]?date=yyyyMMdd``: always 200 for a valid date (UTC+9 days, R26)."""

    def handler(sandbox: Sandbox, oa: str, headers: dict[str, str], data: Any, scope: Scope) -> tuple[int, Any]:
        day = line.parse_date(QueryParams(scope["query_string"]).get("date"))  # as Request.query_params
        if day is None:
            return 400, line.error(line.BAD_DATE)
        if day < line.STATISTICS_START:
            return 200, {"status": "out_of_service"}
        if day >= sandbox.sim.now.astimezone(JST).date():
            return 200, {"status": "unready"}
        return 200, {"status": "ready", "success": sandbox.sim.daily_count(oa, kind, day)}

    return handler


# ---------------------------------------------------------------------- errors and the app


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = {404: line.NOT_FOUND, 405: line.METHOD_NOT_ALLOWED}.get(exc.status_code, exc.detail)
    return answer(exc.status_code, line.error(message), headers=exc.headers)


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("flowsim sandbox: unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return answer(500, line.error(line.SERVER_ERROR))


class SandboxApp(Starlette):
    """Starlette, with LINE's four endpoints called by method and path before its middleware and router.

    Those are what a backend sends, and Starlette's stack around an endpoint
    (its exception layers, the router's matching, ``Request`` and
    ``Response``) cost about as much as the endpoint's own checks
    (docs/sandbox.md, "Speed").  An exception is handled as Starlette's
    ``ServerErrorMiddleware`` handles it (the app's 500 handler answers,
    then it is raised on to the server, which logs it).  Anything else
    (another method or path, a ``root_path``, the lifespan) goes through
    Starlette as before, and reaches the same endpoints by its routes.
    """

    def __init__(self, sandbox: Sandbox, endpoints: Mapping[tuple[str, str], LineEndpoint], **options: Any) -> None:
        super().__init__(**options)
        self.state.sandbox = sandbox
        self.line_endpoints = dict(endpoints)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self.line_endpoints.get((scope["method"], scope["path"])) if scope["type"] == "http" else None
        if endpoint is None or scope.get("root_path"):
            await super().__call__(scope, receive, send)
            return
        scope["app"] = self
        try:
            answered = await endpoint.respond(scope, receive)
        except Exception as exc:  # nothing was sent yet: as ServerErrorMiddleware, the 500 handler answers
            response = await self.exception_handlers[Exception](Request(scope), exc)
            await response(scope, receive, send)
            raise
        await send_answer(send, *answered)


def create_app(sandbox: Sandbox) -> SandboxApp:
    """The ASGI app serving ``sandbox``; its lifespan starts and stops the webhook sender and the clock's tick."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await sandbox.sender.start()
        ticker = _start_ticker(sandbox)
        try:
            yield
        finally:
            ticker.cancel()
            await sandbox.sender.stop()

    endpoints = {
        ("POST", line.PUSH): LineEndpoint(sandbox, push, line.PUSH, True),
        ("POST", line.TEMPLATED_PUSH): LineEndpoint(sandbox, templated_push, line.TEMPLATED_PUSH, True),
        ("GET", line.STATISTICS): LineEndpoint(sandbox, statistics("flexible"), line.STATISTICS, False),
        ("GET", line.TEMPLATED_STATISTICS): LineEndpoint(sandbox, statistics("template"), line.TEMPLATED_STATISTICS,
                                                          False),
    }
    # the same endpoints as routes too: a HEAD of the statistics, or a path under a root_path, is served through them
    routes = [
        Route(line.PUSH, endpoints["POST", line.PUSH], methods=["POST"]),
        Route(line.TEMPLATED_PUSH, endpoints["POST", line.TEMPLATED_PUSH], methods=["POST"]),
        Route(line.STATISTICS, endpoints["GET", line.STATISTICS], methods=["GET"]),
        Route(line.TEMPLATED_STATISTICS, endpoints["GET", line.TEMPLATED_STATISTICS], methods=["GET"]),
        Mount("/_flowsim", routes=control_routes()),
    ]
    app = SandboxApp(sandbox, endpoints, routes=routes, lifespan=lifespan,
                     exception_handlers={HTTPException: _http_error, Exception: _server_error})
    app.router.redirect_slashes = False  # LINE answers 404 to an unknown path, not a redirect
    return app


#: Seconds between the clock's catch-ups with wall time when nothing else moves it.
TICK = 1.0


def _start_ticker(sandbox: Sandbox) -> asyncio.Task[None]:
    """Following wall time, expiries fire on time even when no request comes (one sync a second)."""

    async def tick() -> None:
        while True:
            await asyncio.sleep(TICK)
            try:
                sandbox.sync()
            except Exception:  # pragma: no cover - a bug; keep ticking
                log.exception("flowsim sandbox: clock tick failed")

    return asyncio.ensure_future(tick())
