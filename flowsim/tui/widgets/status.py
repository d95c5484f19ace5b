"""The status line: simulated time, the run's progress, live countdowns."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from .inspector import countdown


class StatusLine(Static):
    """Simulated clock · step n/N ✓ ✗ · explored · the user's 24-hour windows and SMS validity."""

    def show(self, session, user_id: str | None) -> None:
        sim = session.sim
        text = Text()
        text.append(f" 🕘 {sim.now:%Y-%m-%d %H:%M %a} ", style="bold reverse")
        total = len(session.steps)
        text.append(f" step {min(session.position, total)}/{total} ")
        text.append(f"✓{session.passed} ", style="green")
        text.append(f"✗{session.failed} ", style="bold red" if session.failed else "dim")
        if session.explored:
            text.append(f"✎{len(session.explored)} ", style="cyan")
        text.append("│ ", style="dim")
        if user_id is None:  # a world of only unmatched sends (R2) has no user
            self.update(text, layout=False)
            return
        until = sim.sms_exempt_until(user_id)
        if sim.sms_required(user_id):
            text.append("SMS required ", style="yellow")
        elif until is not None:
            text.append(f"SMS ok {countdown(until - sim.now)} ", style="green")
        names = session.message_names  # the scenario's name for a message, as the inspector shows it
        for msg in sim.pending_for(user_id):
            text.append(f"{names.get(msg.id, msg.id)} ⏳{countdown(sim.expires_at(msg.id) - sim.now)} ", style="yellow")
        self.update(text, layout=False)  # one line, fixed height: no reflow
