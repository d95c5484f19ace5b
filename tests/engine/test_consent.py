"""Consent (R9, R10, R21, I4), the privacy policy (R8), and blocking (R6, R7, I5)."""

from __future__ import annotations

import pytest

from flowsim import ActionNotAllowedError, FlowsimError
from flowsim.engine.events import ConsentChanged, MessageDiscarded, WebhookQueued

from .helpers import (
    HANAKO, TARO, add_user, agree_consent, all_chat_messages, line_kinds, notifications, sha, verify_sms,
)


def _nothing_visible(sim, user_id, oa="shop"):
    return all_chat_messages(sim, user_id) == [] and not [w for w in sim.webhooks[oa] if w.type == "delivery"]


# ---------------------------------------------------------------- R9, R21, I4


@pytest.mark.rules("R9", "R16")
def test_R9_consent_rejected_on_arrival_nothing_appears_and_the_message_is_discarded(sim):
    """R9: answered 422, nothing appears (R16: no 'received'), discarded (consent_rejected), not counted."""
    add_user(sim, "hanako", HANAKO, consent="rejected")
    sent = sim.send_text("shop", sha(HANAKO), "hello")
    assert sent.status == 422 and sent.error == "Failed to send messages"
    msg = sim.message(sent.message_id)
    assert (msg.status, msg.reason, msg.rule) == ("discarded", "consent_rejected", "R9")
    assert _nothing_visible(sim, "hanako")
    assert sim.sent_count("shop") == {"flexible": 0, "template": 0}


@pytest.mark.rules("R21", "R13")
def test_R21_reject_on_the_consent_screen_discards_the_waiting_message(sim):
    """R21/R13: Reject leaves not_set for 'rejected' and discards every pending message."""
    add_user(sim, "hanako", HANAKO)
    sent = sim.send_text("shop", sha(HANAKO), "hello")
    sim.open_consent("hanako")
    sim.reject("hanako")
    assert sim.user("hanako").consent == "rejected"
    msg = sim.message(sent.message_id)
    assert (msg.status, msg.reason) == ("discarded", "consent_rejected")
    assert notifications(sim, "hanako") == []
    assert sim.pending_for("hanako") == []


@pytest.mark.rules("R21", "R10")
def test_R21_switching_to_agreed_in_settings_delivers_messages_waiting_only_for_consent(sim2):
    """R21: Settings › agreed delivers the consent-only waits (any OA, R10); an SMS wait stays."""
    sim = sim2
    add_user(sim, "hanako", HANAKO)  # Flow A
    a = sim.send_text("shop", sha(HANAKO), "a")
    b = sim.send_text("bank", sha(HANAKO), "b")
    sim.settings_consent("hanako", "agreed")
    assert sim.message(a.message_id).status == "delivered"
    assert sim.message(b.message_id).status == "delivered"

    add_user(sim, "taro", TARO, sms=True)  # Flow B
    c = sim.send_text("shop", sha(TARO), "c")
    sim.settings_consent("taro", "agreed")
    msg = sim.message(c.message_id)
    assert (msg.status, msg.missing) == ("pending", {"sms"})
    verify_sms(sim, "taro")
    assert msg.status == "delivered"


@pytest.mark.rules("R21")
def test_R21_switching_to_rejected_discards_every_pending_message(sim2):
    """R21: Settings › rejected discards every pending message (all OAs, reason consent_rejected)."""
    sim = sim2
    add_user(sim, "hanako", HANAKO, consent="agreed", sms=True)  # Flow C: waits for SMS
    ids = [sim.send_text(oa, sha(HANAKO), oa).message_id for oa in ("shop", "bank", "shop")]
    sim.settings_consent("hanako", "rejected")
    assert [sim.message(i).status for i in ids] == ["discarded"] * 3
    assert {e.message_id: e.reason for e in sim.log.of_type(MessageDiscarded)} == dict.fromkeys(ids, "consent_rejected")
    verify_sms(sim, "hanako")  # SMS still works, but nothing is delivered
    assert notifications(sim, "hanako") == [] and notifications(sim, "hanako", "bank") == []


@pytest.mark.rules("R21", "R9")
def test_R21_R9_settings_switch_back_and_forth_between_agreed_and_rejected(sim):
    """R21: the switch works at any time; arrivals follow the current setting (R9 when rejected)."""
    add_user(sim, "hanako", HANAKO, consent="rejected")
    statuses = []
    for value in ("agreed", "rejected", "agreed"):
        sim.settings_consent("hanako", value)
        assert sim.user("hanako").consent == value
        statuses.append(sim.message(sim.send_text("shop", sha(HANAKO), value).message_id).status)
    assert statuses == ["delivered", "discarded", "delivered"]
    changes = [(e.old, e.new, e.rule) for e in sim.log.of_type(ConsentChanged)]
    assert changes == [("rejected", "agreed", "R21"), ("agreed", "rejected", "R21"), ("rejected", "agreed", "R21")]


@pytest.mark.rules("I4", "R21")
@pytest.mark.parametrize("start", ["not_set", "agreed", "rejected"])
def test_I4_consent_never_returns_to_not_set(sim, start):
    """I4/R21: Settings offers only agreed/rejected; asking for not_set is refused and changes nothing."""
    add_user(sim, "hanako", HANAKO, consent=start)
    if start == "not_set":
        sim.send_text("shop", sha(HANAKO), "hello")
        agree_consent(sim, "hanako")
    before = sim.user("hanako").consent
    with pytest.raises(FlowsimError) as caught:
        sim.settings_consent("hanako", "not_set")
    assert "'not_set'" in str(caught.value) and "agreed" in str(caught.value)
    assert sim.user("hanako").consent == before != "not_set"
    for value in ("rejected", "agreed", "rejected"):
        sim.settings_consent("hanako", value)
        assert sim.user("hanako").consent != "not_set"
    assert all(e.new != "not_set" for e in sim.log.of_type(ConsentChanged))


@pytest.mark.rules("I4", "R21")
def test_I4_the_consent_screen_cannot_be_used_to_return_to_not_set(sim):
    """I4/R21: after Reject, a second visit to the consent screen offers only Agree, Reject, Cancel."""
    add_user(sim, "hanako", HANAKO)
    sim.send_text("shop", sha(HANAKO), "hello")
    sim.open_consent("hanako")
    sim.reject("hanako")
    sim.open_consent("hanako")
    assert set(sim.available_actions("hanako")) == {"agree", "reject", "cancel"}
    sim.cancel("hanako")
    assert sim.user("hanako").consent == "rejected"


# ---------------------------------------------------------------- R8


@pytest.mark.rules("R8")
def test_R8_privacy_policy_not_agreed_nothing_appears_until_the_user_agrees(sim):
    """R8: discarded (privacy_policy) with nothing visible; after agreeing, messages arrive."""
    add_user(sim, "hanako", HANAKO, consent="agreed", privacy_policy=False)
    assert "agree_privacy_policy" in sim.available_actions("hanako")
    sent = sim.send_text("shop", sha(HANAKO), "hello")
    msg = sim.message(sent.message_id)
    assert (msg.status, msg.reason, msg.rule) == ("discarded", "privacy_policy", "R8")
    assert _nothing_visible(sim, "hanako")

    sim.agree_privacy_policy("hanako")
    assert sim.user("hanako").privacy_policy is True
    assert "agree_privacy_policy" not in sim.available_actions("hanako")
    with pytest.raises(ActionNotAllowedError, match="already agreed"):
        sim.agree_privacy_policy("hanako")
    later = sim.send_text("shop", sha(HANAKO), "later")
    assert sim.message(later.message_id).status == "delivered"
    assert msg.status == "discarded"  # the first one is not revived


# ---------------------------------------------------------------- R6, R7, I5


@pytest.mark.rules("R6", "I5")
def test_R6_I5_blocked_on_arrival_nothing_at_all_appears(sim2):
    """R6/I5: no notification, no system message, no webhook, not counted; API 200; other OAs unaffected."""
    sim = sim2
    add_user(sim, "hanako", HANAKO, blocked=["shop"], sms=True)  # would be Flow B
    sent = sim.send_text("shop", sha(HANAKO), "hello")
    assert sent.status == 200
    msg = sim.message(sent.message_id)
    assert (msg.status, msg.reason, msg.rule) == ("discarded", "blocked", "R6")
    assert _nothing_visible(sim, "hanako")
    assert sim.sent_count("shop")["flexible"] == 0
    other = sim.send_text("bank", sha(HANAKO), "bank")
    assert sim.message(other.message_id).status == "pending"
    assert line_kinds(sim, "hanako") == ["received", "setup"]


@pytest.mark.rules("R7", "I5")
def test_R7_I5_a_message_discarded_by_a_block_stays_discarded_after_unblocking(sim):
    """R7: after unblocking and completing every setting, nothing appears for the blocked arrival (I5)."""
    add_user(sim, "hanako", HANAKO, blocked=["shop"], sms=True)
    sent = sim.send_text("shop", sha(HANAKO), "hello")
    sim.unblock("hanako", "shop")
    sim.settings_consent("hanako", "agreed")
    assert sim.message(sent.message_id).status == "discarded"
    assert all(m.message_id != sent.message_id for m in all_chat_messages(sim, "hanako"))
    assert notifications(sim, "hanako") == []
    later = sim.send_text("shop", sha(HANAKO), "later")  # Flow C now
    verify_sms(sim, "hanako")
    assert [n.message_id for n in notifications(sim, "hanako")] == [later.message_id]


@pytest.mark.rules("R7")
def test_R7_blocking_while_a_message_is_pending_discards_it_at_once(sim2):
    """R7 (decision): blocking the OA discards its pending messages at once, not other OAs' ones."""
    sim = sim2
    add_user(sim, "hanako", HANAKO)
    from_shop = sim.send_text("shop", sha(HANAKO), "shop")
    from_bank = sim.send_text("bank", sha(HANAKO), "bank")
    sim.block("hanako", "shop")
    shop_msg = sim.message(from_shop.message_id)
    assert (shop_msg.status, shop_msg.reason, shop_msg.rule, shop_msg.decided_at) == (
        "discarded", "blocked", "R7", sim.now)
    sim.unblock("hanako", "shop")
    agree_consent(sim, "hanako")
    assert shop_msg.status == "discarded"
    assert sim.message(from_bank.message_id).status == "delivered"
    assert notifications(sim, "hanako") == []
    assert not [w for w in sim.webhooks["shop"] if w.type == "delivery"]
    assert not any(isinstance(e, WebhookQueued) and e.event.type == "delivery" and e.oa == "shop" for e in sim.log)


@pytest.mark.rules("R6")
def test_R6_discard_order_country_before_block_before_privacy_before_consent(sim):
    """R6 with R4/R8/R9 (flowsim decision DISCARD_CHECK_ORDER): the first rule that applies names the reason."""
    add_user(sim, "a", "+14155550123", blocked=["shop"], privacy_policy=False, consent="rejected")
    add_user(sim, "b", HANAKO, blocked=["shop"], privacy_policy=False, consent="rejected")
    add_user(sim, "c", TARO, privacy_policy=False, consent="rejected")
    reasons = [sim.message(sim.send_text("shop", sha(n), "x").message_id).reason
               for n in ("+14155550123", HANAKO, TARO)]
    assert reasons == ["country", "blocked", "privacy_policy"]
