"""Observers: ``sim.subscribe(callback)`` gets each operation's events as one batch, safely.

The three hazards of the old per-event listeners each have a test here
(each failed on that ``EventLog``): unsubscribing during dispatch, a
listener that raises, and a listener that sends.  A delivered message is
counted and has its webhook (R25, R26, I3) whatever a subscriber does.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from flowsim import InvalidValueError, Simulation
from flowsim.engine.events import ApiCalled, ClockAdvanced, CountIncremented, MessageDelivered, WebhookQueued

from .helpers import HANAKO, START, TARO, add_user, new_sim, sha


@pytest.fixture
def world():
    sim = new_sim("shop")
    add_user(sim, "hanako", HANAKO, consent="agreed")  # Flow D: delivered at once (R12)
    add_user(sim, "taro", TARO, consent="agreed")
    return sim


def kinds(batch):
    return [type(e).__name__ for e in batch]


@pytest.mark.rules("R12", "R25", "R26")
def test_R25_R26_one_batch_per_operation_after_it_has_completed(world):
    """A send's events arrive together, once the message is delivered (R12), counted (R26) and its webhook queued (R25)."""
    seen = []

    def check(batch):
        # The world is complete when the batch arrives: the count and webhook are already there.
        seen.append((kinds(batch), world.sent_count("shop")["flexible"], len(world.webhooks["shop"])))

    world.subscribe(check)
    world.send_text("shop", sha(HANAKO), "hi")
    world.advance(timedelta(hours=1))
    assert seen == [
        (["ApiCalled", "ChatMessageAppeared", "ChatMessageAppeared", "MessageDelivered", "CountIncremented",
          "WebhookQueued"], 1, 1),
        (["ClockAdvanced"], 1, 1),
    ]


@pytest.mark.rules("R25")
def test_R25_unsubscribing_during_dispatch_does_not_make_the_next_subscriber_miss_a_batch(world):
    """Hazard 1: the old log iterated the live list, so removing A skipped B for that event."""
    got_a, got_b = [], []
    unsubscribe_a = None

    def a(batch):
        got_a.append(kinds(batch))
        unsubscribe_a()

    unsubscribe_a = world.subscribe(a)
    world.subscribe(lambda batch: got_b.append(kinds(batch)))
    world.send_text("shop", sha(HANAKO), "one")
    world.send_text("shop", sha(HANAKO), "two")
    assert len(got_a) == 1  # A saw the first operation only
    assert len(got_b) == 2 and all("WebhookQueued" in b for b in got_b)
    unsubscribe_a()  # a second call is harmless


@pytest.mark.rules("R25", "R26", "I3")
def test_I3_a_raising_subscriber_cannot_leave_a_delivery_uncounted_or_starve_the_others(world, caplog):
    """Hazard 2 (I3, R25 webhook, R26 count): the old log raised out of the engine mid-delivery (no count, no webhook, I3 broken)."""
    got = []

    def broken(batch):
        raise RuntimeError("a front end's bug")

    world.subscribe(broken)
    world.subscribe(lambda batch: got.append(kinds(batch)))
    with caplog.at_level(logging.ERROR, logger="flowsim.engine.events"):
        result = world.send_text("shop", sha(HANAKO), "hi")
    msg = world.message(result.message_id)
    assert msg.status == "delivered"
    assert world.sent_count("shop")["flexible"] == 1 and len(world.webhooks["shop"]) == 1  # I3
    assert got and "CountIncremented" in got[0] and "WebhookQueued" in got[0]
    [failure] = world.log.subscriber_errors
    assert isinstance(failure.error, RuntimeError) and failure.subscriber is broken
    assert "subscriber" in caplog.text


@pytest.mark.rules("R12", "R25")
def test_R25_a_subscriber_that_sends_does_not_interleave_one_messages_events_inside_anothers(world):
    """Hazard 3: the old log ran the nested send inside the first one's delivery (R12), between its events."""
    got = []

    def reply_once(batch):
        if any(isinstance(e, MessageDelivered) and e.user == "hanako" for e in batch):
            world.send_text("shop", sha(TARO), "and to taro")

    world.subscribe(reply_once)
    world.subscribe(lambda batch: got.append(batch))
    world.send_text("shop", sha(HANAKO), "to hanako")
    assert len(got) == 2
    for batch, user in zip(got, ("hanako", "taro")):
        ids = {e.message_id for e in batch if isinstance(e, (ApiCalled, MessageDelivered))}
        assert len(ids) == 1, kinds(batch)  # one message per batch
        assert [e.user for e in batch if isinstance(e, MessageDelivered)] == [user]
        assert isinstance(batch[-1], WebhookQueued)


def test_a_subscriber_added_during_dispatch_starts_with_the_next_batch(world):
    late = []

    def add_late(batch):
        if not late:
            late.append("subscribed")
            world.subscribe(lambda b: late.append(kinds(b)))

    world.subscribe(add_late)
    world.send_text("shop", sha(HANAKO), "one")
    world.advance(timedelta(minutes=1))
    assert late == ["subscribed", ["ClockAdvanced"]]


def test_an_operation_that_fails_still_publishes_what_it_did(world):
    got = []
    world.subscribe(lambda batch: got.append(kinds(batch)))
    with pytest.raises(InvalidValueError):
        world.subscribe("not callable")
    world.do("hanako", "settings_consent", value="rejected")
    assert got == [["UserActed", "ConsentChanged"]]


@pytest.mark.rules("R26")
def test_R26_a_bounded_log_keeps_the_last_events_and_counts_every_one():
    """``Simulation(keep=N)``: the log, messages and chats stay bounded, indices keep counting, counts stay exact (R26)."""
    sim = Simulation(start=START, keep=10)
    sim.add_official_account("shop")
    log = sim.log
    add_user(sim, "hanako", HANAKO, consent="agreed")
    for i in range(50):
        sim.send_text("shop", sha(HANAKO), f"message {i}")
    assert len(log) == 50 * 6  # every event counted
    assert 10 <= len(list(log)) < 20 and log.first_kept == len(log) - len(list(log))
    assert log[len(log) - 1] == list(log)[-1]  # the same entry (built anew on each read: records are kept)
    with pytest.raises(IndexError):
        log[0]
    assert log.of_type(CountIncremented, since=len(log) - 6)[0].total == 50
    assert sim.sent_count("shop")["flexible"] == 50
    assert log.of_type(ClockAdvanced) == []
    assert 10 <= len(sim.messages) <= 11 and "m50" in sim.messages and "m1" not in sim.messages
    assert len(sim.user("hanako").chats["shop"]) < 20 and len(sim.webhooks["shop"]) < 20


def test_a_bounded_log_never_trims_what_a_reader_holds():
    """``log.hold(index)``: the events from ``index`` on are kept however many (a reader that has not
    read them: the HTTP sandbox's webhooks); ``hold(None)``: bounded to ``keep`` again."""
    sim = Simulation(start=START, keep=10)
    sim.add_official_account("shop")
    log = sim.log
    add_user(sim, "hanako", HANAKO, consent="agreed")
    mark = len(log)
    log.hold(mark)
    for i in range(20):
        sim.send_text("shop", sha(HANAKO), f"message {i}")
    assert log.first_kept <= mark and len(log.since(mark)) == 20 * 6
    log.hold(None)
    sim.send_text("shop", sha(HANAKO), "one more")
    assert log.first_kept > mark and 10 <= len(list(log)) < 20


def test_an_operation_wrapper_takes_the_arguments_its_method_takes():
    """events.operation generates its wrapper from the method's parameters: every kind passes through, defaults kept."""
    import inspect

    from flowsim.engine.events import EventLog, operation

    class Owner:
        def __init__(self) -> None:
            self.log = EventLog()

        @operation
        def every_kind(self, a: int, b: int = 2, *rest: int, c: int = 3, d: int, **more: int) -> tuple[object, ...]:
            """Its docstring."""
            return a, b, rest, c, d, more

        @operation
        def fails(self, what: str) -> None:
            raise ValueError(what)

    owner = Owner()
    assert owner.every_kind(1, d=4) == (1, 2, (), 3, 4, {})
    assert owner.every_kind(1, 5, 6, 7, c=8, d=9, e=10) == (1, 5, (6, 7), 8, 9, {"e": 10})
    assert owner.every_kind(a=1, d=4, b=0) == (1, 0, (), 3, 4, {})
    with pytest.raises(TypeError):
        owner.every_kind(1)  # d is required, as the method says
    assert inspect.signature(Owner.every_kind) == inspect.signature(Owner.every_kind.__wrapped__)
    assert Owner.every_kind.__doc__ == "Its docstring."
    with pytest.raises(ValueError):
        owner.fails("x")
    assert owner.log._depth == 0  # the batch ended although the method raised



def test_an_operation_wrapper_takes_odd_signatures_too():
    """Names the generated code uses, positional-only parameters, partials and wrapped functions all work."""
    import functools
    import traceback

    from flowsim.engine.events import EventLog, operation

    def injecting(f):  # a decorator that supplies an argument: the outer signature is what callers use
        @functools.wraps(f)
        def inner(self, *args, **kwargs):
            return f(self, 10, *args, **kwargs)
        return inner

    class Owner:
        def __init__(self) -> None:
            self.log = EventLog()

        @operation
        def shadowing(self, text: str, len: int = 3, _op_log: int = 4) -> tuple[str, int, int]:
            return text, len, _op_log

        @operation
        def positional(self, a: int, /, b: int) -> tuple[int, int]:
            return a, b

        @operation
        @injecting
        def injected(self, n: int, m: int) -> tuple[int, int]:
            return n, m

        @operation
        def fails(self) -> None:
            raise ValueError("inside")

    def plain(owner: Owner, x: int, y: int) -> tuple[int, int]:
        return x, y

    owner = Owner()
    assert owner.shadowing("t") == ("t", 3, 4) and owner.shadowing("t", 5, _op_log=6) == ("t", 5, 6)
    assert owner.positional(1, b=2) == (1, 2)
    assert owner.injected(2) == (10, 2)
    assert operation(functools.partial(plain, y=2))(owner, 1) == (1, 2)
    try:
        owner.fails()
    except ValueError as exc:
        assert "_op_method" in "".join(traceback.format_exception(exc))  # the wrapper's line is shown
    assert owner.log._depth == 0
