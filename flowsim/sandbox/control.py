"""The control API under ``/_flowsim/``: play the users, move the clock, look inside.

In the spirit of LocalStack's ``/_localstack/`` and Stripe's test helpers,
so that a backend's own tests can do what a person does on the phone.
No LINE token is needed; requests from anywhere but loopback are refused
(403) unless the sandbox was started with ``allow_remote_control``.

| method, path | what |
| --- | --- |
| ``POST /_flowsim/steps`` | one scenario step or a list (the scenario files' schema and meaning) |
| ``GET /_flowsim/state`` | clock, official accounts (token, secret, settings), users, messages, counts, webhook deliveries |
| ``GET /_flowsim/requests`` | recorded requests; filters ``method``, ``path``, ``status``, ``oa``, ``since``, ``limit`` |
| ``GET /_flowsim/webhooks`` | webhook deliveries with every attempt; filters ``oa``, ``state``, ``type`` |
| ``POST /_flowsim/webhooks/wait`` | answers once no delivery is in flight (``{"timeout": s}``) |
| ``PATCH /_flowsim/accounts/{oa}`` | ``{"webhook": url or null, "redelivery": bool, "templates": "allowed"/"not_allowed"}`` |
| ``POST /_flowsim/reset`` | back to the world as loaded (``{"settings": true}`` also forgets PATCHed settings) |
| ``GET /_flowsim/health`` | ``{"status": "ok", "now", "clock", "official_accounts", "webhooks_in_flight", "requests", "stores"}`` |
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from flowsim.engine import TEMPLATE_ACCESS
from flowsim.scenario import ScenarioFileError, StepResult, step_from_data

from . import line
from .world import Sandbox

log = logging.getLogger("flowsim.sandbox")

LOOPBACK_NAMES = frozenset({"::1", "localhost"})
REMOTE_REFUSED = "The control API is served on loopback only (start the sandbox with --allow-remote-control)"
#: Newest messages listed by the state (``?messages=N`` for more).
STATE_MESSAGES = 1000
#: At most this many seconds for ``POST /_flowsim/webhooks/wait``.
MAX_WAIT = 60.0


def _is_loopback(host: str | None) -> bool:
    return host is not None and (host.startswith("127.") or host in LOOPBACK_NAMES)


def control(handler: Any) -> Any:
    """Loopback check, JSON answer with ``x-line-request-id``, LINE's error shape for every refusal."""
    from .app import answer

    async def endpoint(request: Request) -> Response:
        sandbox: Sandbox = request.app.state.sandbox
        client = request.client.host if request.client else None
        if not sandbox.allow_remote_control and not _is_loopback(client):
            return answer(403, line.error(REMOTE_REFUSED))
        sandbox.sync()
        status, body = await handler(sandbox, request)
        sandbox.collect()
        return answer(status, body)

    return endpoint


async def _json(request: Request, default: Any = None) -> tuple[Any, dict[str, Any] | None]:
    from .app import parse_json, read_body

    raw = await read_body(request.receive, request.headers.get("content-length"))
    if raw is None:
        return None, line.error(line.TOO_LARGE)
    if not raw.strip():
        return default, None
    return parse_json(raw)


# ---------------------------------------------------------------------- steps


def step_answer(result: StepResult, events: list[Any], api: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": result.kind, "ok": result.ok, "summary": result.summary, "error": result.error,
        "mismatches": [{"key": m.key, "expected": _plain(m.expected), "actual": _plain(m.actual)}
                       for m in result.mismatches],
        "events": [{"describe": e.describe(), **e.to_dict()} for e in events],
    }
    if result.kind == "send" and api is not None:
        out["api"] = {"status": api.status, "body": api.body(), "message_id": api.message_id}
    if not result.ok:
        out["report"] = result.report()
    return out


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


async def steps(sandbox: Sandbox, request: Request) -> tuple[int, Any]:
    data, problem = await _json(request)
    if problem is not None:
        return (413 if problem["message"] == line.TOO_LARGE else 400), problem
    items = data if isinstance(data, list) else [data]
    parsed, details = [], []
    for i, item in enumerate(items):
        try:
            parsed.append(step_from_data(item, f"step {i + 1}"))
        except ScenarioFileError as exc:
            details += [{"message": e.message, "property": f"[{i}]"} for e in exc.errors]
    if not items:
        return 400, line.error("Give one step or a list of steps")
    if details:
        return 400, line.error(f"The request has {len({d['property'] for d in details})} invalid step(s)", details)
    answers = []
    ok = True
    for number, step in enumerate(parsed):
        sandbox.sync()
        before, position, last_send = sandbox.sim.now, sandbox.event_position, sandbox.run.last_send
        try:
            result = sandbox.run.perform(step)
        except Exception as exc:  # an engine bug must not be a 500 for a valid step; report it
            log.exception("flowsim sandbox: step %r failed unexpectedly", step)
            return 422, line.error(f"the step failed unexpectedly: {type(exc).__name__}: {exc}")
        sandbox.clock.moved(sandbox.sim.now - before)
        result.index = number  # "step 1" of this request, not of the world's file
        sent = sandbox.run.last_send if sandbox.run.last_send is not last_send else None
        answers.append(step_answer(result, sandbox.events_since(position), sent))
        if not result.ok:
            ok = False
            break
    out: dict[str, Any] = {"ok": ok, "results": answers, "now": sandbox.sim.now.isoformat()}
    if not ok:  # LINE's error shape on top: what failed, in one line
        out = {"message": f"Step {len(answers)} of {len(parsed)} failed: {answers[-1]['summary']}", **out}
    return (200 if ok else 422), out


# ---------------------------------------------------------------------- reading


async def state(sandbox: Sandbox, request: Request) -> tuple[int, Any]:
    sim = sandbox.sim
    try:
        keep = max(0, int(request.query_params.get("messages", STATE_MESSAGES)))
    except ValueError:
        return 400, line.error("The value for the 'messages' parameter is invalid")
    users = {}
    for user_id in sim.users:
        user = sim.user(user_id)
        users[user_id] = {
            **user.model_dump(mode="json"),
            "to": sim.hash_of(user_id),
            "available_actions": sim.available_actions(user_id),
            "pending": [m.id for m in sim.pending_for(user_id)],
            "sms_required": sim.sms_required(user_id),
        }
    messages = list(sim.messages.values())[-keep:] if keep else []
    return 200, {
        "now": sim.now.isoformat(),
        "clock": sandbox.clock.mode,
        "official_accounts": {oa: {**sandbox.account(oa), "sent_count": sim.sent_count(oa)}
                              for oa in sandbox.channels},
        "users": users,
        "messages": {m.id: {**m.model_dump(mode="json"), "explain": sim.explain(m.id)} for m in messages},
        "counts": [{"oa": oa, "kind": kind, "day": day.isoformat(), "count": n}
                   for (oa, kind, day), n in sorted(sim.counts.items())],
        "webhooks": [d.to_dict() for d in sandbox.sender.deliveries],
    }


def _int_param(request: Request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    if not value.isascii() or not value.isdigit():
        raise ValueError(name)
    return int(value)


async def requests(sandbox: Sandbox, request: Request) -> tuple[int, Any]:
    q = request.query_params
    try:
        status, since, limit = (_int_param(request, n) for n in ("status", "since", "limit"))
    except ValueError as exc:
        return 400, line.error(f"The value for the '{exc}' parameter is invalid")
    out = [r for r in sandbox.requests
           if (q.get("method") is None or r.method == q["method"].upper())
           and (q.get("path") is None or r.path == q["path"])
           and (status is None or r.status == status)
           and (q.get("oa") is None or r.oa == q["oa"])
           and (since is None or r.seq > since)]
    if limit is not None:
        out = out[-limit:] if limit else []
    return 200, {"requests": [r.to_dict() for r in out]}


async def webhooks(sandbox: Sandbox, request: Request) -> tuple[int, Any]:
    q = request.query_params
    out = [d.to_dict() for d in sandbox.sender.deliveries
           if (q.get("oa") is None or d.channel.oa == q["oa"])
           and (q.get("state") is None or d.state == q["state"])
           and (q.get("type") is None or d.event["type"] == q["type"])]
    return 200, {"in_flight": sandbox.sender.in_flight, "webhooks": out}


async def wait_webhooks(sandbox: Sandbox, request: Request) -> tuple[int, Any]:
    data, problem = await _json(request, {})
    if problem is not None:
        return 400, problem
    timeout = data.get("timeout", 10) if isinstance(data, dict) else None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 <= timeout <= MAX_WAIT:
        return 400, line.body_error("timeout", f"must be a number of seconds from 0 to {MAX_WAIT:g}")
    idle = await sandbox.sender.wait_idle(timeout)
    return 200, {"idle": idle, "in_flight": sandbox.sender.in_flight}


async def configure(sandbox: Sandbox, request: Request) -> tuple[int, Any]:
    oa = request.path_params["oa"]
    if oa not in sandbox.channels:
        return 404, line.error(f"No official account {oa!r}; the world has: {', '.join(sandbox.channels) or 'none'}")
    data, problem = await _json(request)
    if problem is not None:
        return 400, problem
    if not isinstance(data, dict) or not data or set(data) - {"webhook", "redelivery", "templates"}:
        return 400, line.error("Give an object with `webhook` (a URL or null), `redelivery` (true or false) "
                               f"and/or `templates` ({' or '.join(TEMPLATE_ACCESS)})")
    webhook = data.get("webhook")
    if "webhook" in data and webhook is not None and not (
            isinstance(webhook, str) and webhook.startswith(("http://", "https://")) and len(webhook) <= 500):
        return 400, line.body_error("webhook", "must be an http(s) URL of at most 500 characters, or null")
    if "redelivery" in data and not isinstance(data["redelivery"], bool):
        return 400, line.body_error("redelivery", "must be true or false")
    if "templates" in data and data["templates"] not in TEMPLATE_ACCESS:
        return 400, line.body_error("templates", f"must be one of: {', '.join(TEMPLATE_ACCESS)}")
    sandbox.configure(oa, **data)
    return 200, sandbox.account(oa)


async def reset(sandbox: Sandbox, request: Request) -> tuple[int, Any]:
    data, problem = await _json(request, {})
    if problem is not None:
        return 400, problem
    settings = isinstance(data, dict) and data.get("settings") is True
    sandbox.reset(settings=settings)
    return 200, {"status": "reset", "now": sandbox.sim.now.isoformat()}


async def health(sandbox: Sandbox, request: Request) -> tuple[int, Any]:
    return 200, {"status": "ok", "now": sandbox.sim.now.isoformat(), "clock": sandbox.clock.mode,
                 "official_accounts": list(sandbox.channels), "webhooks_in_flight": sandbox.sender.in_flight,
                 "requests": sandbox.request_count, "stores": sandbox.stores()}


def control_routes() -> list[Route]:
    return [
        Route("/steps", control(steps), methods=["POST"]),
        Route("/state", control(state), methods=["GET"]),
        Route("/requests", control(requests), methods=["GET"]),
        Route("/webhooks", control(webhooks), methods=["GET"]),
        Route("/webhooks/wait", control(wait_webhooks), methods=["POST"]),
        Route("/accounts/{oa}", control(configure), methods=["PATCH"]),
        Route("/reset", control(reset), methods=["POST"]),
        Route("/health", control(health), methods=["GET"]),
    ]
