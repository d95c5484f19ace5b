"""The 24-hour window (R22) on both sides of its boundary, and timers firing in
time order as the clock advances (R23)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flowsim.engine.events import ClockAdvanced, MessageExpired

from .helpers import (
    HANAKO, HOURS_24, SECOND, TARO, add_user, agree_consent, notifications, sha, verify_sms,
)

JUST_INSIDE = HOURS_24 - SECOND  # 23:59:59

#: How each kind of wait is completed: consent (Flow A), SMS (Flow C), both (Flow B).
WAITS = {
    "consent (Flow A)": (dict(), [agree_consent]),
    "sms (Flow C, decision)": (dict(consent="agreed", sms=True), [verify_sms]),
    "both (Flow B)": (dict(sms=True), [agree_consent, verify_sms]),
}


def _pending(sim, wait):
    kwargs, completions = WAITS[wait]
    add_user(sim, "hanako", HANAKO, **kwargs)
    sent = sim.send_text("shop", sha(HANAKO), "hello")
    msg = sim.message(sent.message_id)
    assert msg.status == "pending"
    return msg, completions


@pytest.mark.rules("R22")
@pytest.mark.parametrize("wait", list(WAITS))
def test_R22_at_23h59m59s_the_message_still_waits_and_completing_delivers_it(sim, wait):
    """R22: one second before ``requested_at + 24h`` the message is pending and can still be delivered."""
    msg, completions = _pending(sim, wait)
    assert sim.expires_at(msg.id) == msg.requested_at + HOURS_24
    sim.advance(JUST_INSIDE)
    assert msg.status == "pending"
    assert sim.log.of_type(MessageExpired) == []
    for complete in completions:
        complete(sim, "hanako")
    assert msg.status == "delivered"
    assert len(notifications(sim, "hanako")) == 1
    assert sim.sent_count("shop")["flexible"] == 1


@pytest.mark.rules("R22")
@pytest.mark.parametrize("wait", list(WAITS))
def test_R22_at_exactly_24h_the_message_expires_and_completing_later_delivers_nothing(sim, wait):
    """R22: ``now >= requested_at + 24h`` expires it: deleted, never delivered, not counted, no webhook;
    the completed settings still change (they are global)."""
    msg, completions = _pending(sim, wait)
    sim.advance(HOURS_24)
    assert (msg.status, msg.rule, msg.decided_at) == ("expired", "R22", msg.requested_at + HOURS_24)
    [expired] = sim.log.of_type(MessageExpired)
    assert (expired.message_id, expired.at, expired.rule) == (msg.id, msg.requested_at + HOURS_24, "R22")
    assert sim.pending_for("hanako") == []
    for complete in completions:
        complete(sim, "hanako")
    user = sim.user("hanako")
    assert user.consent == "agreed"
    if "sms" in wait or "both" in wait:
        assert user.sms_verified_at == sim.now
    assert msg.status == "expired"
    assert notifications(sim, "hanako") == []
    assert sim.webhooks["shop"] == []
    assert sim.sent_count("shop") == {"flexible": 0, "template": 0}


@pytest.mark.rules("R22", "R23")
def test_R22_advance_to_exactly_the_expiry_time_fires_it(sim):
    """R22/R23: a timer due exactly at the target fires (``due <= target``); one second short does not."""
    msg, _ = _pending(sim, "consent (Flow A)")
    sim.advance_to(msg.requested_at + JUST_INSIDE)
    assert msg.status == "pending"
    sim.advance_to(msg.requested_at + HOURS_24)
    assert msg.status == "expired"


@pytest.mark.rules("R22")
def test_R22_a_message_delivered_before_the_window_ends_does_not_expire_later(sim):
    """R22: only pending messages expire; a delivered one keeps its status when the window passes."""
    msg, completions = _pending(sim, "consent (Flow A)")
    sim.advance(timedelta(hours=5))
    completions[0](sim, "hanako")
    sim.advance(timedelta(days=3))
    assert msg.status == "delivered"
    assert sim.log.of_type(MessageExpired) == []


@pytest.mark.rules("R23", "R22")
def test_R23_one_advance_fires_every_expiry_inside_it_in_time_order(sim2):
    """R23: advancing 7 days processes each expiry at its own due time, in order; R22 for each."""
    sim = sim2
    add_user(sim, "hanako", HANAKO)
    add_user(sim, "taro", TARO, consent="agreed", sms=True)
    sent = []
    for step, (oa, number) in enumerate([("shop", HANAKO), ("bank", TARO), ("shop", TARO),
                                         ("bank", HANAKO), ("shop", HANAKO)]):
        if step:
            sim.advance(timedelta(hours=step, minutes=7))
        sent.append(sim.message(sim.send_text(oa, sha(number), f"m{step}").message_id))
    same_instant = sim.message(sim.send_text("bank", sha(TARO), "same instant").message_id)
    # one of taro's messages is delivered before the big jump: it must not expire
    verify_sms(sim, "taro")
    delivered = {m.id for m in sent + [same_instant] if m.status == "delivered"}
    assert delivered == {sent[1].id, sent[2].id, same_instant.id}

    before = len(sim.log)
    start_of_jump = sim.now
    sim.advance(timedelta(days=7))

    new = sim.log.since(before)
    expired = [e for e in new if isinstance(e, MessageExpired)]
    expected = sorted((m.requested_at + HOURS_24, m.id) for m in sent if m.id not in delivered)
    assert [(e.at, e.message_id) for e in expired] == expected
    assert len(expected) == 3
    assert all(start_of_jump < e.at <= start_of_jump + timedelta(days=7) for e in expired)
    assert [e.at for e in new] == sorted(e.at for e in new)  # the log is in time order
    assert isinstance(new[-1], ClockAdvanced) and new[-1].old == start_of_jump and new[-1].at == sim.now
    for m in sent:
        assert m.status == ("delivered" if m.id in delivered else "expired")


@pytest.mark.rules("R23", "R22")
def test_R23_expiries_due_at_the_same_instant_fire_in_arrival_order(sim2):
    """R23: equal R22 due times fire in the order the messages arrived."""
    sim = sim2
    add_user(sim, "hanako", HANAKO)
    ids = [sim.send_text(oa, sha(HANAKO), oa).message_id for oa in ("bank", "shop", "bank")]
    sim.advance(timedelta(days=2))
    assert [e.message_id for e in sim.log.of_type(MessageExpired)] == ids
    assert {e.at for e in sim.log.of_type(MessageExpired)} == {sim.message(ids[0]).requested_at + HOURS_24}


@pytest.mark.rules("R23", "R22")
def test_R23_an_arrival_after_a_big_jump_gets_its_own_full_window(sim):
    """R23: a message that arrives after the clock jumped still has R22's 24 hours from its own arrival."""
    add_user(sim, "hanako", HANAKO)
    sim.advance(timedelta(days=30))
    msg = sim.message(sim.send_text("shop", sha(HANAKO), "late").message_id)
    assert sim.expires_at(msg.id) == sim.now + HOURS_24
    sim.advance(JUST_INSIDE)
    assert msg.status == "pending"
    sim.advance(SECOND)
    assert msg.status == "expired"


@pytest.mark.rules("R23")
def test_R23_zero_advance_changes_nothing_but_is_logged(sim):
    """R23: advancing by zero fires nothing new."""
    msg, _ = _pending(sim, "consent (Flow A)")
    sim.advance(timedelta(0))
    assert msg.status == "pending" and sim.now == msg.requested_at
    assert isinstance(sim.log[-1], ClockAdvanced)
