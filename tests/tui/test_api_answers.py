"""The TUI shows what the API answered to each send: 200 / 202 when accepted, 422 when nobody can get it (R2).

The event log's line for an API call carries the status (``ApiCalled.describe``),
and the send form's notification names it (``API 202 · m1``, ``API 422: Failed to send messages``).
"""

from __future__ import annotations

import pytest

from flowsim.engine import hash_number
from flowsim.tui.app import FlowsimApp

from .test_observers import _events


@pytest.mark.rules("R2", "R29")
async def test_R2_R29_the_event_log_shows_202_for_a_template_and_422_for_a_number_nobody_has(empty_dir):
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        sim = app.session.sim
        accepted = sim.send_template("shop", hash_number("+818000001234"), "shipment_completed_ja")
        refused = sim.send_text("shop", hash_number("+818099999999"), "to nobody")
        assert (accepted.status, refused.status) == (202, 422)
        await pilot.pause()
        events = " ".join(_events(app).split())  # the pane wraps its lines
        assert f"API send template {accepted.message_id} to d41e0ad70d…: 202" in events
        assert f"API send flexible {refused.message_id} to c2dfe7f62d…: 422 Failed to send messages" in events


@pytest.mark.rules("R2")
async def test_R2_the_send_form_notifies_the_status_the_api_answered(empty_dir, monkeypatch):
    app = FlowsimApp(empty_dir)
    shown: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        monkeypatch.setattr(app, "notify", lambda message, **kw: shown.append(str(message)))
        monkeypatch.setattr(app, "push_screen", lambda screen, callback=None, **kw: callback(
            {"oa": "shop", "to": "+818099999999", "text": "to nobody", "template": None, "tag": None}))
        app.action_send()
        await pilot.pause()
    assert shown == ["API 422: Failed to send messages"]
