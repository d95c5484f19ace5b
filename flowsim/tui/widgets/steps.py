"""The open scenario's steps with pass / fail / pending marks, the explored steps where they ran.

The rows are the session's (:meth:`Session.rows`): what ran, in the order it
ran, then the file steps not run yet.  A file step keeps its number in the
file (``3``); an explored step is numbered in the order it was made
(``e1``, ``e2``), as the edit and undo commands name it.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets.option_list import Option

from ..session import step_label
from ..trail import EXPLORED, FILE
from .marked_list import MarkedOptionList

MARKS = {"pass": ("✓", "green"), "fail": ("✗", "bold red"), "next": ("▶", "bold yellow"),
         "pending": ("·", "dim"), "explored": ("✎", "cyan")}


class StepList(MarkedOptionList):
    """What ran (file steps marked, explored steps where they ran), then the steps to run; highlight one to
    see it in the assertion panel."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._prompts: list[str] = []
        self._flow_session = None
        #: What each row shows: ``(FILE, index)`` or ``(EXPLORED, n)`` (the n-th explored step, from 0).
        self.entries: list[tuple[str, int]] = []
        self._followed: tuple[object, ...] = ()

    def _prompt(self, number: str, raw: dict, state: str) -> Text:
        mark, style = MARKS[state]
        line = Text()
        line.append(f"{mark} ", style=style)
        line.append(f"{number:>2} ", style="dim")
        line.append(step_label(raw), style="dim" if state == "pending" else "")
        return line

    def entry_at(self, row: int | None) -> tuple[str, int] | None:
        """What row ``row`` shows (None: no such row)."""
        return self.entries[row] if row is not None and 0 <= row < len(self.entries) else None

    def row_of(self, entry: tuple[str, int]) -> int | None:
        return self.entries.index(entry) if entry in self.entries else None

    def update_steps(self, session) -> None:
        """Replace only the prompts that changed (a mark, an edited step); add and drop rows at the end."""
        rebuild = session is not self._flow_session
        self._flow_session = session
        wanted: list[tuple[str, Text]] = []
        entries: list[tuple[str, int]] = []
        explored = 0
        for row in session.rows():
            if row.kind == EXPLORED:
                state, number, entry = "explored", f"e{explored + 1}", (EXPLORED, explored)
                explored += 1
            else:
                result = session.results.get(row.index)
                if result is not None:
                    state = "pass" if result.ok else "fail"
                else:
                    state = "next" if row.index == session.position else "pending"
                number, entry = str(row.index + 1), (FILE, row.index)
            prompt = self._prompt(number, row.raw, state)
            wanted.append((f"{state}|{number}|{prompt.plain}", prompt))
            entries.append(entry)
        self.entries = entries
        keys = [k for k, _ in wanted]
        if rebuild or len(keys) < len(self._prompts):
            self.clear_options()
            self.add_options([Option(p) for _, p in wanted])
            self._prompts = keys
        else:
            for index, (key, prompt) in enumerate(wanted):
                if index >= len(self._prompts):
                    self.add_option(Option(prompt))
                    self._prompts.append(key)
                elif self._prompts[index] != key:
                    self.replace_option_prompt_at_index(index, prompt)
                    self._prompts[index] = key
        # The highlight follows the step that ran last (else the first) when the run moved; a repaint that
        # only shows another pane or user leaves it where the person put it (to read or edit that step).
        moved = (id(session), id(session.trail), len(session.trail))
        if moved == self._followed and self.highlighted is not None:
            return
        self._followed = moved
        target: int | None = len(session.trail) - 1 if session.trail else (0 if keys else None)
        if target != self.highlighted:  # the highlight watcher scrolls it into view
            self.highlighted = target
