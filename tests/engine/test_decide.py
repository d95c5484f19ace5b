"""The pure decisions (``flowsim.engine.decide``), table by table: a bare user and a datetime, no world.

Each row is one rule's case; both sides of every R11 boundary are here.
(The 24-hour window, R22, is a timer the engine sets; its boundaries are
tested in test_timing.py.)
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from flowsim.engine import decide
from flowsim.engine.decide import Deliver, Discard, Hold, Unmatched
from flowsim.engine.models import User

from .helpers import DAYS_180, HANAKO, JOHN, MEI, SOMCHAI, START

SECOND = timedelta(seconds=1)
OLD = START - timedelta(days=1000)


def user(**fields) -> User:
    """A bare user: agreed, an old account, never verified, no change (so SMS is required)."""
    base = dict(id="u", line_user_id="U" + "0" * 32, phone=HANAKO, created_at=OLD, consent="agreed")
    return User(**{**base, **fields})


# ---------------------------------------------------------------- R11

R11_CASES = [
    # (fields, at, required)
    pytest.param({}, START, True, id="old-account-never-verified"),
    pytest.param({"sms_verified_at": START}, START + DAYS_180 - SECOND, False, id="verified-179d23h59m59s"),
    pytest.param({"sms_verified_at": START}, START + DAYS_180, True, id="verified-exactly-180d"),
    pytest.param({"created_at": START}, START + DAYS_180 - SECOND, False, id="created-just-before-180d"),
    pytest.param({"created_at": START}, START + DAYS_180, True, id="created-exactly-180d"),
    pytest.param({"phone_changed_at": START}, START + DAYS_180 - SECOND, False, id="changed-just-before-180d"),
    pytest.param({"phone_changed_at": START}, START + DAYS_180, True, id="changed-exactly-180d"),
    pytest.param({"sms_verified_at": START - DAYS_180, "phone_changed_at": START}, START + SECOND, False,
                 id="any-one-exemption-is-enough"),
]


@pytest.mark.rules("R11")
@pytest.mark.parametrize("fields, at, required", R11_CASES)
def test_R11_sms_required_on_both_sides_of_each_180_day_boundary(fields, at, required):
    """R11: exempt while ``now < t + 180 days`` for SMS-verified, created or number changed."""
    u = user(**fields)
    assert decide.sms_required(u, at) is required
    exemption = decide.sms_exemption(u, at)
    assert (exemption is None) is required
    if exemption is not None:
        assert at < exemption[1]


@pytest.mark.rules("R11")
def test_R11_the_exemption_named_is_the_one_that_runs_longest():
    """R11: with several exemptions running, the latest end is the one that matters."""
    u = user(created_at=START - timedelta(days=10), sms_verified_at=START - timedelta(days=1))
    assert decide.sms_exemption(u, START) == ("sms_verified", START - timedelta(days=1) + DAYS_180)


# ---------------------------------------------------------------- R4-R9 and R12-R15 on arrival

RECENT = START - timedelta(days=30)  # account created 30 days ago: no SMS needed

ARRIVAL_CASES = [
    # (user fields or None, verdict type, rule, detail)
    pytest.param(None, Unmatched, "R2", None, id="R2-no-user"),
    pytest.param({"phone": JOHN}, Discard, "R4", "country", id="R4-US-number"),
    pytest.param({"phone": SOMCHAI, "created_at": RECENT}, Deliver, "R12", None, id="R4-Thai-number-ok"),
    pytest.param({"phone": MEI, "created_at": RECENT}, Deliver, "R12", None, id="R4-Taiwanese-number-ok"),
    pytest.param({"phone": None}, Discard, "R5", "no_number", id="R5-no-number"),
    pytest.param({"blocked": {"shop"}}, Discard, "R6", "blocked", id="R6-blocked"),
    pytest.param({"blocked": {"bank"}, "created_at": RECENT}, Deliver, "R12", None, id="R6-other-OA-blocked"),
    pytest.param({"privacy_policy": False}, Discard, "R8", "privacy_policy", id="R8-policy-not-agreed"),
    pytest.param({"consent": "rejected"}, Discard, "R9", "consent_rejected", id="R9-rejected"),
    pytest.param({"consent": "rejected", "blocked": {"shop"}}, Discard, "R6", "blocked", id="R6-before-R9"),
    pytest.param({"created_at": RECENT}, Deliver, "R12", None, id="R12-flow-D"),
    pytest.param({"consent": "not_set", "created_at": RECENT}, Hold, "R13", {"consent"}, id="R13-flow-A"),
    pytest.param({"consent": "not_set"}, Hold, "R14", {"consent", "sms"}, id="R14-flow-B"),
    pytest.param({}, Hold, "R15", {"sms"}, id="R15-flow-C"),
]


@pytest.mark.rules("R2", "R4", "R5", "R6", "R8", "R9", "R12", "R13", "R14", "R15")
@pytest.mark.parametrize("fields, kind, rule, detail", ARRIVAL_CASES)
def test_R2_R4_R5_R6_R8_R9_R12_R13_R14_R15_verdict_on_arrival(fields, kind, rule, detail):
    """R2-R15: one verdict per arrival, carrying its rule id and what it rests on."""
    verdict = decide.on_arrival(None if fields is None else user(**fields), "shop", START)
    assert type(verdict) is kind and verdict.rule == rule and verdict.evidence
    if kind is Discard:
        assert verdict.reason == detail
    if kind is Hold:
        assert verdict.missing == frozenset(detail)


@pytest.mark.rules("R11", "R15")
def test_R11_R15_arrival_on_both_sides_of_the_180_day_boundary():
    """R11 at the arrival moment: one second before 180 days Flow D (R12), at 180 days Flow C (R15)."""
    u = user(sms_verified_at=START)
    assert decide.on_arrival(u, "shop", START + DAYS_180 - SECOND) == Deliver("R12", "consent agreed and SMS not required")
    assert isinstance(decide.on_arrival(u, "shop", START + DAYS_180), Hold)


# ---------------------------------------------------------------- after arrival


@pytest.mark.rules("R14", "R19", "R11", "R21")
@pytest.mark.parametrize("fields, missing, rule, arrival, completed_by, expected", [
    pytest.param({"created_at": RECENT}, {"consent"}, "R13", {"consent"}, None, Deliver, id="R13-agreed-delivers"),
    pytest.param({"sms_verified_at": START}, {"consent", "sms"}, "R14", {"consent", "sms"}, None, Deliver,
                 id="R14-second-section-delivers"),
    pytest.param({"consent": "not_set", "sms_verified_at": START}, {"consent", "sms"}, "R14", {"consent", "sms"},
                 None, Hold, id="R14-first-section-still-waits"),
    pytest.param({"phone_changed_at": START}, {"sms"}, "R15", {"sms"}, "R19", Deliver, id="R19-change-delivers"),
    pytest.param({"consent": "not_set"}, {"consent"}, "R13", {"consent"}, None, Hold, id="R11-exemption-ran-out"),
    pytest.param({"consent": "rejected"}, {"consent"}, "R13", {"consent"}, None, Discard, id="R21-rejected"),
])
def test_R11_R14_R19_R21_verdict_after_a_change_of_settings(fields, missing, rule, arrival, completed_by, expected):
    """R14/R19/R11/R21: re-deciding a pending message after consent, SMS or a number change."""
    verdict = decide.on_recheck(user(**fields), "shop", START, missing=frozenset(missing), rule=rule,
                                arrival_needs=frozenset(arrival), completed_by=completed_by)
    assert type(verdict) is expected
    if expected is Deliver:
        assert verdict.rule == (completed_by or rule)
    if expected is Hold and "sms" not in missing:
        assert verdict.rule == "R11" and verdict.missing >= {"sms"}


def test_decide_reads_no_clock_and_changes_nothing():
    u = user(consent="not_set")
    before = u.model_dump()
    for at in (START, START + DAYS_180, datetime(2030, 1, 1, tzinfo=START.tzinfo)):
        decide.on_arrival(u, "shop", at)
        decide.on_recheck(u, "shop", at, missing=frozenset({"consent"}), rule="R13",
                          arrival_needs=frozenset({"consent"}))
    assert u.model_dump() == before
