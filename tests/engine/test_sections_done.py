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


def test_R14_R15_set_rows_a_setup_card_titles_each_section_and_a_phone_auth_card_is_its_own_section():
    """``ChatMessage.set_rows``: the Set buttons a card draws (the TUI and the report read it)."""
    sim = world(400)  # R14: consent and SMS both needed
    sim.send_text("shop", hash_number(HANAKO), "parcel")
    setup = next(m for m in sim.users["hanako"].line_chat if m.kind == "setup")
    assert setup.set_rows("en") == (("consent", "Settings for getting LINE notification messages"),
                                    ("phone_auth", "Phone number authentication"))
    assert [s for s, _ in setup.set_rows("ja")] == ["consent", "phone_auth"]
    assert setup.set_rows("ja")[0][1] != setup.set_rows("en")[0][1]  # in the user's language

    sim = world(400, consent="agreed")  # R15: only SMS: a phone_auth message
    sim.send_text("shop", hash_number(HANAKO), "parcel")
    kinds = {m.kind: m for m in sim.users["hanako"].line_chat}
    card = kinds["phone_auth"]
    assert card.text.split("\n", 1)[0] == "Phone number authentication"
    assert card.set_rows("en") == (("phone_auth", ""),)  # the title is the card's, not repeated
    assert kinds["received"].set_rows("en") == ()
