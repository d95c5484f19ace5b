"""Scenario-layer speed: 2,000 generated scenarios through `flowsim run`'s own code path.

Generates varied scenarios of 10-15 steps by a seeded random walk over the
engine (each step is one the app offers at that moment; ``expect`` steps
record what the engine shows then, so every scenario passes), writes them to
a temporary directory, and times:

* ``run_paths`` — the function ``flowsim run`` calls: discovery, reading,
  YAML, validation, cross-checks, building the Simulation, steps, checks,
  the per-file output line (to a no-op echo) — three ways: **warm** (with
  the cache of validated files, ``flowsim/scenario/cache.py``, filled by a
  previous run: what CI's second run and every later run of unchanged files
  see; the goals are measured warm), **cold** (the cache emptied first: every
  file loaded in full, then the cache written) and **no cache**
  (``flowsim run --no-cache``);
* the same steps replayed directly on the engine API (``Simulation``,
  ``send_*``, ``do``, ``advance``, and the same reads the checks make);
* the loading part alone (read + YAML + models + checks), to show where the
  scenario layer's time goes, and the same from the warm cache (read, hash,
  the cache file unpickled);
* PyYAML's C parser alone (``yaml.compose`` with the loader's C loader,
  whose tag resolver is a third cheaper than PyYAML's, on text already in
  memory: the cheapest way we know to read YAML 1.1 with PyYAML), to show a
  floor: a scenario layer that did nothing but parse its files would run at
  most at "engine + parse" speed, and its ratio could be no better than
  (engine + parse) / engine;
* pydantic's validation alone (``Scenario.model_validate`` of the generated
  data), the other half of what the issue asks of loading ("YAML into
  pydantic models"): the floor with both.

Goals: >= 1,000 scenarios/s through ``run_paths`` (warm); ratio to the engine
replay <= 1.5.  Together they bound the loading cost L per file whatever
the engine's speed E: E + L <= 1 ms and L <= E / 2, so L <= 1/3 ms; the
last line compares that with parsing and validating alone.

Times are the process's CPU time (``time.process_time``; ``--wall`` for the
wall clock): on a machine shared with other work, the wall clock counts the
time the process waited for a core, and the ratios in one run with it.

Usage: python bench/scenarios.py [--count N] [--repeat R] [--wall]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

from flowsim import Simulation
from flowsim.engine import FlowsimError
from flowsim.scenario.cache import ScenarioCache
from flowsim.scenario.commands import run_paths
from flowsim.scenario.loader import load_scenario
from flowsim.scenario.models import Scenario
from flowsim.scenario.yamlsource import _Loader as FastLoader

JST = timezone(timedelta(hours=9))
START = datetime(2026, 4, 1, 9, tzinfo=JST)
TEMPLATE = {"key": "shipment_completed_ja",
            "body": {"emphasizedItem": {"itemKey": "date_002_ja", "content": "8/10"}, "items": [], "buttons": []}}


def generate(index: int) -> tuple[dict[str, Any], list[tuple]]:
    """One scenario (YAML-ready data) and its plan for the direct engine replay."""
    rng = random.Random(index)
    oas = ["shop", "bank"][: rng.randint(1, 2)]
    users = {}
    for u in range(rng.randint(1, 2)):
        users[f"u{u}"] = {
            "phone": f"+8180{index % 10000:04d}{u:04d}",
            "consent": rng.choice(["not_set", "not_set", "agreed"]),
            "created": rng.choice(["-3y", "-30d", "-400d"]),
            **({"sms_verified": "-179d23h"} if rng.random() < 0.3 else {}),
            "language": rng.choice(["en", "ja"]),
        }
    data: dict[str, Any] = {
        "name": f"generated {index:05d}",
        "covers": ["R12", "R13", "R14", "R15"],
        "start": START.isoformat(),
        "seed": index,
        "official_accounts": {oa: {"name": oa.title()} for oa in oas},
        "users": users,
        "steps": [],
    }
    sim = Simulation(start=START, seed=index)
    for oa in oas:
        sim.add_official_account(oa, oa.title())
    for uid, u in users.items():
        sim.add_user(uid, u["phone"], consent=u["consent"],
                     created_at=START - timedelta(days={"-3y": 1095, "-30d": 30, "-400d": 400}[u["created"]]),
                     sms_verified_at=START - timedelta(days=179, hours=23) if "sms_verified" in u else None,
                     language=u["language"])
    plan: list[tuple] = []
    seen_line: dict[str, int] = {}
    seen_chat: dict[tuple[str, str], int] = {}
    seen_hooks: dict[str, int] = {}
    names: dict[str, str] = {}
    steps = data["steps"]
    target = rng.randint(10, 15)
    one_user = len(users) == 1
    while len(steps) < target:
        roll = rng.random()
        uid = rng.choice(list(users))
        if roll < 0.2 or not steps:
            oa = rng.choice(oas)
            send: dict[str, Any] = {"from": oa, "to": uid}
            if rng.random() < 0.3:
                send["template"] = TEMPLATE
                result = sim.send_template(oa, sim.hash_of(uid), TEMPLATE["key"], TEMPLATE["body"])
            else:
                send["text"] = f"Message {len(steps)} for {uid}"
                if rng.random() < 0.3:
                    send["tag"] = f"order-{index:05d}-{len(steps):02d}-tag"
                result = sim.send_text(oa, sim.hash_of(uid), send["text"], send.get("tag"))
            name = f"m{len(steps)}"
            steps.append({"send": send, "as": name})
            names[name] = result.message_id
            plan.append(("send", send))
        elif roll < 0.6:
            actions = [a for a in sim.available_actions(uid)
                       if a not in ("enter_number", "settings_change_number", "change_number")]
            if not actions:
                continue
            action = rng.choice(actions)
            kwargs: dict[str, Any] = {}
            if action == "enter_pin":
                kwargs["pin"] = "last" if rng.random() < 0.85 else "000000"
            elif action == "settings_consent":
                kwargs["value"] = rng.choice(["agreed", "agreed", "rejected"])
            elif action in ("block", "unblock", "add_friend", "say"):
                kwargs["oa"] = rng.choice(oas)
                if action == "say":
                    kwargs["text"] = "hello"
            real = dict(kwargs)
            if real.get("pin") == "last":
                real["pin"] = sim.last_pin(uid)
            try:
                sim.do(uid, action, **real)
            except FlowsimError:
                continue
            step = {"do": action, **kwargs}
            if not one_user:
                step["user"] = uid
            steps.append(step)
            plan.append(("do", uid, action, kwargs))
        elif roll < 0.72:
            hours = rng.choice([1, 6, 23, 24, 30])
            sim.advance(timedelta(hours=hours))
            steps.append({"advance": f"{hours}h"})
            plan.append(("advance", timedelta(hours=hours)))
        else:
            user = sim.user(uid)
            line = user.chats["LINE"]
            new_line = [m.kind for m in line[seen_line.get(uid, 0):]]
            seen_line[uid] = len(line)
            # Like a person writes them: the LINE chat, plus two or three other checks.
            expect: dict[str, Any] = {"line_chat": new_line}
            extra = rng.sample(["screen", "consent", "pending", "chats", "message", "webhooks", "sent_count"],
                               rng.randint(2, 3))
            if "screen" in extra:
                expect["screen"] = user.screen
            if "consent" in extra:
                expect["consent"] = user.consent
            if "pending" in extra:
                expect["pending"] = len(sim.pending_for(uid))
            if "chats" in extra:
                oa = rng.choice(oas)
                msgs = user.chats.get(oa, [])
                expect["chats"] = {oa: [m.kind for m in msgs[seen_chat.get((uid, oa), 0):]]}
                seen_chat[(uid, oa)] = len(msgs)
            if "message" in extra and names:
                name, mid = rng.choice(list(names.items()))
                expect["message"] = {name: sim.messages[mid].status}
            if "webhooks" in extra:
                oa = rng.choice(oas)
                events = sim.webhooks[oa]
                expect["webhooks"] = {oa: [{"type": e.type} for e in events[seen_hooks.get(oa, 0):]]}
                seen_hooks[oa] = len(events)
            if "sent_count" in extra:
                oa = rng.choice(oas)
                expect["sent_count"] = {oa: sim.sent_count(oa)}
            if not one_user:
                expect["user"] = uid
            steps.append({"expect": expect})
            plan.append(("expect", uid, tuple(names.values())))
    return data, plan


def replay(data: dict[str, Any], plan: list[tuple]) -> None:
    """The same steps, straight on the engine API (with the reads the checks make)."""
    sim = Simulation(start=START, seed=data["seed"])
    for oa, spec in data["official_accounts"].items():
        sim.add_official_account(oa, spec["name"])
    for uid, u in data["users"].items():
        sim.add_user(uid, u["phone"], consent=u["consent"],
                     created_at=START - timedelta(days={"-3y": 1095, "-30d": 30, "-400d": 400}[u["created"]]),
                     sms_verified_at=START - timedelta(days=179, hours=23) if "sms_verified" in u else None,
                     language=u["language"])
    oas = list(data["official_accounts"])
    for op in plan:
        kind = op[0]
        if kind == "send":
            send = op[1]
            to = sim.hash_of(send["to"])
            if "template" in send:
                sim.send_template(send["from"], to, send["template"]["key"], send["template"]["body"])
            else:
                sim.send_text(send["from"], to, send["text"], send.get("tag"))
        elif kind == "do":
            _, uid, action, kwargs = op
            if kwargs.get("pin") == "last":
                kwargs = {**kwargs, "pin": sim.last_pin(uid)}
            sim.do(uid, action, **kwargs)
        elif kind == "advance":
            sim.advance(op[1])
        else:
            _, uid, ids = op
            user = sim.user(uid)
            _ = (user.chats["LINE"][-1:], user.screen, len(sim.pending_for(uid)), sim.sent_count(oas[0]))
            if ids and ids[-1]:
                _ = sim.messages[ids[-1]].status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--wall", action="store_true", help="time with the wall clock instead of the CPU time")
    args = parser.parse_args()
    clock = time.perf_counter if args.wall else time.process_time
    generated = [generate(i) for i in range(args.count)]
    steps = [len(d["steps"]) for d, _ in generated]
    kinds: dict[str, int] = {}
    for d, _ in generated:
        for s in d["steps"]:
            k = next(k for k in ("send", "do", "advance", "expect") if k in s)
            kinds[k] = kinds.get(k, 0) + 1
    with tempfile.TemporaryDirectory() as tmp:
        for i, (data, _) in enumerate(generated):
            Path(tmp, f"s{i:05d}.yaml").write_text(
                yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True, width=120,
                          default_flow_style=None))
        files = sorted(str(p) for p in Path(tmp).glob("*.yaml"))
        texts = [Path(f).read_text(encoding="utf-8") for f in files]
        # The benchmark's own data (the generated scenarios and plans, the texts) is no part of
        # what is measured: frozen, the collector skips it, in the engine replay as in the runs,
        # as it would in a process that has only the one or the other to do.
        gc.collect()
        gc.freeze()
        cache_dir = Path(tmp, ".cache")  # hidden: discovery skips it
        cli, cold, uncached, engine, loading, cached, parsing, validating = [], [], [], [], [], [], [], []
        hits = 0

        def through_run_paths(times: list[float], cache: ScenarioCache | None) -> None:
            lines: list[str] = []
            t0 = clock()
            code = run_paths([tmp], echo=lines.append, cache=cache)
            times.append(clock() - t0)
            if code != 0:
                print("\n".join(line for line in lines if not line.startswith("PASS"))[:4000])
                raise SystemExit(f"run_paths exited {code}")

        for _ in range(args.repeat):
            ScenarioCache.clear(cache_dir)
            through_run_paths(cold, ScenarioCache([tmp], directory=cache_dir))
            warm = ScenarioCache([tmp], directory=cache_dir)  # a new run: reads the cache file the last one wrote
            through_run_paths(cli, warm)
            hits = warm.hits
            del warm  # its scenarios would be walked by the collector in what comes next
            through_run_paths(uncached, None)
            t0 = clock()
            for data, plan in generated:
                replay(data, plan)
            engine.append(clock() - t0)
            t0 = clock()
            for f in files:
                load_scenario(f)
            loading.append(clock() - t0)
            from_cache = ScenarioCache([tmp], directory=cache_dir)
            t0 = clock()
            for f in files:
                from_cache.load(f)
            cached.append(clock() - t0)
            from_cache.close()
            del from_cache
            t0 = clock()
            for text in texts:
                yaml.compose(text, Loader=FastLoader)
            parsing.append(clock() - t0)
            t0 = clock()
            for data, _ in generated:
                Scenario.model_validate(data)
            validating.append(clock() - t0)
    n = args.count
    if hits != n:
        raise SystemExit(f"the warm run found {hits} of {n} files in the cache")
    c, e, ld = statistics.median(cli), statistics.median(engine), statistics.median(loading)
    co, nc, lc = statistics.median(cold), statistics.median(uncached), statistics.median(cached)
    pa, va = statistics.median(parsing), statistics.median(validating)
    print(f"scenarios                      {n}  ({min(steps)}-{max(steps)} steps, {sum(steps) / n:.1f} on average; "
          + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + ")")
    print(f"flowsim run code path, warm    {c:7.3f} s   {n / c:8.0f} scenarios/s   (goal >= 1000; "
          "the cache filled by the previous run)")
    print(f"  of which loading (cache)     {lc:7.3f} s   {lc / n * 1e3:6.3f} ms per file (read, hash, the cache unpickled)")
    print(f"flowsim run code path, cold    {co:7.3f} s   {n / co:8.0f} scenarios/s   (cache emptied first: "
          "every file loaded in full, the cache written)")
    print(f"flowsim run code path, no cache{nc:7.3f} s   {n / nc:8.0f} scenarios/s   (--no-cache)")
    print(f"  of which loading files       {ld:7.3f} s   {ld / n * 1e3:6.3f} ms per file (read, YAML, models, checks)")
    print(f"engine API replay              {e:7.3f} s   {n / e:8.0f} scenarios/s")
    print(f"ratio run / engine, warm       {c / e:7.2f}x   (goal <= 1.5; median of {args.repeat}, "
          f"{'wall clock' if args.wall else 'CPU time'})")
    print(f"ratio run / engine, cold       {co / e:7.2f}x   (no cache: {nc / e:.2f}x)")
    print(f"ratio run minus loading / engine {(c - lc) / e:5.2f}x   (running the steps and checks only: warm run "
          "minus loading from the cache)")
    print(f"PyYAML C parse alone           {pa:7.3f} s   {pa / n * 1e3:6.3f} ms per file (yaml.compose, C loader)")
    print(f"floor: engine + parse alone    {n / (e + pa):8.0f} scenarios/s, ratio {(e + pa) / e:.2f}x   "
          "(no validation, checks or runner at all)")
    print(f"pydantic validation alone      {va:7.3f} s   {va / n * 1e3:6.3f} ms per file (Scenario.model_validate)")
    print(f"floor: engine + parse + validation {n / (e + pa + va):4.0f} scenarios/s, ratio {(e + pa + va) / e:.2f}x   "
          "(no positions, checks or runner)")
    # Both goals at once, for an engine of any speed E (ms per scenario) and a loading cost L:
    # E + L <= 1 ms (1,000/s) and E + L <= 1.5 E (ratio) give 3 L <= 1 ms.
    print(f"both goals need loading <= 0.333 ms per file whatever the engine's speed (E + L <= 1 ms and "
          f"L <= E / 2); parse + validation alone take {(pa + va) / n * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
