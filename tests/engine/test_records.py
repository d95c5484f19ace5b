"""The event log's records (``(kind, at, *fields)``, written positionally by ``effects.py``) against their classes.

Every record the engine writes while the shipped corpus runs has as many
fields as its class and each field of the type the class declares; every
record round-trips through the event it stands for.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from flowsim.engine import events
from flowsim.engine.records import packed_fields, unpack
from flowsim.scenario import ScenarioRun, load_scenario

ROOT = Path(__file__).resolve().parents[2]


def _fits(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if hint is Any:
        return True
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is not None:
        return isinstance(value, origin)
    return isinstance(value, hint)


def _hints(cls: type) -> dict[str, Any]:
    """The declared type of each record field, a payload's fields as ``field.name``."""
    out = typing.get_type_hints(cls)
    if cls.payload is not None:
        last = dataclasses.fields(cls)[-1].name
        out.update({f"{last}.{name}": hint for name, hint in typing.get_type_hints(cls.payload).items()})
    return out


def _packed(cls: type) -> set[str]:
    """The record fields of an event class kept packed (its payload's ``record_packed``)."""
    if cls.payload is None:
        return set()
    last = dataclasses.fields(cls)[-1].name
    return {f"{last}.{name}" for name in packed_fields(cls.payload)}


def _payload_in_world(run: ScenarioRun, event: Any) -> Any:
    """The model an event with a payload stands for, where the world keeps it (chat, inbox, queue)."""
    sim = run.sim
    if isinstance(event, events.ChatMessageAppeared):
        kept = sim.users[event.user].chats.get(event.message.chat, [])
        wanted = event.message
    elif isinstance(event, events.SmsReceived):
        kept, wanted = sim.users[event.user].sms_inbox, event.sms
    else:
        kept, wanted = sim.webhooks[event.oa], event.event
    return next((m for m in kept if m == wanted), None)


def test_every_record_of_the_corpus_matches_its_event_class_and_round_trips():
    kinds: Counter[str] = Counter()
    hints: dict[type, dict[str, Any]] = {}
    for path in sorted((ROOT / "scenarios").rglob("*.yaml")):
        run = ScenarioRun(load_scenario(path))
        run.run_all()
        for record in run.sim.log._events:
            cls = events._CLASSES[record[0]]
            kinds[cls.__name__] += 1
            fields = cls.record_fields
            assert len(record) == len(fields) + 1, f"{path.name}: a {cls.__name__} record has {len(record) - 1} fields"
            declared = hints.setdefault(cls, _hints(cls))
            packed = _packed(cls)
            for name, value in zip(fields, record[1:]):
                if name in packed:  # kept as its marshal bytes, but for an empty value
                    assert type(value) is bytes or not value, f"{path.name}: {cls.__name__}.{name} not packed"
                    value = unpack(value)
                assert _fits(value, declared[name]), f"{path.name}: {cls.__name__}.{name} = {value!r}"
            event = events.from_record(record)
            assert type(event) is cls and events.to_record(event) == record
            if cls.payload is not None:  # kept as its values: no model in the record (the collector's work)
                assert not any(isinstance(value, BaseModel) for value in record)
                assert getattr(event, dataclasses.fields(cls)[-1].name) == _payload_in_world(run, event)
    # The corpus writes most kinds of event (a kind it never writes would go unchecked here).
    assert len(kinds) >= 15, sorted(kinds)


def test_a_payload_is_recorded_in_its_field_order_whatever_order_its_model_was_given_in():
    """A validated model's fields given in another order (or one made by model_copy) still record in field order."""
    from datetime import datetime, timezone

    from flowsim.engine.models import ChatMessage

    at = datetime(2026, 4, 1, tzinfo=timezone.utc)
    given = ChatMessage(text="hi", at=at, message_id="m1", chat="LINE", kind="received")
    copied = given.model_copy(update={"text": "changed"})
    for message in (given, copied):
        event = events.ChatMessageAppeared(at=at, user="u", message=message)
        record = events.to_record(event)
        assert record[3:] == tuple(getattr(message, name) for name in ChatMessage.model_fields)
        assert events.from_record(record) == event


def test_records_of_gives_the_records_of_the_events_of_a_type_as_logged():
    """``EventLog.records_of`` (the sandbox's read of queued webhooks) gives, for each event class and from the
    start or a later position, the records ``from_record`` turns into exactly the events ``of_type`` gives."""
    seen = 0
    for path in sorted((ROOT / "scenarios").rglob("*.yaml")):
        run = ScenarioRun(load_scenario(path))
        run.run_all()
        log = run.sim.log
        for cls in set(events._CLASSES.values()):
            for since in (0, len(log) // 2):
                wanted = log.of_type(cls, since)
                records = log.records_of(cls, since)
                assert [events.from_record(r) for r in records] == wanted
                kept = {id(r) for r in log._events}
                assert all(id(r) in kept for r in records)  # the logged records themselves, not copies
                seen += len(wanted)
    assert seen > 100  # the corpus has chats, SMS and webhooks to compare
    assert events.EventLog().records_of(events.WebhookQueued) == []
