"""The TUI repaints from its subscription to the session's simulation, whoever drives it.

Another driver (the HTTP sandbox, a timer, this test) calls the same
``Simulation`` and the phone, the event log and the status line show it
without a key being pressed; a restart or another file moves the
subscription to the new simulation; a run of many batches repaints once.
"""

from __future__ import annotations

from datetime import timedelta

from flowsim.engine import hash_number
from flowsim.tui.app import FlowsimApp
from flowsim.tui.widgets.eventlog import EventLog
from flowsim.tui.widgets.phone import SystemCard

from .conftest import SCENARIOS, phone_text, text_of


def _events(app) -> str:
    return "\n".join(strip.text for strip in app.query_one(EventLog).lines)


def _count_repaints(app) -> list[int]:
    calls = [0]
    original = app.refresh_all

    def counted() -> None:
        calls[0] += 1
        original()

    app.refresh_all = counted
    return calls


async def test_a_send_by_another_driver_shows_on_the_phone_and_in_the_events(empty_dir):
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert not app.query(SystemCard)
        result = app.session.sim.send_text("shop", hash_number("+818000001234"), "Sent by the backend")  # hanako
        assert result.ok
        await pilot.pause()  # no key, no action of the TUI
        assert app.query(SystemCard), "the setup card of Flow B is on hanako's phone"
        assert "Set up to get LINE notification messages" in phone_text(app)
        assert "shop → API send" in _events(app)
        assert f"{result.message_id} ⏳" in text_of(app.query_one("#status"))


async def test_a_clock_moved_by_a_timer_shows_in_the_status_line(empty_dir):
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "2026-04-01 09:00" in text_of(app.query_one("#status"))
        app.set_timer(0.01, lambda: app.session.sim.advance(timedelta(hours=2)))
        await pilot.pause(0.1)
        await pilot.pause()
        assert "2026-04-01 11:00" in text_of(app.query_one("#status"))


async def test_after_a_restart_the_new_simulation_is_watched_and_the_old_one_is_not(empty_dir):
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        old = app.session.sim
        await pilot.press("R")
        new = app.session.sim
        assert new is not old
        assert not app.query(SystemCard), "the restart's repaint cleared the old world's card"
        repaints = _count_repaints(app)
        old.send_text("shop", hash_number("+818000005678"), "to the old world")
        await pilot.pause()
        assert repaints[0] == 0
        assert new.send_text("shop", hash_number("+818000005678"), "to the new world").ok
        await pilot.pause()
        assert repaints[0] == 1
        assert "to the new world" not in _events(app)  # the event lines describe, they do not quote
        assert "shop → API send" in _events(app)


async def test_opening_another_file_moves_the_subscription(tmp_path):
    app = FlowsimApp(SCENARIOS)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        old = app.session.sim
        other = next(path for path in app.files if path != app.current_path)
        assert await app.open_scenario(other)
        repaints = _count_repaints(app)
        users = list(old.users)
        old.advance(timedelta(hours=1))
        await pilot.pause()
        assert repaints[0] == 0, f"the old file's simulation ({users}) still repaints the app"
        app.session.sim.advance(timedelta(hours=1))
        await pilot.pause()
        assert repaints[0] == 1


async def test_run_all_repaints_once_however_many_batches(empty_dir):
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        batches = []
        app.session.subscribe(batches.append)
        repaints = _count_repaints(app)
        await pilot.press("r")
        assert len([b for b in batches if b]) == 3  # three sends, one batch each
        assert repaints[0] == 1
        assert app.session.done
