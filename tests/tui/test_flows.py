"""Flows A, B, C and the phone-number change, end to end through key presses and clicks.

The built-in default world (no scenario files under PATH) has three users:
hanako (consent not set, old account → Flow B), ken (not set, new account →
Flow A) and yui (agreed, SMS validity ran out → Flow C).  Its three steps
send one message to each.
"""

from __future__ import annotations

import pytest

from flowsim.tui.app import FlowsimApp
from flowsim.tui.widgets.phone import Phone

from .conftest import click, phone_text, visible_buttons

SIZES = [(120, 40), (80, 24)]


async def _start(pilot, user: str) -> FlowsimApp:
    app = pilot.app
    await pilot.press("n", "n", "n")  # the three sends
    while app.user_id != user:
        await pilot.press("u")
    await pilot.pause()
    return app


async def _enter_pin(pilot, pin: str) -> None:
    await click(pilot, "#pin-input")
    await pilot.press(*pin)
    await click(pilot, "#btn-enter_pin")


async def _see_notification(pilot) -> str:
    await click(pilot, "#chip-oa-0")
    return phone_text(pilot.app)


@pytest.mark.parametrize("size", SIZES)
async def test_flow_b_consent_then_sms(empty_dir, size):
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=size) as pilot:
        await _start(pilot, "hanako")
        shown = phone_text(app)
        assert "Set up to get LINE notification messages" in shown
        assert "Settings for getting LINE notification messages" in shown
        assert "Phone number authentication" in shown
        assert visible_buttons(app)[:2] == ["open_consent", "open_phone_auth"]

        await click(pilot, ".set-consent")
        assert app.session.sim.user("hanako").screen == "consent"
        assert set(visible_buttons(app)) == {"agree", "reject", "cancel"}
        await click(pilot, "#btn-agree")
        assert app.session.sim.user("hanako").consent == "agreed"
        assert app.session.sim.message("m1").status == "pending"  # still waits for SMS (R14)

        await click(pilot, ".set-phone_auth")
        assert "+818000001234" in phone_text(app)
        await click(pilot, "#btn-send_sms")
        assert "Send an SMS to +818000001234?" in phone_text(app)
        assert set(visible_buttons(app)) == {"confirm_sms", "cancel", "change_number"}
        await click(pilot, "#btn-confirm_sms")
        pin = app.session.sim.last_pin("hanako")
        assert f"Your verification code is {pin}" in phone_text(app)

        wrong = "000000" if pin != "000000" else "111111"
        await _enter_pin(pilot, wrong)
        assert "The PIN is incorrect" in phone_text(app)
        assert app.session.sim.user("hanako").screen == "pin_entry"

        await _enter_pin(pilot, pin)
        assert app.session.sim.user("hanako").screen == "chats"
        assert app.session.sim.message("m1").status == "delivered"
        shown = await _see_notification(pilot)
        assert "Important notification" in shown
        assert "Your parcel ships today" in shown
        # every tap became an explored step
        assert [s.get("do") for s in app.session.explored] == [
            "open_consent", "agree", "open_phone_auth", "send_sms", "confirm_sms", "enter_pin", "enter_pin"]
        assert app.session.explored[-1]["pin"] == "last"


@pytest.mark.parametrize("size", SIZES)
async def test_flow_a_consent_only(empty_dir, size):
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=size) as pilot:
        await _start(pilot, "ken")
        shown = phone_text(app)
        assert "Settings for getting LINE notification messages" in shown
        assert "open_phone_auth" not in visible_buttons(app)  # one section only (R13)
        await click(pilot, ".set-consent")
        await click(pilot, "#btn-agree")
        assert app.session.sim.message("m2").status == "delivered"
        chat = [m.kind for m in app.session.sim.user("ken").line_chat]
        assert chat == ["received", "setup", "received"]
        shown = await _see_notification(pilot)
        assert "Important notification" in shown and "Your order is confirmed" in shown


@pytest.mark.parametrize("size", SIZES)
async def test_flow_c_sms_only(empty_dir, size):
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=size) as pilot:
        await _start(pilot, "yui")
        assert "Phone number authentication" in phone_text(app)
        # R15's card is titled once: its Set row does not repeat the title (ChatMessage.set_rows)
        assert phone_text(app).count("Phone number authentication") == 1
        assert "open_consent" not in visible_buttons(app)
        await click(pilot, ".set-phone_auth")
        await click(pilot, "#btn-send_sms")
        await click(pilot, "#btn-confirm_sms")
        await _enter_pin(pilot, app.session.sim.last_pin("yui"))
        assert app.session.sim.message("m3").status == "delivered"
        shown = await _see_notification(pilot)
        assert "Important notification" in shown and "Your appointment is tomorrow" in shown
        # the SMS inbox shows the PIN
        await click(pilot, "#chip-sms")
        assert app.session.sim.last_pin("yui") in phone_text(app)


@pytest.mark.parametrize("size", SIZES)
async def test_phone_number_change_from_sms_dialog(empty_dir, size):
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=size) as pilot:
        await _start(pilot, "yui")
        await click(pilot, ".set-phone_auth")
        await click(pilot, "#btn-send_sms")
        await click(pilot, "#btn-change_number")
        assert app.session.sim.user("yui").screen == "number_entry"
        # an unparsable number is refused on the entry screen (R19)
        await click(pilot, "#number-input")
        await pilot.press(*"12")
        await click(pilot, "#btn-enter_number")
        assert "Invalid phone number" in phone_text(app)
        await click(pilot, "#number-input")
        await pilot.press("end", "ctrl+u", *"+818011112222")
        await click(pilot, "#btn-enter_number")
        assert app.session.sim.user("yui").screen == "pin_entry"
        assert "+818011112222" in phone_text(app)
        await _enter_pin(pilot, app.session.sim.last_pin("yui"))
        user = app.session.sim.user("yui")
        assert user.phone == "+818011112222"
        assert "Your phone number has been changed" in phone_text(app)
        assert app.session.sim.message("m3").status == "delivered"  # R19: exempt after the change


async def test_phone_number_change_from_settings(empty_dir):
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        while app.user_id != "ken":
            await pilot.press("u")
        await click(pilot, "#chip-settings")
        assert "Consent: not_set" in phone_text(app)
        await click(pilot, "#set-change-number")
        await click(pilot, "#number-input")
        await pilot.press(*"08011113333")  # national form, region of the current number (JP)
        await pilot.press("enter")
        await pilot.pause()
        await _enter_pin(pilot, app.session.sim.last_pin("ken"))
        assert app.session.sim.user("ken").phone == "+818011113333"
        await click(pilot, "#chip-line")
        assert "Your phone number has been changed" in phone_text(app)
        # Settings › consent switch, block/unblock per official account
        await click(pilot, "#chip-settings")
        await click(pilot, "#set-consent-rejected")
        assert app.session.sim.user("ken").consent == "rejected"
        await click(pilot, "#set-block-0")
        assert "shop" in app.session.sim.user("ken").blocked
        assert "unblock" in visible_buttons(app) and "block" not in visible_buttons(app)


async def test_clock_keys_and_countdowns(empty_dir):
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        status = app.query_one("#status").content.plain
        assert "parcel ⏳1d00h" in status
        await pilot.press("h")
        assert "parcel ⏳23h00m" in app.query_one("#status").content.plain
        await pilot.press("d")
        assert app.session.sim.message("m1").status == "expired"
        assert [s for s in app.session.explored] == [{"advance": "1h"}, {"advance": "1d"}]
        await pilot.press("w", "m", "H")
        assert [s["advance"] for s in app.session.explored[2:]] == ["7d", "180d", "24h"]


async def test_hidden_views_are_built_when_first_shown(empty_dir):
    """The first screen composes no widgets for the app screens, settings or OA bar (they are hidden).

    They appear, working, the first time the phone shows them (a Set tap, the
    Settings chip, an official account's chat).
    """
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        for view in ("#app-screen", "#settings", "#oa-bar"):
            assert not app.query_one(view).children, view
        await _start(pilot, "hanako")
        await click(pilot, ".set-consent")
        assert set(visible_buttons(app)) == {"agree", "reject", "cancel"}
        assert len(app.query("#app-screen ActionButton")) == 9
        await click(pilot, "#btn-cancel")
        await click(pilot, "#chip-settings")
        assert "Consent: not_set" in phone_text(app)
        assert app.query_one("#settings").children
        assert not app.query_one("#oa-bar").children
        await click(pilot, "#chip-oa-0")
        assert app.query_one("#oa-bar").display and app.query_one("#oa-bar").children


async def test_a_system_card_is_complete_in_the_step_that_posts_it(empty_dir):
    """The card's Set buttons are on the phone as soon as the step has run, not a frame or two later."""
    from flowsim.tui.widgets.phone import SystemCard

    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.action_next_step()  # hanako (Flow B) gets a message: a setup card appears
        # The step's batch scheduled one repaint, run right after the key's message (before any frame).
        assert app._repaint_pending
        app._repaint()
        cards = list(app.query(SystemCard))
        assert cards
        assert [b.action_name for b in cards[-1].query(".set-button")] == ["open_consent", "open_phone_auth"]
