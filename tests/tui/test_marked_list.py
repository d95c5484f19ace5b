"""MarkedOptionList: a replaced prompt repaints only its own option, and shows the new text."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets.option_list import Option

from flowsim.tui.widgets.marked_list import MarkedOptionList


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
