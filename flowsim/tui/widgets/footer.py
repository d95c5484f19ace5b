"""The footer: Textual's ``Footer``, rebuilt only when the keys it shows change.

Textual's footer recomposes (26 key widgets here) on every change of focus,
because the focused widget may bring bindings of its own.  In this app focus
moves on every tap of the phone and several times while the first screen
comes up, and the footer's rebuilds were a third of the time to the first
screen (measured with ``bench/tui.py``: 670-740 ms with it, 450-480 ms with
an empty footer).  The keys shown rarely change (an ``Input`` or a button
adds only hidden ones), so this footer compares what it would show and
skips the rebuild when nothing differs.

It shows only the keys that fit its width, chosen by :data:`PRIORITY`
(Textual's footer clipped the 26 keys at every width: ``?`` and ``q`` were
never seen, and the last key peeked out past the palette's).  Every key is
in the help (``?``) and the command palette.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # not exported by textual.widgets (Textual 8)


#: The footer's keys, most wanted first (actions of the app's bindings); those that fit are shown,
#: in the bindings' order.  Keys not listed come last.
PRIORITY = ("quit", "help", "next_step", "save", "send", "next_user", "next_chat", "run_all", "restart",
            "run_to_failure", "advance('1h')", "advance('1d')", "advance('24h')", "jump", "set_date",
            "advance('7d')", "advance('180d')", "next_pane", "prev_user")


def key_width(key: FooterKey) -> int:
    """Cells a compact key takes: ``n Step`` and its right margin."""
    return cell_len(key.key_display) + 1 + cell_len(key.description) + 1


def fitting(keys: list[FooterKey], budget: int) -> list[FooterKey]:
    """The keys of highest :data:`PRIORITY` whose widths add up to at most ``budget``, in their order."""
    rank = {action: index for index, action in enumerate(PRIORITY)}
    chosen: set[int] = set()
    used = 0
    for index, key in sorted(enumerate(keys), key=lambda item: (rank.get(item[1].action, len(rank)), item[0])):
        if used + key_width(key) <= budget:
            chosen.add(index)
            used += key_width(key)
    return [key for index, key in enumerate(keys) if index in chosen]


class KeyFooter(Footer):
    """A ``Footer`` that ignores binding updates which change nothing it shows.

    It also shows its keys in the first layout: Textual's footer composes
    none until the screen's first binding update and then recomposes, and
    each compact key restyles itself when its ``compact`` is bound; that was
    two more layouts of the whole screen before the first complete one
    (about 50 ms, bench/tui.py).
    """

    _shown: tuple | None = None

    def _width(self) -> int:
        return self.size.width or self.app.size.width

    def _shown_now(self, screen: Screen) -> tuple:
        return (self._width(), *(
            (binding.key, binding.action, binding.description, enabled)
            for (_node, binding, enabled, _tooltip) in screen.active_bindings.values()
            if binding.show or binding.key == self.app.COMMAND_PALETTE_BINDING
        ))

    def compose(self) -> ComposeResult:
        if self._shown is None:
            self.set_reactive(Footer._bindings_ready, True)
            self._shown = self._shown_now(self.screen)
        widgets = list(super().compose())
        palette = [w for w in widgets if isinstance(w, FooterKey) and w.has_class("-command-palette")]
        keys = [w for w in widgets if isinstance(w, FooterKey) and w not in palette]
        budget = self._width() - sum(key_width(w) + 1 for w in palette)  # + its border
        shown = set(map(id, fitting(keys, budget)))
        for widget in widgets:
            if isinstance(widget, FooterKey):
                if widget in keys and id(widget) not in shown:
                    continue
                if self.compact:
                    widget.set_class(True, "-compact", update=False)  # what its bound ``compact`` will set
            yield widget

    def on_resize(self, event: Resize) -> None:
        """Another width fits other keys."""
        if self._shown is not None and self._shown[0] != event.size.width:
            self._shown = self._shown_now(self.screen)
            self.call_after_refresh(self.recompose)

    def bindings_changed(self, screen: Screen) -> None:
        shown = self._shown_now(screen)
        if shown == self._shown:
            return
        if screen.app.app_focus:  # Footer.bindings_changed does nothing without focus: try again later
            self._shown = shown
        super().bindings_changed(screen)
