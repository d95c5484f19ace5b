"""The four arrival flows at engine level (R12-R16), consent and SMS being global
(R10, R11), and explain() naming the deciding rule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flowsim.engine.events import ChatMessageAppeared, MessageDelivered, MessagePending

from .helpers import (
    HANAKO, TARO, add_user, agree_consent, line_kinds, notifications, sha, verify_sms,
)


def _deliveries(sim):
    return [(e.message_id, e.rule) for e in sim.log.of_type(MessageDelivered)]


@pytest.mark.rules("R12", "R16")
def test_R12_flow_D_agreed_and_no_sms_needed_is_delivered_at_once(sim):
    """R12 Flow D: one 'received' (R16) and, at the same moment, the notification."""
    add_user(sim, "hanako", HANAKO, consent="agreed")
    sent = sim.send_text("shop", sha(HANAKO), "Your parcel ships today")
    msg = sim.message(sent.message_id)
    assert (msg.status, msg.rule, msg.decided_at) == ("delivered", "R12", sim.now)
    assert line_kinds(sim, "hanako") == ["received"]
    [note] = notifications(sim, "hanako")
    assert note.text == "Your parcel ships today" and note.message_id == msg.id and note.at == sim.now
    assert sim.user("hanako").line_chat[0].at == note.at
    assert sim.pending_for("hanako") == []


@pytest.mark.rules("R13", "R16")
def test_R13_flow_A_consent_not_set_no_sms_setup_then_agree_delivers(sim):
    """R13 Flow A: 'received' + one-section 'setup'; Set → consent screen; Agree → 'received' (R16), notification."""
    add_user(sim, "hanako", HANAKO)
    sent = sim.send_text("shop", sha(HANAKO), "hello")
    msg = sim.message(sent.message_id)
    assert (msg.status, msg.missing, msg.rule) == ("pending", {"consent"}, "R13")
    assert line_kinds(sim, "hanako") == ["received", "setup"]
    setup = sim.user("hanako").line_chat[1]
    assert setup.sections == ("consent",) and setup.has_set_button
    assert "Settings for getting LINE notification messages" in setup.text
    assert "Phone number authentication" not in setup.text
    offered = sim.available_actions("hanako")
    assert "open_consent" in offered and "open_phone_auth" not in offered
    assert notifications(sim, "hanako") == []

    sim.open_consent("hanako")
    assert sim.user("hanako").screen == "consent"
    assert set(sim.available_actions("hanako")) == {"agree", "reject", "cancel"}
    sim.agree("hanako")

    assert sim.user("hanako").consent == "agreed"
    assert sim.user("hanako").screen == "chats"
    assert line_kinds(sim, "hanako") == ["received", "setup", "received"]
    assert [n.message_id for n in notifications(sim, "hanako")] == [msg.id]
    assert (msg.status, msg.rule) == ("delivered", "R13")


@pytest.mark.rules("R14", "R16")
@pytest.mark.parametrize("order", ["consent first", "sms first"])
def test_R14_flow_B_both_sections_in_either_order_delivery_on_the_second(sim, order):
    """R14 Flow B: a two-section 'setup'; (decision) either order; delivered when the second completes (R16)."""
    add_user(sim, "hanako", HANAKO, sms=True)
    sent = sim.send_text("shop", sha(HANAKO), "hello")
    msg = sim.message(sent.message_id)
    assert (msg.status, msg.missing, msg.rule) == ("pending", {"consent", "sms"}, "R14")
    assert line_kinds(sim, "hanako") == ["received", "setup"]
    setup = sim.user("hanako").line_chat[1]
    assert setup.sections == ("consent", "phone_auth")
    assert "Settings for getting LINE notification messages" in setup.text
    assert "Phone number authentication" in setup.text
    assert {"open_consent", "open_phone_auth"} <= set(sim.available_actions("hanako"))

    first, second = (agree_consent, verify_sms) if order == "consent first" else (verify_sms, agree_consent)
    first(sim, "hanako")
    assert msg.status == "pending"
    assert msg.missing == ({"sms"} if order == "consent first" else {"consent"})
    assert notifications(sim, "hanako") == []
    assert line_kinds(sim, "hanako") == ["received", "setup"]

    second(sim, "hanako")
    assert (msg.status, msg.rule) == ("delivered", "R14")
    assert line_kinds(sim, "hanako") == ["received", "setup", "received"]
    assert len(notifications(sim, "hanako")) == 1


@pytest.mark.rules("R15", "R16", "R17")
def test_R15_flow_C_agreed_sms_needed_phone_auth_then_pin_delivers(sim):
    """R15 Flow C: 'received' + 'phone_auth' (with Set); after the PIN (R17): 'received' (R16), then the notification."""
    add_user(sim, "hanako", HANAKO, consent="agreed", sms=True)
    sent = sim.send_text("shop", sha(HANAKO), "hello")
    msg = sim.message(sent.message_id)
    assert (msg.status, msg.missing, msg.rule) == ("pending", {"sms"}, "R15")
    assert line_kinds(sim, "hanako") == ["received", "phone_auth"]
    assert sim.user("hanako").line_chat[1].has_set_button
    assert "open_consent" not in sim.available_actions("hanako")

    verify_sms(sim, "hanako")

    assert (msg.status, msg.rule) == ("delivered", "R15")
    assert line_kinds(sim, "hanako") == ["received", "phone_auth", "received"]
    # 'received' comes before the notification
    appeared = [e.message.kind for e in sim.log.of_type(ChatMessageAppeared)]
    assert appeared[-2:] == ["received", "notification"]


@pytest.mark.rules("R16")
def test_R16_received_once_per_arrival_needing_action_and_once_per_delivery(sim2):
    """R16: Flow D → 1 'received'; Flow A → 2; a discarded arrival → 0."""
    sim = sim2
    add_user(sim, "hanako", HANAKO)
    add_user(sim, "taro", TARO, consent="agreed", blocked=["bank"])
    sim.send_text("shop", sha(TARO), "D")  # delivered at once
    sim.send_text("bank", sha(TARO), "blocked")  # discarded on arrival (R6)
    assert line_kinds(sim, "taro").count("received") == 1
    sim.send_text("shop", sha(HANAKO), "A1")
    sim.send_text("bank", sha(HANAKO), "A2")
    assert line_kinds(sim, "hanako").count("received") == 2
    agree_consent(sim, "hanako")
    assert line_kinds(sim, "hanako").count("received") == 4  # one more per delivery
    assert all(m.message_id for m in sim.user("hanako").line_chat if m.kind == "received")


@pytest.mark.rules("R10")
def test_R10_consent_given_for_one_official_account_holds_for_every_other(sim2):
    """R10: agreeing from shop's message also delivers bank's waiting one, and later bank messages go straight through."""
    sim = sim2
    add_user(sim, "hanako", HANAKO)
    from_shop = sim.send_text("shop", sha(HANAKO), "shop")
    from_bank = sim.send_text("bank", sha(HANAKO), "bank")
    agree_consent(sim, "hanako")
    assert sim.message(from_shop.message_id).status == "delivered"
    assert sim.message(from_bank.message_id).status == "delivered"
    later = sim.send_text("bank", sha(HANAKO), "later")
    assert sim.message(later.message_id).rule == "R12"
    assert len(notifications(sim, "hanako", "bank")) == 2


@pytest.mark.rules("R10", "R21")
def test_R10_consent_agreed_in_settings_holds_for_every_official_account(sim2):
    """R10/R21: consent set in Settings (no message needed) makes every OA's message Flow D."""
    sim = sim2
    add_user(sim, "hanako", HANAKO)
    sim.settings_consent("hanako", "agreed")
    for oa in ("shop", "bank"):
        sent = sim.send_text(oa, sha(HANAKO), oa)
        assert sim.message(sent.message_id).rule == "R12"


@pytest.mark.rules("R11", "R15")
def test_R11_one_sms_authentication_is_global_for_all_official_accounts(sim2):
    """R11: one PIN delivers the SMS-waiting (R15) messages of both OAs; later ones need no SMS."""
    sim = sim2
    add_user(sim, "hanako", HANAKO, consent="agreed", sms=True)
    a = sim.send_text("shop", sha(HANAKO), "shop")
    b = sim.send_text("bank", sha(HANAKO), "bank")
    assert line_kinds(sim, "hanako") == ["received", "phone_auth", "received", "phone_auth"]
    verify_sms(sim, "hanako")
    assert {m: r for m, r in _deliveries(sim)} == {a.message_id: "R15", b.message_id: "R15"}
    c = sim.send_text("bank", sha(HANAKO), "later")
    assert sim.message(c.message_id).rule == "R12"


@pytest.mark.rules("R13", "R14", "R15", "R12")
def test_R12_R13_R14_R15_each_user_gets_the_flow_of_their_own_state(sim):
    """R12-R15 side by side: four users, one message each, the four flows."""
    numbers = {"d": "+818000000001", "a": "+818000000002", "b": "+818000000003", "c": "+818000000004"}
    add_user(sim, "d", numbers["d"], consent="agreed")
    add_user(sim, "a", numbers["a"])
    add_user(sim, "b", numbers["b"], sms=True)
    add_user(sim, "c", numbers["c"], consent="agreed", sms=True)
    rules = {}
    for user, number in numbers.items():
        rules[user] = sim.message(sim.send_text("shop", sha(number), user).message_id).rule
    assert rules == {"d": "R12", "a": "R13", "b": "R14", "c": "R15"}
    pending = {e.user: e.missing for e in sim.log.of_type(MessagePending)}
    assert pending == {"a": ("consent",), "b": ("consent", "sms"), "c": ("sms",)}


@pytest.mark.rules("R14", "R2", "R6", "R22")
def test_R14_R2_R6_R22_explain_names_the_deciding_rule_id(sim):
    """explain(): pending (R14), delivered (R14), unmatched (R2), discarded (R6), expired (R22)."""
    add_user(sim, "hanako", HANAKO, sms=True)
    add_user(sim, "taro", TARO, consent="agreed", blocked=["shop"])
    flow_b = sim.send_text("shop", sha(HANAKO), "b")
    assert sim.explain(flow_b.message_id).startswith(f"{flow_b.message_id} is pending for hanako")
    assert "R14" in sim.explain(flow_b.message_id) and "consent and sms" in sim.explain(flow_b.message_id)
    agree_consent(sim, "hanako")
    verify_sms(sim, "hanako")
    assert sim.explain(flow_b.message_id) == f"{flow_b.message_id} delivered for hanako: R14: Flow B: consent not set, SMS needed"
    unmatched = sim.send_text("shop", sha("+818011112222"), "x")
    assert "unmatched" in sim.explain(unmatched.message_id) and "R2" in sim.explain(unmatched.message_id)
    blocked = sim.send_text("shop", sha(TARO), "x")
    assert "discarded (blocked) for taro: R6" in sim.explain(blocked.message_id)
    add_user(sim, "new", "+818000000009", sms=True)
    late = sim.send_text("shop", sha("+818000000009"), "x")
    sim.advance(timedelta(days=2))
    assert "expired" in sim.explain(late.message_id) and "R22" in sim.explain(late.message_id)
