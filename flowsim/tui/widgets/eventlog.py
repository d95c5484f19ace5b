"""The event log: API calls, chat messages, SMS, webhooks, counts (``sim.log``, ``describe()``)."""

from __future__ import annotations

from collections import deque

from rich.text import Text
from textual.events import Resize

from .pane_log import PaneLog

KIND_STYLES = {
    "api_called": "bold cyan", "webhook": "magenta", "count": "blue", "sms": "yellow",
    "message_delivered": "bold green", "message_discarded": "red", "message_expired": "red",
    "message_unmatched": "dim", "message_pending": "yellow", "user_acted": "", "clock": "dim",
    "consent_changed": "green", "sms_verified": "green", "pin_rejected": "bold red",
    "chat_message": "", "phone_changed": "green", "phone_removed": "red", "number_refused": "red",
}


class EventLog(PaneLog):
    """Appends the events logged since the last update.

    ``RichLog`` wraps a line once, at the width it has when written, and a
    hidden pane has none (it then wraps at ``min_width``, 20 columns).  So
    while the pane has no width it only remembers the simulation, and writes
    when it is laid out; a new width (a resized terminal, the other layout)
    wraps the lines it keeps again.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(wrap=True, markup=False, max_lines=5000, min_width=20, **kwargs)
        self._log = None
        self._seen = 0
        self._sim = None
        self._texts: deque[Text] = deque(maxlen=5000)
        self._width = 0

    def update_events(self, sim) -> None:
        self._sim = sim
        if not self.size.width:
            return  # hidden, or not laid out yet: written on the resize that gives it a width
        if sim.log is not self._log:
            self._log = sim.log
            self._seen = 0
            self._texts.clear()
            self.clear()
        new = sim.log.since(self._seen)
        self._seen = len(sim.log)
        for event in new:
            line = Text(f"{event.at:%m-%d %H:%M} ", style="dim")
            line.append(event.describe(), style=KIND_STYLES.get(event.kind, ""))
            self._texts.append(line)
            self.write(line, scroll_end=False)
        if new:
            # Now, not after the next frame (RichLog's way): a pane log's scrollable size is
            # already up to date (PaneLog), and the step's frame then shows the newest lines.
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def on_resize(self, event: Resize) -> None:
        width = self.scrollable_content_region.width
        if not width:
            return
        if width != self._width and self._width and self._texts:
            self.clear()
            for line in self._texts:
                self.write(line, scroll_end=False)
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        self._width = width
        if self._sim is not None:
            self.update_events(self._sim)
