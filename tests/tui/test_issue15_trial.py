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


# ---------------------------------------------------------------------- 4. a save with the sandbox attached


def test_with_the_sandbox_attached_a_backends_sends_are_saved_as_steps_and_the_file_replays(tmp_path,
                                                                                         monkeypatch):
    import asyncio

    import httpx

    from flowsim.sandbox.attach import serving_app
    from flowsim.sandbox.server import base_url, bind
    from flowsim.sandbox.testing import DEMO_WORLD
    from flowsim.scenario import ScenarioRun, load_scenario
    from flowsim.tui.widgets.phone import PhoneAction

    monkeypatch.chdir(tmp_path)
    sock = bind("127.0.0.1", 0)
    url = base_url(sock)

    async def until(condition) -> None:
        for _ in range(2000):  # up to 20 s on a busy machine
            if condition():
                return
            await asyncio.sleep(0.01)
        raise AssertionError("timed out")

    async def save(pilot, name: str) -> None:
        await pilot.press("ctrl+s")
        await pilot.pause()
        pilot.app.screen.query_one("#prompt-input").value = name
        await pilot.press("enter")
        await pilot.pause()

    async def go() -> None:
        app = serving_app(DEMO_WORLD, sock, url)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(lambda: app.sandbox is not None and app._server.started)
            token = app.sandbox.account("shop")["token"]
            to = app.session.sim.hash_of("hanako")
            async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
                sent = await http.post("/bot/pnp/push", json={
                    "to": to, "messages": [{"type": "text", "text": "Parcel"}]},
                    headers={"X-Line-Delivery-Tag": "order-0001-shipped-today"})
                assert sent.status_code == 200
                yuki = await http.post("/bot/pnp/push", json={"to": app.session.sim.hash_of("yuki"),
                                                              "messages": [{"type": "text", "text": "Hi"}]})
                assert yuki.status_code == 200  # Flow D: delivered at once, so the world's count is 1
                refused = await http.post("/bot/pnp/push", json={"to": to, "messages": []},
                                          headers={"Authorization": "Bearer nope"})
                assert refused.status_code == 401  # never reached the engine: no step
                await pilot.pause()
                assert app.session.explored[0] == {"send": {
                    "from": "shop", "to": to, "messages": [{"type": "text", "text": "Parcel"}],
                    "tag": "order-0001-shipped-today"}}
                assert len(app.session.explored) == 2
                await pilot.press("n")  # the world's own step: "nothing sent yet" fails now
                await pilot.pause()
                assert app.session.failed == 1
                app.user_id = "hanako"
                for action in ("open_consent", "agree"):  # the person taps on the phone
                    app.post_message(PhoneAction(action))
                    await pilot.pause()
                await save(pilot, "served.yaml")
                assert type(app.screen).__name__ != "Confirm"
                assert "2 sends that came over HTTP are saved as send steps" in _toasts(app)
                saved = tmp_path / "served.yaml"
                run = ScenarioRun(load_scenario(saved))
                assert all(result.ok for result in run.run_all()), "flowsim run passes the saved file"
                assert run.sim.user("hanako").consent == "agreed"

                # a change over the control API is no step: the save says so before it writes
                moved = await http.post("/_flowsim/steps", json={"advance": "1h"})
                assert moved.status_code == 200
                await pilot.pause()
                await save(pilot, "second.yaml")
                assert type(app.screen).__name__ == "Confirm"
                assert "made over HTTP" in text_of(app.screen.query_one("#confirm-text"))
                await pilot.press("enter")  # Cancel has the focus
                await pilot.pause()
                assert not (tmp_path / "second.yaml").exists()
            await app.action_quit()

    asyncio.run(go())
    sock.close()


# ---------------------------------------------------------------------- 5. small ones


async def test_the_requests_pane_counts_in_the_singular_for_one():
    from datetime import datetime, timezone

    from textual.app import App

    from flowsim.tui.widgets.requests import RequestLog

    class One(App[None]):
        def compose(self):
            yield RequestLog(id="requests")

    app = One()
    async with app.run_test(size=(80, 10)) as pilot:
        pane = app.query_one(RequestLog)
        now = datetime.now(timezone.utc)
        pane.add_request(now, "POST", "/bot/pnp/push", "shop", 200)
        pane.add_attempt(now, "delivery", "shop", 1, False, 200, None, 3.0, "delivered")
        await pilot.pause()
        assert pane.border_subtitle == "1 request · 1 webhook attempt"
