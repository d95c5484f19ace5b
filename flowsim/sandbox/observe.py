"""The sandbox's one seam to the engine's observers.

Everything in the sandbox that reacts to the engine (the webhook sender, the
journal of recent events) goes through :func:`subscribe`, so that when the
engine offers ``sim.subscribe(callback) -> unsubscribe`` with one batch per
operation (issue 12), this function's body was the only edit when that came.

Callbacks only record and enqueue: they never call back into the engine.
"""

from __future__ import annotations

from collections.abc import Callable

from flowsim.engine import Event, Simulation

Batch = list[Event]


def subscribe(sim: Simulation, callback: Callable[[Batch], None]) -> Callable[[], None]:
    """Call ``callback`` with the events of each engine operation; returns a function that unsubscribes.

    The engine publishes one batch per completed operation (``Simulation.subscribe``).
    """
    return sim.subscribe(lambda batch: callback(list(batch)))
