"""MarkedOptionList: a replaced prompt repaints only its own option, and shows the new text."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets.option_list import Option

from flowsim.tui.widgets.marked_list import MarkedOptionList

from .conftest import picture


class ListApp(App):
    def compose(self) -> ComposeResult:
        yield MarkedOptionList(*(Option(f"· step {i}") for i in range(5)))


def lines(widget: MarkedOptionList) -> list[str]:
    return [widget.render_line(y).text.rstrip() for y in range(5)]


async def test_replaced_prompt_is_shown_and_others_keep_their_rendering():
    app = ListApp()
    async with app.run_test(size=(30, 8)) as pilot:
        widget = app.query_one(MarkedOptionList)
        await pilot.pause()
        before = {i: widget._get_option_render(widget.get_option_at_index(i), widget.get_visual_style(
            "option-list--option")) for i in (0, 2)}
        widget.replace_option_prompt_at_index(1, "✓ step 1")
        await pilot.pause()
        assert lines(widget) == ["· step 0", "✓ step 1", "· step 2", "· step 3", "· step 4"]
        # The untouched options were not rendered again (the same cached strips).
        for i, strips in before.items():
            again = widget._get_option_render(widget.get_option_at_index(i), widget.get_visual_style(
                "option-list--option"))
            assert again is strips


async def test_a_prompt_that_changes_height_relays_the_list_out():
    app = ListApp()
    async with app.run_test(size=(30, 8)) as pilot:
        widget = app.query_one(MarkedOptionList)
        await pilot.pause()
        widget.replace_option_prompt_at_index(0, "✗ step 0\n  two lines")
        await pilot.pause()
        assert lines(widget) == ["✗ step 0", "  two lines", "· step 1", "· step 2", "· step 3"]


async def test_moving_the_highlight_repaints_the_two_options_and_shows_the_same_as_a_full_repaint():
    app = ListApp()
    async with app.run_test(size=(30, 8)) as pilot:
        widget = app.query_one(MarkedOptionList)
        widget.focus()
        await pilot.pause()
        before = picture(app.screen)
        for target in (3, 1, 4, 0):
            cached = dict(widget._styles_cache._cache)  # the widget's rendered lines, by y
            widget.highlighted = target
            await pilot.pause()
            rendered_again = [y for y, strip in widget._styles_cache._cache.items() if cached.get(y) is not strip]
            assert len(rendered_again) == 2  # the option left and the option reached
            shown = picture(app.screen)
            assert shown != before  # the move shows
            widget.refresh()  # Textual's way: every line again
            await pilot.pause()
            assert picture(app.screen) == shown
            before = shown
