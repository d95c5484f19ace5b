"""The scenario library: every scenario file under PATH, with its last known result."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.widgets.option_list import Option

from .marked_list import MarkedOptionList

STATUS_MARKS = {"pass": ("✓", "green"), "fail": ("✗", "bold red"), "error": ("!", "bold red"),
                "pending": ("·", "dim"), None: (" ", "")}


class Library(MarkedOptionList):
    """Scenario files; select one to open it."""

    def __init__(self, root: Path, files: list[Path], **kwargs) -> None:
        super().__init__(**kwargs)
        self.root = root
        self.files = files
        self.status: dict[Path, str | None] = {f: None for f in files}
        self.current: Path | None = None

    def on_mount(self) -> None:
        self.add_options([Option(self._prompt(f), id=str(i)) for i, f in enumerate(self.files)])
        if not self.files:
            self.add_option(Option(Text("(no scenario files)", style="dim"), disabled=True))

    def display_name(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root if self.root.is_dir() else self.root.parent))
        except ValueError:
            return str(path)

    def _prompt(self, path: Path) -> Text:
        mark, style = STATUS_MARKS[self.status.get(path)]
        text = Text()  # one line, ellipsis: `#library` in flowsim.tcss (OptionList ignores Text's own no_wrap)
        text.append(f"{mark} ", style=style)
        text.append(self.display_name(path), style="bold" if path == self.current else "")
        return text

    def clear_current(self) -> None:
        """No file is open (a new world): the one that was is no longer shown as the current one."""
        old, self.current = self.current, None
        if old is not None:
            self.replace_option_prompt_at_index(self.files.index(old), self._prompt(old))

    def set_status(self, path: Path, status: str | None, current: bool | None = None) -> None:
        if path not in self.status:
            return
        if current:
            old = self.current
            self.current = path
            if old is not None and old != path:
                self.replace_option_prompt_at_index(self.files.index(old), self._prompt(old))
        if self.status[path] != status or current:
            self.status[path] = status
            self.replace_option_prompt_at_index(self.files.index(path), self._prompt(path))
