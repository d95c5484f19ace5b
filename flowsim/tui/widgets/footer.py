"""The footer: Textual's ``Footer``, rebuilt only when the keys it shows change.

Textual's footer recomposes (26 key widgets here) on every change of focus,
because the focused widget may bring bindings of its own.  In this app focus
moves on every tap of the phone and several times while the first screen
comes up, and the footer's rebuilds were a third of the time to the first
screen (measured with ``bench/tui.py``: 670-740 ms with it, 450-480 ms with
an empty footer).  The keys shown rarely change (an ``Input`` or a button
adds only hidden ones), so this footer compares what it would show and
skips the rebuild when nothing differs.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # not exported by textual.widgets (Textual 8)


class KeyFooter(Footer):
    """A ``Footer`` that ignores binding updates which change nothing it shows.

    It also shows its keys in the first layout: Textual's footer composes
    none until the screen's first binding update and then recomposes, and
    each compact key restyles itself when its ``compact`` is bound; that was
    two more layouts of the whole screen before the first complete one
    (about 50 ms, bench/tui.py).
    """

    _shown: tuple | None = None

    def _shown_now(self, screen: Screen) -> tuple:
        return tuple(
            (binding.key, binding.action, binding.description, enabled)
            for (_node, binding, enabled, _tooltip) in screen.active_bindings.values()
            if binding.show or binding.key == self.app.COMMAND_PALETTE_BINDING
        )

    def compose(self) -> ComposeResult:
        if self._shown is None:
            self.set_reactive(Footer._bindings_ready, True)
            self._shown = self._shown_now(self.screen)
        for widget in super().compose():
            if self.compact and isinstance(widget, FooterKey):
                widget.set_class(True, "-compact", update=False)  # what its bound ``compact`` will set
            yield widget

    def bindings_changed(self, screen: Screen) -> None:
        shown = self._shown_now(screen)
        if shown == self._shown:
            return
        if screen.app.app_focus:  # Footer.bindings_changed does nothing without focus: try again later
            self._shown = shown
        super().bindings_changed(screen)
