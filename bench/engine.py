"""Engine speed: 10,000 users each taken through Flow B, against a bare-`transitions` floor.

Prints, in one run (so the figures compare as ratios on the same machine):

* set-up cost: building a Simulation (its three state machines, catalogue),
  and adding the users (E.164 parsing through ``phonenumbers``), per user;
* per-user cost of Flow B as the issue defines it (send -> consent -> SMS ->
  delivery): send, open consent, agree, open phone auth, send SMS, confirm,
  enter the PIN -> delivered (9 machine triggers: 6 screen, 1 consent,
  2 message lifecycle), checked delivered;
* the floor: the same number of bare `transitions` triggers (model-less
  machine, one event per trigger, no conditions or callbacks);
* the ratio of the two.  Goal: at most 0.5 ms per user.

Usage: python bench/engine.py [--users N] [--repeat R]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime, timedelta, timezone

from transitions import Machine

from flowsim import Simulation, hash_number

START = datetime(2026, 4, 1, 9, tzinfo=timezone(timedelta(hours=9)))
FLOW_B = ("open_consent", "agree", "open_phone_auth", "send_sms", "confirm_sms")
TRIGGERS_PER_USER = 9


def numbers(n: int) -> list[str]:
    return [f"+8180{i:08d}" for i in range(n)]


def flow_b(users: int) -> tuple[float, float, float]:
    """Returns (engine set-up, adding all users, Flow B for all users), in seconds."""
    t0 = time.perf_counter()
    sim = Simulation(start=START, seed=1)
    sim.add_official_account("shop", "Example Shop")
    t1 = time.perf_counter()
    created = START - timedelta(days=400)  # older than 180 days: SMS needed
    phone_numbers = numbers(users)
    for i, number in enumerate(phone_numbers):
        sim.add_user(f"u{i}", number, created_at=created)
    hashes = [hash_number(n) for n in phone_numbers]
    t2 = time.perf_counter()
    for i, to in enumerate(hashes):
        uid = f"u{i}"
        result = sim.send_text("shop", to, "Your parcel ships today")
        for action in FLOW_B:
            sim.do(uid, action)
        sim.do(uid, "enter_pin", pin=sim.last_pin(uid))
        assert sim.messages[result.message_id].status == "delivered"
    t3 = time.perf_counter()
    assert sim.sent_count("shop")["flexible"] == users
    return t1 - t0, t2 - t1, t3 - t2


def bare_transitions(users: int) -> float:
    """The floor: TRIGGERS_PER_USER bare triggers per user on a model-less machine."""

    class Model:
        state = "a"

    machine = Machine(model=None, states=["a", "b"], initial="a", auto_transitions=False,
                      transitions=[{"trigger": "go", "source": "a", "dest": "b"},
                                   {"trigger": "back", "source": "b", "dest": "a"}])
    go, back = machine.events["go"], machine.events["back"]
    models = [Model() for _ in range(users)]
    t0 = time.perf_counter()
    for model in models:
        for _ in range(TRIGGERS_PER_USER // 2):
            go.trigger(model)
            back.trigger(model)
        go.trigger(model)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    setups, adds, flows, floors = [], [], [], []
    for _ in range(args.repeat):
        setup, add, flow = flow_b(args.users)
        setups.append(setup)
        adds.append(add)
        flows.append(flow)
        floors.append(bare_transitions(args.users))
    setup, add = statistics.median(setups), statistics.median(adds)
    flow, floor = statistics.median(flows), statistics.median(floors)
    per_user = flow / args.users * 1e3
    floor_per_user = floor / args.users * 1e3
    print(f"users                         {args.users}")
    print(f"engine set-up (Simulation)    {setup * 1e3:8.2f} ms")
    print(f"adding a user (world set-up)  {add / args.users * 1e3:8.3f} ms per user")
    print(f"Flow B per user               {per_user:8.3f} ms   (goal <= 0.5 ms)")
    print(f"  of which machine triggers   {TRIGGERS_PER_USER} per user")
    print(f"bare transitions floor/user   {floor_per_user:8.3f} ms   ({TRIGGERS_PER_USER} triggers)")
    print(f"ratio engine / floor          {per_user / floor_per_user:8.2f}x")
    print(f"Flow B total                  {flow:8.2f} s   (median of {args.repeat})")


if __name__ == "__main__":
    main()
