"""LINE's endpoints are called before Starlette's router (SandboxApp); their answers are the same as through it."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
import pytest

from flowsim.sandbox import Sandbox, create_app
from flowsim.sandbox import line as wire
from flowsim.sandbox.app import answer
from flowsim.sandbox.testing import load_world

from .conftest import TO

PUSH = "/bot/pnp/push"


@pytest.fixture
def box() -> Sandbox:
    return Sandbox(load_world(None), frozen=True)


def call(app: Any, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None,
         root_path: str = "", query: str = "") -> list[dict[str, Any]]:
    """The ASGI messages ``app`` sends for one request, as uvicorn would give it (``path`` includes ``root_path``)."""
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": root_path + path, "raw_path": (root_path + path).encode(),
             "root_path": root_path, "query_string": query.encode(), "server": ("127.0.0.1", 8765),
             "client": ("127.0.0.1", 1),
             "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]}
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop() if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def shape(messages: list[dict[str, Any]]) -> tuple[Any, ...]:
    """Status, headers (the request id's value left out) and body."""
    start, body = messages
    headers = [(k, b"<id>" if k == b"x-line-request-id" else v) for k, v in start["headers"]]
    return start["status"], headers, body["body"]


@pytest.mark.parametrize("body", [{"to": TO["yuki"], "messages": [{"type": "text", "text": "hi"}]},
                                  {"to": TO["rin"], "messages": [{"type": "text", "text": "こんにちは"}]},
                                  {"to": "nope", "messages": []}, "not an object"])
def test_the_direct_call_answers_what_starlettes_route_answers(box: Sandbox, body: Any) -> None:
    app = create_app(box)
    headers = {"Authorization": f"Bearer {box.account('shop')['token']}", "Content-Type": "application/json"}
    raw = json.dumps(body).encode()
    direct = call(app, "POST", PUSH, raw, headers)
    box.reset()
    routed = call(app, "POST", PUSH, raw, headers, root_path="/behind-a-proxy")  # not the direct call: the router
    assert shape(direct) == shape(routed)
    status, body_bytes = direct[0]["status"], direct[1]["body"]
    response = answer(status, json.loads(body_bytes), "<id>")
    assert shape(direct) == (response.status_code, [(k, b"<id>" if k == b"x-line-request-id" else v)
                                                    for k, v in response.raw_headers], response.body)
    assert [r.status for r in box.requests] == [status]  # the router's request was recorded too


def test_other_methods_and_paths_are_starlettes(box: Sandbox) -> None:
    app = create_app(box)
    token = {"Authorization": f"Bearer {box.account('shop')['token']}"}
    head = call(app, "HEAD", wire.STATISTICS, headers=token, query="date=20170101")  # Starlette's GET route
    assert (head[0]["status"], json.loads(head[1]["body"])) == (200, {"status": "out_of_service"})
    assert box.requests[-1].method == "HEAD"
    assert call(app, "GET", PUSH)[0]["status"] == 405
    assert call(app, "POST", PUSH + "/")[0]["status"] == 404


def test_an_unexpected_error_is_lines_500_and_reaches_the_server(box: Sandbox, monkeypatch: pytest.MonkeyPatch,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(box.sim, "send_flexible", broken)

    async def go(raise_app_exceptions: bool) -> httpx.Response:
        transport = httpx.ASGITransport(create_app(box), client=("127.0.0.1", 1),
                                        raise_app_exceptions=raise_app_exceptions)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as http:
            return await http.post(PUSH, json={"to": TO["yuki"], "messages": [{"type": "text", "text": "hi"}]},
                                   headers={"Authorization": f"Bearer {box.account('shop')['token']}"})

    with caplog.at_level(logging.ERROR, "flowsim.sandbox"):
        answered = asyncio.run(go(False))
    assert (answered.status_code, answered.json()) == (500, {"message": wire.SERVER_ERROR})
    assert len(answered.headers["x-line-request-id"]) == 36
    assert "unexpected error on POST /bot/pnp/push" in caplog.text
    with pytest.raises(RuntimeError, match="a bug"):  # as Starlette's ServerErrorMiddleware: raised on to the server
        asyncio.run(go(True))


def test_engine_sent_says_which_requests_the_engine_answered(box: Sandbox) -> None:
    app = create_app(box)
    token = {"Authorization": f"Bearer {box.account('shop')['token']}", "Content-Type": "application/json"}
    text = [{"type": "text", "text": "hi"}]
    for body, headers in (({"to": TO["yuki"], "messages": text}, token),     # 200, delivered
                          ({"to": TO["rin"], "messages": text}, token),      # 422, the engine's refusal
                          ({"to": TO["yuki"], "messages": []}, token),       # 400, the engine's (R30)
                          ({"to": TO["yuki"], "messages": text}, {}),        # 401, the sandbox's
                          ({"to": TO["yuki"], "notificationDisabled": "x"}, token)):  # 400, the sandbox's
        call(app, "POST", PUSH, json.dumps(body).encode(), headers)
    call(app, "GET", wire.STATISTICS, headers=token, query="date=20260101")  # the engine answers, sends nothing
    assert [(r.status, r.engine_sent) for r in box.requests] == [(200, True), (422, True), (400, True),
                                                                  (401, False), (400, False), (200, False)]
