"""Helpers for driving the TUI with Textual's Pilot."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import Static

from flowsim.tui.app import FlowsimApp

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
#: A scenario file with a deliberately failing expect.
FAILING = ROOT / "tests" / "tui" / "data" / "failing"


def text_of(widget) -> str:
    """The plain text a Static shows."""
    content = widget.content
    return content.plain if isinstance(content, Text) else str(content)


def phone_text(app: FlowsimApp) -> str:
    """Everything the phone shows now (visible widgets only), one line per Static."""
    phone = app.query_one("#phone")
    lines = []
    for widget in phone.query(Static):
        if widget.display and all(a.display for a in widget.ancestors if hasattr(a, "display")):
            if widget.__class__.__name__ in ("Button", "ActionButton"):
                continue
            lines.append(text_of(widget))
    return "\n".join(lines)


def visible_buttons(app: FlowsimApp) -> list[str]:
    """Labels of the phone's visible action buttons."""
    from flowsim.tui.widgets.phone import ActionButton

    out = []
    for button in app.query_one("#phone").query(ActionButton):
        if all(node.display for node in [button, *button.ancestors] if hasattr(node, "display")):
            out.append(button.action_name)
    return out


def picture(screen) -> list[list[tuple]]:
    """What the terminal shows of ``screen``: every line's segments, text and style."""
    return [[(segment.text, segment.style) for segment in strip] for strip in screen._compositor.render_strips()]


async def click(pilot, selector: str) -> None:
    await pilot.click(selector)
    await pilot.pause()


@pytest.fixture
def empty_dir(tmp_path: Path) -> Path:
    """A PATH without scenario files: the app opens its built-in default world."""
    d = tmp_path / "none"
    d.mkdir()
    return d


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Run ``async def`` tests of this folder with asyncio (no async plugin needed)."""
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
        asyncio.run(pyfuncitem.obj(**args))
        return True
    return None
