"""Each decision constant of ``flowsim/decisions.py`` is read where its decision lives.

A test here flips one constant (monkeypatch) and sees the behaviour change,
so "a decision is a one-line edit" is checked, not promised.
"""

from __future__ import annotations

import pytest

from flowsim.engine import Simulation, decisions

from .helpers import HANAKO, START, change_number, sha


def _thai_user() -> Simulation:
    sim = Simulation(start=START)
    sim.add_official_account("shop")
    sim.add_user("somchai", "+66812345678")
    return sim


@pytest.mark.rules("R19", "R3")
@pytest.mark.parametrize("flag, expected", [(True, "+66898765432"), (False, "+81898765432")])
def test_R19_NEW_NUMBER_IN_CURRENT_REGION_decides_how_a_national_form_is_read(monkeypatch, flag, expected):
    """R19 (decision), R3: a Thai user's ``089-876-5432`` is Thai; flipped, it is read in JP (Matsuyama's 089)."""
    monkeypatch.setattr(decisions, "NEW_NUMBER_IN_CURRENT_REGION", flag)
    sim = _thai_user()
    change_number(sim, "somchai", "089-876-5432")
    assert sim.user("somchai").phone == expected


@pytest.mark.rules("R29")
@pytest.mark.parametrize("flag, status", [(True, 400), (False, 202)])
def test_R29_TEMPLATE_BUTTON_KEYS_UNIQUE_refuses_a_repeated_button_key(monkeypatch, flag, status):
    """R29 (decision): the same button key twice in one template is a 400; flipped, it is accepted (202)."""
    monkeypatch.setattr(decisions, "TEMPLATE_BUTTON_KEYS_UNIQUE", flag)
    sim = Simulation(start=START)
    sim.add_official_account("shop")
    sim.add_user("hanako", HANAKO, consent="agreed", created_at=START)
    button = {"buttonKey": "check_delivery_status_ja", "url": "https://example.com/track"}
    result = sim.send_template("shop", sha(HANAKO), "shipment_completed_ja", {"buttons": [button, button]})
    assert result.status == status
    if status == 400:
        assert result.details[0]["property"] == "body.buttons[1].buttonKey"


@pytest.mark.rules("R6", "R9")
@pytest.mark.parametrize("order, status, reason", [
    (("R4", "R6", "R8", "R9"), 200, "blocked"),
    (("R4", "R9", "R8", "R6"), 422, "consent_rejected"),
])
def test_R6_R9_DISCARD_CHECK_ORDER_decides_what_a_blocked_and_rejected_user_is_answered(monkeypatch, order, status,
                                                                                        reason):
    """R6/R9 (decision): a blocked OA hides a rejected consent (200, blocked); R9 first makes it 422."""
    monkeypatch.setattr(decisions, "DISCARD_CHECK_ORDER", order)
    sim = Simulation(start=START)
    sim.add_official_account("shop")
    sim.add_user("hanako", HANAKO, consent="rejected", blocked="shop")
    result = sim.send_text("shop", sha(HANAKO), "hi")
    assert (result.status, sim.message(result.message_id).reason) == (status, reason)
