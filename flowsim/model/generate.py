"""``flowsim generate WORLD.yaml --out DIR``: a minimal scenario suite over what ``flowsim explore`` found.

Every edge explore found was computed on one concrete path: the path that
first reached its source state, then the edge's step.  A scenario that
replays that path exercises the edge and every edge on the way (they are
the edges that discovered each state of the path).  So the suite is the
set of such paths for the targets (``--cover``):

* ``edges`` (default): every edge found;
* ``rules``: for each rule id reached, one edge that exercised it (the
  shortest path; ``--seed`` breaks ties);
* ``states``: every state found;

less every path that is the beginning of another one (GraphWalker's
shortest path to each uncovered element in turn).  Each path becomes a
file: the world's accounts, users and steps, then the path's steps, and
after each step that changed something one ``expect`` of what the engine
showed (the acting user's LINE chat and OA chats, screen, consent, pending
count, the statuses of the messages sent, webhooks, counts, the API's
answer); its ``covers:`` is what its run exercised
(:func:`flowsim.model.coverage.covers_of`).  Every file is checked with the
scenario runner before it is written.
"""

from __future__ import annotations

import os
import random
import sys
import time
from dataclasses import dataclass
from typing import Any

import click

from flowsim.scenario.terminal import echo

from .explore import ExploreProblem, Result, Step, explore, load_world


class _Observer:
    """What a scenario file's ``expect`` steps have seen so far, kept as the runner keeps it."""

    def __init__(self, run: Any) -> None:
        sim = run.sim
        self.run = run
        self.chat_seen = {(u, c): len(msgs) for u, user in sim.users.items() for c, msgs in user.chats.items()}
        self.hook_seen = {oa: len(hooks) for oa, hooks in sim.webhooks.items()}
        self.snapshot = self._state()

    def _state(self) -> dict[str, Any]:
        sim = self.run.sim
        users = {u: (x.screen, x.consent, len(sim.pending_for(u)), sim.sms_required(u)) for u, x in sim.users.items()}
        counts = {oa: sim.sent_count(oa) for oa in sim.official_accounts}
        named = {n: sim.message(r.message_id).status for n, r in self.run.named.items()
                 if r.message_id and r.message_id in sim.messages}
        return {"users": users, "counts": counts, "named": named}

    def expects(self, step: Step, sent: Any) -> list[dict[str, Any]]:
        """The expect steps that record what ``step`` changed (none if it changed nothing)."""
        from flowsim.engine import LINE_CHAT

        sim = self.run.sim
        now = self._state()
        before = self.snapshot
        by_user: dict[str, dict[str, Any]] = {}
        for uid, user in sim.users.items():
            spec: dict[str, Any] = {}
            for chat, messages in user.chats.items():
                seen = self.chat_seen.get((uid, chat), 0)
                if len(messages) > seen:
                    items = [{m.kind: {"sections": list(m.sections)}} if m.sections else m.kind
                             for m in messages[seen:]]
                    self.chat_seen[(uid, chat)] = len(messages)
                    if chat == LINE_CHAT:
                        spec["line_chat"] = items
                    else:
                        spec.setdefault("chats", {})[chat] = items
            screen, consent, pending, sms = now["users"][uid]
            old = before["users"][uid]
            if screen != old[0] or (step.kind == "do" and step.user == uid):
                spec["screen"] = screen
            if consent != old[1]:
                spec["consent"] = consent
            if pending != old[2]:
                spec["pending"] = pending
            if sms != old[3] or step.kind == "advance":
                spec["sms_required"] = sms
            if spec:
                by_user[uid] = spec
        shared: dict[str, Any] = {}
        if sent is not None:
            shared["api"] = sent.status
        changed = {n: s for n, s in now["named"].items() if before["named"].get(n) != s}
        if changed:
            shared["message"] = {}
            for name, status in changed.items():
                msg = sim.message(self.run.named[name].message_id)
                shared["message"][name] = {"status": status, "reason": msg.reason} if msg.reason else status
        for oa, hooks in sim.webhooks.items():
            seen = self.hook_seen.get(oa, 0)
            if len(hooks) > seen:
                shared.setdefault("webhooks", {})[oa] = [{"type": h.type} for h in hooks[seen:]]
                self.hook_seen[oa] = len(hooks)
        counts = {oa: c for oa, c in now["counts"].items() if c != before["counts"][oa]}
        if counts:
            shared["sent_count"] = counts
        self.snapshot = now
        out = [{"expect": {"user": uid, **spec}} for uid, spec in by_user.items()]
        if shared:
            if out:
                out[0]["expect"].update(shared)
            else:
                out.append({"expect": shared})
        return out


def _send_name(step: Step, counter: dict[str, int]) -> str:
    base = f"{step.oa}_{step.user}" if step.user else f"{step.oa}_stranger"
    if step.variant not in ("text", "stranger"):
        base += f"_{step.variant}"
    counter[base] = counter.get(base, 0) + 1
    return f"{base}_{counter[base]}" if counter[base] > 1 else base


def scenario_for_path(world: Any, path: tuple[Step, ...] | list[Step], *, name: str, description: str = "",
                      expects: bool = True, tags: tuple[str, ...] = ("generated",)) -> str:
    """A scenario file (YAML text) that sets up ``world``, replays ``path`` and records what it showed."""
    from flowsim.scenario import ScenarioRun, dump_scenario, loads_scenario, step_from_data
    from flowsim.scenario.writer import scenario_data

    from .coverage import covers_of

    base = scenario_data(world, world.path)
    run = ScenarioRun(world)
    run.run_all()
    observer = _Observer(run)
    steps = list(base["steps"])
    counter: dict[str, int] = {}
    for step in path:
        data = step.data(_send_name(step, counter) if step.kind == "send" else None)
        steps.append(data)
        result = run.perform(step_from_data(data))
        if not result.ok:
            raise ExploreProblem(f"{world.path}: replaying {step.label} failed: {result.summary}")
        if expects:
            sent = run.last_send if step.kind == "send" else None
            for expect in observer.expects(step, sent):
                steps.append(expect)
                checked = run.perform(step_from_data(expect))
                if not checked.ok:  # pragma: no cover - the runner and the observer disagree: a bug
                    raise ExploreProblem(f"generated check does not pass: {checked.summary}")
    data = {**base, "name": name, "tags": list(tags), "steps": steps}
    if description:
        data["description"] = description
    else:
        data.pop("description", None)
    text = dump_scenario(data, name)
    final = loads_scenario(text, name)
    final_run = ScenarioRun(final)
    final_run.run_all()
    data["covers"] = covers_of(final_run)
    return dump_scenario(data, name)


# ---------------------------------------------------------------- choosing the paths


def target_paths(result: Result, cover: str = "edges", seed: int = 0, max_steps: int = 30) -> list[tuple[Step, ...]]:
    """The paths of the suite: GraphWalker-style walks on the real engine until every target is covered.

    A walk starts at the world and takes, at each state, an uncovered target edge there if there is one
    (``--seed`` chooses among several), else the first step of a shortest path in the explored graph to
    the nearest state that has one; it ends after ``max_steps`` steps or when no target is left.  A step
    is matched to the graph's edge by its signature (``Step.sig``) from the abstract state the walk is
    really in, so what a walk covers is what the engine did.  Targets no walk reached that way (the
    abstraction merges states a little) get the exact path explore computed them on.
    """
    from .explore import ROOT_PROBES, World, abstract, successors

    rng = random.Random(seed)
    graph: dict[int, dict[tuple, int]] = {}
    for (src, _label, dst), step in zip(result.edges, result.edge_steps):
        graph.setdefault(src, {})[step.sig] = dst
    index = {state: i for i, state in enumerate(result.states)}
    if cover == "states":
        wanted: set[Any] = set(range(1, len(result.states)))
    elif cover == "edges":
        wanted = {(src, step.sig) for (src, _l, _d), step in zip(result.edges, result.edge_steps)}
    else:
        wanted = set(result.rules)
    world = World(result.world, None)
    world.users = sorted({s.user for s in result.edge_steps if s.user} & set(result.world.users)) or world.users
    root_sim, _ = world.build()
    originals = {u: root_sim.users[u].phone for u in sorted(root_sim.users)}
    rules_of = {(src, step.sig): rules for (src, _l, _d), step, rules
                in zip(result.edges, result.edge_steps, result.edge_rules)}

    def covers(src: int, sig: tuple, dst: int | None) -> set[Any]:
        if cover == "edges":
            return {(src, sig)}
        if cover == "states":
            return {dst} if dst is not None else set()
        return set(rules_of.get((src, sig), ()))

    def toward(start: int) -> tuple | None:
        """The first signature of a shortest path from ``start`` to a state with an uncovered target."""
        seen = {start}
        frontier: list[tuple[int, tuple | None]] = [(start, None)]
        while frontier:
            nxt: list[tuple[int, tuple | None]] = []
            for state, first in frontier:
                for sig, dst in graph.get(state, {}).items():
                    if covers(state, sig, dst) & wanted:
                        return first or sig
                    if dst not in seen:
                        seen.add(dst)
                        nxt.append((dst, first or sig))
            frontier = nxt
        return None

    walks: list[tuple[Step, ...]] = []
    while wanted:
        sim, _ = world.build()
        steps: list[Step] = []
        gained = False
        while len(steps) < max_steps and wanted:
            current = index.get(abstract(sim, originals))
            if current is None:
                break
            options = successors(sim, world)
            if current == 0:
                from .explore import _signed

                options += [_signed(Step("send", oa=oa, variant="stranger")) for oa in world.oas]
                first = next((u for u in world.users if sim.users[u].phone), None)
                if first is not None:
                    options += [_signed(Step("send", first, oa=world.oas[0], variant=v)) for v in ROOT_PROBES[1:]]
            by_sig = {o.sig: o for o in options if o.sig in graph.get(current, {})}
            fresh = sorted((o for sig, o in by_sig.items() if covers(current, sig, graph[current][sig]) & wanted),
                           key=lambda o: o.label)
            if fresh:
                step = rng.choice(fresh)
            else:
                sig = toward(current)
                found = by_sig.get(sig) if sig is not None else None
                if found is None:
                    break
                step = found
            step.apply(sim)
            steps.append(step)
            got = covers(current, step.sig, index.get(abstract(sim, originals)))
            if got & wanted:
                gained = True
                wanted -= got
        if not gained:
            break
        walks.append(tuple(steps))
    for target in sorted(wanted, key=str):  # what the walks could not reach: the exact path
        path = _exact_path(result, cover, target)
        if path:
            walks.append(path)
    return walks


def _exact_path(result: Result, cover: str, target: Any) -> tuple[Step, ...]:
    if cover == "states":
        return result.paths[target]
    for (src, _l, _d), step, rules in zip(result.edges, result.edge_steps, result.edge_rules):
        if (cover == "edges" and (src, step.sig) == target) or (cover == "rules" and target in rules):
            return (*result.paths[src], step)
    return ()


def describe_path(path: tuple[Step, ...]) -> str:
    return "; ".join(step.label for step in path)


def _file_name(i: int, path: tuple[Step, ...]) -> str:
    last = path[-1]
    words = (last.user or last.oa or "clock", last.action or last.kind, last.variant if last.kind == "send" else "")
    slug = "_".join(w for w in words if w and w != "text").replace("-", "_")
    return f"{i:04d}_{slug}.yaml"


@dataclass(slots=True)
class Suite:
    results: list[Result]
    files: list[str]
    seconds: float

    @property
    def result(self) -> Result:
        return self.results[0]


def generate_suite(world: Any, out: str, *, cover: str = "edges", seed: int = 0, depth: int = 20,
                   max_states: int = 5000, max_pending: int = 1, users: Any = (), together: bool = False) -> Suite:
    """Explore ``world`` (a loaded Scenario; each user on their own unless ``together``) and write the suite."""
    from flowsim.scenario import loads_scenario, save_scenario

    from .explore import user_groups

    started = time.perf_counter()
    os.makedirs(out, exist_ok=True)
    files: list[str] = []
    results = []
    for group in user_groups(world, users or (), together):
        result = explore(world, depth=depth, max_states=max_states, max_pending=max_pending, users=group)
        results.append(result)
        for path in target_paths(result, cover, seed):
            i = len(files) + 1
            text = scenario_for_path(world, path, name=f"{world.name}: walk {i} of {len(path)} steps",
                                     description=f"Generated by flowsim generate --cover {cover} --seed {seed} from "
                                                 f"{os.path.basename(world.path)}; the walk: {describe_path(path)}.")
            target = os.path.join(out, _file_name(i, path))
            save_scenario(loads_scenario(text, target), target)
            files.append(target)
    return Suite(results, files, time.perf_counter() - started)


@click.command()
@click.argument("world", type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Directory for the files.")
@click.option("--cover", type=click.Choice(["edges", "rules", "states"]), default="edges", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Breaks ties; the same seed gives the same suite.")
@click.option("--depth", type=click.IntRange(0), default=20, show_default=True)
@click.option("--max-states", type=click.IntRange(1), default=5000, show_default=True)
@click.option("--max-pending", type=click.IntRange(1, 5), default=1, show_default=True)
@click.option("--user", "users", multiple=True, help="Only these users act and are sent to (repeatable).")
@click.option("--together", is_flag=True, help="Explore the users together rather than each on their own.")
def generate(world: str, out: str, cover: str, seed: int, depth: int, max_states: int, max_pending: int,
             users: tuple[str, ...], together: bool) -> None:
    """Write a minimal scenario suite covering every edge (or rule, or state) `flowsim explore` finds in WORLD.

    Exit 0; 2 for a bad world file.
    """
    try:
        suite = generate_suite(load_world(world), out, cover=cover, seed=seed, depth=depth, max_states=max_states,
                               max_pending=max_pending, users=users, together=together)
    except ExploreProblem as exc:
        echo(f"flowsim generate: {exc}", err=True)
        sys.exit(2)
    from flowsim.engine import RULE_IDS

    rs = suite.results
    rules = [x for x in RULE_IDS if any(x in r.rules for r in rs)]
    bound = "" if all(r.complete for r in rs) else " (a bound was reached)"
    echo(f"{len(suite.files)} scenarios in {out} covering the {cover} of {sum(len(r.states) for r in rs)} "
               f"states and {sum(len(r.edges) for r in rs)} edges{bound}; rules reached ({len(rules)}/"
               f"{len(RULE_IDS)}): {', '.join(rules)}; {suite.seconds:.1f} s")
