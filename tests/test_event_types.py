"""The event types themselves (flowsim/events.py)."""

import dataclasses
import typing

import flowsim.engine.events as events


def test_event_annotations_resolve():
    """Every event type's annotations resolve (front ends introspect them, e.g. for the TUI inspector)."""
    types = [t for t in vars(events).values() if isinstance(t, type) and dataclasses.is_dataclass(t)]
    assert len(types) > 10
    for event_type in types:
        assert typing.get_type_hints(event_type), event_type.__name__
