"""Issue 15, the exploration's confusions: names in the panes, explored steps where they ran, a new world,
undo and editing of explored steps — each driven through the keyboard (Textual's pilot)."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Button

from flowsim.tui.app import FlowsimApp
from flowsim.tui.widgets.assertions import AssertionPanel
from flowsim.tui.widgets.inspector import Inspector
from flowsim.tui.widgets.status import StatusLine
from flowsim.tui.widgets.steps import StepList

from .conftest import text_of


def pane_text(app: FlowsimApp, widget_type) -> str:
    return "\n".join(strip.text.rstrip() for strip in app.query_one(widget_type).lines)


# ---------------------------------------------------------------------- the scenario's names for messages


async def test_inspector_and_status_line_call_messages_by_the_scenarios_names(empty_dir):
    app = FlowsimApp(empty_dir)  # the default world: `as: parcel`, `as: order`, `as: appointment`
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n", "n")
        await pilot.press("s")  # an explored send: its name is the one the TUI gave it
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        inspector = pane_text(app, Inspector)
        assert "parcel (m1) pending shop→hanako" in inspector
        assert "order (m2) " in inspector
        assert "explored1 (m3) " in inspector
        assert "m1 pending" not in inspector
        assert "parcel ⏳1d00h explored1 ⏳1d00h" in text_of(app.query_one(StatusLine))


# ---------------------------------------------------------------------- explored steps where they ran


def step_rows(app: FlowsimApp) -> list[str]:
    steps = app.query_one(StepList)
    return [steps.get_option_at_index(i).prompt.plain for i in range(steps.option_count)]


async def test_explored_steps_are_listed_where_they_ran(empty_dir):
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "h", "n", "d")
        await pilot.pause()
        assert [row[:5] for row in step_rows(app)] == ["✓  1 ", "✎ e1 ", "✓  2 ", "✎ e2 ", "▶  3 "]
        assert "advance 1h" in step_rows(app)[1] and "advance 1d" in step_rows(app)[3]
        assert app.query_one(StepList).highlighted == 3  # the step that ran last
        # the saved file runs them in that order too
        assert [next(iter(k for k in s if k != "as")) for s in app.session.scenario_dict(with_expect=False)["steps"]] \
            == ["send", "advance", "send", "advance"]

        app.query_one(StepList).highlighted = 1
        await pilot.press("a")
        await pilot.pause()
        assert "explored step e1" in pane_text(app, AssertionPanel)

        # back to step 2: the explored step made before it stays, the one after it goes (after a question)
        await pilot.press("p")
        app.query_one(StepList).highlighted = 2
        await pilot.press("j")
        await pilot.pause()
        assert type(app.screen).__name__ == "Confirm" and "drops 1 explored step" in text_of(
            app.screen.query_one(".form-title"))
        await pilot.press("y")
        await pilot.pause()
        assert app.session.explored == [{"advance": "1h"}] and app.session.position == 1
        assert [row[:5] for row in step_rows(app)] == ["✓  1 ", "✎ e1 ", "▶  2 ", "·  3 "]
        # forward keeps them all, without a question
        app.query_one(StepList).highlighted = 3
        await pilot.press("j")
        await pilot.pause()
        assert type(app.screen).__name__ != "Confirm"
        assert app.session.explored == [{"advance": "1h"}] and app.session.position == 2


# ---------------------------------------------------------------------- undo, redo, edit, delete


def _toasts(app) -> str:
    return "\n".join(f"{n.title}: {n.message}" for n in app._notifications)


async def _flow_b_consent(pilot) -> None:
    """Hanako's parcel, then Set and Agree by keyboard: two explored steps."""
    await pilot.press("n", "o", "enter")  # o: the keys on the card's Set; Enter opens the consent screen
    await pilot.pause()
    await pilot.press("enter")  # the focus is on Agree
    await pilot.pause()
    assert [s["do"] for s in pilot.app.session.explored] == ["open_consent", "agree"]


async def test_undo_takes_the_last_explored_step_back_and_redo_brings_it_back(empty_dir):
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await _flow_b_consent(pilot)
        old_sim = app.session.sim
        assert old_sim.user("hanako").consent == "agreed"
        await pilot.press("z")
        await pilot.pause()
        sim = app.session.sim
        assert sim is not old_sim, "the world is rebuilt by replaying"
        assert sim.user("hanako").consent == "not_set" and sim.user("hanako").screen == "consent"
        assert [s["do"] for s in app.session.explored] == ["open_consent"]
        assert "Took back: do agree (hanako)" in _toasts(app)
        assert [row[:5] for row in step_rows(app)] == ["✓  1 ", "✎ e1 ", "▶  2 ", "·  3 "]
        await pilot.press("z", "z")  # the second has nothing to take back: it says so
        await pilot.pause()
        assert app.session.explored == [] and app.session.sim.user("hanako").screen == "chats"
        assert "No explored step to take back." in _toasts(app)

        await pilot.press("Z", "Z")
        await pilot.pause()
        assert [s["do"] for s in app.session.explored] == ["open_consent", "agree"]
        assert app.session.sim.user("hanako").consent == "agreed"
        await pilot.press("z", "h")  # a new step: what undo took back stays taken back
        await pilot.press("Z")
        await pilot.pause()
        assert app.session.explored == [{"user": "hanako", "do": "open_consent"}, {"advance": "1h"}]
        assert "Nothing to bring back" in _toasts(app)


async def test_edit_an_explored_step_in_its_form_and_the_run_is_replayed(empty_dir):
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "h", "n")
        steps = app.query_one(StepList)
        steps.focus()
        steps.highlighted = 1  # e1: advance 1h
        await pilot.press("E")
        await pilot.pause()
        assert type(app.screen).__name__ == "EditStepForm"
        field = app.screen.query_one("#edit-value")
        assert field.value == "1h" and app.screen.focused is field
        field.value = "2 parsecs"
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "EditStepForm", "a bad value keeps the form (and what was typed)"
        assert "2 parsecs" in text_of(app.screen.query_one("#edit-error"))
        field.value = "2h"
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ != "EditStepForm"
        assert app.session.explored == [{"advance": "2h"}]
        assert app.session.sim.now - app.session.start == timedelta(hours=2)
        assert app.session.position == 2 and app.session.passed == 2, "file step 2 ran again after it"
        assert "advance 2h" in step_rows(app)[1]

        await pilot.press("Z")  # the run before the edit
        await pilot.pause()
        assert app.session.explored == [{"advance": "1h"}]

        steps.highlighted = 1
        await pilot.press("enter")  # Enter on an explored step edits it too
        await pilot.pause()
        await pilot.click("#edit-delete")
        await pilot.pause()
        assert app.session.explored == [] and app.session.position == 2


async def test_editing_a_tap_offers_the_registrys_arguments_and_names_what_a_change_drops(empty_dir, tmp_path):
    from click.testing import CliRunner

    from flowsim.cli import main

    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await _flow_b_consent(pilot)
        steps = app.query_one(StepList)
        steps.highlighted = 2  # e2: do agree
        await pilot.press("E")
        await pilot.pause()
        form = app.screen
        assert not form.query_one("#edit-arg-pin").display, "agree takes no argument"
        form.query_one("#edit-do").value = "enter_pin"
        await pilot.pause()
        assert form.query_one("#edit-arg-pin").display, "the arguments follow the registry (ACTION_ARGS)"
        form.query_one("#edit-arg-pin").value = "123456"
        form.query_one("#edit-ok", Button).press()  # pressed: showing the PIN field moved the button
        await pilot.pause()
        assert "It does not run there" in text_of(form.query_one("#edit-error")), "not on the consent screen"
        form.query_one("#edit-do").value = "reject"
        await pilot.pause()
        # Pressed, not clicked: hiding the PIN field moves the button, and under load a click could land
        # where it was before the layout caught up (the handler is the same).
        form.query_one("#edit-ok", Button).press()
        await pilot.pause()
        assert app.session.sim.user("hanako").consent == "rejected"
        assert app.session.explored[-1] == {"user": "hanako", "do": "reject"}

        # deleting e1 (the Set tap) leaves e2 with no consent screen: named in a question first
        steps.highlighted = 1
        await pilot.press("E")
        await pilot.pause()
        await pilot.click("#edit-delete")
        await pilot.pause()
        assert type(app.screen).__name__ == "Confirm"
        assert "do reject (hanako)" in text_of(app.screen.query_one("#confirm-text"))
        await pilot.press("enter")  # Cancel has the focus: nothing changes
        await pilot.pause()
        assert len(app.session.explored) == 2

        app.session.save(tmp_path / "edited.yaml")
    cli = CliRunner().invoke(main, ["run", str(tmp_path / "edited.yaml")])
    assert cli.exit_code == 0, cli.output
    assert "do: reject" in (tmp_path / "edited.yaml").read_text()


# ---------------------------------------------------------------------- a new world


async def test_a_new_world_from_the_form_opens_ready_to_explore_and_saves_a_file_flowsim_runs(
        empty_dir, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from flowsim.cli import main

    monkeypatch.chdir(tmp_path)
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("N")
        await pilot.pause()
        form = app.screen
        assert type(form).__name__ == "NewWorldForm"
        assert form.rows("world-users")[0] == ("hanako", "+818000001234", "-3y"), "the demo world by default"
        form.query_one("#world-template").value = "blank"
        await pilot.pause()
        assert form.rows("world-users") == [("user1", "+818000000001", ""), ("", "", "")], "and a row to fill"
        assert form.rows("world-oas") == [("shop", "Shop"), ("", "")]
        # Pressed, not clicked (the rows mounted above move the button), and waited for: the handler
        # awaits the new row's mount before it gives it the focus, which one pause may not cover under load.
        form.query_one("#world-add-user", Button).press()
        for _ in range(50):
            await pilot.pause(0.02)
            if app.screen.focused is form.query(".cell-id").last():
                break
        assert app.screen.focused is form.query(".cell-id").last(), "the new row's id has the keys"
        await pilot.press(*"aki", "tab", *"not a number")
        form.query_one("#world-name").value = "Two users"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is form, "a refused world keeps the form and what was typed"
        assert "phone" in text_of(form.query_one("#world-error")).lower()
        assert form.rows("world-users")[2] == ("aki", "not a number", "")
        fields = form.query("#world-users .world-row").last().query(".cell-phone, .cell-created")
        fields.first().value, fields.last().value = "090-1234-5678", "-10d"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is not form
        session = app.session
        assert session.name == "Two users" and list(session.sim.users) == ["user1", "aki"] and session.steps == []
        assert session.sim.user("aki").phone == "+819012345678"
        assert app.current_path is None

        # ready to explore: a send, a tap, the clock; then saved
        await pilot.press("s")
        await pilot.pause()
        app.screen.query_one("#send-to").value = "aki"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("u", "o", "enter")  # aki's phone: the consent card's Set
        await pilot.pause()
        await pilot.press("h")
        assert [next(iter(k for k in s if k not in ("as", "user"))) for s in session.explored] == \
            ["send", "do", "advance"]
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("enter")  # the proposed name
        await pilot.pause()
    (saved,) = tmp_path.glob("*.yaml")
    text = saved.read_text()
    assert "aki:" in text and "090-1234-5678" in text and "created: -10d" in text
    cli = CliRunner().invoke(main, ["run", str(saved)])
    assert cli.exit_code == 0, cli.output


async def test_a_new_world_can_start_from_the_open_scenarios_world_and_asks_before_dropping_explored_steps(
        empty_dir):
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n", "h", "N")
        await pilot.pause()
        assert type(app.screen).__name__ == "Confirm", "the explored +1h is not saved"
        await pilot.press("y")
        await pilot.pause()
        form = app.screen
        form.query_one("#world-template").value = "open"
        await pilot.pause()
        ken = form.query("#world-users .world-row")[1].query(".cell-phone").first()
        ken.value = "+818000007777"
        await pilot.click("#world-ok")
        await pilot.pause()
        sim = app.session.sim
        assert sim.user("ken").phone == "+818000007777"
        assert sim.user("yui").consent == "agreed", "the template's other settings are kept"
        assert app.session.explored == [] and app.session.steps == []


def test_a_saved_exploration_explored_again_keeps_one_explored_prefix(tmp_path):
    from flowsim.tui.session import Session

    first = Session()
    first.advance("1h")
    first.save(tmp_path / "explored-default-world.yaml")
    again = Session(tmp_path / "explored-default-world.yaml")
    assert again.name == "Explored: Default world"
    assert again.scenario_dict()["name"] == "Explored: Default world"


def test_an_edit_worked_out_before_a_new_step_is_refused_not_adopted_without_it():
    """A backend's send (or any step) made while an edit's question was open is not lost by adopting the edit."""
    import pytest

    from flowsim.tui.session import Session

    session = Session()
    session.advance("1h")
    session.advance("2h")
    plan = session.plan_edit(0, {"advance": "30m"})  # worked out; the question would be open now
    session.advance("3h")  # a step made meanwhile (the same list grows)
    with pytest.raises(ValueError):
        session.adopt(plan)
    assert session.trail[-1].raw == {"advance": "3h"}, "the new step is still there"


# ---------------------------------------------------------------------- settings changed over HTTP


def test_a_template_setting_changed_over_http_holds_in_a_replay_and_a_save():
    """``PATCH /_flowsim/accounts/shop {"templates": "not_allowed"}`` (``Sandbox.configure``: the engine's
    ``set_templates``, no event) is no step: an undo's replay and a save start from the setting, so a
    template send the backend got 403 for is not replayed, or saved, as delivered."""
    from flowsim.sandbox.testing import DEMO_WORLD
    from flowsim.scenario import ScenarioRun, scenario_from_data
    from flowsim.tui.session import Session

    session = Session(DEMO_WORLD)
    to = session.sim.hash_of("yuki")
    session.sim.set_templates("shop", "not_allowed")  # what the sandbox's PATCH does
    assert session.sim.send_template("shop", to, "shipment_completed_ja", None, None).status == 403
    assert session.record_http_send({"from": "shop", "to": to, "template": {"key": "shipment_completed_ja"}},
                                    handled=True)
    session.advance("1m")
    session.undo()
    assert session.sim.sent_count("shop")["template"] == 0
    assert session.sim.official_account("shop").templates == "not_allowed"
    data, _ = session.saved_data()
    assert data["official_accounts"]["shop"]["templates"] == "not_allowed"
    run = ScenarioRun(scenario_from_data(data, "saved"))
    assert all(result.ok for result in run.run_all())
    assert run.sim.sent_count("shop")["template"] == 0
