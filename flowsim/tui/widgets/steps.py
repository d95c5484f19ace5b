"""The open scenario's steps with pass / fail / pending marks, then the explored steps."""

from __future__ import annotations

from rich.text import Text
from textual.widgets.option_list import Option

from ..session import step_label
from .marked_list import MarkedOptionList

MARKS = {"pass": ("✓", "green"), "fail": ("✗", "bold red"), "next": ("▶", "bold yellow"),
         "pending": ("·", "dim"), "explored": ("✎", "cyan")}


class StepList(MarkedOptionList):
    """File steps (marked) followed by explored steps; highlight one to see its result."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._prompts: list[str] = []
        self._flow_session = None

    def _prompt(self, index: int, raw: dict, state: str) -> Text:
        mark, style = MARKS[state]
        line = Text()
        line.append(f"{mark} ", style=style)
        line.append(f"{index + 1:>2} ", style="dim")
        line.append(step_label(raw), style="dim" if state == "pending" else "")
        return line

    def update_steps(self, session) -> None:
        """Replace only the prompts whose mark changed; append explored steps."""
        rebuild = session is not self._flow_session
        self._flow_session = session
        wanted: list[tuple[str, Text]] = []
        for index, raw in enumerate(session.steps):
            result = session.results.get(index)
            if result is not None:
                state = "pass" if result.ok else "fail"
            elif index == session.position and not session.explored:
                state = "next"
            else:
                state = "pending"
            prompt = self._prompt(index, raw, state)
            wanted.append((f"{state}|{index}", prompt))
        base = len(session.steps)
        for offset, raw in enumerate(session.explored):
            wanted.append((f"explored|{offset}", self._prompt(base + offset, raw, "explored")))
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
        target: int | None
        if session.explored:
            target = len(keys) - 1
        elif session.results:
            target = min(max(session.results), len(keys) - 1)
        else:
            target = 0 if keys else None
        if target != self.highlighted:  # the highlight watcher scrolls it into view
            self.highlighted = target
