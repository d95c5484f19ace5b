"""Wall time: ``Simulation()`` without ``start`` reads it once; nothing else does
(the simulated clock is the one source of time for R11, R22 and R23)."""

from __future__ import annotations

import ast
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from freezegun import freeze_time

import flowsim
from flowsim import Simulation

from .helpers import HANAKO, HOURS_24, START, TARO, add_user, agree_consent, sha, verify_sms


@pytest.mark.rules("R23")
def test_R23_simulation_without_start_takes_the_wall_time_once():
    """R23: the start is the (frozen) wall time, aware, and does not move with wall time afterwards."""
    with freeze_time("2031-07-15 03:04:05", tz_offset=0) as frozen:
        sim = Simulation()
        assert sim.now == datetime(2031, 7, 15, 3, 4, 5, tzinfo=timezone.utc)
        assert sim.now.utcoffset() == timedelta(0)
        frozen.tick(timedelta(hours=5))
        assert sim.now == datetime(2031, 7, 15, 3, 4, 5, tzinfo=timezone.utc)
        sim.advance(timedelta(minutes=1))
        assert sim.now == datetime(2031, 7, 15, 3, 5, 5, tzinfo=timezone.utc)


def _run_flows(sim: Simulation) -> list[dict]:
    """Flows A, C, an expiry and webhooks; returns everything observable, as JSON-ready data."""
    sim.add_official_account("shop")
    add_user(sim, "hanako", HANAKO)
    add_user(sim, "taro", TARO, consent="agreed", sms=True)
    sim.send_text("shop", sha(HANAKO), "a", delivery_tag="tag-0123456789abcdef")
    sim.send_text("shop", sha(TARO), "c")
    sim.advance(timedelta(hours=3))
    agree_consent(sim, "hanako")
    sim.send_text("shop", sha(TARO), "expires")
    sim.advance(timedelta(minutes=5))
    verify_sms(sim, "taro")
    sim.send_text("shop", sha(HANAKO), "later")
    sim.add_official_account("bank")
    sim.send_text("bank", sha("+818000000042"), "unmatched")
    sim.say("hanako", "bank", "hi")
    sim.advance(HOURS_24 * 3)
    return [e.to_dict() for e in sim.log] + [w.payload() for ws in sim.webhooks.values() for w in ws]


@pytest.mark.rules("R23", "R22", "R25")
def test_R23_nothing_else_reads_wall_time_the_same_run_at_different_wall_times_is_identical():
    """R23/R22/R25: with a given start, events, SMS PINs and webhook ids/timestamps do not depend
    on the wall clock, frozen in 1999 or running (tick) in 2040."""
    with freeze_time("1999-12-31 23:59:59"):
        first = _run_flows(Simulation(start=START, seed=3))
    with freeze_time("2040-06-01 12:00:00", tick=True):
        second = _run_flows(Simulation(start=START, seed=3))
    assert first == second
    # the times in the run are simulated ones (2026), never the wall's (1999 or 2040)
    years = {e["at"][:4] for e in first if "at" in e}
    assert years == {"2026"}
    stamps = [e["timestamp"] for e in first if "timestamp" in e]
    assert stamps and all(START.timestamp() * 1000 <= t <= (START + timedelta(days=4)).timestamp() * 1000
                          for t in stamps)


@pytest.mark.rules("R22", "R23")
def test_R22_R23_advancing_under_a_ticking_wall_clock_depends_only_on_the_simulated_clock():
    """R22/R23: with wall time running fast, the sim moves exactly by what it is told."""
    with freeze_time("2040-01-01", auto_tick_seconds=3600):  # each wall read jumps an hour
        sim = Simulation(start=START)
        sim.add_official_account("shop")
        add_user(sim, "hanako", HANAKO)
        msg = sim.message(sim.send_text("shop", sha(HANAKO), "hi").message_id)
        for _ in range(23):
            sim.advance(timedelta(hours=1))
        assert sim.now == START + timedelta(hours=23)
        assert msg.status == "pending"
        sim.advance(timedelta(hours=1))
        assert msg.status == "expired" and msg.decided_at == START + HOURS_24


#: ``datetime.now()``, ``date.today()`` … on any receiver; ``time.time()`` … on the ``time`` module.
WALL_CALLS = {"now", "utcnow", "today"}
TIME_MODULE_CALLS = {"time", "time_ns", "localtime", "gmtime", "ctime"}


def _reads_wall_time(node: ast.AST) -> bool:
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    if node.func.attr in WALL_CALLS:
        return True
    return node.func.attr in TIME_MODULE_CALLS and isinstance(node.func.value, ast.Name) and node.func.value.id == "time"


@pytest.mark.rules("R23")
def test_R23_clock_wall_now_is_the_only_wall_time_read_in_the_engine():
    """R23: a static check of the engine modules (not the TUI or scenario layer): the only call
    that reads wall time is in ``clock.wall_now``."""
    package = Path(flowsim.__file__).parent / "engine"
    found = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]:
            for node in ast.walk(func):
                if _reads_wall_time(node):
                    found.append(f"{path.name}:{func.name}:{node.func.attr}")
    assert found == ["clock.py:wall_now:now"]
