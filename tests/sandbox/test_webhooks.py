"""Webhooks: signed as LINE signs them, parsed by the SDK into the right classes, never lost."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections import Counter
from typing import Any

from linebot.v3.webhooks import (
    FollowEvent,
    MessageEvent,
    PnpDeliveryCompletionEvent,
    TextMessageContent,
    UnfollowEvent,
)

from flowsim.sandbox.testing import sandbox

from .conftest import TO, events_of, payload
from .receiver import Receiver

TAG = "parcel-0001-tracking"


def send(line: Any, user: str, **extra: Any) -> dict[str, Any]:
    return line.control.send(from_="shop", to=user, text="Your parcel ships today", **extra)


def test_every_event_type_parses_into_its_sdk_class(line: Any, receiver: Receiver) -> None:
    send(line, "yuki", tag=TAG)                       # delivered at once (Flow D)
    line.control.steps(
        {"do": "add_friend", "user": "yuki", "oa": "shop"},
        {"do": "say", "user": "yuki", "oa": "shop", "text": "いつ届きますか？"},
        {"do": "block", "user": "yuki", "oa": "shop"},
        {"do": "unblock", "user": "yuki", "oa": "shop"},
    )
    line.control.wait_for_webhooks()
    secret = line.secrets["shop"]
    events = [e for r in receiver.received for e in events_of(r, secret)]
    assert [type(e) for e in events] == [PnpDeliveryCompletionEvent, FollowEvent, MessageEvent, UnfollowEvent,
                                         FollowEvent]
    delivery, follow, message, unfollow, refollow = events
    assert delivery.delivery.data == TAG
    assert follow.follow.is_unblocked is False and refollow.follow.is_unblocked is True
    assert isinstance(message.message, TextMessageContent) and message.message.text == "いつ届きますか？"
    user_id = line.control.state()["users"]["yuki"]["line_user_id"]
    assert {e.source.user_id for e in events[1:]} == {user_id}
    assert follow.reply_token and message.reply_token and not hasattr(unfollow, "reply_token")
    assert all(e.delivery_context.is_redelivery is False and e.mode.value == "active" for e in events)


def test_the_request_is_signed_compact_utf8_json_from_linebotwebhook(line: Any, receiver: Receiver) -> None:
    send(line, "yuki")
    line.control.wait_for_webhooks()
    (received,) = receiver.received
    assert received.path == "/callback"
    assert received.headers["content-type"] == "application/json; charset=utf-8"
    assert received.headers["user-agent"] == "LineBotWebhook/2.0"
    expected = base64.b64encode(hmac.new(line.secrets["shop"].encode(), received.body, hashlib.sha256).digest())
    assert received.headers["x-line-signature"] == expected.decode()
    body = payload(received)
    assert body["destination"] == line.accounts["shop"].destination
    assert json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode() == received.body
    (event,) = body["events"]
    assert event["delivery"] == {"data": TO["yuki"]} and "source" not in event


def check_exactly_once(line: Any, receiver: Receiver, expected_events: int, reached_first: bool = True) -> Counter[str]:
    """Each engine event reached the receiver once as a first delivery (when the receiver was up
    for it), every other copy is a marked redelivery, and each was accepted exactly once; returns
    the redeliveries per event."""
    queued = line.control.webhooks()
    assert len(queued) == expected_events
    ids = [w["webhookEventId"] for w in queued]
    first: Counter[str] = Counter()
    again: Counter[str] = Counter()
    for r in receiver.received:
        (event,) = payload(r)["events"]
        (again if event["deliveryContext"]["isRedelivery"] else first)[event["webhookEventId"]] += 1
        assert events_of(r, line.secrets["shop"])  # every attempt is signed afresh, and parses
    assert first == (Counter(ids) if reached_first else Counter())
    assert set(again) <= set(ids) and (reached_first or set(again) == set(ids))
    for w in queued:  # the sandbox stopped after the first 2xx: one accepted attempt, the last
        assert w["state"] == "delivered"
        assert [a["ok"] for a in w["attempts"]] == [False] * (len(w["attempts"]) - 1) + [True]
        assert [a["redelivery"] for a in w["attempts"]] == [False] + [True] * (len(w["attempts"]) - 1)
    return again


def test_a_receiver_failing_the_first_tries_gets_each_event_once_plus_marked_redeliveries(line: Any) -> None:
    with Receiver(fail_first=5) as receiver:
        line.control.configure("shop", webhook=receiver.url, redelivery=True)
        for user in ("yuki", "yuki", "yuki"):
            send(line, user)
        line.control.wait_for_webhooks(timeout=20)
        again = check_exactly_once(line, receiver, 3)
        assert sum(again.values()) == 5                 # the five failures were each retried
        assert len(receiver.received) == 3 + 5 and len(receiver.accepted()) == 3
        for w in line.control.webhooks():
            assert all(a["status"] == 500 and a["error"] == "answered 500" for a in w["attempts"][:-1])
        # a redelivery is byte-identical but for the flag
        bodies = [r.body for r in receiver.received if payload(r)["events"][0]["webhookEventId"] == w["webhookEventId"]]
        assert {b.replace(b'"isRedelivery":true', b'"isRedelivery":false') for b in bodies} == {bodies[0]}
    line.control.configure("shop", webhook=None)


def test_a_receiver_that_is_down_loses_nothing(line: Any) -> None:
    receiver = Receiver(up=False)
    try:
        line.control.configure("shop", webhook=receiver.url, redelivery=True)
        send(line, "yuki", tag=TAG)
        line.control.do("yuki", "add_friend", oa="shop")
        line.control.wait_for_webhooks(timeout=0.3)  # still down: nothing can be idle
    except AssertionError as exc:
        assert "still in flight" in str(exc)
        waiting = line.control.webhooks()
        assert {w["state"] for w in waiting} <= {"queued", "sending", "retrying"}  # in flight, none lost
        tried = [a for w in waiting for a in w["attempts"] if a["status"] is None and a["error"]]
        assert tried and all(a["error"].startswith("ConnectError") for a in tried)
        receiver.up()
        line.control.wait_for_webhooks(timeout=20)
        check_exactly_once(line, receiver, 2, reached_first=False)
        assert len(receiver.received) == len(receiver.accepted()) == 2
    else:  # pragma: no cover
        raise AssertionError("the webhooks were idle although the receiver is down")
    finally:
        receiver.close()
        line.control.configure("shop", webhook=None)


def test_a_slow_receiver_within_the_timeout_gets_each_event_once(line: Any) -> None:
    with Receiver(delay=0.2) as receiver:
        line.control.configure("shop", webhook=receiver.url)
        send(line, "yuki")
        send(line, "yuki")
        line.control.wait_for_webhooks()
        assert check_exactly_once(line, receiver, 2) == Counter()
        assert len(receiver.accepted()) == 2
    line.control.configure("shop", webhook=None)


def test_a_receiver_slower_than_the_timeout_gets_a_marked_redelivery() -> None:
    with sandbox(webhook_timeout=0.2) as line, Receiver() as receiver:
        line.control.configure("shop", webhook=receiver.url)
        receiver.faults.delay = 0.4
        send(line, "yuki")
        while not receiver.received:  # the first attempt reached it, then timed out
            time.sleep(0.02)
        receiver.faults.delay = 0.0
        line.control.wait_for_webhooks(timeout=20)
        again = check_exactly_once(line, receiver, 1)
        assert sum(again.values()) >= 1
        (w,) = line.control.webhooks()
        assert w["attempts"][0]["error"].startswith("ReadTimeout")


def test_without_redelivery_a_failed_event_stays_visible(line: Any) -> None:
    with Receiver(fail_first=1) as receiver:
        line.control.configure("shop", webhook=receiver.url, redelivery=False)
        send(line, "yuki")
        line.control.wait_for_webhooks()
        (w,) = line.control.webhooks()
        assert (w["state"], len(w["attempts"]), w["attempts"][0]["status"]) == ("failed", 1, 500)
        assert len(receiver.received) == 1
        assert line.control.webhooks(state="failed") == [w]
    line.control.configure("shop", webhook=None, redelivery=True)


def test_without_a_webhook_url_events_are_listed_not_sent(line: Any) -> None:
    send(line, "yuki")
    (w,) = line.control.state()["webhooks"]
    assert (w["state"], w["attempts"], w["type"]) == ("no_endpoint", [], "delivery")


def test_a_text_the_engine_accepts_always_reaches_the_receiver_as_valid_json(line: Any, receiver: Receiver) -> None:
    text = "📦 ｶﾞ e\u0301 \u200b\u202eabc"  # astral, half-width kana, combining, zero-width, right-to-left
    line.control.steps({"do": "add_friend", "user": "yuki", "oa": "shop"},
                       {"do": "say", "user": "yuki", "oa": "shop", "text": text})
    answer = line.control.steps({"do": "say", "user": "yuki", "oa": "shop", "text": "\ud800"}, check=False)
    assert not answer["ok"] and "lone surrogate" in answer["results"][0]["error"]  # the engine refuses it
    line.control.wait_for_webhooks()
    (follow, message) = receiver.received
    assert payload(message)["events"][0]["message"]["text"] == text
    assert text.encode() in message.body  # UTF-8 as is, not escaped


def test_one_operation_logging_more_events_than_the_log_keeps_loses_no_webhook(monkeypatch: Any, caplog: Any) -> None:
    """A bounded log (``keep``) trims only what the sandbox has read: one agree delivering eight accounts'
    messages logs more than ``keep=10`` events in one operation, and all eight webhooks are queued."""
    from flowsim.sandbox import world
    from flowsim.sandbox.world import Sandbox
    from flowsim.scenario import scenario_from_data, step_from_data

    monkeypatch.setattr(world, "KEEP_EVENTS", 10)
    oas = [f"oa{i}" for i in range(8)]
    box = Sandbox(scenario_from_data({
        "name": "eight accounts", "start": "2026-04-01T09:00:00+09:00",
        "official_accounts": {oa: {} for oa in oas},
        "users": {"hanako": {"phone": "+819011110001", "created": "-10d"}},  # Flow A: consent not set
        "steps": [{"advance": "1m"}]}, "test"), frozen=True)
    to = box.sim.hash_of("hanako")
    for oa in oas:
        assert box.sim.send_flexible(oa, to, [{"type": "text", "text": "Parcel"}], None).status == 200
        box.collect()
    queued = len(box.sender.deliveries)
    for action in ("open_consent", "agree"):
        assert box.run.perform(step_from_data({"do": action, "user": "hanako"}, "test")).ok
        box.collect()
    delivered = [d for d in box.sender.deliveries[queued:] if d.event["type"] == "delivery"]
    assert sorted(d.channel.oa for d in delivered) == oas
    # a log trimmed past the sandbox's position anyway (not held) is said, not silent
    box.sim.log.hold(None)
    for i in range(3):
        box.sim.send_flexible(oas[0], to, [{"type": "text", "text": f"more {i}"}], None)
    with caplog.at_level("ERROR", logger="flowsim.sandbox"):
        box.collect()
    assert "engine events were trimmed from the log before the sandbox read them" in caplog.text
