"""What a session ran, in order — file steps and explored ones — and running that again.

Why one trail rather than a list of file steps and a list of explored ones:

* the Steps pane shows an explored step where it ran, between the file
  steps run before and after it (issue 15: listed after the steps not yet
  run, they read as if they came last);
* the engine has no way back, so taking an explored step back (undo),
  editing or deleting one, or jumping back rebuilds the world by running
  the trail again on a new simulation (:func:`replay`).  A replay is exact:
  the same world, start and seed, the same steps in the same order, each
  explored step executed by the scenario runner as ``flowsim run`` would
  execute it from the saved file (``ScenarioRun.perform``);
* a save writes the steps in the order they ran.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flowsim.scenario import Scenario, ScenarioFileError, ScenarioRun, StepResult, step_from_data

__all__ = ["EXPLORED", "FILE", "Entry", "Replay", "replay"]

FILE = "file"
EXPLORED = "explored"


@dataclass(frozen=True, eq=False)
class Entry:
    """One step that ran: a file step (its ``index`` in the file) or an explored one (``index`` -1)."""

    kind: str
    index: int
    #: The step as plain scenario data (a file step's is the file's own, never changed).
    raw: dict[str, Any]
    #: An explored send a backend made over HTTP (the sandbox attached), recorded as a step.
    http: bool = False

    @classmethod
    def explored(cls, raw: dict[str, Any], http: bool = False) -> Entry:
        return cls(EXPLORED, -1, raw, http)


@dataclass
class Replay:
    """A new run of a trail: its simulation, what ran, and the explored steps that no longer run."""

    run: ScenarioRun
    #: The trail the replay was made from (a session adopts a replay only while its trail is this one).
    base: list[Entry]
    entries: list[Entry] = field(default_factory=list)
    results: dict[int, StepResult] = field(default_factory=dict)
    #: Explored steps left out because they fail now (an action the screen no longer offers, …), with why.
    dropped: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    #: What ``base`` held when the replay was made: a step added since (a backend's send while a question
    #: was open) makes the replay stale, though the list is the same object.
    snapshot: tuple[Entry, ...] = ()

    def stale(self, trail: list[Entry]) -> bool:
        """True when ``trail`` is not the trail this replay was made from, as it was then."""
        return self.base is not trail or self.snapshot != tuple(trail)


def replay(scenario: Scenario, start: datetime, entries: list[Entry], base: list[Entry],
           templates: dict[str, str] | None = None) -> Replay:
    """Run ``entries`` on a new simulation of ``scenario`` from ``start``.

    ``templates`` (official account → ``"allowed"``/``"not_allowed"``) is set
    before the steps: a setting changed without a step (the sandbox's
    ``PATCH /_flowsim/accounts``, which writes no event) holds in the replay.

    File steps run in their order (their results are results, a failed
    ``expect`` included); an explored step that fails is left out and listed
    in ``dropped``, and the steps after it run without it.
    """
    out = Replay(ScenarioRun(scenario, start=start), base, snapshot=tuple(base))
    run = out.run
    for oa, access in (templates or {}).items():
        run.sim.set_templates(oa, access)
    for entry in entries:
        if entry.kind == FILE:
            result = run.step()
            out.results[result.index] = result
            out.entries.append(entry)
            continue
        try:
            outcome = run.perform(step_from_data(copy.deepcopy(entry.raw), "explored step"))
        except ScenarioFileError as exc:
            out.dropped.append((entry.raw, exc.message))
            continue
        if outcome.ok:
            out.entries.append(entry)
        else:
            out.dropped.append((entry.raw, outcome.error or outcome.summary))
    return out
