"""The state machines of :mod:`flowsim.engine.machines`, compiled to lookup tables for firing.

``transitions`` stays the declaration of every machine: its states, triggers,
sources, destinations and conditions are read, once per machine, from the
``Machine`` object itself (``machine.events[name].transitions[source]`` and
each transition's ``dest`` and ``conditions``), never from a second copy.
Firing a trigger through the library's generic path costs about 10 µs
(an ``EventData``, a ``partial``, the machine's queue, callback lists that
are all empty, ten disabled logger calls); the table does the same in a
dict lookup and the condition calls, about 0.5 µs.

What a table fires is exactly what ``Event.trigger`` would do for the
subset of the library the engine declares: string conditions on the model
(``getattr(obj, name)(**kwargs) == target``, unless-conditions included),
internal transitions (``dest=None``), first passing transition wins, ``False``
when none passes.  Anything else goes through the library: a machine with
callbacks (prepare/before/after, state enter/exit, machine-wide), queued
or sending ``EventData``, a state or trigger the table does not hold (so
the library raises its own ``MachineError``), a condition the model does
not have.  :func:`compiled` refuses nothing; it only decides which path.
"""

from __future__ import annotations

from typing import Any, cast

from transitions import Machine

#: A row of the table: (destination value or None for an internal transition, conditions as (name, target)).
Row = tuple[Any, tuple[tuple[str, bool], ...]]
#: The table: (state value, trigger) -> rows, in the machine's order.
Table = dict[tuple[Any, str], tuple[Row, ...]]

_ATTRIBUTE = "_flowsim_compiled"

class CompiledMachine:
    """``fire(trigger, obj, **kwargs)`` as ``machine.events[trigger].trigger(obj, **kwargs)``, from a table."""

    __slots__ = ("machine", "attribute", "table")

    def __init__(self, machine: Machine) -> None:
        self.machine = machine
        self.attribute: str = machine.model_attribute
        #: ``(state, trigger) -> rows``; empty when the machine uses what the table does not do.
        self.table: Table = _table(machine) if _plain(machine) else {}

    def fire(self, trigger: str, obj: Any, **kwargs: Any) -> bool:
        """Fire ``trigger`` on ``obj``; True when a transition was taken (internal ones included)."""
        rows = self.table.get((getattr(obj, self.attribute), trigger))
        if rows is None:
            return bool(self.machine.events[trigger].trigger(obj, **kwargs))
        try:
            for dest, conditions in rows:
                for name, target in conditions:
                    if getattr(obj, name)(**kwargs) != target:
                        break
                else:
                    if dest is not None:
                        setattr(obj, self.attribute, dest)
                    return True
        except AttributeError:  # a condition the model lacks: the library resolves it (or says why not)
            return bool(self.machine.events[trigger].trigger(obj, **kwargs))
        return False


def compiled(machine: Machine) -> CompiledMachine:
    """The table of ``machine``, built on first use and kept on the machine (a rebuilt machine gets its own)."""
    table: CompiledMachine | None = machine.__dict__.get(_ATTRIBUTE)
    if table is None:
        table = machine.__dict__[_ATTRIBUTE] = CompiledMachine(machine)
    return table


def _plain(machine: Machine) -> bool:
    """The machine declares only what the table fires: no callbacks, no queue, no EventData to conditions."""
    if machine.send_event or machine.has_queue or any(
            getattr(machine, name) for name in ("prepare_event", "before_state_change", "after_state_change",
                                                "finalize_event", "on_exception", "on_final")):
        return False
    if any(state.on_enter or state.on_exit or state.final for state in machine.states.values()):
        return False
    for event in machine.events.values():
        for transitions in event.transitions.values():
            for t in transitions:
                if t.prepare or t.before or t.after or any(not isinstance(c.func, str) for c in t.conditions):
                    return False
    return True


def _table(machine: Machine) -> Table:
    table: Table = {}
    for name, event in machine.events.items():
        for source, transitions in event.transitions.items():
            table[(machine.get_state(source).value, name)] = tuple(
                (None if t.dest is None else machine.get_state(t.dest).value,
                 tuple((cast(str, c.func), c.target) for c in t.conditions))  # strings: see _plain
                for t in transitions
            )
    return table
