"""The event log: API calls, chat messages, SMS, webhooks, counts (``sim.log``, ``describe()``)."""

from __future__ import annotations

from rich.text import Text

from .pane_log import PaneLog

KIND_STYLES = {
    "api_called": "bold cyan", "webhook": "magenta", "count": "blue", "sms": "yellow",
    "message_delivered": "bold green", "message_discarded": "red", "message_expired": "red",
    "message_unmatched": "dim", "message_pending": "yellow", "user_acted": "", "clock": "dim",
    "consent_changed": "green", "sms_verified": "green", "pin_rejected": "bold red",
    "chat_message": "", "phone_changed": "green", "phone_removed": "red", "number_refused": "red",
}


class EventLog(PaneLog):
    """Appends the events logged since the last update."""

    def __init__(self, **kwargs) -> None:
        super().__init__(wrap=True, markup=False, max_lines=5000, min_width=20, **kwargs)
        self._log = None
        self._seen = 0

    def update_events(self, sim) -> None:
        if sim.log is not self._log:
            self._log = sim.log
            self._seen = 0
            self.clear()
        new = sim.log.since(self._seen)
        self._seen = len(sim.log)
        for event in new:
            line = Text(f"{event.at:%m-%d %H:%M} ", style="dim")
            line.append(event.describe(), style=KIND_STYLES.get(event.kind, ""))
            self.write(line, scroll_end=False)
        if new:
            # Now, not after the next frame (RichLog's way): a pane log's scrollable size is
            # already up to date (PaneLog), and the step's frame then shows the newest lines.
            self.scroll_end(animate=False, immediate=True, x_axis=False)
