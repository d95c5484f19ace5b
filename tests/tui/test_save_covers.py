"""The TUI's save writes ``covers:`` from what the saved steps exercise, not from the file it started from."""

from __future__ import annotations

import pytest

from flowsim.scenario import load_scenario
from flowsim.tui.session import Session

WORLD = {
    "name": "claims R8 and R25, does Flow A",
    "covers": ["R8", "R25"],
    "start": "2026-04-01T09:00:00+09:00",
    "official_accounts": {"shop": {"name": "Shop"}},
    "users": {"hanako": {"phone": "+818000001234", "created": "-30d"}},
    "steps": [
        {"send": {"from": "shop", "to": "hanako", "text": "hi"}},
        {"do": "open_consent"},
        {"do": "agree"},
    ],
}


@pytest.mark.rules("R13", "R8")
def test_R13_a_saved_exploration_covers_what_it_exercised_not_what_it_was_copied_from(tmp_path):
    session = Session(data=WORLD)
    session.run_to_end()
    session.act("hanako", "block", oa="shop")  # an explored step: R6/R7, and an unfollow webhook (R27)
    path = session.save(tmp_path / "saved.yaml")
    covers = load_scenario(path).covers
    assert "R13" in covers and "R12" not in covers  # Flow A delivered on Agree
    assert "R8" not in covers  # claimed by the source, never exercised
    assert "R27" in covers  # the explored block's unfollow
