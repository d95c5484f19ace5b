"""The three state machines, declared as data for ``transitions``.

1. **Consent** (R21, I4): ``not_set`` → ``agreed`` | ``rejected``, and between
   those two; no transition leads back to ``not_set``.
2. **Message lifecycle** (I2): ``requested`` → ``pending`` (with missing
   requirements) → ``delivered`` | ``discarded`` | ``expired``; or straight
   from ``requested`` to ``delivered``, ``discarded`` or ``unmatched``.
   Final states have no way out, so a second delivery is impossible.
3. **App screens** (R13-R21): which user actions each screen offers and
   where each leads.  Conditions name predicates on :class:`~flowsim.models.User`
   (e.g. "a ``setup`` message is in the LINE chat") or are supplied by the
   engine (see ``ACTION_CONDITIONS``).

Each machine is built once per process with no model attached, and is the
declaration the engine fires: :mod:`flowsim.engine.compiled` reads its
events, transitions and conditions into a lookup table once, and fires a
trigger on a model object from it in about 0.5 µs (``Event.trigger`` costs
about 10 µs; attaching a machine to each object about 50 µs; measured, see
``bench/engine.py``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from transitions import Machine

from . import vocabulary

# ---------------------------------------------------------------- consent

CONSENT_STATES = list(vocabulary.CONSENT_STATES)
CONSENT_TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "agree", "source": ["not_set", "agreed", "rejected"], "dest": "agreed"},
    {"trigger": "reject", "source": ["not_set", "agreed", "rejected"], "dest": "rejected"},
]

# ---------------------------------------------------------------- message lifecycle

MESSAGE_STATES = list(vocabulary.MESSAGE_STATUSES)
MESSAGE_TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "unmatch", "source": "requested", "dest": "unmatched"},
    {"trigger": "hold", "source": "requested", "dest": "pending"},
    {"trigger": "deliver", "source": ["requested", "pending"], "dest": "delivered"},
    {"trigger": "discard", "source": ["requested", "pending"], "dest": "discarded"},
    {"trigger": "expire", "source": "pending", "dest": "expired"},
]

# ---------------------------------------------------------------- app screens

SCREEN_STATES = list(vocabulary.SCREENS)

#: Actions available on the chat list that leave the user there.
CHATS_ACTIONS = [
    "settings_consent", "block", "unblock", "add_friend", "say", "agree_privacy_policy",
]

#: The screen machine, one line per transition.  Their order is the order the
#: app shows its buttons, and so of the action registry (``actions.ACTIONS``).
SCREEN_TRANSITIONS: list[dict[str, Any]] = [
    # R13/R14: "Set" under "Settings for getting LINE notification messages".
    {"trigger": "open_consent", "source": "chats", "dest": "consent", "conditions": "has_setup_message"},
    {"trigger": "agree", "source": "consent", "dest": "chats"},
    {"trigger": "reject", "source": "consent", "dest": "chats"},
    # R14/R15/R17: "Set" under "Phone number authentication".
    {"trigger": "open_phone_auth", "source": "chats", "dest": "phone_auth", "conditions": "has_phone_setup"},
    {"trigger": "send_sms", "source": "phone_auth", "dest": "sms_confirm"},
    {"trigger": "confirm_sms", "source": "sms_confirm", "dest": "pin_entry", "conditions": "has_number"},
    # R17/R18: the right PIN goes back to the chats; a wrong one stays (decisions.WRONG_PIN_STAYS).
    {"trigger": "enter_pin", "source": "pin_entry", "dest": "chats", "conditions": "pin_ok"},
    {"trigger": "enter_pin", "source": "pin_entry", "dest": None},
    # R19 (decision): an unparsable number is refused and the screen stays.
    {"trigger": "enter_number", "source": "number_entry", "dest": "pin_entry", "conditions": "number_ok"},
    {"trigger": "enter_number", "source": "number_entry", "dest": None},
    {"trigger": "resend_sms", "source": "pin_entry", "dest": None},
    {"trigger": "cancel", "source": ["consent", "phone_auth", "sms_confirm", "pin_entry", "number_entry"],
     "dest": "chats"},
    # R19: change the number, from the SMS dialog or from Settings.
    {"trigger": "change_number", "source": "sms_confirm", "dest": "number_entry"},
    {"trigger": "settings_change_number", "source": "chats", "dest": "number_entry"},
    *({"trigger": action, "source": "chats", "dest": None} for action in CHATS_ACTIONS),
]

def _sources(transition: dict[str, Any]) -> list[str]:
    source = transition["source"]
    return list(source) if isinstance(source, (list, tuple)) else [source]


#: Every trigger of the screen machine, in order of first appearance.
TRIGGERS: tuple[str, ...] = ()
#: Actions each screen offers, in ``TRIGGERS`` order (derived from the data).
ACTIONS_BY_SCREEN: dict[str, tuple[str, ...]] = {}
#: The precondition (a ``User`` predicate) that must hold for an action on a
#: screen, when the action has a single transition from there with a condition.
PRECONDITIONS: dict[tuple[str, str], str] = {}


def _derive() -> None:
    """(Re)compute the tables above from ``SCREEN_TRANSITIONS``, in place."""
    global TRIGGERS
    TRIGGERS = tuple(dict.fromkeys(t["trigger"] for t in SCREEN_TRANSITIONS))
    ACTIONS_BY_SCREEN.clear()
    ACTIONS_BY_SCREEN.update({
        screen: tuple(a for a in TRIGGERS if any(t["trigger"] == a and screen in _sources(t) for t in SCREEN_TRANSITIONS))
        for screen in SCREEN_STATES
    })
    PRECONDITIONS.clear()
    PRECONDITIONS.update({
        (source, t["trigger"]): t["conditions"]
        for t in SCREEN_TRANSITIONS
        if isinstance(t.get("conditions"), str)
        for source in _sources(t)
        if sum(1 for u in SCREEN_TRANSITIONS if u["trigger"] == t["trigger"] and source in _sources(u)) == 1
    })


_derive()


def screens_offering(action: str) -> tuple[str, ...]:
    """The screens from which ``action`` has a transition."""
    return tuple(screen for screen, actions in ACTIONS_BY_SCREEN.items() if action in actions)


def add_screen_transitions(*transitions: dict[str, Any]) -> None:
    """Extend the screen machine with a new action's transitions (see ``actions.register``)."""
    SCREEN_TRANSITIONS.extend(transitions)
    _derive()
    screen_machine.cache_clear()


#: Why an action whose screen allows it may still be unavailable, keyed by
#: the condition name used above (or by action, for per-OA preconditions
#: that the engine checks itself).
CONDITION_HINTS: dict[str, str] = {
    "has_setup_message": "there is no 'setup' message in the LINE chat to tap Set on",
    "has_phone_setup": "there is no 'phone_auth' message or phone section in the LINE chat",
    "has_number": "the account has no registered phone number",
}


def build(states: list[str], transitions: list[dict[str, Any]], attribute: str, initial: str) -> Machine:
    """A model-less machine whose state lives in ``obj.<attribute>``."""
    return Machine(
        model=None,
        states=states,
        transitions=transitions,
        initial=initial,
        auto_transitions=False,
        model_attribute=attribute,
        ignore_invalid_triggers=False,
    )


# The machines are model-less: their state lives on the objects passed to
# ``trigger`` and their conditions are looked up on those objects, so one
# instance of each serves every Simulation in the process.  Building them
# costs about 0.25 ms per Simulation otherwise (measured by bench/scenarios.py).


@cache
def consent_machine() -> Machine:
    """The consent setting (R21): not_set -> agreed / rejected, never back to not_set."""
    return build(CONSENT_STATES, CONSENT_TRANSITIONS, "consent", "not_set")


@cache
def message_machine() -> Machine:
    """One notification message's lifecycle: pending -> delivered / discarded / expired / unmatched."""
    return build(MESSAGE_STATES, MESSAGE_TRANSITIONS, "status", "requested")


@cache
def screen_machine() -> Machine:
    """The user's app screens and the actions each offers."""
    return build(SCREEN_STATES, SCREEN_TRANSITIONS, "screen", "chats")


