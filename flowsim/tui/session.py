"""The TUI's model, without Textual: one open scenario, its run, and the explored steps.

A :class:`Session` wraps the scenario layer's runner (``flowsim.scenario.ScenarioRun``,
see ``docs/architecture.md``) and adds what the TUI needs on top:

* the scenario as plain data (step labels, and the world to save);
* stepping helpers: run to the end, to the next failure, jump to a step;
* **explore mode**: every tap, clock move and send the person makes is done on
  the same :class:`~flowsim.Simulation` and recorded as a scenario step
  (``do``/``advance``/``send`` with ``user:``), so that :meth:`Session.save`
  writes a scenario file that ``flowsim run`` passes.  Sends go through the
  runner itself (:meth:`ScenarioRun.perform`), so a recorded send is exactly
  what ``flowsim run`` will do with it.
* **observers** (:meth:`Session.subscribe`): the engine's batches of the
  simulation in use, whoever drove it (the TUI, the HTTP sandbox, a test),
  and a notice when the session changed without an event (a step's result,
  a new simulation on restart).  The session subscribes to each simulation
  when it creates it and unsubscribes when it replaces it.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flowsim import Simulation
from flowsim.engine import Batch, FlowsimError
from flowsim.scenario import (ScenarioFileError, ScenarioRun, load_scenario, save_scenario, scenario_from_data,
                              step_from_data)
from flowsim.scenario.models import STEP_KINDS
from flowsim.scenario.timeparse import format_duration, parse_duration, parse_time
from flowsim.scenario.writer import scenario_data

from .defaults import DEFAULT_WORLD
from .trail import EXPLORED, FILE, Entry, Replay, replay
from .world import PLACEHOLDER_STEP

__all__ = ["ScenarioUnavailable", "Session", "check_step", "find_scenarios", "parse_time", "send_step", "step_kind",
           "step_label"]

_logger = logging.getLogger(__name__)


def step_kind(raw: dict[str, Any]) -> str:
    """``send``/``do``/``advance``/``advance_to``/``expect`` of a step as plain data (validated: one of them)."""
    return next((kind for kind in STEP_KINDS if kind in raw), "?")


# ---------------------------------------------------------------------- labels


def step_label(raw: dict[str, Any]) -> str:
    """One line for a step, e.g. ``do agree (hanako)`` or ``send shop → hanako "text"``."""
    kind = step_kind(raw)
    who = f" ({raw['user']})" if raw.get("user") else ""
    if kind == "do":
        extra = " ".join(f"{k}={raw[k]}" for k in ("oa", "value", "number", "pin", "text") if k in raw)
        return f"do {raw['do']}{' ' + extra if extra else ''}{who}"
    if kind in ("advance", "advance_to"):
        return f"{kind} {raw[kind]}"
    if kind == "send":
        spec = raw.get("send") or {}
        if "template" in spec:
            what = f"[{(spec['template'] or {}).get('key')}]"
        elif "messages" in spec:
            what = f"{len(spec['messages'] or [])} message(s)"
        else:
            what = f'"{spec.get("text", "")}"'
        name = f" as {raw['as']}" if raw.get("as") else ""
        return f"send {spec.get('from')} → {spec.get('to')} {what}{name}"
    if kind == "expect":
        spec = raw.get("expect") or {}
        user = f" ({spec['user']})" if spec.get("user") else ""
        return f"expect {', '.join(k for k in spec if k != 'user')}{user}"
    return str(raw)


# ---------------------------------------------------------------------- the session


class ScenarioUnavailable(Exception):
    """The file could not be loaded (``.message`` says why)."""


class Session:
    """One open scenario (or the built-in default world) and its run."""

    def __init__(self, path: Path | None = None, data: dict[str, Any] | None = None) -> None:
        """Open the scenario file ``path``, or plain scenario ``data`` (default: the built-in world).

        ``data`` without steps is a new world (``world.py``): it is checked as
        a file with one step would be, and run with none.
        """
        self.path = Path(path) if path is not None else None
        try:
            if data is None and self.path is not None:
                self._scenario = load_scenario(self.path)
            elif data is not None and not data.get("steps"):
                checked = scenario_from_data({**copy.deepcopy(data), "steps": [PLACEHOLDER_STEP]}, "<new world>")
                self._scenario = checked.model_copy(update={"steps": []})
            else:
                self._scenario = scenario_from_data(copy.deepcopy(data or DEFAULT_WORLD), "<default world>")
        except ScenarioFileError as exc:
            raise ScenarioUnavailable(str(exc)) from exc
        #: The loader's reading of the file, as plain data (labels, and the world to save).
        self.data = scenario_data(self._scenario)
        self.name = str(self.data.get("name") or (self.path.stem if self.path else "default world"))
        self._observers: list[Callable[[Batch], None]] = []
        self._unsubscribe: Callable[[], None] | None = None
        #: The trail as the last save wrote it (:meth:`unsaved`): its explored steps are in a file.
        self._saved: list[Entry] = []
        #: Inside a call of this session's own on the simulation (a batch outside one: another driver's).
        self._driving = 0
        self.restart()

    # ------------------------------------------------------------- observers

    def subscribe(self, callback: Callable[[Batch], None]) -> Callable[[], None]:
        """Call ``callback(batch)`` for every batch of events of the simulation in use, whoever caused it.

        Also ``callback(())`` when the session itself changed: a step's
        result or an explored step was recorded (an ``expect`` logs
        nothing), or a new simulation replaced the old one (restart, jump
        back).  Returns a
        function that unsubscribes (idempotent).  A callback that raises is
        logged and does not stop the others (as the engine's dispatch).
        """
        self._observers.append(callback)

        def unsubscribe() -> None:
            if callback in self._observers:
                self._observers.remove(callback)

        return unsubscribe

    @contextmanager
    def _own(self) -> Iterator[None]:
        """The session itself drives the simulation: the batches that come now are its own."""
        self._driving += 1
        try:
            yield
        finally:
            self._driving -= 1

    def _notify(self, batch: Batch) -> None:
        if batch and not self._driving:  # another driver (the HTTP sandbox): not a step, unless recorded
            self._foreign += 1
        for callback in tuple(self._observers):
            if callback not in self._observers:
                continue  # unsubscribed by an earlier one
            try:
                callback(batch)
            except Exception:  # noqa: BLE001 - an observer's bug must not stop the run
                _logger.exception("flowsim tui session observer %r failed", callback)

    def close(self) -> None:
        """Stop observing the simulation (the app replaced this session); observers get nothing more."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._observers.clear()

    # ------------------------------------------------------------- run

    def restart(self) -> None:
        """A new run of the scenario on a new simulation (observed from now on instead of the old one)."""
        run = ScenarioRun(self._scenario)
        self.start = run.sim.now
        self._explore_seq = 0
        #: Trails as they were before each undo, edit or delete, newest last (:meth:`redo`).
        self._redo: list[list[Entry]] = []
        self._install(run, [], {})

    def _install(self, run: ScenarioRun, trail: list[Entry], results: dict[int, Any]) -> None:
        """Make ``run`` the one shown and observed (the old simulation is no longer observed)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.run = run
        self.sim: Simulation = run.sim
        #: Operations of another driver on this simulation not recorded as steps (:meth:`record_http_send`);
        #: a replay (a new simulation) has none of them.
        self._foreign = 0
        self._unsubscribe = self.sim.subscribe(self._notify)
        #: What ran since the last restart, file steps and explored ones, in order (``trail.py``).
        self.trail: list[Entry] = trail
        #: Result of each file step by its index.
        self.results: dict[int, Any] = results
        self._notify(())

    @property
    def executed(self) -> list[dict[str, Any]]:
        """Steps executed so far, file steps and explored ones, in the order they ran (what "save" writes)."""
        return [entry.raw for entry in self.trail]

    @property
    def explored(self) -> list[dict[str, Any]]:
        """Explored steps made since the last restart, in the order they ran."""
        return [entry.raw for entry in self.trail if entry.kind == EXPLORED]

    def rows(self) -> list[Entry]:
        """The Steps pane's rows: what ran, in order (explored steps where they ran), then the file steps to run."""
        steps = self.steps
        return [*self.trail, *(Entry(FILE, index, steps[index]) for index in range(self.position, len(steps)))]

    @property
    def steps(self) -> list[dict[str, Any]]:
        """The file's steps as plain data."""
        return self.data.get("steps") or []

    @property
    def named(self) -> dict[str, str]:
        """Names (``as:``) of the sends run so far → message id."""
        return {name: r.message_id for name, r in self.run.named.items() if r.message_id}

    @property
    def message_names(self) -> dict[str, str]:
        """Message id → the scenario's name for it (``as:``): what the panes call a message."""
        return {mid: name for name, mid in self.named.items()}

    @property
    def position(self) -> int:
        return self.run.position

    @property
    def done(self) -> bool:
        return self.run.done

    def step(self):
        """Run the next file step; returns its StepResult."""
        index = self.run.position
        with self._own():
            result = self.run.step()
        self.results[result.index] = result
        self.trail.append(Entry(FILE, index, self.steps[index]))
        self._redo.clear()  # a new step: what undo took back stays taken back
        self._notify(())  # its mark changed, whether or not it logged events
        return result

    def run_to_end(self) -> list:
        out = []
        while not self.run.done:
            out.append(self.step())
        return out

    def run_to_failure(self):
        """Run until a step fails (returns it) or the end (returns ``None``)."""
        while not self.run.done:
            result = self.step()
            if not result.ok:
                return result
        return None

    def jump(self, index: int) -> None:
        """Make ``index`` the next file step: run forward, or back to where it ran.

        Forward runs the file steps in between (the explored steps stay where
        they ran).  Back replays the trail up to the point where step
        ``index`` ran: the explored steps made before it stay, those made
        after it are dropped (:meth:`lost_by_jump` counts them, for the
        question the app asks first).
        """
        index = max(0, min(index, len(self.steps)))
        if index < self.run.position:
            self._adopt(self._replay(self.trail[:self._cut(index)]))
            self._redo.clear()
        while self.run.position < index and not self.run.done:
            self.step()

    def _cut(self, index: int) -> int:
        """Where file step ``index`` (one that ran) is in the trail."""
        return next(at for at, entry in enumerate(self.trail) if entry.kind == FILE and entry.index == index)

    def lost_by_jump(self, index: int) -> int:
        """How many explored steps not saved a jump to file step ``index`` drops (of those made after it ran)."""
        if index >= self.run.position:
            return 0
        return self.unsaved(self.trail[self._cut(index):])

    def unsaved(self, entries: list[Entry] | None = None) -> int:
        """How many explored steps of ``entries`` (default: the whole trail) no save has written.

        A step is saved when the last :meth:`save` wrote it — the same step,
        not an equal one: an edited step is a new one, so is a step made
        again after an undo.  What the app asks before dropping steps
        (restart, jump back, another file, a new world) counts these.
        """
        saved = {id(entry) for entry in self._saved}  # the entries are kept alive by self._saved
        return sum(1 for entry in (self.trail if entries is None else entries)
                   if entry.kind == EXPLORED and id(entry) not in saved)

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results.values() if r.ok)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results.values() if not r.ok)

    def status(self) -> str:
        """``pass`` / ``fail`` / ``pending`` for the file as a whole, so far."""
        if self.failed:
            return "fail"
        return "pass" if self.run.done else "pending"

    # ------------------------------------------------------------- explore

    def _record(self, raw: dict[str, Any]) -> dict[str, Any]:
        self.trail.append(Entry.explored(raw))
        self._redo.clear()  # a new step: what undo took back stays taken back
        self._notify(())  # a new explored step (its events, if any, came as their batch)
        return raw

    def act(self, user: str, action: str, **kwargs: Any) -> dict[str, Any]:
        """A tap in the app: done on the engine (errors propagate), then recorded as a ``do`` step."""
        record_pin = None
        if action == "enter_pin" and "pin" in kwargs:
            kwargs["pin"] = str(kwargs["pin"])
            record_pin = "last" if kwargs["pin"] == self.sim.last_pin(user) else kwargs["pin"]
        with self._own():
            self.sim.do(user, action, **kwargs)
        raw: dict[str, Any] = {"user": user, "do": action}
        raw.update(kwargs)
        if record_pin is not None:
            raw["pin"] = record_pin
        return self._record(raw)

    def advance(self, delta: timedelta | str) -> dict[str, Any]:
        text = delta if isinstance(delta, str) else format_duration(delta)
        with self._own():
            self.sim.advance(parse_duration(text))
        return self._record({"advance": text})

    def advance_to(self, when: datetime) -> dict[str, Any]:
        with self._own():
            self.sim.advance_to(when)
        return self._record({"advance_to": when.isoformat()})

    def send(self, oa: str, to: str | None, *, text: str | None = None, template: str | None = None,
             tag: str | None = None):
        """An OA's send from the send form; returns ``(SendResult, step)``."""
        self._explore_seq += 1
        name = f"explored{self._explore_seq}"
        while name in self.named:
            self._explore_seq += 1
            name = f"explored{self._explore_seq}"
        raw = send_step(oa, to, text=text, template=template, tag=tag, name=name)
        try:
            step = step_from_data(raw, "send form")
        except ScenarioFileError as exc:
            raise ValueError(str(exc)) from None
        with self._own():
            outcome = self.run.perform(step)
        if not outcome.ok:
            raise ValueError(outcome.error)
        return self.run.named[name], self._record(raw)

    def record_http_send(self, spec: dict[str, Any], *, handled: bool) -> dict[str, Any] | None:
        """Record a send another driver made (the HTTP sandbox: a backend's push) as a ``send`` step.

        ``spec`` is the step's ``send:`` (``from``, ``to`` as the request's
        hash, ``messages`` or ``template``, ``tag``), built from the request.
        It is recorded only if the engine handled this very request
        (``handled``: the sandbox saw the engine log its call — a request it
        refused before the engine, 401, 429, a bad body, changed nothing and
        is no step, whatever else changed the simulation meanwhile, such as
        the control API) and if the scenario loader accepts it; else it
        stays an unrecorded change (:meth:`saved_data`).
        Recorded, it is replayed (undo, edit, jump back) and saved as the
        TUI's own sends are.  Returns the step (None: not recorded).
        """
        if not handled:
            return None
        raw: dict[str, Any] = {"send": {k: v for k, v in spec.items() if v is not None}}
        if check_step(raw) is not None:
            return None
        self._foreign = max(0, self._foreign - 1)  # its batch was counted as another driver's
        self.trail.append(Entry.explored(raw, http=True))
        self._redo.clear()
        self._notify(())
        return raw

    # ------------------------------------------------------------- undo, edit

    def _replay(self, entries: list[Entry]) -> Replay:
        return replay(self._scenario, self.start, entries, self.trail, self.template_access())

    def template_access(self) -> dict[str, str]:
        """Each official account's template access now.  The sandbox's ``PATCH /_flowsim/accounts``
        changes it without a step (no event): a replay and a save take it as the world's setting from
        the start (a template send made before the change, while allowed, is refused in the replay)."""
        return {oa: self.sim.official_account(oa).templates for oa in self.sim.official_accounts}

    def _adopt(self, plan: Replay, *, undoable: bool = False) -> None:
        if plan.stale(self.trail):
            raise ValueError("the run changed while the change was worked out; do it again")
        if undoable:
            self._redo.append(self.trail)
        self._install(plan.run, plan.entries, plan.results)

    def undo(self) -> dict[str, Any] | None:
        """Take the last explored step back: the world as it was before it (the trail replayed without it).

        Returns the step (None: there is none).  File steps run after it run
        again.  Nothing is asked: :meth:`redo` brings it back, until the next
        step is made.  What another driver did to the simulation (the HTTP
        sandbox) is not a step, and is not replayed.
        """
        at = next((at for at in reversed(range(len(self.trail))) if self.trail[at].kind == EXPLORED), None)
        if at is None:
            return None
        raw = self.trail[at].raw
        self._adopt(self._replay([*self.trail[:at], *self.trail[at + 1:]]), undoable=True)
        return raw

    def redo(self) -> bool:
        """The run as it was before the last undo, edit or delete (False: nothing to bring back)."""
        if not self._redo:
            return False
        plan = self._replay(self._redo.pop())
        self._install(plan.run, plan.entries, plan.results)
        return True

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def plan_edit(self, explored_index: int, raw: dict[str, Any] | None) -> Replay:
        """The run with explored step ``explored_index`` replaced by ``raw`` (None: deleted), not shown yet.

        It is worked out on a new simulation; its ``dropped`` lists the
        explored steps that no longer run after the change (the edited one
        first, if it does not run itself).  :meth:`adopt` shows it.
        """
        positions = [at for at, entry in enumerate(self.trail) if entry.kind == EXPLORED]
        at = positions[explored_index]
        entries = list(self.trail)
        if raw is None:
            del entries[at]
        else:
            entries[at] = Entry.explored(raw)
        return self._replay(entries)

    def adopt(self, plan: Replay) -> None:
        """Show the run ``plan`` (from :meth:`plan_edit`); :meth:`redo` brings back the run before it."""
        self._adopt(plan, undoable=True)

    # ------------------------------------------------------------- save

    def expectations(self) -> list[dict[str, Any]]:
        """``expect`` steps capturing the state now (screen, consent, SMS, pending, statuses, counts)."""
        out = []
        for user_id, user in self.sim.users.items():
            out.append({"expect": {
                "user": user_id,
                "screen": user.screen,
                "consent": user.consent,
                "sms_required": self.sim.sms_required(user_id),
                "pending": len(self.sim.pending_for(user_id)),
                "sms_inbox": len(user.sms_inbox),
            }})
        overall: dict[str, Any] = {}
        statuses = {name: self.sim.message(mid).status for name, mid in self.named.items()
                    if mid in self.sim.messages}
        if statuses:
            overall["message"] = statuses
        overall["sent_count"] = {oa: self.sim.sent_count(oa) for oa in self.sim.official_accounts}
        out.append({"expect": overall})
        return out

    def scenario_dict(self, name: str | None = None, with_expect: bool = True) -> dict[str, Any]:
        """The world as it was at the start + the steps run so far + the explored ones."""
        data: dict[str, Any] = {
            # a saved exploration explored again stays "Explored: X", not "Explored: Explored: X"
            "name": name or f"Explored: {self.name.removeprefix('Explored: ')}",
            "description": f"Saved from flowsim tui ({len(self.explored)} explored step(s))",
            "tags": ["explored"],
        }
        if self.data.get("covers"):
            data["covers"] = list(self.data["covers"])
        data["start"] = self.start.isoformat()
        data["seed"] = int(self.data.get("seed", 0) or 0)
        for key in ("official_accounts", "users"):
            if key in self.data:
                data[key] = copy.deepcopy(self.data[key])
        for oa, access in self.template_access().items():
            accounts = data.setdefault("official_accounts", {})
            spec = accounts.get(oa) or {}
            if spec.get("templates", "allowed") != access:
                accounts[oa] = {**spec, "templates": access}
        # a file step that failed changed nothing (the engine refused it, or an expect did not hold):
        # left out, so the saved file replays what happened and passes
        steps = copy.deepcopy([entry.raw for entry in self.trail
                               if entry.kind == EXPLORED or self.results[entry.index].ok])
        if with_expect:
            steps += self.expectations()
        data["steps"] = steps or [{"expect": {"sent_count": {oa: self.sim.sent_count(oa) for oa in self.sim.official_accounts}}}]
        return data

    def save(self, path: Path | str, name: str | None = None) -> Path:
        """Write the scenario atomically (validated, and read back before it replaces anything).

        Its ``covers:`` is what the saved steps exercise (measured by running
        them, as ``flowsim coverage`` does), not what the file it started from
        claimed.
        """
        path = Path(path)
        data, _ = self.saved_data(name)
        save_scenario(data, path)
        self._saved = list(self.trail)
        return path

    def saved_data(self, name: str | None = None) -> tuple[dict[str, Any], list[str]]:
        """What :meth:`save` writes, and why ``flowsim run`` would not pass it or not repeat this run
        (empty: it passes and repeats it)."""
        data = self.scenario_dict(name)
        data.pop("covers", None)
        covers, problem = self.exercised_by(data)
        if covers:
            data["covers"] = covers
        problems = [problem] if problem else []
        if self._foreign:
            problems.append(f"{self._foreign} change{'s' if self._foreign > 1 else ''} made over HTTP (the "
                            "sandbox's control API, or a send the scenario format cannot hold) "
                            f"{'are' if self._foreign > 1 else 'is'} not a step: the file does not repeat "
                            f"{'them' if self._foreign > 1 else 'it'}")
        return data, problems

    @property
    def http_sends(self) -> int:
        """Explored steps that are a backend's sends over HTTP (:meth:`record_http_send`)."""
        return sum(1 for entry in self.trail if entry.kind == EXPLORED and entry.http)

    def exercised_by(self, data: dict[str, Any]) -> tuple[list[str], str | None]:
        """The rule and invariant ids a run of ``data`` exercises, and why it does not run cleanly (None: it
        does; then no ids)."""
        from flowsim.scenario.exercised import covers_of  # the measurement `flowsim coverage` uses

        try:
            run = ScenarioRun(scenario_from_data(copy.deepcopy(data), "saved exploration"))
        except (ScenarioFileError, FlowsimError) as exc:
            return [], f"flowsim run refuses it: {exc}"
        failed = next((result for result in run.run_all() if not result.ok), None)
        if failed is not None:
            return [], f"flowsim run fails it at step {failed.index + 1}: {failed.summary or failed.error}"
        return covers_of(run), None


def send_step(oa: str, to: str | None, *, text: str | None = None, template: str | None = None,
              tag: str | None = None, name: str | None = None) -> dict[str, Any]:
    """The ``send`` step of the send form's fields (a template key wins over the text)."""
    spec: dict[str, Any] = {"from": oa, "to": to}
    if template:
        spec["template"] = {"key": template}
    else:
        spec["text"] = text or ""
    if tag:
        spec["tag"] = tag
    raw: dict[str, Any] = {"send": spec}
    if name:
        raw["as"] = name
    return raw


def check_step(raw: dict[str, Any]) -> str | None:
    """Why ``raw`` is not a step the scenario loader accepts (None: it is), as the loader says it."""
    try:
        step_from_data(copy.deepcopy(raw), "edited step")
    except ScenarioFileError as exc:
        return exc.message
    return None


def find_scenarios(root: Path) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` under ``root`` (or ``root`` itself), sorted."""
    root = Path(root)
    if root.is_file():
        return [root]
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
