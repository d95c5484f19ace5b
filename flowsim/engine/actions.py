"""The registry of user actions: one :class:`ActionSpec` per thing a person can tap.

Everything about an action that is not its effect lives here: its name (the
scenario files' ``do:``), the arguments it takes, the button label the app
shows, the rule it belongs to, the screens that offer it (read off the
screen machine, :mod:`flowsim.engine.machines`), and why it may still be
unavailable there.  Its effect is its ``handler``, in ``flows/``.  The
scenario schema's enum, the runner's checks, the TUI's buttons and command
palette, and ``Simulation.available_actions`` all read :data:`ACTIONS`.

To add an action: an ``ActionSpec`` in its area's module under ``flows/``,
its handler beside it, and its transition line in ``machines.SCREEN_TRANSITIONS``
(``docs/architecture.md``, "How to add an action").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import machines
from .machines import CONDITION_HINTS, PRECONDITIONS, screens_offering

if TYPE_CHECKING:
    from .effects import Effects
    from .models import User

#: ``unavailable(user, oa_ids)``: why the action cannot be taken now, or ``""``.
#: ``oa_ids`` are the official accounts in question: one (an OA's chat) or all.
Unavailable = Callable[["User", "Iterable[str]", bool], str]
#: ``handler(effects, user, **arguments)``: the action's effect.
Handler = Callable[..., None]


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One user action: what it is called, takes, shows and belongs to, and what it does."""

    name: str
    label: str
    rule: str
    handler: Handler = field(repr=False, compare=False)
    args: tuple[str, ...] = ()
    #: Why the action is unavailable beyond its screen's preconditions (``""``: available).
    unavailable: Unavailable | None = field(default=None, repr=False, compare=False)
    #: One line for help texts and the command palette.
    help: str = ""

    @property
    def screens(self) -> tuple[str, ...]:
        """The screens whose transitions offer this action (from the screen machine)."""
        return screens_offering(self.name)

    def why_unavailable(self, user: User, oa_ids: Iterable[str], one_oa: bool) -> str:
        """Why ``user`` cannot take this action now (``""`` when it can), given the screen allows it."""
        condition = PRECONDITIONS.get((user.screen, self.name))
        if condition is not None and not getattr(user, condition)():
            return CONDITION_HINTS[condition]
        return self.unavailable(user, oa_ids, one_oa) if self.unavailable is not None else ""


def registry(specs: Iterable[ActionSpec]) -> dict[str, ActionSpec]:
    """The registry, in the screen machine's order; every trigger of that machine must have one spec."""
    out: dict[str, ActionSpec] = {}
    for spec in specs:
        if spec.name in out:
            raise ValueError(f"action {spec.name!r} is registered twice")
        out[spec.name] = spec
    triggers = machines.TRIGGERS
    if set(out) != set(triggers):
        raise ValueError(f"actions without a spec: {sorted(set(triggers) - set(out))}; "
                         f"specs without a transition: {sorted(set(out) - set(triggers))}")
    return {name: out[name] for name in triggers}


def _build() -> dict[str, ActionSpec]:
    from .flows import consent, friends, number, sms

    return registry([*consent.ACTIONS, *sms.ACTIONS, *number.ACTIONS, *friends.ACTIONS])


#: Every action, by name, in the order the app shows their buttons.
ACTIONS: dict[str, ActionSpec] = _build()
#: The arguments of each action beyond the user.
ACTION_ARGS: dict[str, tuple[str, ...]] = {name: spec.args for name, spec in ACTIONS.items()}


def spec_of(name: Any) -> ActionSpec | None:
    """The spec of ``name``, or None for anything that is not an action's name."""
    return ACTIONS.get(name) if isinstance(name, str) else None


def register(spec: ActionSpec, *transitions: dict[str, Any]) -> None:
    """Add an action: its spec and its screen-machine transitions (``docs/architecture.md``).

    For extensions and tests.  Call it before the front ends are imported:
    the scenario schema's enum and the TUI's buttons are read from
    :data:`ACTIONS` when their modules load.  Simulations made afterwards
    use the extended screen machine.
    """
    machines.add_screen_transitions(*transitions)
    extended = registry([*ACTIONS.values(), spec])
    ACTIONS.clear()
    ACTIONS.update(extended)
    ACTION_ARGS.clear()
    ACTION_ARGS.update({name: s.args for name, s in ACTIONS.items()})
