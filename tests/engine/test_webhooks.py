"""Webhooks (R25, R27) and counting (R26, I3)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from ulid import ULID

from .helpers import (
    HANAKO, JST, TARO, add_user, agree_consent, new_sim, sha, verify_sms,
)

TAG = "order-2026-0401-0001"


def _deliveries(sim, oa="shop"):
    return [w for w in sim.webhooks[oa] if w.type == "delivery"]


@pytest.mark.rules("R25")
def test_R25_delivery_event_has_lines_shape_with_the_hashed_number_as_data(sim):
    """R25: one ``delivery`` event per delivery, ``data`` = the hashed number when no tag was given."""
    add_user(sim, "hanako", HANAKO, consent="agreed")
    sim.advance(timedelta(seconds=1, milliseconds=234))
    sim.send_text("shop", sha(HANAKO), "hello")
    [event] = sim.webhooks["shop"]
    payload = event.payload()
    assert set(payload) == {"type", "delivery", "mode", "timestamp", "webhookEventId", "deliveryContext"}
    assert payload["type"] == "delivery"
    assert payload["delivery"] == {"data": sha(HANAKO)}
    assert payload["mode"] == "active"
    assert payload["deliveryContext"] == {"isRedelivery": False}
    assert payload["timestamp"] == int(sim.now.timestamp() * 1000)
    assert payload["timestamp"] % 1000 == 234
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", payload["webhookEventId"])
    assert ULID.from_str(payload["webhookEventId"]).milliseconds == payload["timestamp"]
    assert re.fullmatch(r"U[0-9a-f]{32}", sim.official_account("shop").bot_user_id)  # the envelope's destination


@pytest.mark.rules("R25", "R30")
def test_R25_delivery_data_is_the_delivery_tag_when_one_was_given(sim):
    """R25: ``delivery.data`` is the request's ``X-Line-Delivery-Tag`` (R30-valid) if given."""
    add_user(sim, "hanako", HANAKO, consent="agreed")
    sim.send_text("shop", sha(HANAKO), "tagged", delivery_tag=TAG)
    sim.send_template("shop", sha(HANAKO), "shipment_completed_ja", delivery_tag=TAG + "-t")
    assert [w.payload()["delivery"]["data"] for w in sim.webhooks["shop"]] == [TAG, TAG + "-t"]


@pytest.mark.rules("R25", "R22", "R2", "R6", "R9", "R14")
def test_R25_no_delivery_event_for_any_message_that_was_not_delivered(sim):
    """R25: pending (R14), expired (R22), unmatched (R2), blocked (R6), rejected (R9): no event;
    the pending one gets its event only when delivered, at that moment."""
    add_user(sim, "hanako", HANAKO, sms=True)
    add_user(sim, "taro", TARO, consent="rejected")
    waiting = sim.send_text("shop", sha(HANAKO), "waits", delivery_tag=TAG)
    sim.send_text("shop", sha("+818000000077"), "nobody")
    sim.send_text("shop", sha(TARO), "rejected")
    assert _deliveries(sim) == []
    sim.advance(timedelta(hours=2))
    agree_consent(sim, "hanako")
    verify_sms(sim, "hanako")
    [event] = _deliveries(sim)
    assert event.data == TAG and event.at == sim.now == sim.message(waiting.message_id).decided_at
    sim.send_text("shop", sha(HANAKO), "Flow D now")  # delivered at once: a second event
    add_user(sim, "old", "+818000000066", consent="agreed", sms=True)
    sim.send_text("shop", sha("+818000000066"), "expires")
    sim.advance(timedelta(days=2))
    sim.block("hanako", "shop")
    sim.send_text("shop", sha(HANAKO), "blocked")
    assert len(_deliveries(sim)) == 2  # the Flow B one and the Flow D one, nothing else


@pytest.mark.rules("R25")
def test_R25_webhook_event_ids_are_unique_and_reproducible_from_the_seed():
    """R25: ``webhookEventId`` is a ULID; the same seed gives the same ids."""

    def ids(seed):
        sim = new_sim(seed=seed)
        add_user(sim, "hanako", HANAKO, consent="agreed")
        for i in range(5):
            sim.send_text("shop", sha(HANAKO), str(i))
        return [w.webhook_event_id for w in sim.webhooks["shop"]]

    assert ids(1) == ids(1) and len(set(ids(1))) == 5
    assert ids(1) != ids(2)


@pytest.mark.rules("R25")
def test_R25_webhook_event_ids_carry_the_millisecond_each_event_was_queued_at():
    """R25: a ULID's time part is its event's ``timestamp``, also when many events share an instant
    (the engine reuses the instant's milliseconds) and after the clock moved by less than a second."""
    sim = new_sim()
    add_user(sim, "hanako", HANAKO, consent="agreed")
    for step in (timedelta(0), timedelta(0), timedelta(milliseconds=1), timedelta(milliseconds=999),
                 timedelta(days=1)):
        sim.advance(step)
        sim.send_text("shop", sha(HANAKO), "hello")
    events = sim.webhooks["shop"]
    stamps = [int(w.at.timestamp() * 1000) for w in events]
    assert [ULID.from_str(w.webhook_event_id).milliseconds for w in events] == stamps
    assert [b - a for a, b in zip(stamps, stamps[1:])] == [0, 1, 999, 86_400_000]


@pytest.mark.rules("R26")
def test_R26_counts_per_kind_and_per_utc_plus_9_day_of_delivery():
    """R26: 23:59:59 JST and 00:00:00 JST next day count on different days, per kind."""
    start = datetime(2026, 4, 1, 14, 59, 59, tzinfo=timezone.utc)  # 23:59:59 JST on 1 April
    sim = new_sim(start=start)
    add_user(sim, "hanako", HANAKO, consent="agreed")
    sim.send_text("shop", sha(HANAKO), "late")
    sim.send_template("shop", sha(HANAKO), "shipment_completed_ja")
    sim.advance(timedelta(seconds=1))  # 00:00:00 JST on 2 April, still 1 April in UTC
    assert sim.now.astimezone(timezone.utc).date() == date(2026, 4, 1)
    sim.send_text("shop", sha(HANAKO), "early")
    assert sim.daily_count("shop", "flexible", date(2026, 4, 1)) == 1
    assert sim.daily_count("shop", "template", date(2026, 4, 1)) == 1
    assert sim.daily_count("shop", "flexible", date(2026, 4, 2)) == 1
    assert sim.daily_count("shop", "template", date(2026, 4, 2)) == 0
    assert sim.sent_count("shop") == {"flexible": 2, "template": 1}


@pytest.mark.rules("R26", "R13")
def test_R26_a_message_counts_on_the_day_it_is_delivered_not_the_day_it_arrived():
    """R26: arrival at 23:00 JST, consent (R13) at 01:00 JST: counted on the second day."""
    sim = new_sim(start=datetime(2026, 4, 1, 23, 0, tzinfo=JST))
    add_user(sim, "hanako", HANAKO)
    sim.send_text("shop", sha(HANAKO), "hello")
    sim.advance(timedelta(hours=2))
    agree_consent(sim, "hanako")
    assert sim.daily_count("shop", "flexible", date(2026, 4, 1)) == 0
    assert sim.daily_count("shop", "flexible", date(2026, 4, 2)) == 1


@pytest.mark.rules("R26", "R2", "R6", "R22", "R28")
def test_R26_only_delivered_messages_are_counted(sim2):
    """R26: unmatched (R2), blocked (R6), expired (R22), refused (R28, 400) and pending messages count for nothing."""
    sim = sim2
    add_user(sim, "hanako", HANAKO)
    add_user(sim, "taro", TARO, consent="agreed", blocked=["bank"])
    sim.send_text("shop", sha(HANAKO), "pending then expired")
    sim.send_text("bank", sha(TARO), "blocked")
    sim.send_text("shop", sha("+818000000099"), "unmatched")
    sim.send_flexible("shop", sha(TARO), [{"type": "image"}])
    sim.send_text("shop", sha(TARO), "delivered")
    assert sim.sent_count("shop") == {"flexible": 1, "template": 0}
    sim.advance(timedelta(days=1))
    assert sim.sent_count("shop") == {"flexible": 1, "template": 0}
    assert sim.sent_count("bank") == {"flexible": 0, "template": 0}


@pytest.mark.rules("I3", "R25", "R26")
def test_I3_per_official_account_and_day_count_equals_deliveries_equals_webhooks(sim2):
    """I3: over a mixed run spanning three JST days, count (R26) = delivered messages = delivery webhooks (R25)."""
    sim = sim2
    add_user(sim, "hanako", HANAKO, consent="agreed")
    add_user(sim, "taro", TARO, sms=True)
    for day in range(3):
        sim.send_text("shop", sha(HANAKO), f"d{day}")
        sim.send_template("bank", sha(HANAKO), "shipment_completed_ja")
        sim.send_text("bank", sha(TARO), f"t{day}")
        if day == 1:
            agree_consent(sim, "taro")
            verify_sms(sim, "taro")
        sim.advance(timedelta(hours=20))
    for oa in ("shop", "bank"):
        days = {d for (o, _k, d) in sim.counts if o == oa}
        assert days, oa
        for day in days:
            counted = sum(n for (o, _k, d), n in sim.counts.items() if o == oa and d == day)
            delivered = [m for m in sim.messages.values()
                         if m.oa == oa and m.status == "delivered" and m.decided_at.astimezone(JST).date() == day]
            hooks = [w for w in _deliveries(sim, oa) if w.at.astimezone(JST).date() == day]
            assert counted == len(delivered) == len(hooks) > 0


@pytest.mark.rules("R27")
def test_R27_a_non_friend_can_add_the_official_account_follow_event(sim):
    """R27: Add friend from the notification's chat → ``follow`` (not unblocked), now a friend."""
    add_user(sim, "hanako", HANAKO, consent="agreed")
    sim.send_text("shop", sha(HANAKO), "hello")
    assert "shop" not in sim.user("hanako").friends
    sim.add_friend("hanako", "shop")
    event = sim.webhooks["shop"][-1]
    payload = event.payload()
    assert payload["type"] == "follow" and payload["follow"] == {"isUnblocked": False}
    assert payload["source"] == {"type": "user", "userId": sim.user("hanako").line_user_id}
    assert re.fullmatch(r"[0-9a-f]{32}", payload["replyToken"])
    assert "shop" in sim.user("hanako").friends
    assert "add_friend" not in sim.available_actions("hanako")


@pytest.mark.rules("R27", "R6")
def test_R27_blocking_without_an_earlier_follow_sends_unfollow_and_unblocking_sends_follow(sim):
    """R27/R6: block → ``unfollow`` (no earlier follow needed, no reply token); unblock → ``follow`` with
    isUnblocked and the user is a friend again (decision)."""
    add_user(sim, "hanako", HANAKO, consent="agreed")
    sim.send_text("shop", sha(HANAKO), "hello")
    sim.block("hanako", "shop")
    unfollow = sim.webhooks["shop"][-1].payload()
    assert unfollow["type"] == "unfollow" and "replyToken" not in unfollow
    assert unfollow["source"]["userId"] == sim.user("hanako").line_user_id
    assert [w.type for w in sim.webhooks["shop"]] == ["delivery", "unfollow"]
    sim.unblock("hanako", "shop")
    follow = sim.webhooks["shop"][-1].payload()
    assert follow["type"] == "follow" and follow["follow"] == {"isUnblocked": True}
    assert "shop" in sim.user("hanako").friends and "shop" not in sim.user("hanako").blocked


@pytest.mark.rules("R27")
def test_R27_a_non_friend_can_send_the_official_account_a_text_message_event(sim):
    """R27: a text from the notification's chat → ``message`` event carrying the text."""
    add_user(sim, "hanako", HANAKO, consent="agreed")
    sim.send_text("shop", sha(HANAKO), "hello")
    sim.say("hanako", "shop", "When does it arrive?")
    payload = sim.webhooks["shop"][-1].payload()
    assert payload["type"] == "message"
    assert payload["message"]["type"] == "text" and payload["message"]["text"] == "When does it arrive?"
    assert payload["message"]["id"].isdigit()
    assert payload["source"]["userId"] == sim.user("hanako").line_user_id
    assert "shop" not in sim.user("hanako").friends  # saying something does not make a friend
    sim.block("hanako", "shop")
    assert "say" not in sim.available_actions("hanako")


@pytest.mark.rules("R27", "R25")
def test_R27_webhooks_go_only_to_the_official_account_concerned(sim2):
    """R27/R25: each OA's queue holds only its own events."""
    sim = sim2
    add_user(sim, "hanako", HANAKO, consent="agreed")
    sim.send_text("shop", sha(HANAKO), "hello")
    sim.add_friend("hanako", "bank")
    sim.say("hanako", "bank", "hi")
    assert [w.type for w in sim.webhooks["shop"]] == ["delivery"]
    assert [w.type for w in sim.webhooks["bank"]] == ["follow", "message"]
    assert {w.oa for w in sim.webhooks["bank"]} == {"bank"}


@pytest.mark.rules("R27")
def test_R27_available_actions_per_official_account_chat(sim2):
    """R27: with ``oa``, block/unblock/add_friend/say are offered as that account's chat offers them."""
    from flowsim.engine.errors import UnknownOfficialAccountError

    add_user(sim2, "hanako", HANAKO, consent="agreed")
    sim2.block("hanako", "shop")
    shop, bank = (set(sim2.available_actions("hanako", oa)) for oa in ("shop", "bank"))
    assert {"unblock"} <= shop and not {"block", "add_friend", "say"} & shop
    assert {"block", "add_friend", "say"} <= bank and "unblock" not in bank
    both = set(sim2.available_actions("hanako"))  # without oa: any account it applies to
    assert {"block", "unblock", "add_friend", "say"} <= both
    with pytest.raises(UnknownOfficialAccountError):
        sim2.available_actions("hanako", "nobody")
