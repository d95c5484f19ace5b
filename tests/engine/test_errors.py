"""Bad input to the engine API raises the documented exceptions of
flowsim/errors.py, with messages that say what was wrong — never a bare KeyError.

Tests that check a rule's input (R1 hash format, R3 phone numbers, R21
consent values, R23 the clock only moving forward, the app's screens of
R13-R19) cite it; plain lookups of unknown ids cite none."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from flowsim import (
    ActionNotAllowedError, ClockWentBackwardsError, DuplicateIdError, FlowsimError, InvalidPhoneNumberError,
    InvalidValueError,
    MalformedHashError, MissingArgumentError, NaiveDatetimeError, Simulation, UnknownActionError,
    UnknownMessageError, UnknownOfficialAccountError, UnknownUserError,
)
from flowsim.engine.events import ApiCalled, ClockAdvanced

from .helpers import HANAKO, START, TARO, add_user, change_number, sha

GOOD_HASH = sha(HANAKO)


@pytest.fixture
def world(sim):
    add_user(sim, "hanako", HANAKO, consent="agreed", sms=True)
    return sim


def _raises(exc_type, call, *parts):
    """``call()`` raises ``exc_type`` (a FlowsimError, never a KeyError) whose message holds ``parts``."""
    with pytest.raises(exc_type) as caught:
        call()
    error = caught.value
    assert isinstance(error, FlowsimError) and not isinstance(error, KeyError)
    for part in parts:
        assert part in str(error), (part, str(error))
    return error


# ---------------------------------------------------------------- unknown ids


@pytest.mark.parametrize("call", [
    lambda s: s.user("nobody"),
    lambda s: s.do("nobody", "agree"),
    lambda s: s.agree("nobody"),
    lambda s: s.available_actions("nobody"),
    lambda s: s.pending_for("nobody"),
    lambda s: s.sms_required("nobody"),
    lambda s: s.sms_exempt_until("nobody"),
    lambda s: s.last_pin("nobody"),
    lambda s: s.hash_of("nobody"),
])
def test_unknown_user_is_an_unknown_user_error_listing_the_known_ones(world, call):
    """Unknown user ids: UnknownUserError, a LookupError, naming the id."""
    error = _raises(UnknownUserError, lambda: call(world), "unknown user 'nobody'", "known users: hanako")
    assert isinstance(error, LookupError) and error.user_id == "nobody"


def test_unknown_user_without_any_users_says_so():
    """UnknownUserError's message says when no users are defined."""
    _raises(UnknownUserError, lambda: Simulation(start=START).user("x"), "no users are defined")


@pytest.mark.parametrize("call", [
    lambda s: s.send_text("mall", GOOD_HASH, "hi"),
    lambda s: s.send_flexible("mall", GOOD_HASH, [{"type": "text", "text": "hi"}]),
    lambda s: s.send_template("mall", GOOD_HASH, "shipment_completed_ja"),
    lambda s: s.sent_count("mall"),
    lambda s: s.daily_count("mall", "flexible", START.date()),
    lambda s: s.official_account("mall"),
    lambda s: s.block("hanako", "mall"),
    lambda s: s.unblock("hanako", "mall"),
    lambda s: s.add_friend("hanako", "mall"),
    lambda s: s.say("hanako", "mall", "hi"),
    lambda s: s.add_user("x", TARO, blocked=["mall"]),
    lambda s: s.add_user("x", TARO, friends=["mall"]),
])
def test_unknown_official_account_is_an_unknown_official_account_error(world, call):
    """Unknown OA ids (in sends, counts, blocks and other per-OA actions): UnknownOfficialAccountError naming it."""
    error = _raises(UnknownOfficialAccountError, lambda: call(world),
                    "unknown official account 'mall'", "known official accounts: shop")
    assert isinstance(error, LookupError) and error.oa_id == "mall"
    assert "x" not in world.users
    assert world.log.of_type(ApiCalled) == []


@pytest.mark.parametrize("call", [
    lambda s: s.message("m99"), lambda s: s.explain("m99"), lambda s: s.expires_at("m99"),
])
def test_unknown_message_is_an_unknown_message_error(world, call):
    """Unknown message ids (also for ``expires_at``): UnknownMessageError naming the id."""
    error = _raises(UnknownMessageError, lambda: call(world), "unknown notification message 'm99'")
    assert isinstance(error, LookupError)


def test_duplicate_ids_are_refused(world):
    """Adding a user or an OA twice (or an OA called "LINE", the system account) is a DuplicateIdError."""
    _raises(DuplicateIdError, lambda: world.add_user("hanako", TARO), "user 'hanako' is already defined")
    _raises(DuplicateIdError, lambda: world.add_official_account("shop"), "'shop' is already defined")
    _raises(DuplicateIdError, lambda: world.add_official_account("LINE"), "'LINE'")


# ---------------------------------------------------------------- R1: malformed hashes


MALFORMED = [
    GOOD_HASH.upper(),  # uppercase
    GOOD_HASH[:-1],  # 63 characters
    GOOD_HASH + "0",  # 65 characters
    "g" + GOOD_HASH[1:],  # not hex
    " " + GOOD_HASH[1:],
    GOOD_HASH[:32] + "-" + GOOD_HASH[33:],
    "0x" + GOOD_HASH[2:],
    HANAKO,  # the number itself instead of its hash
    "",
    None,
    12345,
]


@pytest.mark.rules("R1")
@pytest.mark.parametrize("to", MALFORMED, ids=lambda v: repr(v)[:12])
@pytest.mark.parametrize("send", ["text", "flexible", "template"])
def test_R1_a_malformed_destination_is_answered_400_and_nothing_is_sent(world, to, send):
    """R1: ``to`` must be 64 lowercase hex digits; anything else is LINE's 400 naming ``to``, no message."""
    calls = {
        "text": lambda: world.send_text("shop", to, "hi"),
        "flexible": lambda: world.send_flexible("shop", to, [{"type": "text", "text": "hi"}]),
        "template": lambda: world.send_template("shop", to, "shipment_completed_ja"),
    }
    result = calls[send]()
    assert result.status == 400 and not result.ok and result.message_id is None
    assert result.body() == {"message": "The request body has 1 error(s)",
                             "details": [{"message": "The value must be a valid SHA-256 digest.", "property": "to"}]}
    assert world.messages == {}
    assert [(c.status, c.message_id) for c in world.log.of_type(ApiCalled)] == [(400, None)]


@pytest.mark.rules("R1")
@pytest.mark.parametrize("to", MALFORMED[:4], ids=["upper", "short", "long", "nonhex"])
def test_R1_user_for_hash_also_checks_the_format(world, to):
    """R1: looking a hash up checks it too."""
    _raises(MalformedHashError, lambda: world.user_for_hash(to), "malformed destination")


# ---------------------------------------------------------------- R3: phone numbers


@pytest.mark.rules("R3")
@pytest.mark.parametrize("number", ["abc", "", "12", "+1", "+999123456789", 819012345678])
def test_R3_add_user_with_a_bad_number_is_an_invalid_phone_number_error(sim, number):
    """R3: InvalidPhoneNumberError names the input; the user is not added."""
    error = _raises(InvalidPhoneNumberError, lambda: sim.add_user("x", number), f"invalid phone number {number!r}")
    assert error.value == number and error.why
    assert "x" not in sim.users


@pytest.mark.rules("R3")
def test_R3_a_region_that_cannot_read_a_national_form_is_named(sim):
    """R3: with an unknown region, the error names it."""
    _raises(InvalidPhoneNumberError, lambda: sim.add_user("x", "090-1234-5678", region="XX"), "'XX'")


# ---------------------------------------------------------------- screens and actions (R13-R19)


@pytest.mark.rules("R17", "R13")
@pytest.mark.parametrize("action, kwargs", [
    ("agree", {}), ("reject", {}), ("send_sms", {}), ("confirm_sms", {}), ("change_number", {}),
    ("enter_pin", {"pin": "123456"}), ("enter_number", {"number": TARO}), ("resend_sms", {}), ("cancel", {}),
])
def test_R17_R13_an_action_on_the_wrong_screen_names_the_screen_and_what_it_offers(world, action, kwargs):
    """R13/R17: on the chat list these actions are refused; the message names the screen and the actions there."""
    world.send_text("shop", sha(HANAKO), "hello")  # Flow C: a phone_auth message to tap Set on
    before = len(world.log)
    error = _raises(ActionNotAllowedError, lambda: world.do("hanako", action, **kwargs),
                    f"action {action!r}", "user 'hanako'", "on screen 'chats'", "available there: ",
                    "open_phone_auth", "settings_consent")
    assert error.screen == "chats" and error.action == action
    assert error.allowed == world.available_actions("hanako")
    assert len(world.log) == before  # nothing happened


@pytest.mark.rules("R17", "R18")
def test_R17_R18_on_the_pin_screen_only_pin_resend_and_cancel_are_offered(world):
    """R17/R18: the PIN screen refuses chat-list actions, naming 'pin_entry' and its three actions."""
    world.send_text("shop", sha(HANAKO), "hello")
    for action in ("open_phone_auth", "send_sms", "confirm_sms"):
        world.do("hanako", action)
    error = _raises(ActionNotAllowedError, lambda: world.settings_consent("hanako", "rejected"),
                    "on screen 'pin_entry'", "available there: enter_pin, resend_sms, cancel")
    assert error.allowed == ["enter_pin", "resend_sms", "cancel"]


@pytest.mark.rules("R13", "R15")
def test_R13_R15_set_without_a_setup_or_phone_auth_message_explains_why(world):
    """R13/R15: tapping Set needs the message that carries it; the error says what is missing."""
    _raises(ActionNotAllowedError, lambda: world.open_consent("hanako"), "no 'setup' message")
    _raises(ActionNotAllowedError, lambda: world.open_phone_auth("hanako"), "no 'phone_auth' message")


@pytest.mark.rules("R17", "R5")
def test_R17_R5_send_sms_ok_without_a_registered_number_is_refused(world):
    """R17 needs a number: after R5 took it away, OK in the SMS dialog is refused with the reason."""
    world.send_text("shop", sha(HANAKO), "hello")  # leaves a phone_auth message
    add_user(world, "taro", TARO, consent="agreed")
    change_number(world, "taro", HANAKO)
    world.open_phone_auth("hanako")
    world.send_sms("hanako")
    _raises(ActionNotAllowedError, lambda: world.confirm_sms("hanako"), "no registered phone number",
            "on screen 'sms_confirm'")


@pytest.mark.rules("R27")
def test_R27_per_official_account_actions_say_why_they_are_refused(world):
    """R27: blocking twice, unblocking what is not blocked, adding a friend twice are refused."""
    world.add_official_account("bank")
    world.block("hanako", "shop")
    _raises(ActionNotAllowedError, lambda: world.block("hanako", "shop"), "already blocked")
    _raises(ActionNotAllowedError, lambda: world.unblock("hanako", "bank"), "not blocked")
    _raises(ActionNotAllowedError, lambda: world.say("hanako", "shop", "hi"), "blocked")
    world.add_friend("hanako", "bank")
    _raises(ActionNotAllowedError, lambda: world.add_friend("hanako", "bank"), "already a friend")


def test_an_unknown_action_lists_the_actions(world):
    """An action the app does not have: UnknownActionError listing every action."""
    error = _raises(UnknownActionError, lambda: world.do("hanako", "fly"), "unknown action 'fly'",
                    "enter_pin", "settings_consent")
    assert error.action == "fly" and isinstance(error, ValueError)


@pytest.mark.parametrize("action, kwargs, parts", [
    ("enter_pin", {}, ["'enter_pin' needs pin"]),
    ("enter_number", {}, ["'enter_number' needs number"]),
    ("say", {"oa": "shop"}, ["'say' needs text"]),
    ("block", {}, ["'block' needs oa"]),
    ("agree", {"pin": "1"}, ["'agree' takes no arguments", "pin"]),
    ("enter_pin", {"pin": "1", "oa": "shop"}, ["takes pin", "not oa"]),
])
def test_missing_or_unexpected_arguments_are_named(world, action, kwargs, parts):
    """Action arguments (the PIN, the OA, the text): MissingArgumentError naming the argument."""
    _raises(MissingArgumentError, lambda: world.do("hanako", action, **kwargs), *parts)


@pytest.mark.rules("R21", "I4")
@pytest.mark.parametrize("value", ["not_set", "yes", ""])
def test_R21_I4_settings_consent_takes_only_agreed_or_rejected(world, value):
    """R21/I4: Settings switches between agreed and rejected only; the message names the bad value."""
    _raises(InvalidValueError, lambda: world.settings_consent("hanako", value), "'agreed' or 'rejected'", repr(value))
    assert world.user("hanako").consent == "agreed"


# ---------------------------------------------------------------- R22/R23: the clock


@pytest.mark.rules("R23")
def test_R23_advance_by_a_negative_amount_is_refused_and_nothing_moves(world):
    """R23: the clock only moves forward; the error names the amount; no event is logged."""
    before = (world.now, len(world.log))
    _raises(ClockWentBackwardsError, lambda: world.advance(timedelta(seconds=-1)), "negative", "-1 day, 23:59:59")
    assert (world.now, len(world.log)) == before
    assert world.log.of_type(ClockAdvanced) == []


@pytest.mark.rules("R23")
def test_R23_advance_to_an_earlier_time_is_refused_naming_both_times(world):
    """R23: ``advance_to`` into the past names the current and the asked-for time."""
    world.advance(timedelta(hours=1))
    now = world.now
    earlier = now - timedelta(seconds=1)
    error = _raises(ClockWentBackwardsError, lambda: world.advance_to(earlier), now.isoformat(), earlier.isoformat())
    assert isinstance(error, ValueError) and world.now == now


@pytest.mark.parametrize("call", [
    lambda s: s.advance_to(datetime(2026, 4, 2, 9, 0)),
    lambda s: s.add_user("x", TARO, created_at=datetime(2020, 1, 1)),
    lambda s: s.add_user("x", TARO, sms_verified_at=datetime(2026, 1, 1)),
    lambda s: s.add_user("x", TARO, phone_changed_at=datetime(2026, 1, 1)),
    lambda s: Simulation(start=datetime(2026, 4, 1, 9, 0)),
])
def test_naive_datetimes_are_refused(world, call):
    """The R11/R22 boundaries need aware times: a naive datetime is a NaiveDatetimeError saying so."""
    _raises(NaiveDatetimeError, lambda: call(world), "has no UTC offset")
    assert "x" not in world.users


@pytest.mark.rules("R23")
def test_R23_advance_with_something_other_than_a_timedelta_is_a_clear_error(world):
    """R23: ``advance(5)`` should say that a timedelta is expected."""
    _raises(InvalidValueError, lambda: world.advance(5), "expected a timedelta")


# ---------------------------------------------------------------- R29: content errors are answers, not exceptions


@pytest.mark.rules("R29")
def test_R29_an_unknown_template_key_is_a_400_answer_not_an_exception(world):
    """R29: the API answers 400 naming the key; no exception reaches the caller."""
    result = world.send_template("shop", sha(HANAKO), "no_such_template")
    assert result.status == 400
    assert result.body() == {"message": "The request body has 1 error(s)", "details": [
        {"message": "unknown template key 'no_such_template' for country JP", "property": "templateKey"}]}


# ---------------------------------------------------------------- values outside their allowed sets


@pytest.mark.parametrize("call, parts", [
    (lambda s: s.add_user("x", TARO, consent="maybe"), ["'maybe'", "consent", "'not_set'", "'agreed'"]),
    (lambda s: s.add_user("x", TARO, language="fr"), ["'fr'", "language", "'ja'", "'th'", "'zh'"]),
    (lambda s: s.add_user("x", TARO, app_version=15), ["app_version", "15"]),
    (lambda s: s.add_official_account("us", country="US"), ["'US'", "country", "'JP'", "'TH'", "'TW'"]),
    (lambda s: s.advance(5), ["5", "expected a timedelta"]),
    (lambda s: s.advance_to("2026-04-02"), ["'2026-04-02'", "expected an aware datetime"]),
])
def test_bad_enumerated_values_are_invalid_value_errors_naming_what_is_allowed(world, call, parts):
    """R21 consent states, R24 languages, OA countries, clock arguments: InvalidValueError naming the
    argument, the bad value and what is allowed (never pydantic's ValidationError or a bare TypeError)."""
    error = _raises(InvalidValueError, lambda: call(world), *parts)
    assert isinstance(error, ValueError) and isinstance(error, TypeError)
    assert "x" not in world.users and "us" not in world.official_accounts


def test_a_single_official_account_id_passed_as_blocked_is_not_split_into_characters(world):
    """``blocked="shop"`` / ``friends="shop"`` (a str, not a list) mean that one id (documented in add_user)."""
    user = world.add_user("x", TARO, blocked="shop")
    assert user.blocked == {"shop"} and user.friends == set()
    other = world.add_user("y", "+818000005679", friends="shop")
    assert other.friends == {"shop"}
    _raises(UnknownOfficialAccountError, lambda: world.add_user("z", "+818000005670", blocked="mall"), "'mall'")


def test_R26_daily_count_refuses_an_unknown_message_kind(world):
    """R26 counts flexible and template messages; any other kind is a mistake, not a zero."""
    _raises(InvalidValueError, lambda: world.daily_count("shop", "bogus", START.date()), "'bogus'",
            "'flexible' or 'template'")
    assert world.daily_count("shop", "template", START.date()) == 0
