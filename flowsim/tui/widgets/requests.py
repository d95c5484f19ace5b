"""The sandbox's traffic as it happens: each request to LINE's endpoints and each webhook attempt.

Shown by ``flowsim tui --serve`` (``flowsim serve --tui``), fed by the
sandbox's listeners (``flowsim/sandbox/attach.py``): one row per request
(its time, method, path, official account, status and LINE's message for
an error) and one per webhook attempt (the event's type, the account, the
attempt's number, redelivery or not, its status or error, how long it took
and the delivery's state after it).  The widget takes plain values, so it
knows nothing of the sandbox's classes.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime

from rich.text import Text
from textual.events import Resize

from .pane_log import PaneLog

#: Rows kept (the oldest are dropped; the counts in the title stay exact).
KEEP = 2000


def _status_style(status: int | None) -> str:
    if status is None or status >= 500:
        return "bold red"
    if status >= 400:
        return "yellow"
    return "green"


class RequestLog(PaneLog):
    """One row per request and per webhook attempt, newest at the bottom; ``rows`` has their plain text."""

    def __init__(self, **kwargs) -> None:
        super().__init__(wrap=True, markup=False, max_lines=KEEP, min_width=20, **kwargs)
        self._texts: deque[Text] = deque(maxlen=KEEP)
        self._width = 0
        self.requests = 0
        self.attempts = 0

    @property
    def rows(self) -> list[str]:
        return [text.plain for text in self._texts]

    def add_request(self, at: datetime, method: str, path: str, oa: str | None, status: int,
                    message: str | None = None) -> None:
        self.requests += 1
        line = Text(f"{at:%H:%M:%S} ", style="dim")
        line.append(f"{method} {path} ", style="bold cyan")
        line.append(f"{oa or '-'} ")
        line.append(f"→ {status}", style=_status_style(status))
        if message:
            line.append(f" {message}", style="dim")
        self._add(line)

    def add_attempt(self, at: datetime, event_type: str, oa: str, number: int, redelivery: bool,
                    status: int | None, error: str | None, ms: float, state: str) -> None:
        self.attempts += 1
        ok = status is not None and 200 <= status < 300
        line = Text(f"{at:%H:%M:%S} ", style="dim")
        line.append(f"webhook {event_type} ", style="magenta")
        line.append(f"→ {oa} #{number}{' redelivery' if redelivery else ''} ")
        line.append(str(status) if error is None else error, style="green" if ok else _status_style(status))
        line.append(f" {ms:.0f} ms; {state}", style="dim")
        self._add(line)

    def _add(self, line: Text) -> None:
        self._texts.append(line)
        self.border_subtitle = (f"{self.requests} request{'' if self.requests == 1 else 's'} · "
                                f"{self.attempts} webhook attempt{'' if self.attempts == 1 else 's'}")
        if self.size.width:  # else written on the resize that gives it a width (a hidden pane)
            self.write(line, scroll_end=False)
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def on_resize(self, event: Resize) -> None:
        width = self.scrollable_content_region.width
        if width and width != self._width:
            self.clear()
            for line in self._texts:
                self.write(line, scroll_end=False)
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        self._width = width
