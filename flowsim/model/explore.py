"""``flowsim explore WORLD.yaml``: breadth-first search of a world's reachable abstract states.

The world is a scenario file: its accounts, users, start and seed, and its
steps, which are run first (the root is where they leave the world).  From
each state the search takes every edge:

* every action each user's app offers (``Simulation.available_actions``,
  per official account for block, unblock, add friend and say), with the
  arguments that lead to different places: Agree or Reject in Settings; the
  right PIN (``pin: last``) and a wrong one; as a new number a fresh one, a
  national form, another user's (R5), one from the US (R4) and junk (R19);
* a send from each official account to each user with a number (while
  fewer than ``max_pending`` of that account's messages wait for the user);
* a clock jump to each coming boundary (a pending message's expiry, a
  user's 180-day SMS exemption), one second before it and exactly at it;
* from the root only, the sends whose outcome depends on no state: to a
  number nobody holds (R2) and three LINE refuses (R28, R29, R30).

A state is *abstract*: per user the consent, screen, number, privacy policy,
whether SMS is required, blocked and friend accounts, the PIN challenge and
the pending messages with what each waits for; per account the delivered
count (capped at 2); and the order of the coming boundaries, each marked if
it is one second away.  What differs only in message ids, chat history or
absolute times is one state, so the search ends.  Each state is rebuilt by
replaying its (shortest) path from the world on the real engine, so what is
explored is exactly what scenario files do.

Invariants I1-I5 (:mod:`flowsim.model.invariants`) are checked after every
edge; a violation is reported with the shortest path to it, printed as a
runnable scenario file.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import click

from flowsim.scenario.terminal import echo

SECOND = timedelta(seconds=1)
#: Numbers typed as a new number (R19): another user's (R5; in a world of one user a fresh one in national
#: form, R3), one from the US (R4), junk (refused).
NATIONAL_NUMBER = "080-5555-1{:03d}"
FOREIGN_NUMBER = "+14155550199"
JUNK_NUMBER = "12"
STRANGER = "+818099990000"  # nobody holds it, nobody types it


class ExploreProblem(Exception):
    """A world that cannot be explored (invalid, or its own steps fail); ``str()`` names the file and line."""


@dataclass(frozen=True, slots=True)
class Step:
    """One edge: a scenario step.  ``kind`` is ``do``, ``send`` or ``advance``."""

    kind: str
    user: str = ""
    action: str = ""
    args: tuple[tuple[str, str], ...] = ()
    oa: str = ""
    variant: str = "text"  # send: text | media | short_tag | bad_template | stranger
    seconds: int = 0
    #: What the step is, whatever the state's literals (a PIN, a number of seconds): the same in every
    #: state of one abstract class; an edge is (source state, sig).
    sig: tuple = field(default=(), compare=False)

    @property
    def label(self) -> str:
        if self.kind == "do":
            extra = " ".join(f"{k}={v}" for k, v in self.args)
            return f"{self.user}: {self.action}" + (f" {extra}" if extra else "")
        if self.kind == "send":
            what = "" if self.variant == "text" else f" ({self.variant})"
            return f"{self.oa} → {self.user or 'stranger'}{what}"
        return f"advance {_duration(self.seconds)}"

    def data(self, name: str | None = None) -> dict[str, Any]:
        """The step as scenario data (``name``: its ``as:`` for a send)."""
        if self.kind == "do":
            out: dict[str, Any] = {"do": self.action, "user": self.user}
            out.update(self.args)
            return out
        if self.kind == "advance":
            return {"advance": timedelta(seconds=self.seconds)}
        send: dict[str, Any] = {"from": self.oa, "to": self.user or STRANGER}
        if self.variant == "media":
            send["messages"] = [{"type": "image", "originalContentUrl": "https://example.com/a.png",
                                 "previewImageUrl": "https://example.com/a.png"}]
        elif self.variant == "bad_template":
            send["template"] = {"key": "no_such_template"}
        else:
            send["text"] = f"A message from {self.oa}"
            if self.variant == "short_tag":
                send["tag"] = "short"
        out = {"send": send}
        if name:
            out["as"] = name
        return out

    def apply(self, sim: Any) -> Any:
        """Do it on ``sim`` as the scenario runner would; returns the send's result (or None)."""
        if self.kind == "do":
            kwargs = dict(self.args)
            if kwargs.get("pin") == "last":
                kwargs["pin"] = sim.last_pin(self.user)
            sim.do(self.user, self.action, **kwargs)
            return None
        if self.kind == "advance":
            sim.advance(timedelta(seconds=self.seconds))
            return None
        from flowsim.engine import hash_number

        to = sim.hash_of(self.user) if self.user else hash_number(STRANGER)
        if self.variant == "media":
            return sim.send_flexible(self.oa, to, self.data()["send"]["messages"])
        if self.variant == "bad_template":
            return sim.send_template(self.oa, to, "no_such_template")
        return sim.send_text(self.oa, to, f"A message from {self.oa}",
                             "short" if self.variant == "short_tag" else None)


def _duration(seconds: int) -> str:
    from flowsim.scenario.timeparse import format_duration

    return format_duration(timedelta(seconds=seconds))


@dataclass(slots=True)
class Violation:
    invariant: str
    detail: str
    path: tuple[Step, ...]


@dataclass
class Result:
    """What a search found."""

    world: Any  # the Scenario
    states: list[tuple] = field(default_factory=list)
    paths: list[tuple[Step, ...]] = field(default_factory=list)
    edges: list[tuple[int, str, int]] = field(default_factory=list)
    edge_steps: list[Step] = field(default_factory=list)
    edge_rules: list[frozenset[str]] = field(default_factory=list)
    rules: set[str] = field(default_factory=set)
    enabled: set[str] = field(default_factory=set)
    screens: set[str] = field(default_factory=set)
    violations: list[Violation] = field(default_factory=list)
    stuck: list[int] = field(default_factory=list)
    complete: bool = True  # False when a bound stopped the search
    depth: int = 0
    seconds: float = 0.0
    steps_run: int = 0

    def describe(self, index: int) -> str:
        """One line for a state (for the explored graph)."""
        users, _boundaries = self.states[index]
        parts = []
        for uid, u in users:
            consent, screen, number, _pp, sms, blocked, pin, pending = u
            bits = [consent, screen, f"number {number}", "sms" if sms else "no-sms"]
            if blocked:
                bits.append("blocked " + ",".join(blocked))
            if pin:
                bits.append(f"pin {pin}")
            if pending:
                bits.append("pending " + ",".join(f"{oa}:{'+'.join(m) or '-'}" for oa, m in pending))
            parts.append(f"{uid} " + " ".join(bits))
        return " | ".join(parts)


# ---------------------------------------------------------------- the world and its states


def load_world(path: str) -> Any:
    """The world file as a Scenario; an invalid file is an :class:`ExploreProblem` naming file:line."""
    from flowsim.scenario import ScenarioFileError, load_scenario

    try:
        return load_scenario(path)
    except ScenarioFileError as exc:
        raise ExploreProblem(exc.report()) from None


class World:
    """Builds the world's simulation (with an invariant record) and replays paths on it."""

    def __init__(self, scenario: Any, catalogue: Any = None) -> None:
        from flowsim.scenario import ScenarioFileError, ScenarioRun

        self.scenario = scenario
        self.catalogue = catalogue
        self._run_class = ScenarioRun
        self.setup = [s for s in scenario.steps if s.kind != "expect"]
        try:
            run = ScenarioRun(scenario, catalogue=catalogue)
        except ScenarioFileError as exc:
            raise ExploreProblem(exc.report()) from None
        for result in run.run_all():
            if not result.ok:
                raise ExploreProblem(f"{scenario.path}:{result.line}: the world's own step fails: "
                                     f"{result.summary}; expected steps that pass (flowsim run {scenario.path})")
        self.users = sorted(scenario.users)
        self.oas = sorted(scenario.official_accounts)
        #: Each user's number when the world's steps have run.
        self.originals = {u: run.sim.users[u].phone for u in self.users}
        self.steps_run = 0

    def build(self, path: Iterable[Step] = ()) -> tuple[Any, Any]:
        """A fresh simulation with the world's steps and then ``path`` done; and its invariant record."""
        from .invariants import Record, check_I4

        run = self._run_class(self.scenario, catalogue=self.catalogue)
        record = Record()
        record.listen(run.sim)
        for step in self.setup:
            run.perform(step)
        check_I4(run.sim, record)  # who has left not_set already
        for step in path:
            step.apply(run.sim)
            self.steps_run += 1
        return run.sim, record


def abstract(sim: Any, originals: dict[str, str | None] | None = None) -> tuple:
    """The canonical abstract state of ``sim`` (see the module's docstring).

    ``originals``: each user's number in the world, so that a number is seen as what it is to the
    flows (the user's own, another user's, a new one, one from a country R4 refuses, none) rather
    than as digits.
    """
    now = sim.now
    users = []
    boundaries: list[tuple[Any, tuple[Any, ...]]] = []  # (time, ("expire", user, i) or ("sms", user))
    originals = originals or {}
    owners = {n: u for u, n in originals.items() if n}
    for uid in sorted(sim.users):
        u = sim.users[uid]
        pending = tuple((m.oa, tuple(sorted(m.missing))) for m in sim.pending_for(uid))
        required = sim.sms_required(uid)
        c = u.pin_challenge
        challenge = None if c is None else c.purpose if c.purpose == "verify" else \
            f"change to {_number_kind(c.number, uid, owners)}"
        users.append((uid, (u.consent, u.screen, _number_kind(u.phone, uid, owners), u.privacy_policy, required,
                            tuple(sorted(u.blocked)), challenge, pending)))
        for i, m in enumerate(sim.pending_for(uid)):
            boundaries.append((sim.expires_at(m.id), ("expire", uid, i)))
        until = sim.sms_exempt_until(uid)
        if until is not None and until > now:
            boundaries.append((until, ("sms", uid)))
    boundaries.sort()
    order = tuple((label, at - now <= SECOND) for at, label in boundaries)
    return (tuple(users), order)


def _number_kind(number: str | None, uid: str, owners: dict[str, str]) -> str:
    if number is None:
        return "none"
    owner = owners.get(number)
    if owner is not None:
        return "own" if owner == uid else f"of {owner}"
    return "new" if number.startswith(("+81", "+66", "+886")) else "foreign"


def _wrong_pin(user: Any) -> str:
    challenge = user.pin_challenge
    accepted = {challenge.pin, *challenge.earlier} if challenge is not None else set()
    n = int(challenge.pin) if challenge is not None else 0
    while True:
        n = (n + 1) % 1_000_000
        if f"{n:06d}" not in accepted:
            return f"{n:06d}"


def successors(sim: Any, world: World, max_pending: int = 1) -> list[Step]:
    """Every edge out of the state ``sim`` is in (see the module's docstring)."""
    out: list[Step] = []
    for i, uid in enumerate(world.users):
        user = sim.users[uid]
        for action in sim.available_actions(uid):
            if action in ("block", "unblock", "add_friend", "say"):
                for oa in world.oas:
                    if action in sim.available_actions(uid, oa):
                        args = (("oa", oa), ("text", "hi")) if action == "say" else (("oa", oa),)
                        out.append(Step("do", uid, action, args))
            elif action == "settings_consent":
                out += [Step("do", uid, action, (("value", v),)) for v in ("agreed", "rejected")]
            elif action == "enter_pin":
                out += [Step("do", uid, action, (("pin", "last"),), sig=("do", uid, action, "right")),
                        Step("do", uid, action, (("pin", _wrong_pin(user)),), sig=("do", uid, action, "wrong"))]
            elif action == "enter_number":
                # one other user's number as the world gave it (not whoever holds a number now: a chain of
                # takeovers through every user would be explored for each order of them)
                other = next((n for o, n in world.originals.items() if o != uid and n), None)
                typed = ([other] if other != user.phone else []) if other else [NATIONAL_NUMBER.format(i)]
                typed += [FOREIGN_NUMBER, JUNK_NUMBER]
                out += [Step("do", uid, action, (("number", n),)) for n in typed]
            else:
                out.append(Step("do", uid, action))
    for oa in world.oas:
        for uid in world.users:
            if sim.users[uid].phone is None:
                continue
            waiting = sum(1 for m in sim.pending_for(uid) if m.oa == oa)
            if waiting < max_pending:
                out.append(Step("send", uid, oa=oa))
    now = sim.now
    dues = set()
    for uid in world.users:
        for m in sim.pending_for(uid):
            dues.add(sim.expires_at(m.id))
        until = sim.sms_exempt_until(uid)
        if until is not None and until > now:
            dues.add(until)
    for rank, due in enumerate(sorted(dues)):
        for where, target in (("before", due - SECOND), ("at", due)):
            seconds = int((target - now).total_seconds())
            if seconds > 0:
                out.append(Step("advance", seconds=seconds, sig=("advance", rank, where)))
    return [s if s.sig else _signed(s) for s in dict.fromkeys(out)]


def _signed(step: Step) -> Step:
    from dataclasses import replace

    return replace(step, sig=(step.kind, step.user, step.action, step.args, step.oa, step.variant))


ROOT_PROBES = ("stranger", "media", "bad_template", "short_tag")


def explore(scenario: Any, *, depth: int = 20, max_states: int = 5000, max_pending: int = 1,
            users: Iterable[str] | None = None, progress: Callable[[int, int, int], None] | None = None,
            stop_at_violation: bool = False, catalogue: Any = None) -> Result:
    """Breadth-first search from the world of ``scenario`` (a loaded Scenario)."""
    from .coverage import exercised_rules
    from .invariants import InvariantViolation, check_all

    started = time.perf_counter()
    world = World(scenario, catalogue)
    if users is not None:
        chosen = list(users)
        unknown = [u for u in chosen if u not in scenario.users]
        if unknown:
            raise ExploreProblem(f"{scenario.path}: no user {unknown[0]!r}; expected one of {', '.join(world.users)}")
        world.users = sorted(chosen)
    result = Result(scenario)
    root_sim, root_record = world.build()
    try:
        check_all(root_sim, root_record)
    except InvariantViolation as exc:
        result.violations.append(Violation(exc.invariant, exc.detail, ()))
    originals = {u: root_sim.users[u].phone for u in sorted(root_sim.users)}
    root = abstract(root_sim, originals)
    index = {root: 0}
    result.states.append(root)
    result.paths.append(())
    queue = deque([0])
    while queue:
        current = queue.popleft()
        path = result.paths[current]
        if len(path) >= depth:
            result.complete = False
            continue
        sim, sim_record = world.build(path)
        result.depth = max(result.depth, len(path))
        _note_state(result, sim, world)
        steps = successors(sim, world, max_pending)
        if current == 0:
            steps += [_signed(Step("send", oa=oa, variant="stranger")) for oa in world.oas]
            first = next((u for u in world.users if sim.users[u].phone), None)
            if first is not None:
                steps += [_signed(Step("send", first, oa=world.oas[0], variant=v)) for v in ROOT_PROBES[1:]]
        for n, step in enumerate(steps):
            # the state's own simulation serves the last edge; the others replay the path afresh
            next_sim, record = (sim, sim_record) if n == len(steps) - 1 else world.build(path)
            before = len(next_sim.log)
            step.apply(next_sim)
            world.steps_run += 1
            rules = frozenset(exercised_rules(next_sim.log.since(before), users=next_sim.users))
            try:
                check_all(next_sim, record)
            except InvariantViolation as exc:
                result.violations.append(Violation(exc.invariant, exc.detail, (*path, step)))
                if stop_at_violation:
                    result.seconds = time.perf_counter() - started
                    result.steps_run = world.steps_run
                    return result
            key = abstract(next_sim, originals)
            target = index.get(key)
            if target is None:
                if len(result.states) >= max_states:
                    result.complete = False
                    continue
                target = index[key] = len(result.states)
                result.states.append(key)
                result.paths.append((*path, step))
                queue.append(target)
            result.edges.append((current, step.label, target))
            result.edge_steps.append(step)
            result.edge_rules.append(rules)
            result.rules |= rules
        if progress is not None:
            progress(len(result.states), len(result.edges), len(queue))
    result.stuck = _stuck(result)
    result.seconds = time.perf_counter() - started
    result.steps_run = world.steps_run
    return result


def _note_state(result: Result, sim: Any, world: World) -> None:
    for uid in world.users:
        result.screens.add(sim.users[uid].screen)
        result.enabled.update(sim.available_actions(uid))


def _stuck(result: Result) -> list[int]:
    """States with a pending message whose user has no way to resolve it but expiry: no path of that
    user's own actions (in the explored graph) to a state where fewer messages wait for them."""
    out_edges: dict[int, list[tuple[Step, int]]] = {}
    for (source, _label, target), step in zip(result.edges, result.edge_steps):
        out_edges.setdefault(source, []).append((step, target))
    stuck = []
    for i, (users, _order) in enumerate(result.states):
        for uid, u in users:
            waiting = len(u[-1])
            if not waiting:
                continue
            seen, todo, resolved = {i}, [i], False
            while todo and not resolved:
                s = todo.pop()
                for step, t in out_edges.get(s, ()):
                    if step.kind != "do" or step.user != uid or t in seen:
                        continue
                    if len(dict(result.states[t][0])[uid][-1]) < waiting:
                        resolved = True
                        break
                    seen.add(t)
                    todo.append(t)
            if not resolved and i in out_edges:
                stuck.append(i)
                break
    return stuck


def explore_file(path: str, **options: Any) -> Result:
    return explore(load_world(path), **options)


# ---------------------------------------------------------------- reporting


def violation_scenario(result: Result, violation: Violation) -> str:
    """The shortest path to ``violation`` as a scenario file (YAML text) that ``flowsim run`` accepts."""
    from .generate import scenario_for_path

    text = scenario_for_path(result.world, violation.path, name=f"{violation.invariant} violated",
                             description=f"Found by flowsim explore: {violation.detail}", expects=False)
    return text


def report(result: Result, echo: Callable[[str], None] = echo) -> None:
    from flowsim.engine import ACTIONS, RULE_IDS, SCREENS

    from .coverage import ordered

    bound = "" if result.complete else " (a bound was reached: --depth or --max-states)"
    rate = len(result.edges) / result.seconds if result.seconds else 0.0
    echo(f"{len(result.states)} states, {len(result.edges)} edges, depth {result.depth}{bound}, "
         f"{result.seconds:.1f} s ({len(result.states) / max(result.seconds, 1e-9):,.0f} states/s, "
         f"{rate:,.0f} edges/s, {result.steps_run:,} engine steps replayed, "
         f"{result.seconds / max(result.steps_run, 1) * 1e6:.0f} µs a step)")
    rules = [r for r in ordered(result.rules) if r in RULE_IDS]
    echo(f"rules reached ({len(rules)}/{len(RULE_IDS)}): {', '.join(rules)}")
    missing = [r for r in RULE_IDS if r not in result.rules]
    if missing:
        echo(f"rules not reached: {', '.join(missing)}")
    never = [a for a in ACTIONS if a not in result.enabled]
    echo(f"actions never enabled: {', '.join(never) or 'none'}")
    unreached = [s for s in SCREENS if s not in result.screens]
    echo(f"screens never reached: {', '.join(unreached) or 'none'}")
    if result.stuck:
        echo(f"states with a pending message only expiry can resolve: {len(result.stuck)}, e.g.")
        for i in result.stuck[:3]:
            echo(f"  {result.describe(i)}")
            echo(f"    reached by: {'; '.join(s.label for s in result.paths[i]) or '(the world itself)'}")
    else:
        echo("states with a pending message only expiry can resolve: none")
    if not result.violations:
        echo("invariants I1-I5: no violation")
        return
    echo(f"invariant violations: {len(result.violations)}")
    first = min(result.violations, key=lambda v: len(v.path))
    echo(f"shortest: {first.invariant}: {first.detail}, after {len(first.path)} steps; as a scenario:")
    echo("")
    echo(violation_scenario(result, first))


def user_groups(scenario: Any, users: Iterable[str] = (), together: bool = False) -> list[list[str]]:
    """Who is explored with whom: each user on their own (the others wait) unless ``together``."""
    chosen = list(users) or sorted(scenario.users)
    unknown = [u for u in chosen if u not in scenario.users]
    if unknown:
        raise ExploreProblem(f"{scenario.path}: no user {unknown[0]!r}; expected one of {', '.join(sorted(scenario.users))}")
    return [chosen] if together or len(chosen) <= 1 else [[u] for u in chosen]


@click.command("explore")
@click.argument("world", type=click.Path(dir_okay=False))
@click.option("--depth", type=click.IntRange(0), default=20, show_default=True, help="Longest path explored.")
@click.option("--max-states", type=click.IntRange(1), default=5000, show_default=True, help="Stop after this many states.")
@click.option("--max-pending", type=click.IntRange(1, 5), default=1, show_default=True,
              help="Messages from one account that may wait for one user before no more are sent.")
@click.option("--user", "users", multiple=True, help="Only these users act and are sent to (repeatable).")
@click.option("--together", is_flag=True,
              help="Explore the users together (the product of their states) rather than each on their own.")
def explore_command(world: str, depth: int, max_states: int, max_pending: int, users: tuple[str, ...],
                    together: bool) -> None:
    """Breadth-first search of WORLD's reachable states; invariants I1-I5 checked after every edge.

    With several users each is explored on their own while the others wait, unless --together.
    Exit 0 no violation, 1 a violation (printed as a scenario), 2 a bad world file.
    """
    try:
        scenario = load_world(world)
        groups = user_groups(scenario, users, together)
        results = []
        for group in groups:
            if len(groups) > 1:
                echo(f"== {', '.join(group)}")
            with _progress() as tick:
                result = explore(scenario, depth=depth, max_states=max_states, max_pending=max_pending,
                                 users=group, progress=tick)
            report(result)
            results.append(result)
    except ExploreProblem as exc:
        echo(f"flowsim explore: {exc}", err=True)
        sys.exit(2)
    if len(results) > 1:
        from flowsim.engine import RULE_IDS

        reached = [r for r in RULE_IDS if any(r in x.rules for x in results)]
        echo(f"== all: {sum(len(r.states) for r in results)} states, "
                   f"{sum(len(r.edges) for r in results)} edges, {sum(r.seconds for r in results):.1f} s; "
                   f"rules reached ({len(reached)}/{len(RULE_IDS)}): {', '.join(reached)}; "
                   f"violations: {sum(len(r.violations) for r in results)}")
    sys.exit(1 if any(r.violations for r in results) else 0)


class _progress:
    """A one-line progress report on stderr (a terminal only), updated at most ten times a second."""

    def __init__(self) -> None:
        self.last = 0.0
        self.tty = sys.stderr.isatty()

    def __enter__(self) -> Callable[[int, int, int], None]:
        return self.tick

    def tick(self, states: int, edges: int, queued: int) -> None:
        now = time.monotonic()
        if self.tty and now - self.last > 0.1:
            self.last = now
            sys.stderr.write(f"\rexploring: {states} states, {edges} edges, {queued} to expand ")
            sys.stderr.flush()

    def __exit__(self, *exc: Any) -> None:
        if self.tty:
            sys.stderr.write("\r" + " " * 60 + "\r")
