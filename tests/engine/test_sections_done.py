"""``Simulation.sections_done``: the setup sections the app marks ✓ (the TUI's phone and the HTML report read it)."""

from __future__ import annotations

from datetime import timedelta

from flowsim import Simulation, hash_number

from .helpers import DAYS_180, HANAKO, SECOND, START


def world(created_days_ago: int, consent: str = "not_set") -> Simulation:
    sim = Simulation(start=START, seed=1)
    sim.add_official_account("shop")
    sim.add_user("hanako", HANAKO, created_at=START - timedelta(days=created_days_ago), consent=consent)
    return sim


def test_R10_R11_nothing_is_done_for_an_old_account_that_never_agreed():
    assert world(400).sections_done("hanako") == frozenset()


def test_R10_consent_is_done_once_agreed_and_R11_phone_auth_once_verified():
    sim = world(400)
    sim.send_text("shop", hash_number(HANAKO), "parcel")
    sim.open_consent("hanako")
    sim.agree("hanako")
    assert sim.sections_done("hanako") == {"consent"}
    sim.open_phone_auth("hanako")
    sim.send_sms("hanako")
    sim.confirm_sms("hanako")
    sim.enter_pin("hanako", sim.last_pin("hanako"))
    assert sim.sections_done("hanako") == {"consent", "phone_auth"}


def test_R11_phone_auth_is_done_inside_the_180_days_and_not_after():
    sim = world(0, consent="agreed")
    assert sim.sections_done("hanako") == {"consent", "phone_auth"}
    sim.advance(DAYS_180 - SECOND)
    assert "phone_auth" in sim.sections_done("hanako")
    sim.advance(SECOND)
    assert sim.sections_done("hanako") == {"consent"}


def test_R9_rejected_consent_is_not_done():
    assert "consent" not in world(0, consent="rejected").sections_done("hanako")
