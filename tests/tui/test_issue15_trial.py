"""Issue 15, the new-user trial: the TUI never loses work, and the keys stay on the phone."""

from __future__ import annotations

from flowsim.tui.app import FlowsimApp
from flowsim.tui.widgets.library import Library

from .conftest import SCENARIOS, text_of

FLOW_B = SCENARIOS / "flow_b"


def _toasts(app) -> str:
    return "\n".join(f"{n.title}: {n.message}" for n in app._notifications)


async def _open_in_library(pilot, name: str) -> None:
    library = pilot.app.query_one(Library)
    library.focus()
    library.highlighted = [p.name for p in library.files].index(name)
    await pilot.press("enter")
    await pilot.pause()


async def _send(pilot) -> None:
    """``s``, Enter: the form's proposed send (an explored step)."""
    await pilot.press("s")
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


# ---------------------------------------------------------------------- 1. another file from the Library


async def test_opening_another_file_from_the_library_asks_before_dropping_explored_steps():
    app = FlowsimApp(FLOW_B)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_in_library(pilot, "flow_b_consent_then_sms.yaml")
        assert app.current_path.name == "flow_b_consent_then_sms.yaml"
        await _send(pilot)
        assert len(app.session.explored) == 1
        app.query_one(Library).focus()
        await pilot.press("down", "enter")  # flow_b_reject.yaml
        await pilot.pause()
        assert type(app.screen).__name__ == "Confirm"
        assert "drops 1 explored step" in text_of(app.screen.query_one(".form-title"))
        await pilot.press("enter")  # Cancel has the focus
        await pilot.pause()
        assert app.current_path.name == "flow_b_consent_then_sms.yaml" and len(app.session.explored) == 1

        await pilot.press("enter")  # the library still has the keys, on flow_b_reject.yaml
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        await pilot.pause()
        assert app.current_path.name == "flow_b_reject.yaml" and app.session.explored == []


# ---------------------------------------------------------------------- 2. after a send, the keys on the phone


async def test_after_a_send_from_the_form_enter_taps_the_phones_set_button(empty_dir):
    for pane in ("#library", "#steps"):
        app = FlowsimApp(empty_dir)  # the demo world: hanako, Flow B
        async with app.run_test(size=(120, 40)) as pilot:
            app.query_one(pane).focus()
            await _send(pilot)
            assert len(app.session.explored) == 1
            assert getattr(app.focused, "action_name", None) == "open_consent", f"from {pane}: {app.focused}"
            await pilot.press("enter")  # Set: the consent screen, as docs/tui.md says Enter walks Flow B
            await pilot.pause()
            assert app.session.explored[-1] == {"user": "hanako", "do": "open_consent"}, pane
            assert app.session.sim.user("hanako").screen == "consent"


async def test_after_a_clock_move_the_keys_go_to_the_phone_when_it_offers_a_button(empty_dir):
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e", "h")  # nothing on hanako's phone to press yet: the keys stay on Events
        await pilot.pause()
        assert app.focused is app.query_one("#events")
        await pilot.press("n")  # the parcel to hanako: a card with Set
        app.query_one("#library").focus()
        await pilot.press("h")
        await pilot.pause()
        assert getattr(app.focused, "action_name", None) == "open_consent"


# ---------------------------------------------------------------------- 3. nothing to ask right after a save


async def test_after_a_save_dropping_the_explored_steps_asks_nothing_until_a_new_one(empty_dir, tmp_path,
                                                                                       monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.yaml").write_text("old\n")
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n", "h", "n", "d")  # e1 +1h, e2 +1d
        await pilot.press("ctrl+s")
        await pilot.pause()
        app.screen.query_one("#prompt-input").value = "mine.yaml"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("y")  # replace
        await pilot.pause()
        assert "Scenario saved" in _toasts(app)
        for key in ("N", "R"):  # both saved: no question
            await pilot.press(key)
            await pilot.pause()
            assert type(app.screen).__name__ != "Confirm", key
            await pilot.press("escape")  # N's form
            await pilot.pause()
        assert app.session.explored == []  # R dropped them without asking

    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n", "h", "n")
        await pilot.press("ctrl+s")
        await pilot.pause()
        app.screen.query_one("#prompt-input").value = "second.yaml"
        await pilot.press("enter")
        await pilot.pause()
        steps = app.query_one("#steps")
        steps.focus()
        steps.highlighted = 0
        await pilot.press("j")  # back to step 1: drops e1, which is saved
        await pilot.pause()
        assert type(app.screen).__name__ != "Confirm"
        await pilot.press("n", "h", "d")  # two explored steps made since the save
        await pilot.pause()
        await pilot.press("R")
        await pilot.pause()
        assert type(app.screen).__name__ == "Confirm"
        assert "drops 2 explored steps" in text_of(app.screen.query_one(".form-title"))
