"""Time: frozen, or following wall time from the world's start; the control API moves it (Stripe's test clocks)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx

from flowsim.sandbox import Sandbox, create_app
from flowsim.sandbox.testing import load_world

START = datetime.fromisoformat("2026-04-01T09:00:00+09:00")


class FakeWall:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def call(box: Sandbox, *requests: tuple[str, str, Any]) -> list[Any]:
    async def go() -> list[Any]:
        transport = httpx.ASGITransport(create_app(box), client=("127.0.0.1", 1))
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
            out = []
            for method, path, body in requests:
                out.append((await client.request(method, path, json=body)).json())
            return out

    return asyncio.run(go())


def now(box: Sandbox) -> datetime:
    (health,) = call(box, ("GET", "/_flowsim/health", None))
    return datetime.fromisoformat(health["now"])


def test_frozen_stays_still_until_told() -> None:
    wall = FakeWall()
    box = Sandbox(load_world(None), frozen=True, monotonic=wall)
    wall.t += 3600
    assert now(box) == START
    call(box, ("POST", "/_flowsim/steps", {"advance": "90m"}))
    assert now(box) == START + timedelta(minutes=90)


def test_following_wall_time_from_the_worlds_start_plus_every_advance() -> None:
    wall = FakeWall()
    box = Sandbox(load_world(None), frozen=False, monotonic=wall)
    assert now(box) == START
    wall.t += 2.5
    assert now(box) == START + timedelta(seconds=2.5)
    call(box, ("POST", "/_flowsim/steps", {"advance": "24h"}))
    assert now(box) == START + timedelta(hours=24, seconds=2.5)
    wall.t += 1.0
    assert now(box) == START + timedelta(hours=24, seconds=3.5)
    (state,) = call(box, ("GET", "/_flowsim/state", None))
    assert state["clock"] == "following wall time"


def test_advancing_fires_everything_due_in_order_with_its_webhooks() -> None:
    box = Sandbox(load_world(None), frozen=True)
    first, second = (
        {"send": {"from": "shop", "to": "hanako", "text": "first"}, "as": "first"},
        {"send": {"from": "shop", "to": "hanako", "text": "second"}, "as": "second"},
    )
    (answer,) = call(box, ("POST", "/_flowsim/steps", [first, {"advance": "1h"}, second, {"advance": "30h"}]))
    expired = [(e["message_id"], e["at"]) for e in answer["results"][3]["events"] if e["kind"] == "message_expired"]
    assert expired == [("m1", "2026-04-02T09:00:00+09:00"), ("m2", "2026-04-02T10:00:00+09:00")]
    # a delivery later in simulated time is stamped with that time
    (answer,) = call(box, ("POST", "/_flowsim/steps", [
        {"send": {"from": "shop", "to": "hanako", "text": "third"}}, {"advance": "2h"},
        {"do": "open_consent", "user": "hanako"}, {"do": "agree", "user": "hanako"}]))
    (webhook,) = [e for e in answer["results"][3]["events"] if e["kind"] == "webhook"]
    assert webhook["event"]["at"] == "2026-04-02T18:00:00+09:00"
    (delivery,) = box.sender.deliveries
    assert delivery.event["timestamp"] == int(datetime.fromisoformat("2026-04-02T18:00:00+09:00").timestamp() * 1000)
