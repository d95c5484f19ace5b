"""Engine speed and memory: Flow B per user against two floors, and memory per send with ``keep=N``.

Prints, in one run (so the figures compare as ratios on the same machine):

* set-up cost: building a Simulation (its three state machines, catalogue),
  and adding the users (E.164 parsing through ``phonenumbers``), per user;
* per-user cost of Flow B as the issue defines it (send -> consent -> SMS ->
  delivery): send, open consent, agree, open phone auth, send SMS, confirm,
  enter the PIN -> delivered (9 machine triggers: 6 screen, 1 consent,
  2 message lifecycle), checked delivered;
* floor (a): the same number of bare `transitions` triggers (model-less
  machine, one event per trigger, no conditions or callbacks);
* floor (b): a plain-Python model of the same Flow B (dicts, no library: the
  same steps and checks -- the destination hash and the content checked,
  the hash matched, the discard rules and R11 decided, the LINE chat
  messages posted, the 24-hour timer, the screens moved where they allow
  it, a PIN sent and checked, the delivery, the count, a webhook dict queued);
* the ratios engine / floor.  Goal: at most 4x the plain-Python floor.
  The three run in three processes (each its own heap, so the garbage
  collector of one never walks the others' objects), taking turns on slices
  of users, so a machine whose speed drifts slows all three alike; times
  are the processes' CPU time (a shared machine's waits are not counted);
  each collects its set-up's garbage before the timed part, so what the
  collector costs in the timed part is what Flow B itself made;
* memory with ``Simulation(keep=N)`` over many sends, each in a fresh
  process: Flow D (consent agreed and SMS not needed) to a few users, and
  Flow B, each send to a new user.  RSS and Python's allocated blocks at
  intervals: Flow D must stay flat; Flow B grows only by what each new
  user keeps (their own chats and SMS), the same for every user.

Usage: python bench/engine.py [--users N] [--repeat R] [--chunk C] [--sends S] [--keep K] [--no-memory]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import heapq
import itertools
import multiprocessing
import random
import re
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from transitions import Machine

from flowsim import Simulation, hash_number

START = datetime(2026, 4, 1, 9, tzinfo=timezone(timedelta(hours=9)))
#: CPU time of this process, not wall time: on a shared machine, time spent waiting for a core is not ours.
_clock = time.process_time
FLOW_B = ("open_consent", "agree", "open_phone_auth", "send_sms", "confirm_sms")
TRIGGERS_PER_USER = 9


def numbers(n: int, offset: int = 0) -> list[str]:
    return [f"+8180{i:08d}" for i in range(offset, offset + n)]


class EngineFlowB:
    """The engine: ``users`` users older than 180 days (SMS needed), consent not set."""

    def __init__(self, users: int) -> None:
        Simulation(start=START, seed=1)  # the first one also builds the machines, once per process
        t0 = _clock()
        sim = Simulation(start=START, seed=1)
        sim.add_official_account("shop", "Example Shop")
        t1 = _clock()
        created = START - timedelta(days=400)  # older than 180 days: SMS needed
        phone_numbers = numbers(users)
        for i, number in enumerate(phone_numbers):
            sim.add_user(f"u{i}", number, created_at=created)
        self.hashes = [hash_number(n) for n in phone_numbers]
        t2 = _clock()
        self.sim, self.users = sim, users
        self.setup = {"simulation": t1 - t0, "users": t2 - t1}

    def run(self, lo: int, hi: int) -> float:
        sim, hashes = self.sim, self.hashes
        t0 = _clock()
        for i in range(lo, hi):
            uid = f"u{i}"
            result = sim.send_text("shop", hashes[i], "Your parcel ships today")
            for action in FLOW_B:
                sim.do(uid, action)
            sim.do(uid, "enter_pin", pin=sim.last_pin(uid))
            assert sim.messages[result.message_id].status == "delivered"
        return _clock() - t0

    def check(self) -> None:
        assert self.sim.sent_count("shop")["flexible"] == self.users


class BareTriggers:
    """Floor (a): TRIGGERS_PER_USER bare triggers per user on a model-less machine."""

    def __init__(self, users: int) -> None:
        class Model:
            state = "a"

        machine = Machine(model=None, states=["a", "b"], initial="a", auto_transitions=False,
                          transitions=[{"trigger": "go", "source": "a", "dest": "b"},
                                       {"trigger": "back", "source": "b", "dest": "a"}])
        self.go, self.back = machine.events["go"], machine.events["back"]
        self.models = [Model() for _ in range(users)]
        self.setup: dict[str, float] = {}

    def run(self, lo: int, hi: int) -> float:
        go, back = self.go, self.back
        t0 = _clock()
        for model in self.models[lo:hi]:
            for _ in range(TRIGGERS_PER_USER // 2):
                go.trigger(model)
                back.trigger(model)
            go.trigger(model)
        return _clock() - t0

    def check(self) -> None:
        assert all(m.state == "b" for m in self.models)


_HASH = re.compile(r"[0-9a-f]{64}")
_SMS_VALIDITY = timedelta(days=180)
_WINDOW = timedelta(hours=24)
_JST = timezone(timedelta(hours=9))
_TEXTS = {"received": "LINE notification message received", "setup": "Set up to get LINE notification messages"}
#: (screen, action) -> next screen, as the app offers them in Flow B.
_SCREENS = {("chats", "open_consent"): "consent", ("consent", "agree"): "chats",
            ("chats", "open_phone_auth"): "phone_auth", ("phone_auth", "send_sms"): "sms_confirm",
            ("sms_confirm", "confirm_sms"): "pin_entry", ("pin_entry", "enter_pin"): "chats"}


class PlainFlowB:
    """Floor (b): Flow B for every user on plain dicts, with the engine's steps and checks."""

    def __init__(self, users: int) -> None:
        created = START - timedelta(days=400)
        phone_numbers = numbers(users)
        self.hashes = [hashlib.sha256(n.encode()).hexdigest() for n in phone_numbers]
        self.people = {f"u{i}": {"id": f"u{i}", "phone": n, "created_at": created, "sms_verified_at": None,
                                 "phone_changed_at": None, "consent": "not_set", "privacy_policy": True,
                                 "blocked": set(), "screen": "chats", "chats": {"LINE": []}, "sms": [], "pin": None}
                       for i, n in enumerate(phone_numbers)}
        self.by_hash = dict(zip(self.hashes, self.people))
        self.messages: dict[str, dict[str, Any]] = {}
        self.pending: dict[str, dict[str, None]] = {uid: {} for uid in self.people}
        self.counts: dict[tuple[str, str, Any], int] = {}
        self.webhooks: list[dict[str, Any]] = []
        self.timers: list[tuple[datetime, str]] = []
        self.rng = random.Random(1)
        self.seq = itertools.count(1)
        self.users = users
        self.setup: dict[str, float] = {}

    def run(self, lo: int, hi: int) -> float:
        now = START
        people, by_hash, messages, pending = self.people, self.by_hash, self.messages, self.pending
        counts, webhooks, timers, rng, seq = self.counts, self.webhooks, self.timers, self.rng, self.seq

        def sms_needed(u: dict[str, Any]) -> bool:
            return all(t is None or now >= t + _SMS_VALIDITY
                       for t in (u["sms_verified_at"], u["created_at"], u["phone_changed_at"]))

        def needs(u: dict[str, Any]) -> set[str]:
            out = {"consent"} if u["consent"] == "not_set" else set()
            if sms_needed(u):
                out.add("sms")
            return out

        def post(u: dict[str, Any], kind: str, mid: str) -> None:
            u["chats"]["LINE"].append({"kind": kind, "at": now, "text": _TEXTS[kind], "message_id": mid})

        def tap(u: dict[str, Any], action: str) -> None:
            dest = _SCREENS.get((u["screen"], action))
            if dest is None:
                raise RuntimeError(f"{action} not offered on {u['screen']}")
            u["screen"] = dest

        def deliver(u: dict[str, Any], msg: dict[str, Any]) -> None:
            msg["status"] = "delivered"
            msg["missing"] = set()
            del pending[u["id"]][msg["id"]]
            post(u, "received", msg["id"])
            u["chats"].setdefault(msg["oa"], []).append(
                {"kind": "notification", "at": now, "text": msg["messages"][0]["text"], "message_id": msg["id"]})
            key = (msg["oa"], msg["kind"], now.astimezone(_JST).date())
            counts[key] = counts.get(key, 0) + 1
            webhooks.append({"type": "delivery", "oa": msg["oa"], "at": now, "data": msg["to"],
                             "webhookEventId": rng.randbytes(16).hex()})

        def recheck(u: dict[str, Any]) -> None:
            for mid in list(pending[u["id"]]):
                msg = messages[mid]
                missing = needs(u)
                if not missing:
                    deliver(u, msg)
                else:
                    msg["missing"] = missing

        t0 = _clock()
        for to in self.hashes[lo:hi]:
            # the send: content and destination checked, the hash matched, decided
            content = [{"type": "text", "text": "Your parcel ships today"}]
            if not _HASH.fullmatch(to) or not 1 <= len(content) <= 5:
                raise RuntimeError("400")
            for m in content:
                if m.get("type") != "text" or not 0 < len(m["text"]) <= 5000:
                    raise RuntimeError("400")
            mid = f"m{next(seq)}"
            msg = {"id": mid, "oa": "shop", "kind": "flexible", "to": to, "requested_at": now,
                   "messages": tuple(content), "status": "requested", "user": None, "missing": set()}
            messages[mid] = msg
            uid = by_hash[to]
            u = people[uid]
            if u["phone"] is None or not u["phone"].startswith(("+81", "+66", "+886")) or "shop" in u["blocked"] \
                    or not u["privacy_policy"] or u["consent"] == "rejected":
                raise RuntimeError("discarded")
            missing = needs(u)
            msg["user"] = uid
            msg["status"] = "pending"
            msg["missing"] = missing
            pending[uid][mid] = None
            heapq.heappush(timers, (now + _WINDOW, mid))
            post(u, "received", mid)
            post(u, "setup", mid)
            # the taps
            if not any(c["kind"] == "setup" for c in u["chats"]["LINE"]):
                raise RuntimeError("no setup message")
            tap(u, "open_consent")
            tap(u, "agree")
            u["consent"] = "agreed"
            recheck(u)
            tap(u, "open_phone_auth")
            tap(u, "send_sms")
            if u["phone"] is None:
                raise RuntimeError("no number")
            tap(u, "confirm_sms")
            pin = f"{rng.randrange(10 ** 6):06d}"
            u["pin"] = pin
            u["sms"].append({"at": now, "number": u["phone"], "pin": pin})
            if u["sms"][-1]["pin"] != u["pin"]:
                raise RuntimeError("wrong PIN")
            tap(u, "enter_pin")
            u["pin"] = None
            u["sms_verified_at"] = now
            recheck(u)
            assert msg["status"] == "delivered"
        return _clock() - t0

    def check(self) -> None:
        assert sum(self.counts.values()) == self.users and len(self.webhooks) == self.users


RUNNERS = {"engine": EngineFlowB, "bare": BareTriggers, "plain": PlainFlowB}


def _worker(conn: Any, kind: str, users: int) -> None:
    runner = RUNNERS[kind](users)
    # The set-up's objects are collected before the timed part, in each runner alike: otherwise when
    # the collector's next full pass falls depends on where the set-up left its counters, and a
    # runner can pay in its Flow B for a full collection of what its set-up made.
    gc.collect()
    conn.send(runner.setup)
    while (job := conn.recv()) is not None:
        conn.send(runner.run(*job))
    runner.check()
    conn.send("checked")


def interleaved(users: int, chunk: int) -> tuple[dict[str, float], dict[str, float]]:
    """Seconds for all users per runner, the three taking turns on slices of ``chunk`` users."""
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    pipes, processes = {}, []
    for kind in RUNNERS:
        ours, theirs = context.Pipe()
        process = context.Process(target=_worker, args=(theirs, kind, users), daemon=True)
        process.start()
        pipes[kind] = ours
        processes.append(process)
    setup = {}
    for kind, pipe in pipes.items():
        for what, seconds in pipe.recv().items():
            setup[what] = seconds
    totals = dict.fromkeys(RUNNERS, 0.0)
    for lo in range(0, users, chunk):
        for kind, pipe in pipes.items():
            pipe.send((lo, min(users, lo + chunk)))
            totals[kind] += pipe.recv()
    for pipe in pipes.values():
        pipe.send(None)
        assert pipe.recv() == "checked"
    for process in processes:
        process.join()
    return totals, setup


# ---------------------------------------------------------------- memory with keep=N


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096 / 2**20
    except OSError:  # not Linux: the peak instead
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10


def memory(sends: int, keep: int, flow: str, step: int) -> list[tuple[int, float, int]]:
    """(sends so far, RSS MB, allocated blocks) every ``step`` delivered sends, after a warm-up."""
    sim = Simulation(start=START, seed=1, keep=keep)
    sim.add_official_account("shop", "Example Shop")
    points: list[tuple[int, float, int]] = []
    if flow == "D":
        pool = 10
        for i, number in enumerate(numbers(pool)):
            sim.add_user(f"u{i}", number, consent="agreed", created_at=START - timedelta(days=10))
        hashes = [hash_number(n) for n in numbers(pool)]

        def send(n: int) -> None:
            result = sim.send_text("shop", hashes[n % pool], "Your parcel ships today")
            assert sim.messages[result.message_id].status == "delivered"
    else:
        created = START - timedelta(days=400)

        def send(n: int) -> None:
            uid, number = f"u{n}", f"+8180{n:08d}"
            sim.add_user(uid, number, created_at=created)
            result = sim.send_text("shop", hash_number(number), "Your parcel ships today")
            for action in FLOW_B:
                sim.do(uid, action)
            sim.do(uid, "enter_pin", pin=sim.last_pin(uid))
            assert sim.messages[result.message_id].status == "delivered"

    warm = warm_up(keep, flow)
    for n in range(warm):
        send(n)
    for n in range(warm, warm + sends):
        if (n - warm) % step == 0:
            gc.collect()
            points.append((n - warm, _rss_mb(), sys.getallocatedblocks()))
        send(n)
    gc.collect()
    points.append((sends, _rss_mb(), sys.getallocatedblocks()))
    assert sim.sent_count("shop")["flexible"] == warm + sends
    assert len(sim.messages) <= 2 * keep and len(list(sim.log)) <= 2 * keep
    return points


def warm_up(keep: int, flow: str) -> int:
    """Sends before the first figure: every bounded list full once (Flow D: 10 users' chats of 2N lines)."""
    return 2 * keep * (10 if flow == "D" else 1)


def _memory_worker(conn: Any, sends: int, keep: int, flow: str, step: int) -> None:
    conn.send(memory(sends, keep, flow, step))


def memory_in_a_process(sends: int, keep: int, flow: str, step: int) -> list[tuple[int, float, int]]:
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=_memory_worker, args=(theirs, sends, keep, flow, step), daemon=True)
    process.start()
    points: list[tuple[int, float, int]] = ours.recv()
    process.join()
    return points


def _print_memory(flow: str, title: str, points: list[tuple[int, float, int]]) -> None:
    print(f"memory, {title}")
    print("    sends   RSS MB    blocks   blocks per send since the last line")
    for (n, rss, blocks), (n0, _, b0) in zip(points, [points[0], *points[:-1]]):
        delta = f"{(blocks - b0) / (n - n0):8.2f}" if n > n0 else "       -"
        print(f"  {n:7d}  {rss:7.1f}  {blocks:8d}   {delta}")
    first, last = points[1], points[-1]
    growth = (last[2] - first[2]) / max(1, last[0] - first[0])
    what = "blocks per new user (what each user keeps)" if flow == "B" else "blocks per send"
    print(f"  Flow {flow}: {growth:+.2f} {what}; RSS {last[1] - first[1]:+.1f} MB "
          f"({(last[1] - first[1]) * 2**20 / max(1, last[0] - first[0]):+.0f} bytes per send) "
          f"from {first[0]} to {last[0]} sends")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=250, help="users per turn (the runners take turns)")
    parser.add_argument("--sends", type=int, default=100_000, help="sends for the memory figures")
    parser.add_argument("--keep", type=int, default=1_000, help="Simulation(keep=N) for the memory figures")
    parser.add_argument("--no-memory", action="store_true")
    args = parser.parse_args()
    runs = [interleaved(args.users, args.chunk) for _ in range(args.repeat)]
    setup = {what: statistics.median(s[what] for _, s in runs) for what in runs[0][1]}
    seconds = {kind: statistics.median(t[kind] for t, _ in runs) for kind in RUNNERS}
    ratios = {kind: statistics.median(t["engine"] / t[kind] for t, _ in runs) for kind in ("bare", "plain")}
    per_user = {kind: s / args.users * 1e3 for kind, s in seconds.items()}
    print(f"users                         {args.users}   (median of {args.repeat} runs, turns of {args.chunk} users)")
    print(f"engine set-up (Simulation)    {setup['simulation'] * 1e3:8.2f} ms")
    print(f"adding a user (world set-up)  {setup['users'] / args.users * 1e3:8.3f} ms per user")
    print(f"Flow B per user               {per_user['engine']:8.3f} ms   ({TRIGGERS_PER_USER} machine triggers)")
    print(f"floor (a) bare transitions    {per_user['bare']:8.3f} ms   ({TRIGGERS_PER_USER} bare triggers)")
    print(f"floor (b) plain Python        {per_user['plain']:8.3f} ms   (dicts, the same steps and checks)")
    print(f"ratio engine / bare triggers  {ratios['bare']:8.2f}x")
    print(f"ratio engine / plain Python   {ratios['plain']:8.2f}x   (goal <= 4x)")
    if args.no_memory:
        return
    step = max(1, args.sends // 10)
    d = memory_in_a_process(args.sends, args.keep, "D", step)
    _print_memory("D", f"Simulation(keep={args.keep}), Flow D sends to 10 users "
                       f"(after {warm_up(args.keep, 'D')} to fill the bounded lists)", d)
    b = memory_in_a_process(args.sends, args.keep, "B", step)
    _print_memory("B", f"Simulation(keep={args.keep}), Flow B, a new user per send "
                       f"(after {warm_up(args.keep, 'B')})", b)


if __name__ == "__main__":
    main()
