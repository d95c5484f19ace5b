"""The help screen: what the TUI shows, and every key (generated from the app's bindings)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

if TYPE_CHECKING:
    from ..app import FlowsimApp

INTRO = """\
# flowsim TUI

Step through a scenario file and watch each user's **LINE app**: the "LINE"
chat with its system cards (**Set**), the official accounts' chats (the
*Important notification* label), the consent and SMS screens, the SMS inbox
and Settings. Everything you do yourself — taps, clock moves, sends — is
recorded as scenario steps (**explore mode**, marked ✎); *Save* writes them,
with the world and `expect` steps for the state reached, as a scenario file
that `flowsim run` passes. *Undo* takes the last explored step back and
*Edit step* changes or deletes the highlighted one: the run is replayed
(*Redo* brings back the run before). *New world* opens a world of your
own — users and official accounts from a small form or a template — to
explore and save.

Panes: **Steps** (✓ passed, ✗ failed, ▶ next, · not run, ✎ explored) ·
**Library** (the `*.yaml` files under PATH) · **Phone** · **Inspector**
(user state, every message with the rule that decided it) · **Events**
(`sim.log`) · **Assert** (expected vs actual for the highlighted step).
On a small terminal the panes beside the phone are tabs.

The command palette (`ctrl+p`) lists every command below, and the taps the
phone offers now.

## Keys
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close")]
    AUTO_FOCUS = "#help-body"

    def compose(self) -> ComposeResult:
        lines = [INTRO, "| key | action |", "| --- | --- |"]
        app = cast("FlowsimApp", self.app)  # the one app that opens this screen
        for binding in app.BINDINGS:
            if isinstance(binding, Binding):
                key = app.key_label(binding)
                lines.append(f"| `{key}` | {binding.description} |")
        with VerticalScroll(id="help-body"):
            yield Markdown("\n".join(lines))
