"""Snapshots of the main screens (fixed world, start time, seed and terminal sizes).

Update with ``pytest tests/tui/test_snapshots.py --snapshot-update`` after a
deliberate change, and look at the SVGs in the report.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from flowsim.tui.app import FlowsimApp

DATA = Path(__file__).parent / "data"
NO_FILES = DATA / "no-scenarios-here"


def app_default() -> FlowsimApp:
    return FlowsimApp(NO_FILES)


async def _no_blink(pilot) -> None:
    for field in pilot.app.query(Input):
        field.cursor_blink = False


def steps(*keys):
    async def run_before(pilot) -> None:
        await pilot.press(*keys)
        await _no_blink(pilot)
        await pilot.pause()
    return run_before


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_flow_b_setup_card(snap_compare, size):
    assert snap_compare(app_default(), run_before=steps("n", "n", "n"), terminal_size=size)


def test_consent_screen_narrow(snap_compare):
    async def run_before(pilot):
        await pilot.press("n")
        await pilot.click(".set-consent")
        await pilot.pause()
    assert snap_compare(app_default(), run_before=run_before, terminal_size=(80, 24))


def test_wrong_pin_wide(snap_compare):
    async def run_before(pilot):
        app = pilot.app
        await pilot.press("n", "u", "u")  # yui: Flow C after the third send
        await pilot.press("n", "n")
        for selector in (".set-phone_auth", "#btn-send_sms", "#btn-confirm_sms"):
            await pilot.click(selector)
            await pilot.pause()
        pin = app.session.sim.last_pin("yui")
        app.query_one("#pin-input", Input).value = "000000" if pin != "000000" else "111111"
        await pilot.click("#btn-enter_pin")
        await _no_blink(pilot)
        await pilot.pause()
    assert snap_compare(app_default(), run_before=run_before, terminal_size=(120, 40))


def test_delivered_notification_and_inspector(snap_compare):
    async def run_before(pilot):
        await pilot.press("n", "u", "n")  # ken, Flow A
        await pilot.click(".set-consent")
        await pilot.pause()
        await pilot.click("#btn-agree")
        await pilot.pause()
        await pilot.click("#chip-oa-0")
        await pilot.pause()
    assert snap_compare(app_default(), run_before=run_before, terminal_size=(120, 40))


def test_failed_expect_assertion_panel(snap_compare):
    async def run_before(pilot):
        await pilot.press("f")  # run to the failure
        await pilot.pause()
    assert snap_compare(FlowsimApp(DATA / "failing"), run_before=run_before, terminal_size=(120, 40))


def test_assert_tab_narrow(snap_compare):
    async def run_before(pilot):
        await pilot.press("f", "a")
        await pilot.pause()
    assert snap_compare(FlowsimApp(DATA / "failing"), run_before=run_before, terminal_size=(80, 24))


def test_settings_narrow(snap_compare):
    async def run_before(pilot):
        await pilot.press("c", "c", "c")  # LINE → shop → SMS → Settings
        await pilot.pause()
    assert snap_compare(app_default(), run_before=run_before, terminal_size=(80, 24))


def test_help_screen(snap_compare):
    assert snap_compare(app_default(), press=["question_mark"], terminal_size=(100, 30))
