"""What happens to a notification message, decided without changing anything.

Pure functions of a user's state and a moment: given a ``User`` (or any
object with the same attributes) and an aware datetime, they say which rule
applies and why, as a small frozen *verdict*.  The engine applies verdicts
(:mod:`flowsim.engine`); exploration, ``explain`` and tests can ask "what
would happen" without a world.  Nothing here mutates, logs or reads a clock.

===============  ===========================================================
verdict          meaning
===============  ===========================================================
``Unmatched``    no user has the number (R2)
``Discard``      a discard rule applies (R4/R5, R6, R8, R9), with its reason
``Deliver``      nothing is missing: deliver now (R12 on arrival)
``Hold``         pending for consent and/or SMS (R13, R14, R15; R11 later)
===============  ===========================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from . import decisions, phone

#: Rule that explains a delivery or a wait, by what the message waited for on arrival.
DELIVERY_RULE: dict[frozenset[str], str] = {
    frozenset(): "R12",
    frozenset({"consent"}): "R13",
    frozenset({"consent", "sms"}): "R14",
    frozenset({"sms"}): "R15",
}


class UserState(Protocol):
    """What the decisions read of a user (``flowsim.models.User`` has it); read-only, so narrower types fit."""

    @property
    def phone(self) -> str | None: ...
    @property
    def consent(self) -> str: ...
    @property
    def privacy_policy(self) -> bool: ...
    @property
    def blocked(self) -> Any: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def sms_verified_at(self) -> datetime | None: ...
    @property
    def phone_changed_at(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class Unmatched:
    """R2: the hash matches no user."""

    rule: str = "R2"
    evidence: str = "no user's number has this hash"


@dataclass(frozen=True, slots=True)
class Discard:
    """A discard rule applies; ``reason`` is the message's recorded reason."""

    reason: str
    rule: str
    evidence: str


@dataclass(frozen=True, slots=True)
class Deliver:
    """Nothing is missing: the message is delivered now, explained by ``rule``."""

    rule: str
    evidence: str


@dataclass(frozen=True, slots=True)
class Hold:
    """The message waits for ``missing`` (``consent``, ``sms``)."""

    missing: frozenset[str]
    rule: str
    evidence: str


Verdict = Unmatched | Discard | Deliver | Hold


# ---------------------------------------------------------------- R11


def sms_exemption(user: UserState, at: datetime) -> tuple[str, datetime] | None:
    """R11: what exempts the user from SMS at ``at`` (the latest-running exemption), or None.

    Exempt while ``at < start + SMS_VALIDITY`` for any of: SMS verified,
    account created, phone number changed.
    """
    validity = decisions.SMS_VALIDITY
    best: tuple[str, datetime] | None = None
    for what, start in (("sms_verified", user.sms_verified_at), ("created", user.created_at),
                        ("phone_changed", user.phone_changed_at)):
        if start is not None and at < start + validity and (best is None or start + validity > best[1]):
            best = (what, start + validity)
    return best


def sms_required(user: UserState, at: datetime) -> bool:
    """R11: SMS authentication is needed at ``at``."""
    validity = decisions.SMS_VALIDITY
    for start in (user.sms_verified_at, user.created_at, user.phone_changed_at):
        if start is not None and at < start + validity:
            return False
    return True


def requirements(user: UserState, at: datetime) -> frozenset[str]:
    """What a message for ``user`` would wait for at ``at``: consent (R13) and/or SMS (R11)."""
    consent = user.consent == "not_set"
    sms = sms_required(user, at)
    if consent:
        return _CONSENT_SMS if sms else _CONSENT
    return _SMS if sms else _NOTHING


_NOTHING: frozenset[str] = frozenset()
_CONSENT = frozenset({"consent"})
_SMS = frozenset({"sms"})
_CONSENT_SMS = frozenset({"consent", "sms"})


# ---------------------------------------------------------------- R4-R9


def discard_verdict(user: UserState, oa_id: str) -> Discard | None:
    """The first discard rule that applies now, in ``decisions.DISCARD_CHECK_ORDER``."""
    for rule in decisions.DISCARD_CHECK_ORDER:
        if rule == "R4":
            if user.phone is None:
                return Discard(decisions.NO_NUMBER_REASON, "R5", "the account has no phone number any more")
            if not phone.can_receive(user.phone):
                return Discard("country", "R4", f"{user.phone} is not a JP, TH or TW number")
        elif rule == "R6" and oa_id in user.blocked:
            return Discard("blocked", "R6", f"the user has blocked {oa_id}")
        elif rule == "R8" and not user.privacy_policy:
            return Discard("privacy_policy", "R8", "the March 2022 privacy policy is not agreed")
        elif rule == "R9" and user.consent == "rejected":
            return Discard("consent_rejected", "R9", "consent is rejected")
    return None


# ---------------------------------------------------------------- arrival and after


def on_arrival(user: UserState | None, oa_id: str, at: datetime) -> Verdict:
    """A message from ``oa_id`` arrives for ``user`` (None: the hash matched nobody) at ``at``."""
    if user is None:
        return Unmatched()
    discard = discard_verdict(user, oa_id)
    if discard is not None:
        return discard
    needs = requirements(user, at)
    rule = DELIVERY_RULE[needs]
    if not needs:
        return _shared(Deliver, rule, "consent agreed and SMS not required")
    return _hold(needs, rule)


def on_recheck(user: UserState, oa_id: str, at: datetime, *, missing: frozenset[str], rule: str,
               arrival_needs: frozenset[str], completed_by: str | None = None) -> Verdict:
    """A pending message, after the user's settings changed (consent, SMS, number).

    ``missing`` and ``rule`` are what it waited for until now and why;
    ``arrival_needs`` is what it waited for on arrival, which names the
    delivery rule (R13-R15) unless ``completed_by`` names the step that
    completed it (R19).  A newly required SMS (an R11 exemption ran out
    while it waited) is a hold under R11.
    """
    discard = discard_verdict(user, oa_id)
    if discard is not None:
        return discard
    needs = requirements(user, at)
    if not needs:
        return _shared(Deliver, completed_by or DELIVERY_RULE[arrival_needs], "nothing is missing any more")
    if "sms" in needs and "sms" not in missing:
        return _shared(Hold, needs, "R11", "the SMS exemption ran out while the message waited")
    return _hold(needs, rule)


def _waiting(needs: frozenset[str]) -> str:
    return "waiting for " + " and ".join(sorted(needs))


#: Verdicts are values (frozen), and there are few distinct ones: each is made once and shared
#: (three per delivered message otherwise, about 1 µs each).
_VERDICTS: dict[tuple[Any, ...], Any] = {}
_V = TypeVar("_V", Deliver, Hold)


def _shared(kind: type[_V], *fields: Any) -> _V:
    key = (kind, *fields)
    verdict: _V | None = _VERDICTS.get(key)
    if verdict is None:
        verdict = _VERDICTS[key] = kind(*fields)
    return verdict


def _hold(needs: frozenset[str], rule: str) -> Hold:
    return _shared(Hold, needs, rule, _WAITING.get(needs) or _waiting(needs))


_WAITING = {needs: _waiting(needs) for needs in DELIVERY_RULE}
