"""The assertion panel (expected against actual, as `flowsim run` prints it) and the library's broken files."""

from __future__ import annotations

import pytest

from flowsim.tui.app import FlowsimApp
from flowsim.tui.widgets.assertions import AssertionPanel

from .conftest import FAILING


def panel_text(app: FlowsimApp) -> str:
    return "\n".join(strip.text.rstrip() for strip in app.query_one(AssertionPanel).lines)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_failed_expect_shows_every_mismatch(size):
    """A failed line_chat / consent check (R13 card vs phone_auth) is shown, not a crash."""
    app = FlowsimApp(FAILING)
    async with app.run_test(size=size) as pilot:
        await pilot.press("f", "a")  # run to the failure, show the Assert pane
        await pilot.pause()
        text = panel_text(app)
        assert "✗ failed" in text
        assert "✗ line_chat\n  expected [received, phone_auth]\n  actual   [received, setup]" in text
        assert "✗ consent\n  expected agreed\n  actual   not_set" in text
        assert "✓ message  {parcel: pending}" in text


async def test_highlighting_another_step_shows_it():
    app = FlowsimApp(FAILING)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f")
        await pilot.pause()
        app.query_one("#steps").highlighted = 0
        await pilot.pause()
        text = panel_text(app)
        assert text.startswith("Step 1: send shop")
        assert "✓ passed" in text


async def test_a_broken_file_in_the_library_is_marked_and_explained(tmp_path):
    """Opening a file that does not load keeps the open scenario and says file:line:col why."""
    from flowsim.tui.widgets.library import Library

    (tmp_path / "a_good.yaml").write_text((FAILING / "mismatch.yaml").read_text())
    (tmp_path / "b_broken.yaml").write_text("name: x\nsteps:\n  - do: agre\n")
    app = FlowsimApp(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.current_path.name == "a_good.yaml"
        assert not await app.open_scenario(tmp_path / "b_broken.yaml")
        await pilot.pause()
        assert app.current_path.name == "a_good.yaml"
        assert app.query_one(Library).status[tmp_path / "b_broken.yaml"] == "error"
        (note,) = [n for n in app._notifications if n.title == "Cannot open scenario"]
        assert "b_broken.yaml:3:" in note.message and "did you mean 'agree'" in note.message


async def test_library_shows_one_line_per_file_however_long_the_name(tmp_path):
    """A long file name ends in an ellipsis; it does not wrap into the next file's row."""
    from flowsim.tui.widgets.library import Library

    long_name = "a_scenario_with_a_rather_long_descriptive_file_name.yaml"
    for name in (long_name, "b.yaml"):
        (tmp_path / name).write_text((FAILING / "mismatch.yaml").read_text())
    app = FlowsimApp(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        library = app.query_one(Library)
        rows = [library.render_line(y).text.rstrip() for y in range(2)]
        assert rows[0].endswith("…") and rows[0].lstrip("✓✗!· ").startswith("a_scenario_with")
        assert rows[1].lstrip("✓✗!· ") == "b.yaml"


async def test_side_panes_repaint_without_relaying_the_screen_out(empty_dir):
    """New lines in the event log ask for no layout once it scrolls (its size is the grid's); it still scrolls."""
    from flowsim.tui.widgets.eventlog import EventLog

    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n", "n", "n")  # three sends: the log overflows and has its scrollbar
        await pilot.pause()
        log = app.query_one(EventLog)
        assert log.show_vertical_scrollbar
        layouts = []
        original = log.refresh

        def refresh(*regions, layout=False, **kwargs):
            layouts.append(layout)
            return original(*regions, layout=layout, **kwargs)

        log.refresh = refresh
        lines = len(log.lines)
        await pilot.press("H")  # +24h: more events
        await pilot.pause()
        assert len(log.lines) > lines and layouts
        assert True not in layouts
        assert log.scroll_y == log.max_scroll_y > 0  # it shows its newest lines
