"""Each decision constant of ``flowsim/decisions.py`` is read where its decision lives.

A test here flips one constant (monkeypatch) and sees the behaviour change,
so "a decision is a one-line edit" is checked, not promised.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from flowsim.engine import InvalidPhoneNumberError, Simulation, decisions, phone

from .helpers import HANAKO, START, TARO, add_user, agree_consent, change_number, new_sim, sha, verify_sms, wrong_pin


def _thai_user() -> Simulation:
    sim = Simulation(start=START)
    sim.add_official_account("shop")
    sim.add_user("somchai", "+66812345678")
    return sim


@pytest.mark.rules("R19", "R3")
@pytest.mark.parametrize("flag, expected", [(True, "+66898765432"), (False, "+81898765432")])
def test_R19_NEW_NUMBER_IN_CURRENT_REGION_decides_how_a_national_form_is_read(monkeypatch, flag, expected):
    """R19 (decision), R3: a Thai user's ``089-876-5432`` is Thai; flipped, it is read in JP (Matsuyama's 089)."""
    monkeypatch.setattr(decisions, "NEW_NUMBER_IN_CURRENT_REGION", flag)
    sim = _thai_user()
    change_number(sim, "somchai", "089-876-5432")
    assert sim.user("somchai").phone == expected


@pytest.mark.parametrize("flag, status", [(True, 403), (False, 400)])
def test_TEMPLATE_PERMISSION_BEFORE_CONTENT_decides_which_refusal_a_bad_template_gets(monkeypatch, flag, status):
    """(decision) An account without the template endpoint sending a malformed body: 403 first, or 400 flipped."""
    monkeypatch.setattr(decisions, "TEMPLATE_PERMISSION_BEFORE_CONTENT", flag)
    sim = Simulation(start=START)
    sim.add_official_account("shop", templates="not_allowed")
    sim.add_user("hanako", HANAKO, consent="agreed", created_at=START)
    assert sim.send_template("shop", sha(HANAKO), "no_such_template").status == status
    assert sim.send_template("shop", sha(HANAKO), "shipment_completed_ja").status == 403, "a good body: 403 both ways"


@pytest.mark.rules("R29")
@pytest.mark.parametrize("flag, status", [(True, 400), (False, 202)])
def test_R29_TEMPLATE_BUTTON_KEYS_UNIQUE_refuses_a_repeated_button_key(monkeypatch, flag, status):
    """R29 (decision): the same button key twice in one template is a 400; flipped, it is accepted (202)."""
    monkeypatch.setattr(decisions, "TEMPLATE_BUTTON_KEYS_UNIQUE", flag)
    sim = Simulation(start=START)
    sim.add_official_account("shop")
    sim.add_user("hanako", HANAKO, consent="agreed", created_at=START)
    button = {"buttonKey": "check_delivery_status_ja", "url": "https://example.com/track"}
    result = sim.send_template("shop", sha(HANAKO), "shipment_completed_ja", {"buttons": [button, button]})
    assert result.status == status
    if status == 400:
        assert result.details[0]["property"] == "body.buttons[1].buttonKey"


@pytest.mark.rules("R6", "R9")
@pytest.mark.parametrize("order, status, reason", [
    (("R4", "R6", "R8", "R9"), 200, "blocked"),
    (("R4", "R9", "R8", "R6"), 422, "consent_rejected"),
])
def test_R6_R9_DISCARD_CHECK_ORDER_decides_what_a_blocked_and_rejected_user_is_answered(monkeypatch, order, status,
                                                                                        reason):
    """R6/R9 (decision): a blocked OA hides a rejected consent (200, blocked); R9 first makes it 422."""
    monkeypatch.setattr(decisions, "DISCARD_CHECK_ORDER", order)
    sim = Simulation(start=START)
    sim.add_official_account("shop")
    sim.add_user("hanako", HANAKO, consent="rejected", blocked="shop")
    result = sim.send_text("shop", sha(HANAKO), "hi")
    assert (result.status, sim.message(result.message_id).reason) == (status, reason)


# ---------------------------------------------------------------- every other constant, flipped

@pytest.mark.rules("R11")
@pytest.mark.parametrize("days, required", [(180, True), (400, False)])
def test_R11_SMS_VALIDITY_is_how_long_an_exemption_lasts(monkeypatch, days, required):
    """R11: an account of 200 days needs SMS under 180 days of validity, not under 400."""
    monkeypatch.setattr(decisions, "SMS_VALIDITY", timedelta(days=days))
    sim = new_sim()
    sim.add_user("hanako", HANAKO, created_at=START - timedelta(days=200))
    assert sim.sms_required("hanako") is required


@pytest.mark.rules("R22")
@pytest.mark.parametrize("hours, status", [(24, "expired"), (48, "pending")])
def test_R22_PENDING_WINDOW_is_when_a_pending_message_expires(monkeypatch, hours, status):
    """R22: after 30 hours a Flow A message has expired under 24 hours, not under 48."""
    monkeypatch.setattr(decisions, "PENDING_WINDOW", timedelta(hours=hours))
    sim = new_sim()
    add_user(sim, "hanako", HANAKO)
    sent = sim.send_text("shop", sha(HANAKO), "hi")
    sim.advance(timedelta(hours=30))
    assert sim.message(sent.message_id).status == status


@pytest.mark.rules("R22", "R15")
@pytest.mark.parametrize("flag, status", [(True, "expired"), (False, "pending")])
def test_R22_R15_WINDOW_APPLIES_TO_SMS_WAIT_lets_a_message_waiting_for_sms_expire(monkeypatch, flag, status):
    """R22 (decision), R15 Flow C: a message waiting only for SMS expires after 24 h; flipped, it waits on."""
    monkeypatch.setattr(decisions, "WINDOW_APPLIES_TO_SMS_WAIT", flag)
    sim = new_sim()
    add_user(sim, "hanako", HANAKO, consent="agreed", sms=True)
    sent = sim.send_text("shop", sha(HANAKO), "hi")
    sim.advance(timedelta(hours=25))
    assert sim.message(sent.message_id).status == status


@pytest.mark.rules("R3")
@pytest.mark.parametrize("strictness, ok", [("possible", True), ("valid", False)])
def test_R3_NUMBER_MUST_BE_VALID_decides_whether_an_unallocated_test_number_is_accepted(monkeypatch, strictness, ok):
    """R3: +81 99 1234 5678 has the right length (possible) but no allocated block (valid)."""
    monkeypatch.setattr(decisions, "NUMBER_MUST_BE_VALID", strictness)
    try:
        phone.normalise("+819912345678", "JP")
    except InvalidPhoneNumberError:
        accepted = False
    else:
        accepted = True
    assert accepted is ok


@pytest.mark.rules("R3")
@pytest.mark.parametrize("region, e164", [("JP", "+81812345678"), ("TH", "+66812345678")])
def test_R3_DEFAULT_REGION_reads_national_forms_when_nothing_else_says(monkeypatch, region, e164):
    """R3: ``081-234-5678`` given without a region is read in DEFAULT_REGION."""
    monkeypatch.setattr(decisions, "DEFAULT_REGION", region)
    sim = Simulation(start=START)
    assert sim.add_user("u", "081-234-5678").phone == e164


@pytest.mark.rules("R5", "R19")
@pytest.mark.parametrize("flag, holder_phone", [(True, None), (False, TARO)])
def test_R5_NUMBER_CHANGE_TAKES_OVER_removes_the_number_from_its_old_holder(monkeypatch, flag, holder_phone):
    """R5 (decision), R19: taking taro's number leaves taro without one; flipped, taro keeps it."""
    monkeypatch.setattr(decisions, "NUMBER_CHANGE_TAKES_OVER", flag)
    sim = new_sim()
    add_user(sim, "hanako", HANAKO)
    add_user(sim, "taro", TARO)
    change_number(sim, "hanako", TARO)
    assert sim.user("taro").phone == holder_phone


@pytest.mark.rules("R5")
@pytest.mark.parametrize("reason", ["no_number", "country"])
def test_R5_NO_NUMBER_REASON_names_the_discard_of_a_message_whose_user_lost_the_number(monkeypatch, reason):
    """R5: taro's pending message is discarded when hanako takes his number, with this reason."""
    monkeypatch.setattr(decisions, "NO_NUMBER_REASON", reason)
    sim = new_sim()
    add_user(sim, "hanako", HANAKO)
    add_user(sim, "taro", TARO)
    sent = sim.send_text("shop", sha(TARO), "hi")
    change_number(sim, "hanako", TARO)
    assert (sim.message(sent.message_id).status, sim.message(sent.message_id).reason) == ("discarded", reason)


@pytest.mark.rules("R7")
@pytest.mark.parametrize("flag, status", [(True, "discarded"), (False, "pending")])
def test_R7_BLOCK_DISCARDS_PENDING_discards_a_blocked_accounts_waiting_message(monkeypatch, flag, status):
    """R7 (decision): blocking the OA discards its pending message at once; flipped, it waits on."""
    monkeypatch.setattr(decisions, "BLOCK_DISCARDS_PENDING", flag)
    sim = new_sim()
    add_user(sim, "hanako", HANAKO)
    sent = sim.send_text("shop", sha(HANAKO), "hi")
    sim.block("hanako", "shop")
    assert sim.message(sent.message_id).status == status


@pytest.mark.rules("R11", "I1")
@pytest.mark.parametrize("flag, prompts", [(True, 1), (False, 0)])
def test_I1_PROMPT_PHONE_AUTH_WHEN_SMS_BECOMES_REQUIRED_posts_a_phone_auth(monkeypatch, flag, prompts):
    """I1, R11: an exemption runs out while a message waits for consent: a new phone_auth, or none when flipped."""
    monkeypatch.setattr(decisions, "PROMPT_PHONE_AUTH_WHEN_SMS_BECOMES_REQUIRED", flag)
    sim = new_sim()
    sim.add_user("hanako", HANAKO, created_at=START - timedelta(days=179, hours=23))
    sim.send_text("shop", sha(HANAKO), "hi")
    sim.advance(timedelta(hours=2))
    agree_consent(sim, "hanako")
    assert [m.kind for m in sim.user("hanako").line_chat].count("phone_auth") == prompts


@pytest.mark.rules("R17")
@pytest.mark.parametrize("digits", [6, 4])
def test_R17_PIN_DIGITS_is_the_length_of_a_pin(monkeypatch, digits):
    """R17: the SMS carries a PIN of PIN_DIGITS digits, which verifies."""
    monkeypatch.setattr(decisions, "PIN_DIGITS", digits)
    sim = new_sim()
    add_user(sim, "hanako", HANAKO, consent="agreed", sms=True)
    sim.send_text("shop", sha(HANAKO), "hi")
    verify_sms(sim, "hanako")
    assert len(sim.user("hanako").sms_inbox[-1].pin) == digits and not sim.sms_required("hanako")


def _on_the_pin_screen() -> Simulation:
    """Flow C (R15) up to the PIN screen: a message waits for SMS, the first PIN has been sent."""
    sim = new_sim()
    add_user(sim, "hanako", HANAKO, consent="agreed", sms=True)
    sim.send_text("shop", sha(HANAKO), "hi")
    sim.open_phone_auth("hanako")
    sim.send_sms("hanako")
    sim.confirm_sms("hanako")
    return sim


@pytest.mark.rules("R18")
@pytest.mark.parametrize("flag, screen", [(True, "pin_entry"), (False, "chats")])
def test_R18_WRONG_PIN_STAYS_keeps_the_pin_screen_after_a_wrong_pin(monkeypatch, flag, screen):
    """R18 (decision): a wrong PIN stays on the PIN screen with an error; flipped, back to the chats."""
    monkeypatch.setattr(decisions, "WRONG_PIN_STAYS", flag)
    sim = _on_the_pin_screen()
    sim.enter_pin("hanako", wrong_pin(sim.last_pin("hanako")))
    assert sim.user("hanako").screen == screen


@pytest.mark.rules("R18")
@pytest.mark.parametrize("flag, old_pin_works", [(True, False), (False, True)])
def test_R18_RESEND_INVALIDATES_OLD_PIN_makes_the_first_pin_stop_working(monkeypatch, flag, old_pin_works):
    """R18 (decision): after Resend the first PIN is refused; flipped, it still verifies."""
    monkeypatch.setattr(decisions, "RESEND_INVALIDATES_OLD_PIN", flag)
    sim = _on_the_pin_screen()
    first = sim.last_pin("hanako")
    sim.resend_sms("hanako")
    if sim.last_pin("hanako") == first:  # pragma: no cover - the seeded PINs differ
        pytest.skip("the two PINs happen to be equal")
    sim.enter_pin("hanako", first)
    assert (not sim.sms_required("hanako")) is old_pin_works


@pytest.mark.rules("R27")
@pytest.mark.parametrize("flag, friend", [(True, True), (False, False)])
def test_R27_UNBLOCK_MAKES_FRIEND_makes_an_unblocking_user_a_friend(monkeypatch, flag, friend):
    """R27: unblocking sends follow and (flowsim) makes the user a friend; flipped, not a friend."""
    monkeypatch.setattr(decisions, "UNBLOCK_MAKES_FRIEND", flag)
    sim = new_sim()
    add_user(sim, "hanako", HANAKO, blocked="shop")
    sim.unblock("hanako", "shop")
    assert ("shop" in sim.user("hanako").friends) is friend


@pytest.mark.rules("R28")
@pytest.mark.parametrize("allowed, status", [(frozenset({"text", "sticker", "flex"}), 200), (frozenset({"text"}), 400)])
def test_R28_FLEXIBLE_ALLOWED_TYPES_decides_which_message_objects_are_accepted(monkeypatch, allowed, status):
    """R28: a sticker is accepted among the allowed types; without it, a 400."""
    monkeypatch.setattr(decisions, "FLEXIBLE_ALLOWED_TYPES", allowed)
    sim = new_sim()
    add_user(sim, "hanako", HANAKO, consent="agreed")
    sticker = {"type": "sticker", "packageId": "446", "stickerId": "1988"}
    assert sim.send_flexible("shop", sha(HANAKO), [sticker]).status == status


@pytest.mark.rules("R28")
@pytest.mark.parametrize("refused, status", [(frozenset({"image", "video", "icon"}), 400), (frozenset({"image", "video"}), 200)])
def test_R28_FLEX_MEDIA_COMPONENTS_refuses_an_icon_in_a_flex_message(monkeypatch, refused, status):
    """R28 (decision): a flex bubble with an icon is a 400; without ``icon`` in the set, accepted."""
    monkeypatch.setattr(decisions, "FLEX_MEDIA_COMPONENTS", refused)
    sim = new_sim()
    add_user(sim, "hanako", HANAKO, consent="agreed")
    flex = {"type": "flex", "altText": "x", "contents": {"type": "bubble", "body": {
        "type": "box", "layout": "baseline", "contents": [{"type": "icon", "url": "https://example.com/i.png"},
                                                         {"type": "text", "text": "hi"}]}}}
    assert sim.send_flexible("shop", sha(HANAKO), [flex]).status == status


@pytest.mark.rules("R12", "R16")
@pytest.mark.parametrize("fallback, start", [("en", "LINE notification message received"), ("ja", "LINE通知メッセージ")])
def test_R12_SYSTEM_TEXT_FALLBACK_LANGUAGE_is_what_a_thai_app_shows(monkeypatch, fallback, start):
    """R12/R16: a Thai app's ``received`` is in the fallback language."""
    monkeypatch.setattr(decisions, "SYSTEM_TEXT_FALLBACK_LANGUAGE", fallback)
    sim = new_sim()
    add_user(sim, "hanako", HANAKO, consent="agreed", language="th")
    sim.send_text("shop", sha(HANAKO), "hi")
    assert sim.user("hanako").line_chat[0].text.startswith(start)


@pytest.mark.rules("R12", "R16")
def test_R12_SYSTEM_TEXT_FALLBACK_LANGUAGE_flipped_within_one_process_is_read_at_the_next_post(monkeypatch):
    """R12/R16: the system texts are composed once per kind and language (texts.chat_text); the decision is part of that."""
    texts = []
    for fallback in ("en", "ja", "en"):
        monkeypatch.setattr(decisions, "SYSTEM_TEXT_FALLBACK_LANGUAGE", fallback)
        sim = new_sim()
        add_user(sim, "hanako", HANAKO, consent="not_set", language="th")
        sim.send_text("shop", sha(HANAKO), "hi")
        texts.append([m.text for m in sim.user("hanako").line_chat])
    assert texts[0] == texts[2] != texts[1]
    assert texts[0][0].startswith("LINE notification message received") and "LINE通知メッセージ" in texts[1][1]


@pytest.mark.rules("R24")
@pytest.mark.parametrize("minimum, labelled", [((15, 9, 0), False), ((15, 0, 0), True)])
def test_R24_LABEL_MIN_APP_VERSION_is_the_first_app_version_with_the_label(monkeypatch, minimum, labelled):
    """R24: app 15.5.0 shows no label below 15.9.0's minimum, and does with 15.0.0's."""
    monkeypatch.setattr(decisions, "LABEL_MIN_APP_VERSION", minimum)
    sim = new_sim()
    add_user(sim, "hanako", HANAKO, consent="agreed", app_version="15.5.0")
    sim.send_text("shop", sha(HANAKO), "hi")
    assert bool(sim.user("hanako").chats["shop"][0].label) is labelled


def test_every_decision_constant_has_a_flip_test_here():
    """Each constant of decisions.py is monkeypatched by a test in this file."""
    import ast
    from pathlib import Path

    constants = {n for n in vars(decisions) if n.isupper()}
    source = Path(__file__).read_text(encoding="utf-8")
    flipped = {node.args[1].value for node in ast.walk(ast.parse(source))
               if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "setattr"
               and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)}
    assert constants - flipped == set()
