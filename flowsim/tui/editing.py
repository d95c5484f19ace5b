"""The app's commands that change explored steps after they ran: undo, redo, edit, delete.

Semantics (docs/tui.md, "Undo and editing"):

* **Undo** (``z``) takes the last explored step back: the world is rebuilt
  as it was before it by replaying the run without it (``Session.undo``).
  It asks nothing, because **redo** (``Z``) brings the run back as it was
  before the last undo, edit or delete — until the next step is made.
* **Edit** (``E``, or Enter on an explored step's row) opens a form with
  the step's arguments; **Delete step** in it removes the step.  The run is
  replayed with the change (``Session.plan_edit``) before it is shown: an
  edited step that no longer runs where it ran keeps the form open with
  the reason, and later explored steps the change would drop (an action
  the screen no longer offers) are named in a question first, Cancel
  focused.  A change shown can be taken back with ``Z``.

A mixin of :class:`~flowsim.tui.app.FlowsimApp` so that the app module keeps
to layout, stepping and the phone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .screens.edit_step import DELETE, EditStepForm
from .screens.forms import Confirm
from .session import check_step, step_label
from .trail import EXPLORED, Replay
from .widgets.steps import StepList

if TYPE_CHECKING:
    from textual.app import App

    from .session import Session

    _Base = App[None]
else:
    _Base = object

#: A change, and how the notice says it was done.
DONE = {"Edit": "Edited", "Delete": "Deleted"}


class ExploredStepCommands(_Base):
    """``action_undo``, ``action_redo``, ``action_edit_step`` and what they share."""

    session: Session

    def action_undo(self) -> None:
        raw = self.session.undo()
        if raw is None:
            self.notify("No explored step to take back.", title="Undo", severity="warning", timeout=3)
            return
        self.notify(f"Took back: {step_label(raw)} (Z brings it back)", title="Undo", timeout=3)

    def action_redo(self) -> None:
        if not self.session.redo():
            self.notify("Nothing to bring back: no undo, edit or delete since the last step.", title="Redo",
                        severity="warning", timeout=3)
            return
        self.notify("The run is back as it was before the last undo, edit or delete.", title="Redo", timeout=3)

    def action_edit_step(self) -> None:
        steps = self.query_one(StepList)
        entry = steps.entry_at(steps.highlighted)
        if entry is not None and entry[0] == EXPLORED:
            self.edit_explored(entry[1])
        elif self.session.explored:
            self.notify("Highlight an explored step (✎) in Steps, then E.", title="Edit step", severity="warning",
                        timeout=4)
        else:
            self.notify("No explored step yet: tap the phone, move the clock or send, then edit what you did.",
                        title="Edit step", severity="warning", timeout=4)

    def edit_explored(self, number: int) -> None:
        """The edit form for the ``number``-th explored step (from 0); the run is replayed with its result."""
        session = self.session
        raw = session.explored[number]

        def check(edited: dict[str, Any]) -> str | None:
            problem = check_step(edited)
            if problem is None:
                dropped = session.plan_edit(number, edited).dropped
                if dropped and dropped[0][0] is edited:
                    problem = f"It does not run there: {dropped[0][1]}"
            return problem

        def done(result: dict[str, Any] | str | None) -> None:
            if result is None:
                return
            edited = None if result == DELETE else result
            if edited == raw:
                return
            assert not isinstance(edited, str)
            self._show_edit(number, session.plan_edit(number, edited), "Delete" if edited is None else "Edit")

        title = f"Edit explored step e{number + 1}"
        oas = {oa: account.name for oa, account in session.sim.official_accounts.items()}
        self.push_screen(EditStepForm(title, raw, list(session.sim.users), oas, check), done)

    def _show_edit(self, number: int, plan: Replay, what: str) -> None:
        """Show the replayed run, after a question if the change drops later explored steps."""
        def adopt() -> None:
            try:
                self.session.adopt(plan)
            except ValueError as exc:  # the run changed meanwhile (the sandbox sent, a key ran a step)
                self.notify(str(exc), title=f"{what} step", severity="error")
                return
            self.notify(f"{DONE[what]} e{number + 1}; the run was replayed (Z brings back the run before)",
                        title=f"{what} step", timeout=3)

        if not plan.dropped:
            adopt()
            return
        lost = "; ".join(f"{step_label(raw)}: {why}" for raw, why in plan.dropped)
        count = len(plan.dropped)
        self.push_screen(Confirm(f"{what} e{number + 1} drops {count} later explored step{'s' if count > 1 else ''}",
                                 f"They no longer run after the change — {lost}. Drop them? (Z brings them back)",
                                 f"{what} and drop"),
                         lambda yes: adopt() if yes else None)
