"""A ``RichLog`` for a pane of fixed size: new lines repaint it, they do not re-lay the screen out.

Textual declares ``Widget.virtual_size`` with ``layout=True``: any widget
whose scrollable size changes asks its parent for a layout, because an
``auto``-sized widget would grow.  The side panes (inspector, events,
assertions) are cells of the screen's grid (``1fr``): their content never
changes their size.  Yet every step wrote to them, so every step re-laid
out the whole ``#main`` grid and re-rendered every widget in it (measured
with bench/tui.py; see docs/tui.md).  Here a new scrollable size only
updates the pane's scrollbars and repaints it.  A scrollbar that appears or
goes still asks for a layout (its gutter changes the pane's content width).
"""

from __future__ import annotations

from textual.events import Resize
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import RichLog


class PaneLog(RichLog):
    """A ``RichLog`` whose size is set by the layout, never by its content (``height``/``width`` not auto).

    ``sized`` turns true on the first resize with a width: ``RichLog`` keeps
    what is written before that and renders it then (it needs the width to
    wrap), so until then the pane shows nothing of it.  The app holds its
    first frame for that (``FlowsimApp._hold_first_frame``).
    """

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
    sized = False

    def on_resize(self, event: Resize) -> None:
        # Textual calls this class's handler, then RichLog's (which writes the deferred lines), in one dispatch.
        if event.size.width:
            self.sized = True

    def watch_virtual_size(self, size: Size) -> None:
        self._scroll_update(size)
        self.refresh()
