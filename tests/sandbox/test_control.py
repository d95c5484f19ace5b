"""The control API: steps in the scenario schema, state, recorded requests, reset, health, loopback only."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from flowsim.sandbox import Sandbox, create_app
from flowsim.sandbox.testing import ControlError, load_world

from .conftest import TO


def test_steps_run_in_order_and_say_what_happened(line: Any) -> None:
    answer = line.control.steps(
        {"send": {"from": "shop", "to": "hanako", "text": "Parcel"}, "as": "parcel"},
        {"expect": {"line_chat": ["received", "setup"], "message": {"parcel": "pending"}}, "user": "hanako"},
        {"do": "open_consent", "user": "hanako"},
        {"do": "agree", "user": "hanako"},
        {"expect": {"message": {"parcel": "delivered"}, "webhooks": {"shop": [{"type": "delivery"}]}}},
    )
    sent, expect, _, agree, _ = answer["results"]
    assert answer["ok"] and [r["kind"] for r in answer["results"]] == ["send", "expect", "do", "do", "expect"]
    assert sent["api"] == {"status": 200, "body": {}, "message_id": "m1"}
    assert {e["kind"] for e in sent["events"]} >= {"api_called", "chat_message", "message_pending"}
    assert "message_delivered" in {e["kind"] for e in agree["events"]}
    assert expect["mismatches"] == []


def test_a_failing_expect_is_422_with_every_mismatch(line: Any) -> None:
    with pytest.raises(ControlError) as caught:
        line.control.steps({"send": {"from": "shop", "to": "rin", "text": "x"}},
                           {"expect": {"api": 200, "line_chat": ["received"]}, "user": "rin"},
                           {"do": "agree", "user": "rin"})
    assert caught.value.status == 422
    results = caught.value.body["results"]
    assert len(results) == 2                          # stopped at the failure
    assert results[0]["api"]["status"] == 422
    assert {m["key"] for m in results[1]["mismatches"]} == {"api", "line_chat"}
    assert "expected" in results[1]["report"]


def test_an_action_the_screen_does_not_offer_is_422_with_the_engines_words(line: Any) -> None:
    answer = line.control.steps({"do": "agree", "user": "hanako"}, check=False)
    (result,) = answer["results"]
    assert not answer["ok"] and "not available" in result["error"] and "settings_consent" in result["error"]


@pytest.mark.parametrize("steps", [{"do": "agre"}, [{"advance": "1x"}], 5, [], {"send": {"from": "shop"}}])
def test_an_invalid_step_is_400_and_nothing_runs(line: Any, steps: Any) -> None:
    with pytest.raises(ControlError) as caught:
        line.control._call("POST", "/steps", json=steps)
    assert caught.value.status == 400
    assert caught.value.body["message"]
    assert line.control.requests() == [] and line.control.state()["messages"] == {}


def test_state_shows_users_chats_pending_counts_and_accounts(line: Any) -> None:
    line.control.send(from_="shop", to="taro", text="Flow B")
    state = line.control.state()
    taro = state["users"]["taro"]
    assert taro["to"] == TO["taro"] and taro["pending"] == ["m1"] and taro["sms_required"] is True
    assert [m["kind"] for m in taro["chats"]["LINE"]] == ["received", "setup"]
    assert taro["available_actions"][:2] == ["open_consent", "open_phone_auth"]
    assert state["messages"]["m1"]["status"] == "pending" and "R14" in state["messages"]["m1"]["explain"]
    shop = state["official_accounts"]["shop"]
    assert shop["token"] == line.tokens["shop"] and shop["secret"] == line.secrets["shop"]
    assert state["clock"] == "frozen" and state["now"] == "2026-04-01T09:00:00+09:00"


def test_reset_goes_back_to_the_world_as_loaded_keeping_webhook_settings(line: Any) -> None:
    line.control.configure("shop", webhook="http://127.0.0.1:9/callback", redelivery=False)
    line.control.steps({"send": {"from": "shop", "to": "hanako", "text": "x"}}, {"advance": "2h"})
    line.control.reset()
    state = line.control.state()
    assert state["messages"] == {} and state["now"] == "2026-04-01T09:00:00+09:00"
    assert state["users"]["hanako"]["chats"]["LINE"] == [] and line.control.requests() == []
    assert (state["official_accounts"]["shop"]["webhook"], state["official_accounts"]["shop"]["redelivery"]) == (
        "http://127.0.0.1:9/callback", False)
    line.control.reset(settings=True)
    assert line.control.state()["official_accounts"]["shop"]["webhook"] is None


def test_configure_refuses_bad_settings(line: Any) -> None:
    for oa, settings in (("nope", {"webhook": None}), ("shop", {"webhook": "ftp://x"}), ("shop", {"redelivery": 1}),
                         ("shop", {"colour": "red"})):
        with pytest.raises(ControlError) as caught:
            line.control.configure(oa, **settings)
        assert caught.value.status in (400, 404)


def test_health(line: Any) -> None:
    assert line.control.health()["status"] == "ok"


def test_the_control_api_is_loopback_only() -> None:
    async def go() -> tuple[int, int, int]:
        box = Sandbox(load_world(None), frozen=True)
        remote = httpx.ASGITransport(create_app(box), client=("192.0.2.7", 40000))
        local = httpx.ASGITransport(create_app(box), client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=remote, base_url="http://sandbox") as outsider, \
                httpx.AsyncClient(transport=local, base_url="http://sandbox") as insider:
            refused = await outsider.get("/_flowsim/state")
            assert refused.json()["message"].startswith("The control API is served on loopback only")
            line_api = await outsider.get("/v2/bot/message/delivery/pnp?date=20260101")  # LINE's paths: anyone
            return refused.status_code, line_api.status_code, (await insider.get("/_flowsim/health")).status_code

    assert asyncio.run(go()) == (403, 401, 200)


def test_health_counts_requests_and_shows_each_bounded_store(line: Any) -> None:
    """Every store that grows with requests is bounded (the oldest dropped first), its total exact."""
    before = line.control.health()
    with httpx.Client(base_url=line.url, headers={"Authorization": f"Bearer {line.accounts['shop'].token}"}) as http:
        for _ in range(3):
            assert http.post("/bot/pnp/push", json={"to": TO["yuki"], "messages": [
                {"type": "text", "text": "x"}]}).status_code == 200
    health = line.control.health()
    assert health["requests"] == before["requests"] + 3
    stores = health["stores"]
    assert set(stores) >= {"requests", "webhook_deliveries", "messages"} and all(s["bound"] for s in stores.values())
    assert (stores["requests"]["kept"], stores["requests"]["bound"]) == (3, 10_000)  # reset before each test
    deliveries = stores["webhook_deliveries"]
    assert deliveries["kept"] == 3 and deliveries["total"] == before["stores"]["webhook_deliveries"]["total"] + 3


def test_the_answers_have_the_keys_docs_sandbox_md_names(line: Any) -> None:
    """docs/sandbox.md's control API table, key by key (issue 13: it said `accounts`, not `official_accounts`)."""
    state = line.control.state()
    assert set(state) == {"now", "clock", "official_accounts", "users", "messages", "counts", "webhooks"}
    shop = state["official_accounts"]["shop"]
    assert set(shop) == {"id", "name", "country", "token", "secret", "templates", "webhook", "redelivery",
                         "destination", "sent_count"}
    assert shop["token"] == line.accounts["shop"].token and shop["secret"] == line.accounts["shop"].secret
    assert {"to", "available_actions", "pending", "sms_required", "chats", "sms_inbox", "screen", "consent"} \
        <= set(state["users"]["hanako"])
    assert set(line.control.configure("shop", redelivery=True)) == set(shop) - {"sent_count"}
    assert set(line.control.health()) == {"status", "now", "clock", "official_accounts", "webhooks_in_flight",
                                          "requests", "stores"}
    assert set(line.control.reset()) == {"status", "now"}
    with httpx.Client(base_url=line.url) as http:
        assert set(http.get("/_flowsim/webhooks").json()) == {"in_flight", "webhooks"}
        assert set(http.get("/_flowsim/requests").json()) == {"requests"}
        # Nothing in flight: idle at once, even for a timeout of 0 (it answered false before issue 13).
        assert http.post("/_flowsim/webhooks/wait", json={"timeout": 0}).json() == {"idle": True, "in_flight": 0}
