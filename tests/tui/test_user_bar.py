"""The user bar above the phone: a click shows the next user (as ``>`` does)."""

from __future__ import annotations

from flowsim.tui.app import FlowsimApp
from flowsim.tui.widgets.phone import UserBar

from .conftest import SCENARIOS, click

TWO_USERS = SCENARIOS / "consent" / "agree_delivers_only_consent_waits.yaml"


async def test_a_click_on_the_user_bar_shows_the_next_user():
    app = FlowsimApp(TWO_USERS)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        bar = app.query_one(UserBar)
        assert bar._shown[:2] == ("aiko", "1/2")
        await click(pilot, "UserBar")
        assert bar._shown[:2] == ("bunta", "2/2")


async def test_a_world_without_users_opens_and_steps(tmp_path):
    """Only unmatched sends (R2) is a valid scenario: no phone to show, the status line and inspector still work."""
    path = tmp_path / "unmatched.yaml"
    path.write_text("name: only unmatched sends\nofficial_accounts:\n  shop: {name: Shop}\n"
                    "steps:\n  - send: {from: shop, to: '+818000009999', text: hi}\n", encoding="utf-8")
    app = FlowsimApp(path)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert app.user_id is None
        assert app.session.position == 1
        assert app.session.failed == 0
