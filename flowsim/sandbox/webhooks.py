"""The webhook sender: signs, posts, records every attempt, redelivers; never drops an event.

Each webhook event the engine queues (``WebhookQueued``) becomes a
:class:`Delivery`, posted to the official account's webhook URL as LINE
does (one event per request, decision):

* body: compact UTF-8 JSON ``{"destination": <bot user id>, "events": [event]}``;
* headers: ``Content-Type: application/json; charset=utf-8``,
  ``User-Agent: LineBotWebhook/2.0`` and ``x-line-signature``, the base64
  HMAC-SHA256 of the exact body bytes keyed with the channel secret.

First deliveries go out in the order the events happened, one at a time
per official account.  An attempt succeeds on any 2xx answer; anything else
(a refused connection, a timeout, another status) fails it.  With
redelivery on for the account (the sandbox's default, decision: LINE's is
off), a failed event is retried on :class:`RetryPolicy`'s schedule, each
time byte-identical but for ``deliveryContext.isRedelivery: true`` (same
``webhookEventId``, ``timestamp`` and ``replyToken``; a new signature over
the new bytes).  With redelivery off it stays ``failed``.  Either way every
event and each of its attempts stays visible (``/_flowsim/state``); only
finished deliveries beyond :attr:`WebhookSender.keep` are forgotten, oldest
first.

Retries follow wall time, not the simulated clock (decision): they are
about a real receiver being down.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from flowsim.engine import EventRecord, WebhookQueued, from_record, wall_now

USER_AGENT = "LineBotWebhook/2.0"

#: Delivery states.  ``queued``/``sending``/``retrying`` are in flight; the rest are final.
IN_FLIGHT = frozenset({"queued", "sending", "retrying"})


@dataclass(frozen=True)
class RetryPolicy:
    """When failed events are redelivered (decision; LINE does not disclose its schedule).

    The n-th redelivery waits ``first * factor**(n-1)`` seconds after the
    previous attempt, at most ``cap``; no attempt starts later than
    ``give_up_after`` seconds after the first, and the event is then
    ``gave_up`` (still listed).  Default: 1 s, 2 s, 4 s … 5 min apart, for 24 hours.
    """

    first: float = 1.0
    factor: float = 2.0
    cap: float = 300.0
    give_up_after: float = 24 * 3600.0

    def delays(self) -> Iterator[float]:
        delay = self.first
        while True:
            yield min(delay, self.cap)
            delay *= self.factor


@dataclass
class Channel:
    """An official account's webhook settings (LINE Developers console), changeable at run time."""

    oa: str
    destination: str
    secret: str
    webhook: str | None
    redelivery: bool

    def to_dict(self) -> dict[str, Any]:
        return {"webhook": self.webhook, "redelivery": self.redelivery, "destination": self.destination}


@dataclass(slots=True)
class Attempt:
    number: int
    redelivery: bool
    at: datetime
    url: str
    status: int | None = None
    error: str | None = None
    ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "redelivery": self.redelivery, "at": self.at.isoformat(),
                "url": self.url, "status": self.status, "error": self.error, "ms": round(self.ms, 1),
                "ok": self.ok}


@dataclass(slots=True)
class Delivery:
    """One webhook event's journey: the engine's event, its state, every attempt."""

    seq: int
    channel: Channel
    #: The engine's log record of the event (``WebhookQueued``), as logged: built only when needed.
    source: EventRecord
    state: str = "queued"
    #: Every attempt, oldest first (a tuple: most deliveries of a busy run have none, and share the empty one).
    attempts: tuple[Attempt, ...] = ()
    next_attempt: datetime | None = None
    first_try: float | None = None
    _event: dict[str, Any] | None = None

    @property
    def event(self) -> dict[str, Any]:
        """LINE's JSON of the event, made when first needed (most deliveries of a busy run are never shown)."""
        if self._event is None:
            queued = cast(WebhookQueued, from_record(self.source))  # Sandbox.collect hands over only these
            self._event = queued.event.payload()
        return self._event

    @property
    def event_id(self) -> str:
        return self.event["webhookEventId"]

    def body(self, redelivery: bool) -> bytes:
        """The exact bytes posted: compact UTF-8 JSON; a redelivery differs only in ``isRedelivery``."""
        event = self.event if not redelivery else dict(self.event, deliveryContext={"isRedelivery": True})
        payload = {"destination": self.channel.destination, "events": [event]}
        try:
            return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        except UnicodeEncodeError:  # a lone surrogate (a user's text): sent as a \uXXXX escape
            return json.dumps(payload, separators=(",", ":")).encode()

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq, "oa": self.channel.oa, "type": self.event["type"],
            "webhookEventId": self.event_id, "state": self.state, "event": self.event,
            "attempts": [a.to_dict() for a in self.attempts],
            "next_attempt": self.next_attempt.isoformat() if self.next_attempt else None,
        }


def sign(secret: str, body: bytes) -> str:
    """``x-line-signature``: base64 of HMAC-SHA256 over the body, keyed with the channel secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


class WebhookSender:
    """Posts deliveries from the event loop it is started in (:meth:`start`, :meth:`stop`).

    :meth:`enqueue` is synchronous and cheap (the engine's observer calls
    it); the posting happens in one task per official account, and in one
    task per delivery waiting for its redelivery.
    """

    def __init__(self, policy: RetryPolicy | None = None, timeout: float = 10.0, keep: int = 10_000) -> None:
        self.policy = policy or RetryPolicy()
        self.timeout = timeout
        #: Finished deliveries kept for the state (the unfinished ones are always kept).
        self.keep = keep
        self._deliveries: dict[int, Delivery] = {}
        self._finished: deque[int] = deque()
        self._queues: dict[str, asyncio.Queue[Delivery]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._seq = 0
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self._in_flight = 0
        #: Called with (delivery, attempt) after every attempt (the CLI's log, the TUI).
        self.listeners: list[Callable[[Delivery, Attempt], None]] = []

    # ------------------------------------------------------------------ life cycle

    async def start(self) -> None:
        import httpx

        self._loop = asyncio.get_running_loop()
        self._client = httpx.AsyncClient(timeout=self.timeout, headers={"User-Agent": USER_AGENT})
        for delivery in self._deliveries.values():
            if delivery.state == "queued":
                self._queue_for(delivery.channel.oa).put_nowait(delivery)

    async def stop(self) -> None:
        self.cancel_all()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def cancel_all(self) -> None:
        """Stop every worker and pending redelivery (reset, shutdown)."""
        for task in list(self._tasks):
            task.cancel()
        self._tasks.clear()
        self._queues.clear()

    def clear(self) -> None:
        """Forget every delivery (reset)."""
        self.cancel_all()
        self._deliveries.clear()
        self._finished.clear()
        self._in_flight = 0
        self._idle.set()

    # ------------------------------------------------------------------ queueing

    def enqueue(self, channel: Channel, record: EventRecord) -> Delivery:
        """Queue the engine's webhook event (its ``WebhookQueued`` log record) for ``channel``."""
        self._seq += 1
        delivery = Delivery(self._seq, channel, record)
        self._deliveries[delivery.seq] = delivery
        if channel.webhook is None:
            delivery.state = "no_endpoint"  # LINE sends nothing without a webhook URL
            self._finish(delivery)
            return delivery
        self._in_flight += 1
        self._idle.clear()
        if self._loop is not None:
            self._queue_for(channel.oa).put_nowait(delivery)
        return delivery

    def _queue_for(self, oa: str) -> asyncio.Queue[Delivery]:
        queue = self._queues.get(oa)
        if queue is None:
            queue = self._queues[oa] = asyncio.Queue()
            self._spawn(self._worker(queue))
        return queue

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _worker(self, queue: asyncio.Queue[Delivery]) -> None:
        while True:
            delivery = await queue.get()
            await self._attempt(delivery)

    async def _redeliver(self, delivery: Delivery, delay: float) -> None:
        await asyncio.sleep(delay)
        await self._attempt(delivery)

    # ------------------------------------------------------------------ posting

    async def _attempt(self, delivery: Delivery) -> None:
        channel = delivery.channel
        url = channel.webhook
        if url is None:  # the URL was removed while the event waited
            delivery.state = "no_endpoint"
            self._finish(delivery)
            return
        redelivery = bool(delivery.attempts)
        attempt = Attempt(len(delivery.attempts) + 1, redelivery, wall_now(), url)
        delivery.attempts += (attempt,)
        delivery.state, delivery.next_attempt = "sending", None
        if delivery.first_try is None:
            delivery.first_try = time.monotonic()
        body = delivery.body(redelivery)
        headers = {"Content-Type": "application/json; charset=utf-8", "x-line-signature": sign(channel.secret, body)}
        started = time.perf_counter()
        try:
            response = await self._client.post(url, content=body, headers=headers)
            attempt.status = response.status_code
            if not attempt.ok:
                attempt.error = f"answered {response.status_code}"
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # refused, reset, timed out, bad URL: the receiver's problem, recorded
            attempt.error = _describe(exc)
        attempt.ms = (time.perf_counter() - started) * 1000
        if attempt.ok:
            delivery.state = "delivered"
            self._finish(delivery)
        else:
            self._after_failure(delivery)
        for listener in self.listeners:
            listener(delivery, attempt)

    def _after_failure(self, delivery: Delivery) -> None:
        if not delivery.channel.redelivery:
            delivery.state = "failed"
            self._finish(delivery)
            return
        delays = self.policy.delays()
        for _ in range(len(delivery.attempts) - 1):
            next(delays)
        delay = next(delays)
        assert delivery.first_try is not None
        if time.monotonic() + delay - delivery.first_try > self.policy.give_up_after:
            delivery.state = "gave_up"
            self._finish(delivery)
            return
        delivery.state = "retrying"
        delivery.next_attempt = wall_now() + timedelta(seconds=delay)
        self._spawn(self._redeliver(delivery, delay))

    def _finish(self, delivery: Delivery) -> None:
        if delivery.state != "no_endpoint":
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()
        self._finished.append(delivery.seq)
        while len(self._finished) > self.keep:
            self._deliveries.pop(self._finished.popleft(), None)

    # ------------------------------------------------------------------ reading

    @property
    def deliveries(self) -> list[Delivery]:
        """Every delivery kept, oldest first."""
        return list(self._deliveries.values())

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def kept(self) -> int:
        """Deliveries kept now (every unfinished one, and the newest :attr:`keep` finished)."""
        return len(self._deliveries)

    @property
    def total(self) -> int:
        """Deliveries ever queued since the start (a reset does not restart the count)."""
        return self._seq

    async def wait_idle(self, timeout: float) -> bool:
        """Until nothing is queued, being sent or waiting for a redelivery (or ``timeout``)."""
        if self._idle.is_set():  # idle already: True even for a timeout of 0 (wait_for would time out first)
            return True
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False


def _describe(exc: Exception) -> str:
    name = type(exc).__name__
    text = str(exc)
    return f"{name}: {text}" if text else name
