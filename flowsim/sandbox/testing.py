"""The sandbox in a backend's own tests: a context manager and a pytest fixture.

::

    from flowsim.sandbox.testing import sandbox

    with sandbox("world.yaml") as line:
        config = line.accounts["shop"].configuration()   # linebot.v3.messaging.Configuration
        ...                                              # the backend sends with the SDK
        line.control.do("hanako", "open_consent")        # the user taps
        line.control.wait_for_webhooks()

or, in ``conftest.py``::

    from flowsim.sandbox.testing import sandbox_fixture
    line = sandbox_fixture("world.yaml")                 # one server per session, reset before each test

The server is uvicorn on a free port of 127.0.0.1 in a background thread
(like moto's ``ThreadedMotoServer``); it stops when the ``with`` block ends
(the fixture: when the test session ends).  The clock is frozen unless
``frozen=False``, and redeliveries come quickly (:data:`TEST_RETRY`), so
tests are deterministic and short.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from .webhooks import RetryPolicy

#: Redelivery in tests: 50 ms, 100 ms … at most 1 s apart, for 30 s (decision).
TEST_RETRY = RetryPolicy(first=0.05, factor=2.0, cap=1.0, give_up_after=30.0)

#: The world served when none is given: one official account, a user for each flow.
DEMO_WORLD = Path(__file__).with_name("demo.yaml")


class ControlError(AssertionError):
    """The control API refused a step (400) or a step failed (422); ``str()`` is its report."""

    def __init__(self, status: int, body: Any) -> None:
        self.status = status
        self.body = body
        super().__init__(_report(status, body))


def _report(status: int, body: Any) -> str:
    if isinstance(body, dict) and body.get("results"):
        failed = [r for r in body["results"] if not r["ok"]]
        if failed:
            return f"{status}: " + failed[-1].get("report", failed[-1]["summary"])
    if isinstance(body, dict) and "message" in body:
        details = "".join(f"\n  {d.get('property')}: {d.get('message')}" for d in body.get("details", []))
        return f"{status}: {body['message']}{details}"
    return f"{status}: {body!r}"


class ControlClient:
    """A small client for ``/_flowsim/`` (httpx); every method returns the decoded JSON answer."""

    def __init__(self, base_url: str, timeout: float = 70.0) -> None:
        self._http = httpx.Client(base_url=f"{base_url}/_flowsim", timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, check: bool = True, **kwargs: Any) -> Any:
        if "json" in kwargs:  # ASCII JSON: any str a test builds travels, lone surrogates included
            kwargs["content"] = json.dumps(kwargs.pop("json"))
            kwargs["headers"] = {"Content-Type": "application/json"}
        response = self._http.request(method, path, **kwargs)
        body = response.json()
        if check and response.status_code >= 400:
            raise ControlError(response.status_code, body)
        return body

    # steps, in the scenario files' schema

    def steps(self, *steps: dict[str, Any], check: bool = True) -> dict[str, Any]:
        """Run steps in order (stopping at the first that fails); raises :class:`ControlError` unless ``check=False``."""
        return self._call("POST", "/steps", check, json=list(steps))

    def do(self, user: str, action: str, **args: Any) -> dict[str, Any]:
        return self.steps({"do": action, "user": user, **args})

    def send(self, check: bool = True, as_: str | None = None, **spec: Any) -> dict[str, Any]:
        """``send(from_="shop", to="hanako", text="…")``: an official account sends (no token needed)."""
        if "from_" in spec:
            spec["from"] = spec.pop("from_")
        step: dict[str, Any] = {"send": spec}
        if as_ is not None:
            step["as"] = as_
        return self.steps(step, check=check)

    def advance(self, duration: str | timedelta) -> dict[str, Any]:
        """``"24h"``, ``"1d12h"`` … or a ``timedelta``: everything due on the way fires, in order."""
        if isinstance(duration, timedelta):
            duration = f"{int(duration.total_seconds())}s"
        return self.steps({"advance": duration})

    def advance_to(self, when: str) -> dict[str, Any]:
        return self.steps({"advance_to": when})

    def expect(self, user: str | None = None, **spec: Any) -> dict[str, Any]:
        step: dict[str, Any] = {"expect": spec}
        if user is not None:
            step["user"] = user
        return self.steps(step)

    # reading and settings

    def state(self) -> dict[str, Any]:
        return self._call("GET", "/state")

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        return self._call("GET", "/requests", params=filters)["requests"]

    def webhooks(self, **filters: Any) -> list[dict[str, Any]]:
        return self._call("GET", "/webhooks", params=filters)["webhooks"]

    def wait_for_webhooks(self, timeout: float = 10.0) -> None:
        """Until no webhook is queued, being sent or waiting for a redelivery; AssertionError after ``timeout``."""
        answer = self._call("POST", "/webhooks/wait", json={"timeout": timeout})
        if not answer["idle"]:
            raise AssertionError(f"{answer['in_flight']} webhook(s) still in flight after {timeout} s")

    def configure(self, oa: str, **settings: Any) -> dict[str, Any]:
        """``configure("shop", webhook="http://127.0.0.1:9000/callback", redelivery=True, templates="not_allowed")``."""
        return self._call("PATCH", f"/accounts/{oa}", json=settings)

    def reset(self, settings: bool = False) -> dict[str, Any]:
        return self._call("POST", "/reset", json={"settings": settings})

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health")


@dataclass(frozen=True)
class Account:
    """One official account as a backend sees it."""

    id: str
    name: str
    token: str
    secret: str
    webhook: str | None
    destination: str
    host: str

    def configuration(self) -> Any:
        """``linebot.v3.messaging.Configuration(host=<sandbox>, access_token=<token>)``."""
        from linebot.v3.messaging import Configuration

        return Configuration(host=self.host, access_token=self.token)


@dataclass
class SandboxHandle:
    """What :func:`sandbox` yields: the base URL, each account's token and secret, a control client."""

    url: str
    accounts: dict[str, Account]
    control: ControlClient

    @property
    def tokens(self) -> dict[str, str]:
        return {oa: a.token for oa, a in self.accounts.items()}

    @property
    def secrets(self) -> dict[str, str]:
        return {oa: a.secret for oa, a in self.accounts.items()}

    def reset(self) -> None:
        """Back to the world as loaded (webhook settings made with ``control.configure`` are kept)."""
        self.control.reset()


def load_world(world: str | os.PathLike[str] | dict[str, Any] | Any | None) -> Any:
    """A scenario from a path, plain data (a dict in the scenario schema) or a ``Scenario``; ``None``: the demo world."""
    from flowsim.scenario import Scenario, load_scenario, scenario_from_data

    if world is None:
        return load_scenario(DEMO_WORLD)
    if isinstance(world, Scenario):
        return world
    if isinstance(world, dict):
        return scenario_from_data(world, "<world>")
    return load_scenario(world)


@contextlib.contextmanager
def sandbox(world: Any = None, *, frozen: bool = True, retry: RetryPolicy | None = TEST_RETRY,
            host: str = "127.0.0.1", port: int = 0, **options: Any) -> Iterator[SandboxHandle]:
    """Serve ``world`` on a free port in a background thread for the ``with`` block.

    ``options`` are :class:`flowsim.sandbox.Sandbox`'s (``redelivery``,
    ``rate_limit``, ``webhook_timeout`` …).
    """
    from .app import create_app
    from .server import ServerThread
    from .world import Sandbox

    box = Sandbox(load_world(world), frozen=frozen, retry=retry, **options)
    server = ServerThread(create_app(box), host, port)
    server.start()
    control = ControlClient(server.url)
    try:
        accounts = {}
        for oa, info in control.state()["official_accounts"].items():
            accounts[oa] = Account(oa, info["name"], info["token"], info["secret"], info["webhook"],
                                   info["destination"], server.url)
        yield SandboxHandle(server.url, accounts, control)
    finally:
        control.close()
        server.stop()


def sandbox_fixture(world: Any = None, **options: Any) -> Any:
    """A pytest fixture serving ``world``: started on first use, reset before every later test, stopped at the end."""
    import pytest

    held: dict[str, Any] = {}

    @pytest.fixture
    def fixture(request: Any) -> Iterator[SandboxHandle]:
        handle = held.get("handle")
        if handle is None:
            manager = sandbox(world, **options)
            handle = held["handle"] = manager.__enter__()

            def stop() -> None:
                held.clear()
                manager.__exit__(None, None, None)

            request.config.add_cleanup(stop)
        else:
            handle.reset()
        yield handle

    return fixture
