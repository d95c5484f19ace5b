"""The first screen is composed complete: no restyle or recompose of the whole screen after it.

These pin the start-up work measured by bench/tui.py: the breakpoint class
is on the screen before the first layout, and the footer shows its keys in
that layout rather than recomposing afterwards.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets._footer import FooterKey

import flowsim.tui.app
from flowsim.tui.app import FlowsimApp
from flowsim.tui.widgets.footer import KeyFooter


class RecordingApp(FlowsimApp):
    """Notes the screen's classes as composed, and every recompose of the footer."""

    CSS_PATH = Path(flowsim.tui.app.__file__).with_name(FlowsimApp.CSS_PATH)  # relative to this module otherwise

    composed_classes: frozenset[str] = frozenset()
    footer_recomposes = 0

    def compose(self):
        yield from super().compose()
        self.composed_classes = frozenset(self.screen.classes)

    async def on_mount(self) -> None:
        await super().on_mount()
        footer = self.query_one(KeyFooter)
        original = footer.recompose

        async def counting():
            self.footer_recomposes += 1
            await original()

        footer.recompose = counting  # type: ignore[method-assign]


@pytest.mark.parametrize(("size", "expected"), [((120, 40), "-wide"), ((80, 24), "-narrow")])
async def test_breakpoint_class_is_set_before_the_first_layout(empty_dir, size, expected):
    app = RecordingApp(empty_dir)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert expected in app.composed_classes
        assert app.screen.has_class(expected)  # and Textual's own Resize agrees


async def test_footer_shows_its_keys_without_recomposing(empty_dir):
    app = RecordingApp(empty_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.2)
        keys = list(app.query(FooterKey))
        assert {key.key for key in keys} >= {"n", "q"}
        assert all(key.has_class("-compact") for key in keys)
        assert app.footer_recomposes == 0
        await pilot.press("tab")  # focus moves: the keys shown do not change, nor does the footer
        await pilot.pause()
        assert app.footer_recomposes == 0


def test_flowsim_tui_pauses_the_collector_only_while_importing_and_building_the_app(monkeypatch, empty_dir):
    """`flowsim tui` imports with gc paused (faster start); the app itself runs with it on."""
    import gc

    from click.testing import CliRunner

    from flowsim.tui.command import tui

    seen = {}

    def fake_init(self, path, *, theme="flowsim"):
        seen["while building"] = gc.isenabled()

    def fake_run(self):
        seen["while running"] = gc.isenabled()

    monkeypatch.setattr(FlowsimApp, "__init__", fake_init)
    monkeypatch.setattr(FlowsimApp, "run", fake_run)
    assert gc.isenabled()
    result = CliRunner().invoke(tui, [str(empty_dir)])
    assert result.exit_code == 0, result.output
    assert seen == {"while building": False, "while running": True}
    assert gc.isenabled()
