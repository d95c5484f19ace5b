"""Issue 15, the exploration's confusions: names in the panes, explored steps where they ran, a new world,
undo and editing of explored steps — each driven through the keyboard (Textual's pilot)."""

from __future__ import annotations

from flowsim.tui.app import FlowsimApp
from flowsim.tui.widgets.inspector import Inspector
from flowsim.tui.widgets.status import StatusLine

from .conftest import text_of


def pane_text(app: FlowsimApp, widget_type) -> str:
    return "\n".join(strip.text.rstrip() for strip in app.query_one(widget_type).lines)


# ---------------------------------------------------------------------- the scenario's names for messages


async def test_inspector_and_status_line_call_messages_by_the_scenarios_names(empty_dir):
    app = FlowsimApp(empty_dir)  # the default world: `as: parcel`, `as: order`, `as: appointment`
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n", "n")
        await pilot.press("s")  # an explored send: its name is the one the TUI gave it
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        inspector = pane_text(app, Inspector)
        assert "parcel (m1) pending shop→hanako" in inspector
        assert "order (m2) " in inspector
        assert "explored1 (m3) " in inspector
        assert "m1 pending" not in inspector
        assert "parcel ⏳1d00h explored1 ⏳1d00h" in text_of(app.query_one(StatusLine))
