"""The engine's fast paths give what the general paths give (bench/engine.py, docs/engine.md "Speed").

* a compiled machine (``flowsim.engine.compiled``) fires exactly as
  ``transitions``' own ``Event.trigger``: every machine, state, trigger and
  outcome of its conditions, the same result, state and error;
* ``models.trusted`` builds the model validation would build (the live
  state classes, ``User`` and ``NotificationMessage``, included);
* content's quick JSON check agrees with the one that names the property.
"""

from __future__ import annotations

import itertools
import math
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from transitions import MachineError

from flowsim.engine import ChatMessage, NotificationMessage, SendResult, User, WebhookEvent
from flowsim.engine.compiled import compiled
from flowsim.engine.content import _carried, _not_json
from flowsim.engine.machines import consent_machine, message_machine, screen_machine
from flowsim.engine.models import PinChallenge, Sms, trusted

AT = datetime(2026, 4, 1, 9, tzinfo=timezone(timedelta(hours=9)))
MACHINES = {"consent": consent_machine, "message": message_machine, "screen": screen_machine}


class Stub:
    """A model whose conditions answer as told (and count their calls' arguments)."""

    def __init__(self, attribute: str, state: str, answers: dict[str, bool]) -> None:
        setattr(self, attribute, state)
        for name, answer in answers.items():
            setattr(self, name, lambda answer=answer, **_: answer)


def _conditions(machine: Any) -> list[str]:
    return sorted({c.func for e in machine.events.values() for ts in e.transitions.values() for t in ts
                   for c in t.conditions})


def _outcome(fire: Any, obj: Stub, trigger: str, attribute: str, **kwargs: Any) -> tuple[Any, ...]:
    try:
        result = fire(obj, **kwargs)
    except MachineError as exc:
        return ("MachineError", str(exc), getattr(obj, attribute))
    return (result, getattr(obj, attribute))


@pytest.mark.parametrize("name", MACHINES)
def test_a_compiled_machine_fires_as_transitions_does(name):
    machine = MACHINES[name]()
    table = compiled(machine)
    assert table.table, "the engine's machines are plain enough to compile"
    attribute = machine.model_attribute
    conditions = _conditions(machine)
    cases = 0
    for state, trigger in itertools.product(machine.states, machine.events):
        for answers in itertools.product((True, False), repeat=len(conditions)):
            told = dict(zip(conditions, answers))
            ours, theirs = Stub(attribute, state, told), Stub(attribute, state, told)
            got = _outcome(lambda o, **kw: table.fire(trigger, o, **kw), ours, trigger, attribute, pin="1")
            want = _outcome(lambda o, **kw: machine.events[trigger].trigger(o, **kw), theirs, trigger, attribute,
                            pin="1")
            assert got == want, (name, state, trigger, told)
            cases += 1
    assert cases >= len(machine.states) * len(machine.events)


def test_a_condition_the_model_lacks_goes_through_transitions():
    machine = screen_machine()
    obj = Stub("screen", "chats", {})
    with pytest.raises(AttributeError):
        compiled(machine).fire("open_consent", obj)


def _validated_and_trusted(cls: type, **values: Any) -> None:
    validated, fast = cls(**values), trusted(cls, **values)
    assert fast == validated
    assert repr(fast) == repr(validated)
    assert fast.model_dump_json() == validated.model_dump_json()
    assert fast.model_fields_set == validated.model_fields_set
    assert fast.model_copy(update={}) == validated


def test_trusted_builds_what_validation_builds():
    _validated_and_trusted(ChatMessage, kind="setup", chat="LINE", at=AT, text="Set up", sections=("consent",),
                           message_id="m1")
    _validated_and_trusted(ChatMessage, kind="notification", chat="shop", at=AT, text="hi", message_id="m1",
                           label=None, template=None, messages=({"type": "text", "text": "hi"},))
    _validated_and_trusted(Sms, at=AT, number="+818000000001", pin="123456", purpose="verify")
    _validated_and_trusted(PinChallenge, pin="123456", purpose="verify", number="+818000000001", earlier=())
    _validated_and_trusted(WebhookEvent, type="delivery", oa="shop", at=AT, webhook_event_id="0" * 26, data="x" * 16)
    _validated_and_trusted(SendResult, status=200, message_id="m1", error=None)
    _validated_and_trusted(NotificationMessage, id="m1", oa="shop", kind="flexible", to="a" * 64, requested_at=AT,
                           delivery_tag=None, messages=({"type": "text", "text": "hi"},))


def test_trusted_models_have_their_own_mutable_defaults_and_frozen_ones_stay_frozen():
    one = trusted(NotificationMessage, id="m1", oa="shop", kind="flexible", to="a" * 64, requested_at=AT)
    two = trusted(NotificationMessage, id="m2", oa="shop", kind="flexible", to="a" * 64, requested_at=AT)
    assert one.model_fields_set is not two.model_fields_set
    assert one.missing == frozenset() and isinstance(one.missing, frozenset)  # immutable: one may be shared
    first = trusted(User, id="u1", line_user_id="U" + "0" * 32, phone=None, created_at=AT)
    second = trusted(User, id="u2", line_user_id="U" + "1" * 32, phone=None, created_at=AT)
    assert first.blocked is not second.blocked and first.friends is not second.friends
    assert first.chats is not second.chats and first.sms_inbox is not second.sms_inbox
    chat = trusted(ChatMessage, kind="received", chat="LINE", at=AT, text="x")
    with pytest.raises(Exception, match="frozen"):
        chat.text = "y"  # type: ignore[misc]


def test_trusted_live_state_is_what_validation_builds_and_takes_plain_assignment():
    """User and NotificationMessage are slotted: no ``__dict__``, assignment is a plain store (docs/engine.md)."""
    values = dict(id="u1", line_user_id="U" + "0" * 32, phone="+818000000001", created_at=AT, blocked={"shop"})
    ours, theirs = trusted(User, **values), User(**values)  # type: ignore[arg-type]
    assert ours == theirs and repr(ours) == repr(theirs)
    assert ours.blocked is not values["blocked"] or theirs.blocked is not values["blocked"]
    for obj in (ours, trusted(NotificationMessage, id="m1", oa="shop", kind="flexible", to="a" * 64,
                              requested_at=AT)):
        assert not hasattr(obj, "__dict__")
    ours.screen = "consent"
    assert ours != theirs and ours.model_dump()["screen"] == "consent"
    with pytest.raises(TypeError):
        trusted(User, id="u2")  # the required fields stay required


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text() | st.binary(max_size=3)
    | st.sampled_from(["\ud800", "ok"]),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner) | st.dictionaries(
        st.text(max_size=3) | st.integers(0, 3) | st.sampled_from(["\udfff"]), inner, max_size=4),
    max_leaves=20,
)


@given(_json)
def test_the_quick_json_check_agrees_with_the_one_that_names_the_property(value):
    assert _carried(value) == (_not_json(value, "messages") is None)


def test_the_quick_json_check_at_the_depth_limit():
    deep: Any = "x"
    for _ in range(100):
        deep = [deep]
    assert _carried(deep) == (_not_json(deep, "messages") is None)
    assert not _carried([deep]) and _not_json([deep], "messages") is not None
    assert not _carried(math.nan)
