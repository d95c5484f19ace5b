"""Invariants I1-I5 of docs/rules.md, checked over a simulation and a record of its log.

Each invariant is one function (``check_I1`` … ``check_I5``) that raises
:class:`InvariantViolation` naming it.  They read the simulation's state
plus what a :class:`Record` (a log subscriber) kept at the moment of each
arrival and delivery, and judge it with the spec's own definitions (the
SHA-256 of the E.164 number, "less than 180 days", the allowed calling
codes, 24 hours) rather than with the engine's helpers, so that a broken
engine cannot vouch for itself.

Used by ``flowsim explore`` in every state it reaches and by the
hypothesis state machine of ``tests/engine/test_stateful.py``.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

#: Written out from docs/rules.md (R11, R22, R4, R26), not read from the engine's decisions.
DAYS_180 = timedelta(days=180)
HOURS_24 = timedelta(hours=24)
ALLOWED_PREFIXES = ("+81", "+66", "+886")
JST = timezone(timedelta(hours=9))
FINAL = ("delivered", "discarded", "expired", "unmatched")


class InvariantViolation(AssertionError):
    """An invariant does not hold; ``invariant`` is its id (``I1`` … ``I5``)."""

    def __init__(self, invariant: str, detail: str) -> None:
        super().__init__(f"{invariant} violated: {detail}")
        self.invariant = invariant
        self.detail = detail


def _require(condition: Any, invariant: str, detail: Any) -> None:
    if not condition:
        raise InvariantViolation(invariant, str(detail))


def sha(e164: str) -> str:
    """R1, from the spec: the lowercase hex SHA-256 of the E.164 text."""
    return hashlib.sha256(e164.encode("ascii")).hexdigest()


def sms_required(user: Any, at: datetime) -> bool:
    """R11: required unless verified, created or changed less than 180 days before ``at``."""
    return not any(t is not None and at < t + DAYS_180
                   for t in (user.sms_verified_at, user.created_at, user.phone_changed_at))


def allowed_country(number: str | None) -> bool:
    """R4: +81, +66, +886."""
    return number is not None and number.startswith(ALLOWED_PREFIXES)


@dataclass(frozen=True)
class Arrival:
    """What held when a message arrived: who its hash matched (R1) and whether that user had blocked the OA."""

    matched: str | None
    blocked: bool


@dataclass(frozen=True)
class DeliveryFacts:
    """The state at the moment a message was delivered, recorded by a log listener (for I1)."""

    message_id: str
    user: str
    oa: str
    at: datetime
    phone: str | None
    privacy_policy: bool
    consent: str
    sms_required: bool
    blocked: bool


@dataclass
class Record:
    """What a subscriber keeps for the checks: arrivals, deliveries, outcomes, consent changes."""

    arrivals: dict[str, Arrival] = field(default_factory=dict)
    deliveries: list[DeliveryFacts] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    consent_changes: list[str] = field(default_factory=list)
    left_not_set: set[str] = field(default_factory=set)

    def listen(self, sim: Any, arrivals: bool = True) -> None:
        """Subscribe to ``sim``.  ``arrivals``: also record each send's match from the spec's R1
        (callers that record arrivals themselves pass False)."""
        from flowsim.engine import (
            ApiCalled, ConsentChanged, MessageDelivered, MessageDiscarded, MessageExpired, MessageUnmatched,
        )

        def on_batch(batch: Any) -> None:
            for event in batch:
                t = type(event)
                if t is MessageDelivered:
                    user = sim.users[event.user]
                    self.deliveries.append(DeliveryFacts(
                        event.message_id, event.user, event.oa, event.at, user.phone, user.privacy_policy,
                        user.consent, sms_required(user, event.at), event.oa in user.blocked))
                if t in (MessageDelivered, MessageDiscarded, MessageExpired, MessageUnmatched):
                    self.outcomes[event.message_id] += 1
                if t is ConsentChanged:
                    self.consent_changes.append(event.new)
                if arrivals and t is ApiCalled and event.message_id is not None:
                    holders = [uid for uid, u in sim.users.items() if u.phone is not None and sha(u.phone) == event.to]
                    matched = holders[0] if len(holders) == 1 else None
                    blocked = matched is not None and event.oa in sim.users[matched].blocked
                    self.arrivals[event.message_id] = Arrival(matched, blocked)

        # One batch per operation, after it completed: no operation changes a user's
        # state after a delivery it makes, so these are the facts at the delivery.
        sim.subscribe(on_batch)


# ---------------------------------------------------------------- the invariants, one function each


def check_I1(sim: Any, record: Record) -> None:
    """I1: a delivered message had, at its delivery moment, a matching number, an allowed country,
    privacy policy agreed, consent agreed, SMS not required (R11), the OA not blocked."""
    delivered = {m.id for m in sim.messages.values() if m.status == "delivered"}
    _require({f.message_id for f in record.deliveries} == delivered, "I1",
             "the messages delivered are not the ones whose delivery was logged")
    for f in record.deliveries:
        arrival = record.arrivals.get(f.message_id)
        if arrival is not None:
            _require(arrival.matched == f.user, "I1", f"{f.message_id} delivered to {f.user}, matched {arrival.matched}")
        _require(f.phone is not None and allowed_country(f.phone), "I1", f"{f.message_id}: number {f.phone}")
        _require(f.privacy_policy, "I1", f"{f.message_id}: privacy policy not agreed")
        _require(f.consent == "agreed", "I1", f"{f.message_id} delivered to {f.user} with consent {f.consent}")
        _require(not f.sms_required, "I1", f"{f.message_id} delivered to {f.user} while SMS was required")
        _require(not f.blocked, "I1", f"{f.message_id} delivered to {f.user}, who had blocked {f.oa}")


def check_I2(sim: Any, record: Record) -> None:
    """I2: no message is delivered twice; every message ends in exactly one of delivered, discarded,
    expired, unmatched, or is pending for less than 24 hours."""
    shown = Counter(m.message_id for u in sim.users.values() for oa in sim.official_accounts
                    for m in u.chats.get(oa, []) if m.kind == "notification")
    for msg in sim.messages.values():
        final = msg.status in FINAL
        _require(final or msg.status == "pending", "I2", f"{msg.id} is {msg.status}")
        _require(record.outcomes[msg.id] == (1 if final else 0), "I2",
                 f"{msg.id} reached a final state {record.outcomes[msg.id]} times")
        _require(shown[msg.id] == (1 if msg.status == "delivered" else 0), "I2",
                 f"{msg.id} ({msg.status}) shown {shown[msg.id]} times")
        waiting = {m.id for m in sim.pending_for(msg.user)} if msg.user else set()
        if msg.status == "pending":
            _require(sim.now < msg.requested_at + HOURS_24, "I2", f"{msg.id} pending for 24 hours or more")
            _require(msg.id in waiting, "I2", f"{msg.id} pending but not waiting for {msg.user}")
        else:
            _require(msg.decided_at is not None and msg.id not in waiting, "I2", f"{msg.id} final but waiting")


def check_I3(sim: Any) -> None:
    """I3: for each OA and day (UTC+9, R26): sent count = delivered messages = delivery webhook events."""
    for oa in sim.official_accounts:
        delivered = Counter(m.decided_at.astimezone(JST).date() for m in sim.messages.values()
                            if m.oa == oa and m.status == "delivered")
        hooks = Counter(w.at.astimezone(JST).date() for w in sim.webhooks[oa] if w.type == "delivery")
        counted: Counter = Counter()
        for (o, _kind, day), n in sim.counts.items():
            if o == oa:
                counted[day] += n
        _require(+counted == +delivered == +hooks, "I3",
                 f"{oa}: counted {dict(counted)}, delivered {dict(delivered)}, delivery webhooks {dict(hooks)}")


def check_I4(sim: Any, record: Record) -> None:
    """I4: consent never returns to ``not_set`` (remembers who has left it in ``record``)."""
    _require("not_set" not in record.consent_changes, "I4", "consent changed to not_set")
    for uid, user in sim.users.items():
        if uid in record.left_not_set:
            _require(user.consent != "not_set", "I4", f"{uid}'s consent is back to not_set")
        elif user.consent != "not_set":
            record.left_not_set.add(uid)


def check_I5(sim: Any, record: Record) -> None:
    """I5: nothing appears for a user (no system message, no notification) from an OA that user had
    blocked when the message arrived."""
    for message_id, arrival in record.arrivals.items():
        if arrival.blocked and message_id in sim.messages:
            _require(sim.messages[message_id].status == "discarded", "I5",
                     f"{message_id} arrived while blocked and is {sim.messages[message_id].status}")
            user = sim.users[arrival.matched]
            shown = [m for chat in user.chats.values() for m in chat if m.message_id == message_id]
            _require(not shown, "I5", f"{message_id} arrived while {arrival.matched} had blocked its OA, "
                                      f"and shows {[m.kind for m in shown]}")


def check_all(sim: Any, record: Record) -> None:
    """I1-I5 in turn; the first that fails raises :class:`InvariantViolation`."""
    check_I1(sim, record)
    check_I2(sim, record)
    check_I3(sim)
    check_I4(sim, record)
    check_I5(sim, record)
