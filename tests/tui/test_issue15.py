"""The TUI bugs of issue 15, each reproduced through the keyboard (Textual's pilot)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowsim.tui.app import FlowsimApp

from .conftest import SCENARIOS, picture, text_of


def _toasts(app) -> str:
    return "\n".join(f"{n.title}: {n.message}" for n in app._notifications)


async def _save_as(pilot, value: str) -> None:
    await pilot.press("ctrl+s")
    await pilot.pause()
    assert type(pilot.app.screen).__name__ == "Prompt"
    pilot.app.screen.query_one("#prompt-input").value = value
    await pilot.press("enter")
    await pilot.pause()


# ---------------------------------------------------------------------- 1. save onto an existing file


async def test_save_names_its_folder_and_asks_before_replacing_a_file(empty_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    existing = tmp_path / "keep.yaml"
    existing.write_text("original\n")
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n", "h")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert str(tmp_path) in text_of(app.screen.query_one("#prompt-note"))
        await pilot.press("escape")
        await pilot.pause()

        await _save_as(pilot, "keep.yaml")
        assert type(app.screen).__name__ == "Confirm", "replacing a file asks first"
        await pilot.press("enter")  # the focus is on Cancel
        await pilot.pause()
        assert existing.read_text() == "original\n"

        await _save_as(pilot, "keep.yaml")
        await pilot.press("y")
        await pilot.pause()
        assert "advance: 1h" in existing.read_text()

        await _save_as(pilot, "new.yaml")  # a new file: no question
        assert type(app.screen).__name__ != "Confirm"
        assert (tmp_path / "new.yaml").exists()


# ---------------------------------------------------------------------- 2. restart / jump drop explored steps


async def test_restart_and_jump_ask_before_dropping_explored_steps(empty_dir):
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n", "n", "h")
        assert len(app.session.explored) == 1
        await pilot.press("R")
        await pilot.pause()
        assert type(app.screen).__name__ == "Confirm"
        await pilot.press("escape")
        await pilot.pause()
        assert len(app.session.explored) == 1 and app.session.position == 2

        app.query_one("#steps").focus()
        app.query_one("#steps").highlighted = 0
        await pilot.press("enter")  # jump back to step 1
        await pilot.pause()
        assert type(app.screen).__name__ == "Confirm"
        await pilot.press("enter")  # Cancel has the focus
        await pilot.pause()
        assert len(app.session.explored) == 1 and app.session.position == 2

        await pilot.press("R")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.session.explored == [] and app.session.position == 0

        await pilot.press("n", "R")  # nothing explored: no question
        await pilot.pause()
        assert type(app.screen).__name__ != "Confirm" and app.session.position == 0


# ---------------------------------------------------------------------- 3. a stray "..." in Assert


async def test_the_assert_pane_shows_no_yaml_document_end_marker():
    app = FlowsimApp(SCENARIOS / "flow_c" / "flow_c_sms.yaml")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n", "n", "n")
        await pilot.pause()
        lines = [strip.text.strip() for strip in app.query_one("#assertions").lines]
        assert "✓ pending  1" in lines
        assert "..." not in lines


# ---------------------------------------------------------------------- 4. Events wraps at 20 columns


def _event_lines(app) -> list[str]:
    return [strip.text.rstrip() for strip in app.query_one("#events").lines]


async def test_the_events_pane_wraps_at_its_width_after_being_hidden(empty_dir):
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e", "p", "n", "n", "n", "e")
        await pilot.pause()
        events = app.query_one("#events")
        width = events.scrollable_content_region.width
        assert width > 30
        lines = _event_lines(app)
        assert len(lines) >= 9
        # wrapped at the pane's width: some line is longer than the 20 columns of the bug
        assert max(len(line) for line in lines) > 24
        assert any(line.startswith("04-01 09:00 shop → API send") for line in lines)


# ---------------------------------------------------------------------- 5. resized from 80x24 to 120x40


async def test_after_growing_to_the_wide_layout_every_pane_is_up_to_date(empty_dir):
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "n", "n")
        await pilot.pause()
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        await pilot.pause()
        inspector = [strip.text for strip in app.query_one("#inspector").lines]
        assert any("hanako" in line for line in inspector), "the inspector is not blank"
        assert any("Messages" in line for line in inspector)
        events = _event_lines(app)
        assert any("API send" in line for line in events)
        assert not any(line.strip() == "▏" for line in events)


# ---------------------------------------------------------------------- 6. the footer


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 50)])
async def test_the_footer_shows_help_and_quit_and_nothing_clipped(empty_dir, size):
    from textual.widgets._footer import FooterKey

    app = FlowsimApp(empty_dir)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        footer_line = "".join(text for text, _style in picture(app.screen)[-1])
        keys = list(app.query(FooterKey))
        shown = {key.action for key in keys}
        assert {"help", "quit", "next_step"} <= shown
        palette = next(key for key in keys if key.has_class("-command-palette"))
        for key in keys:
            region = key.region
            assert region.right <= size[0]
            if key is not palette:
                assert region.right <= palette.region.x, f"{key.key} runs under the palette"
                assert f"{key.key_display} {key.description}" in footer_line
        assert footer_line.rstrip().endswith("^p palette")
        assert "? Help" in footer_line and "q Quit" in footer_line
        if size[0] >= 120:
            assert {"run_all", "restart", "run_to_failure"} <= shown


# ---------------------------------------------------------------------- 7. focus stays on the phone


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_flow_b_by_enter_alone_focus_stays_on_the_phone(empty_dir, size):
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=size) as pilot:
        await pilot.press("n")  # hanako gets Flow B's card
        await pilot.pause()
        await pilot.press("o")  # the keys to the phone: its first Set
        await pilot.pause()
        assert app.focused.has_class("set-consent")
        await pilot.press("enter")  # Set (consent)
        await pilot.pause()
        assert app.focused.id == "btn-agree"
        await pilot.press("enter")  # Agree
        await pilot.pause()
        assert app.session.sim.user("hanako").consent == "agreed"
        assert app.focused.has_class("set-phone_auth"), f"focus went to {app.focused}"
        # the consent section is done: a check mark, no Set
        assert app.query_one(".done-consent").display and not app.query_one(".set-consent").display
        await pilot.press("enter")  # Set (phone number authentication)
        await pilot.pause()
        assert app.focused.id == "btn-send_sms"
        await pilot.press("enter", "enter")  # Send SMS, OK
        await pilot.pause()
        assert app.focused.id == "pin-input"
        await pilot.press(*app.session.sim.last_pin("hanako"), "enter")
        await pilot.pause()
        assert app.session.sim.message("m1").status == "delivered"
        assert [s.get("do") for s in app.session.explored] == [
            "open_consent", "agree", "open_phone_auth", "send_sms", "confirm_sms", "enter_pin"]


async def test_i_e_a_focus_their_panes_in_the_wide_layout(empty_dir):
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        for key, pane in (("i", "inspector"), ("e", "events"), ("a", "assertions"), ("l", "library"),
                          ("p", "steps")):
            await pilot.press(key)
            await pilot.pause()
            assert app.focused is app.query_one(f"#{pane}"), key


# ---------------------------------------------------------------------- 8. a PATH that does not exist


def test_flowsim_tui_refuses_a_path_that_does_not_exist(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from flowsim.tui.command import tui

    ran = []
    monkeypatch.setattr(FlowsimApp, "run", lambda self: ran.append(self))
    result = CliRunner().invoke(tui, [str(tmp_path / "nonexistent")])
    assert result.exit_code == 2
    assert "does not exist" in result.output and "nonexistent" in result.output
    assert ran == []
    monkeypatch.chdir(tmp_path)  # no ./scenarios: the default PATH still opens the built-in world
    assert CliRunner().invoke(tui, []).exit_code == 0 and len(ran) == 1



# ---------------------------------------------------------------------- 9. the phone's tabs, a failed save


async def test_the_phone_shows_every_tab_at_80_columns():
    app = FlowsimApp(SCENARIOS / "accounts" / "global_consent.yaml")  # two official accounts
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "n")  # "LINE ·2": the row no longer fits with the chips' padding
        await pilot.pause()
        row = app.query_one("#chips")
        assert "LINE ·2" in [chip.label for chip in row.children]
        screen_line = "".join(text for text, _style in picture(app.screen)[row.region.y])
        for chip in row.children:
            assert chip.region.right <= row.region.right, f"{chip.label} is cut"
        assert "Settings" in screen_line and "SMS" in screen_line


async def test_a_failed_save_names_the_file_not_a_temporary_one(empty_dir, tmp_path):
    app = FlowsimApp(empty_dir)
    target = tmp_path / "no-such-folder" / "x.yaml"
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("h")
        await _save_as(pilot, str(target))
        toasts = _toasts(app)
        assert "Save failed" in toasts and "x.yaml" in toasts
        assert ".tmp" not in toasts and "[Errno" not in toasts


async def test_o_in_settings_focuses_its_first_button_and_a_number_change_keeps_it_there(empty_dir):
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c", "c", "c", "o")  # LINE → shop → SMS → Settings; keys to the phone
        await pilot.pause()
        assert app.focused.id == "set-consent-agreed"
        app.query_one("#set-change-number").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused.id == "number-input"
        await pilot.press(*"+818099998888", "enter")
        await pilot.pause()
        assert app.focused.id == "pin-input"
        await pilot.press(*app.session.sim.last_pin("hanako"), "enter")
        await pilot.pause()
        assert app.session.sim.user("hanako").phone == "+818099998888"
        assert app.focused.id == "set-consent-agreed", "back on Settings, the keys stay on the phone"


# ---------------------------------------------------------------------- confusions: R re-reads an edited file


async def test_restart_reads_a_file_edited_on_disk_again(tmp_path):
    source = (SCENARIOS / "flow_c" / "flow_c_sms.yaml").read_text()
    path = tmp_path / "flow.yaml"
    path.write_text(source)
    app = FlowsimApp(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        steps = len(app.session.steps)
        path.write_text(source.replace("steps:\n", "steps:\n  - advance: 1h\n", 1))
        import os
        os.utime(path, ns=(1, 1))  # a different modification time whatever the clock's resolution
        await pilot.press("R")
        await pilot.pause()
        assert len(app.session.steps) == steps + 1
        assert app.session.position == 0
        assert "changed on disk" in _toasts(app)
        await pilot.press("n", "R")  # unchanged since: a plain restart
        await pilot.pause()
        assert len(app.session.steps) == steps + 1 and app.session.position == 0
