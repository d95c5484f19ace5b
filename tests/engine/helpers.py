"""Shared world-building helpers for the engine's tests.

Hashes are computed here with :mod:`hashlib` directly (not with
``flowsim.hash_number``) so that the tests check R1 against the spec's own
definition: the lowercase hex SHA-256 of the E.164 string.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

from flowsim import Simulation

#: UTC+9, the zone of R26's counting days.
JST = timezone(timedelta(hours=9))
START = datetime(2026, 4, 1, 9, 0, 0, tzinfo=JST)
SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)
#: R11's validity and R22's window, written out here rather than read from
#: flowsim.engine.decisions, so that a changed constant makes these tests fail.
DAYS_180 = timedelta(days=180)
HOURS_24 = timedelta(hours=24)

#: Test numbers (E.164) and a few national forms of them.
HANAKO = "+818000001234"
TARO = "+818000005678"
SOMCHAI = "+66812345678"  # Thailand
MEI = "+886912345678"  # Taiwan
JOHN = "+14155550123"  # United States: not allowed by R4
NOBODY = "+818099999999"  # nobody holds this number


def sha(e164: str) -> str:
    """R1: the destination ``to`` for an E.164 number, from the spec's definition."""
    return hashlib.sha256(e164.encode("ascii")).hexdigest()


def new_sim(*oas: str, seed: int = 1, start: datetime = START) -> Simulation:
    """A simulation at ``START`` with the given official accounts (default: ``shop``)."""
    sim = Simulation(start=start, seed=seed)
    for oa in oas or ("shop",):
        sim.add_official_account(oa, oa.title())
    return sim


def add_user(sim: Simulation, user_id: str, number: str, *, sms: bool = False, **kwargs):
    """Add a user; ``sms=True`` makes the account old enough that R11 requires SMS.

    Without ``sms`` the account is 30 days old (exempt from SMS by R11).
    """
    kwargs.setdefault("created_at", sim.now - (timedelta(days=400) if sms else timedelta(days=30)))
    return sim.add_user(user_id, number, **kwargs)


def line_kinds(sim: Simulation, user_id: str) -> list[str]:
    """Kinds of the messages in the user's "LINE" chat, oldest first."""
    return [m.kind for m in sim.user(user_id).line_chat]


def notifications(sim: Simulation, user_id: str, oa: str = "shop") -> list:
    """Notifications shown in the user's chat with ``oa``."""
    return [m for m in sim.user(user_id).chats.get(oa, []) if m.kind == "notification"]


def all_chat_messages(sim: Simulation, user_id: str) -> list:
    return [m for chat in sim.user(user_id).chats.values() for m in chat]


def agree_consent(sim: Simulation, user_id: str) -> None:
    """R13: Set on the consent section, then Agree."""
    sim.open_consent(user_id)
    sim.agree(user_id)


def verify_sms(sim: Simulation, user_id: str) -> None:
    """R17: Set on phone authentication, Send SMS, OK, enter the PIN from the SMS."""
    sim.open_phone_auth(user_id)
    sim.send_sms(user_id)
    sim.confirm_sms(user_id)
    sim.enter_pin(user_id, sim.last_pin(user_id))


def change_number(sim: Simulation, user_id: str, new: str) -> None:
    """R19 from Settings › Profile › Phone number: enter the number, then the PIN sent to it."""
    sim.settings_change_number(user_id)
    sim.enter_number(user_id, new)
    sim.enter_pin(user_id, sim.last_pin(user_id))


def wrong_pin(right: str) -> str:
    """A six-digit PIN that is not ``right``."""
    return f"{(int(right) + 1) % 1_000_000:06d}"


def of_type(sim: Simulation, event_type, since: int = 0) -> list:
    return sim.log.of_type(event_type, since)
