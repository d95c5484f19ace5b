"""A scrolling pane that shows one Rich renderable at a time (the inspector, the assertion panel).

Why not a ``Static`` in a ``VerticalScroll``: when a ``Static``'s content
changes height, Textual lays the screen out twice (once for the ``Static``,
once more because its size changed), and a step would cost two full frames.
A ``RichLog`` owns its scrolling: replacing its lines changes only its virtual
size, one layout pass.  The renderable is kept so that a change of width
(a resized terminal, the narrow layout) wraps it again.
"""

from __future__ import annotations

from rich.console import RenderableType
from textual import events

from .pane_log import PaneLog


class Document(PaneLog):
    """Replaces its whole content with :meth:`show_renderable`; re-wraps on resize."""

    def __init__(self, **kwargs) -> None:
        super().__init__(wrap=True, markup=False, min_width=20, auto_scroll=False, **kwargs)
        self._renderable: RenderableType | None = None
        self._width = 0

    def show_renderable(self, renderable: RenderableType) -> None:
        self._renderable = renderable
        self.clear()
        self.write(renderable, scroll_end=False)
        self.scroll_home(animate=False, immediate=True)

    def on_resize(self, event: events.Resize) -> None:
        width = self.scrollable_content_region.width
        if width != self._width:
            self._width = width
            if self._renderable is not None and self.lines:
                self.show_renderable(self._renderable)
