"""An ``OptionList`` whose prompts change one at a time (a step's mark, a file's status).

Why: Textual's ``replace_option_prompt_at_index`` drops the rendering of
*every* option and repaints the whole list.  The steps pane changes two marks
per step (the step that ran, the next one), so each step re-rendered every
line of the list: 8.2-8.5 ms of rendering per step at 120x40, 5.7-6.9 ms
with this class (bench/tui.py's set-up, rendering time summed by widget over
a step's 2-3 frames).  Here a replaced prompt
drops only its own option's rendering and repaints only its own lines, as
long as it keeps its height; a change of height (a wrapped label) falls back
to Textual's full refresh.

Moving the highlight likewise repaints the two options it leaves and
reaches, not the whole list (Textual's ``highlighted`` repaints the widget):
a step moves it, and the steps list was the widget re-rendered most per step.

This leans on ``OptionList`` internals (its render cache keyed by option, and
the line index); tests/tui/test_marked_list.py fails if a Textual release
changes them.
"""

from __future__ import annotations

from typing import cast

from textual.css.styles import RulesMap
from textual.reactive import reactive
from textual.widgets import OptionList


class MarkedOptionList(OptionList):
    """``replace_option_prompt_at_index`` and a move of the highlight repaint only the options they change."""

    highlighted: reactive[int | None] = reactive(None, repaint=False)

    # Textual passes (old, new) to a watcher that takes two: the override is wider than OptionList's.
    def watch_highlighted(self, previous: int | None, highlighted: int | None) -> None:  # type: ignore[override]
        super().watch_highlighted(highlighted)
        for index in (previous, highlighted):
            line = self._index_to_line.get(index) if index is not None else None
            if index is None or line is None:
                self.refresh()  # not laid out yet: let Textual paint it all
                return
            self.refresh_lines(line, self._heights[index])

    def _replace_option_prompt(self, index: int, prompt) -> None:  # noqa: ANN001 - Textual's VisualType
        option = self.get_option_at_index(index)
        line = self._index_to_line.get(index)
        height = self._heights.get(index)
        option._set_prompt(prompt)
        cache = self._option_render_cache
        for key in [key for key in cache.keys() if key[0] is option]:
            cache.discard(key)
        if line is None or height is None or not self.scrollable_content_region:
            self._clear_caches()
            return
        padding = self.get_component_styles("option-list--option").padding
        width = self.scrollable_content_region.width - self._get_left_gutter_width() - padding.width
        # Styles serve as the rules map (Textual's own OptionList casts them the same way).
        if self._get_visual(option).get_height(cast(RulesMap, self.styles), width) + option._divider != height:
            self._clear_caches()
            return
        self.refresh_lines(line, height)
