"""docs/tui.md lists every key binding of the app, as the footer shows it, and nothing else."""

from __future__ import annotations

import re

from textual.binding import Binding

from flowsim.tui.app import FlowsimApp

from .conftest import ROOT


def documented_keys() -> list[tuple[str, str]]:
    text = (ROOT / "docs" / "tui.md").read_text(encoding="utf-8")
    section = text.split("## Keys", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (`.+?`) \| (.+?) \|$", section, flags=re.M)
    return [(keys.replace("`", ""), action) for keys, action in rows]


async def test_docs_list_every_binding_in_order():
    app = FlowsimApp(ROOT / "scenarios")
    async with app.run_test(size=(120, 40)):
        bindings = [(app.key_label(b), b.description) for b in app.BINDINGS if isinstance(b, Binding)]
    assert documented_keys() == bindings


async def test_every_binding_is_in_the_footer_and_the_palette():
    """Every action key is shown (escape only moves focus back) and offered as a command."""
    app = FlowsimApp(ROOT / "scenarios")
    async with app.run_test(size=(120, 40)):
        hidden = [b.key for b in app.BINDINGS if not b.show]
        commands = {c.title for c in app.get_system_commands(app.screen)}
        labels = {b.key: app.key_label(b) for b in app.BINDINGS}
    assert hidden == ["escape"]
    for binding in app.BINDINGS:
        if binding.action not in ("quit", "unfocus"):
            assert f"{binding.description} ({labels[binding.key]})" in commands
