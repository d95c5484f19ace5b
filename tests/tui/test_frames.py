"""A step is drawn whole in its first frame: the frames Textual adds after it change nothing.

bench/tui.py times a step to the last frame that changes a cell of the
terminal.  These pin why that is the step's first frame: the app holds the
screen's updates until the step's new widgets are mounted (a card used to
appear empty, an app screen without its buttons), the chat follows its
newest bubble in the same layout (anchor, not ``scroll_end`` after the
frame), and the event log scrolls to its newest line at once.
"""

from __future__ import annotations

import pytest
from textual.screen import Screen

from flowsim.tui.app import FlowsimApp
from flowsim.tui.widgets.phone import ChatView

from .conftest import SCENARIOS, picture


@pytest.fixture
def frames(monkeypatch) -> list:
    """The picture after each update Textual writes to the terminal (none while updates are batched)."""
    pictures: list = []
    original = Screen._compositor_refresh

    def recording(screen: Screen) -> None:
        original(screen)
        if screen.is_current and not screen.app._batch_count:
            pictures.append(picture(screen))

    monkeypatch.setattr(Screen, "_compositor_refresh", recording)
    return pictures


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_the_first_frame_is_the_complete_first_screen(frames, size):
    """The side panes show their lines, and the tabs their underline, in the first frame drawn."""
    app = FlowsimApp(SCENARIOS / "accounts" / "global_consent.yaml")
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.2)
        await pilot.pause(0.2)
        assert frames
        assert frames[0] == picture(app.screen)
        if size == (120, 40):
            assert "hanako" in app.query_one("#inspector").lines[0].text  # the inspector is not empty


@pytest.mark.parametrize("scenario", [
    "accounts/global_consent.yaml",        # system cards, notification bubbles, a second account
    "flow_b/flow_b_consent_then_sms.yaml",  # consent screen, SMS dialog, PIN entry
    "phone_change/change_via_settings.yaml",  # settings, number entry
])
async def test_each_step_first_frame_is_its_final_picture(frames, scenario):
    app = FlowsimApp(SCENARIOS / scenario)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.1)
        steps = len(app.session.steps)
        assert steps >= 6
        for index in range(steps):
            frames.clear()
            await pilot.press("n")
            await pilot.pause(0.1)
            await pilot.pause(0.1)  # Textual's follow-up layouts (new widgets' sizes, scrollbars)
            assert app.session.position == index + 1
            assert frames, f"step {index + 1} drew no frame"
            final = picture(app.screen)
            assert frames[0] == final, f"step {index + 1}: its first frame was not complete"


async def test_a_short_chat_stays_at_the_top_and_a_long_one_follows_its_newest(frames):
    app = FlowsimApp(SCENARIOS / "accounts" / "global_consent.yaml")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.1)
        chat = app.query_one(ChatView)
        overflowed = False
        while not app.session.done:
            await pilot.press("n")
            await pilot.pause(0.1)
            await pilot.pause(0.1)
            bubbles = chat.query(".bubble")
            if not bubbles or not chat.region:  # an app screen covers the chats
                continue
            if chat.max_scroll_y == 0:
                assert chat.scroll_y == 0
                first = bubbles.first()
                assert first.region.y == chat.content_region.y + first.styles.margin.top  # not pushed down
            else:
                overflowed = True
                assert chat.scroll_y == chat.max_scroll_y
                last = bubbles.last()
                assert last.region.bottom + last.styles.margin.bottom == chat.content_region.bottom
        assert overflowed, "the scenario never filled the chat at 80x24"


async def test_a_widget_that_does_not_mount_does_not_freeze_the_screen(monkeypatch):
    """The hold on the screen's updates ends after MOUNT_WAIT even if a widget is still mounting."""
    import asyncio

    import flowsim.tui.app
    from textual.widgets import Static

    class SlowToMount(Static):
        async def on_mount(self) -> None:
            await asyncio.sleep(1.5)

    monkeypatch.setattr(flowsim.tui.app, "MOUNT_WAIT", 0.2)
    app = FlowsimApp(SCENARIOS / "accounts" / "global_consent.yaml")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.1)
        slow = SlowToMount("slow")
        app.query_one(ChatView).mount(slow)
        app.refresh_all()
        await asyncio.sleep(0.05)  # not pilot.pause: it waits for the app to be idle, i.e. for the hold to end
        assert app._batch_count == 1  # held while the widget mounts
        await asyncio.sleep(0.5)
        assert not slow.is_mounted
        assert app._batch_count == 0  # released: the screen draws again
        await pilot.press("n")
        await pilot.pause(0.1)
        assert app.session.position == 1
