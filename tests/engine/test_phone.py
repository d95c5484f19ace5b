"""Phone numbers: hashing (R1), unmatched destinations (R2), normalisation (R3),
countries (R4), one number per account (R5) and hashes after a change (R20)."""

from __future__ import annotations

import re

import pytest

from flowsim import InvalidPhoneNumberError, PhoneNumberTakenError, Simulation, hash_number, normalise
from flowsim.engine.events import MessageUnmatched, PhoneNumberRemoved, WebhookQueued

from .helpers import (
    HANAKO, JOHN, MEI, NOBODY, SOMCHAI, START, TARO, add_user, agree_consent, all_chat_messages, change_number,
    line_kinds, notifications, sha,
)


@pytest.mark.rules("R1")
def test_R1_hash_is_lowercase_sha256_of_the_e164_string():
    """R1: the spec's own example, +818000001234 → d41e0ad7…2409c, 64 lowercase hex digits."""
    digest = hash_number("+818000001234")
    assert digest.startswith("d41e0ad7") and digest.endswith("2409c")
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert digest == sha("+818000001234")


@pytest.mark.rules("R1", "R3")
def test_R1_R3_a_user_added_with_a_national_form_is_reached_by_the_hash_of_the_e164_form(sim):
    """R1/R3: the number is stored as E.164 and matched by the hash of that string only."""
    add_user(sim, "hanako", "080-0000-1234", consent="agreed")
    assert sim.user("hanako").phone == HANAKO
    assert sim.hash_of("hanako") == sha(HANAKO)
    assert sim.user_for_hash(sha(HANAKO)) == "hanako"
    sent = sim.send_text("shop", sha(HANAKO), "hello")
    assert sim.message(sent.message_id).user == "hanako"
    assert sim.message(sent.message_id).status == "delivered"


@pytest.mark.rules("R3", "R2")
@pytest.mark.parametrize("typed", ["08000001234", "080-0000-1234", "+81-80-0000-1234", "+81 80 0000 1234", "818000001234"])
def test_R3_R2_a_hash_of_a_non_e164_form_matches_nobody(sim, typed):
    """R3: a hash computed from a non-E.164 form does not match; R2: it is unmatched, answered 422."""
    add_user(sim, "hanako", HANAKO, consent="agreed")
    sent = sim.send_text("shop", sha(typed), "hello")
    assert sent.status == 422
    assert sim.message(sent.message_id).status == "unmatched"
    assert sim.message(sent.message_id).rule == "R2"
    assert line_kinds(sim, "hanako") == []


@pytest.mark.rules("R3")
@pytest.mark.parametrize(
    "typed, region, e164",
    [
        ("090-1234-5678", "JP", "+819012345678"),
        ("09012345678", "JP", "+819012345678"),
        ("(090) 1234-5678", "JP", "+819012345678"),
        ("+81 90 1234 5678", "JP", "+819012345678"),
        ("+81-90-1234-5678", "JP", "+819012345678"),
        ("０９０１２３４５６７８", "JP", "+819012345678"),  # full-width digits
        ("081-234-5678", "TH", "+66812345678"),
        ("0912-345-678", "TW", "+886912345678"),
        ("+818000001234", "US", "+818000001234"),  # an explicit country code wins over the region
        ("(415) 555-0123", "US", "+14155550123"),
    ],
)
def test_R3_normalise_gives_e164_through_the_phone_library(typed, region, e164):
    """R3: every written form of a number becomes the same E.164 string."""
    assert normalise(typed, region) == e164


@pytest.mark.rules("R3")
@pytest.mark.parametrize("typed", ["abc", "", "   ", "12", "+1", "+999123456789", "+81 123"])
def test_R3_an_unparsable_number_is_an_error_naming_the_input(typed):
    """R3: an unparsable number is a clear error that names the input."""
    with pytest.raises(InvalidPhoneNumberError) as caught:
        normalise(typed, "JP")
    assert repr(typed) in str(caught.value)
    assert caught.value.value == typed
    assert isinstance(caught.value, ValueError)


@pytest.mark.rules("R3")
@pytest.mark.parametrize("typed", ["0901234567890123", "+81901234567890123"])
def test_R3_normalise_never_returns_more_than_15_digits(typed):
    """R3: E.164 has at most 15 digits after '+'; a longer number is refused, naming the input."""
    with pytest.raises(InvalidPhoneNumberError) as caught:
        normalise(typed, "JP")
    assert repr(typed) in str(caught.value) and "15" in str(caught.value)
    # and the longest possible forms that are accepted are E.164
    for ok in ("+818000001234", "+886912345678", "+14155550123"):
        assert re.fullmatch(r"\+[1-9][0-9]{1,14}", normalise(ok, "JP"))


@pytest.mark.rules("R3")
def test_R3_add_user_reads_national_forms_in_its_region_or_the_default_region():
    """R3: ``region`` per user, else the simulation's ``default_region``."""
    sim = Simulation(start=START, default_region="TH")
    sim.add_user("somchai", "081-234-5678")
    sim.add_user("hanako", "080-0000-1234", region="JP")
    assert sim.user("somchai").phone == SOMCHAI
    assert sim.user("hanako").phone == HANAKO


@pytest.mark.rules("R2", "R16")
def test_R2_R16_an_unmatched_destination_is_refused_422_and_has_no_visible_effect(sim):
    """R2: 422 "Failed to send messages", status unmatched, no message, no webhook, not counted; R16: no 'received'."""
    add_user(sim, "hanako", HANAKO, consent="agreed")
    before = len(sim.log)
    sent = sim.send_text("shop", sha(NOBODY), "hello")
    assert sent.status == 422 and not sent.ok and sent.message_id
    assert sent.body() == {"message": "Failed to send messages"}
    msg = sim.message(sent.message_id)
    assert (msg.status, msg.rule, msg.user) == ("unmatched", "R2", None)
    assert all_chat_messages(sim, "hanako") == []
    assert sim.webhooks["shop"] == []
    assert sim.sent_count("shop") == {"flexible": 0, "template": 0}
    new = sim.log.since(before)
    assert [type(e).__name__ for e in new] == ["ApiCalled", "MessageUnmatched"]
    assert isinstance(new[-1], MessageUnmatched) and new[-1].rule == "R2"
    assert "R2" in sim.explain(sent.message_id)


@pytest.mark.rules("R4", "R12")
@pytest.mark.parametrize("number", [HANAKO, SOMCHAI, MEI])
def test_R4_numbers_from_japan_thailand_and_taiwan_receive(sim, number):
    """R4: +81, +66 and +886 numbers get the message (here by Flow D, R12)."""
    add_user(sim, "u", number, consent="agreed")
    sent = sim.send_text("shop", sha(number), "hello")
    assert sim.message(sent.message_id).status == "delivered"
    assert len(notifications(sim, "u")) == 1


@pytest.mark.rules("R4", "R16")
@pytest.mark.parametrize("number", [JOHN, "+447700900123", "+8613800138000", "+821012345678"])
def test_R4_a_matched_user_with_a_number_from_elsewhere_gets_nothing(sim, number):
    """R4: answered 422, discarded (reason ``country``), nothing appears (R16: no 'received'), no webhook, not counted."""
    add_user(sim, "u", number, consent="agreed")
    sent = sim.send_text("shop", sha(number), "hello")
    assert sent.status == 422 and sent.body() == {"message": "Failed to send messages"}
    msg = sim.message(sent.message_id)
    assert (msg.status, msg.reason, msg.rule, msg.user) == ("discarded", "country", "R4", "u")
    assert all_chat_messages(sim, "u") == []
    assert sim.webhooks["shop"] == []
    assert sim.sent_count("shop")["flexible"] == 0


@pytest.mark.rules("R4", "R19")
def test_R4_is_checked_at_delivery_a_change_to_a_foreign_number_discards_the_waiting_message(sim):
    """R4 holds "at the moment of delivery": after a change (R19) to a US number a pending message is not delivered."""
    add_user(sim, "hanako", HANAKO)  # consent not set, SMS not needed: Flow A
    sent = sim.send_text("shop", sha(HANAKO), "hello")
    assert sim.message(sent.message_id).status == "pending"
    change_number(sim, "hanako", JOHN)
    assert sim.user("hanako").phone == JOHN
    msg = sim.message(sent.message_id)
    assert msg.status == "discarded" and msg.reason == "country"
    agree_consent(sim, "hanako")
    assert notifications(sim, "hanako") == []
    assert sim.webhooks["shop"] == []


@pytest.mark.rules("R5")
@pytest.mark.parametrize("second_form", [HANAKO, "080-0000-1234", "+81 80-0000-1234"])
def test_R5_two_accounts_cannot_be_set_up_with_one_number(sim, second_form):
    """R5: a number belongs to at most one account, whatever form it is written in."""
    add_user(sim, "hanako", HANAKO)
    with pytest.raises(PhoneNumberTakenError) as caught:
        add_user(sim, "imposter", second_form)
    assert HANAKO in str(caught.value) and "'hanako'" in str(caught.value) and "R5" in str(caught.value)
    assert "imposter" not in sim.users


@pytest.mark.rules("R5", "R19")
def test_R5_a_number_change_takes_the_number_from_its_old_holder(sim):
    """R5 (decision), R19: the old holder has no number, matches nothing, and its pending messages go (no_number)."""
    add_user(sim, "hanako", HANAKO)  # Flow A: her message waits for consent
    add_user(sim, "taro", TARO, consent="agreed")
    waiting = sim.send_text("shop", sha(HANAKO), "for hanako")
    assert sim.message(waiting.message_id).status == "pending"

    change_number(sim, "taro", HANAKO)

    assert sim.user("hanako").phone is None
    assert sim.user("taro").phone == HANAKO
    assert sim.hash_of("hanako") is None
    removed = sim.log.of_type(PhoneNumberRemoved)
    assert [(e.user, e.number, e.taken_by) for e in removed] == [("hanako", HANAKO, "taro")]
    msg = sim.message(waiting.message_id)
    assert (msg.status, msg.reason, msg.rule) == ("discarded", "no_number", "R5")
    # the hash now reaches taro, and hanako matches nothing
    sent = sim.send_text("shop", sha(HANAKO), "for the number's holder")
    assert sim.message(sent.message_id).user == "taro"
    # hanako completing consent later delivers nothing to her
    agree_consent(sim, "hanako")
    assert notifications(sim, "hanako") == []


@pytest.mark.rules("R20", "R19")
def test_R20_after_a_change_only_the_new_numbers_hash_matches(sim):
    """R20: after a change (R19) the old number's hash is unmatched (R2), the new one reaches the user."""
    add_user(sim, "hanako", HANAKO, consent="agreed")
    change_number(sim, "hanako", TARO)
    old = sim.send_text("shop", sha(HANAKO), "old number")
    new = sim.send_text("shop", sha(TARO), "new number")
    assert sim.message(old.message_id).status == "unmatched"
    assert sim.user_for_hash(sha(HANAKO)) is None
    assert sim.message(new.message_id).user == "hanako"
    assert sim.message(new.message_id).status == "delivered"
    assert [n.text for n in notifications(sim, "hanako")] == ["new number"]
    assert not any(isinstance(e, WebhookQueued) and e.event.data == sha(HANAKO) for e in sim.log)
