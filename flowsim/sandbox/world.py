"""The sandbox's state: a scenario run of the world, its clock, its channels, what it was asked.

:class:`Sandbox` is what the HTTP app serves.  It holds

* the world as a :class:`flowsim.scenario.ScenarioRun` (the same runner as
  ``flowsim run`` and the TUI: the world's own steps run first, and the
  control API's steps are run with :meth:`ScenarioRun.perform`);
* a :class:`ClockDriver`: the simulated clock frozen, or following wall time
  from where the world left it;
* one :class:`~flowsim.sandbox.webhooks.Channel` per official account (its
  token, secret, webhook URL and redelivery setting) and the
  :class:`~flowsim.sandbox.webhooks.WebhookSender` fed by the engine's
  ``WebhookQueued`` events;
* the recorded requests, bounded; the engine's own log (bounded too) says what each step did.

Everything runs on the event loop's thread: the engine is not thread-safe,
and every call into it comes from a request handler or the clock's tick.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from flowsim.engine import Catalogue, Event, WebhookQueued, wall_now
from flowsim.scenario import Scenario, ScenarioRun

from . import line
from .observe import webhooks_since
from .ratelimit import RateLimiter
from .webhooks import Channel, RetryPolicy, WebhookSender

#: How many requests and engine events are kept for the control API (decision: a server
#: at LINE's rate would otherwise grow without bound; the oldest are forgotten first).
KEEP_REQUESTS = 10_000
KEEP_EVENTS = 10_000
#: The lines each simulated chat, SMS inbox and webhook queue keeps (a phone shows the recent ones).
KEEP_LINES = 200
#: Where a ``WebhookQueued`` record holds the official account (after the kind: the record's layout).
_OA = 1 + WebhookQueued.record_fields.index("oa")


class WorldError(Exception):
    """A world that cannot be served (one of its own steps failed)."""


class RunSource(Protocol):
    """A run owned by another front end (the TUI's session), which the sandbox serves as it is.

    ``run`` may change (the person restarts or opens another file): the
    sandbox follows it at its next request.  ``restart()`` is the control
    API's reset.
    """

    @property
    def run(self) -> ScenarioRun: ...

    def restart(self) -> None: ...


class ClockDriver:
    """Moves the simulated clock: never by itself when ``frozen``, else with wall time.

    Following wall time, the simulated time is where the world's steps left
    it plus the wall time elapsed since (whole milliseconds: LINE's
    timestamps are milliseconds), plus every move the control API made.
    """

    def __init__(self, run: ScenarioRun, frozen: bool, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.sim = run.sim
        self.frozen = frozen
        self._monotonic = monotonic
        self._wall0 = monotonic()
        self._sim0 = self.sim.now

    def sync(self) -> None:
        """Bring the simulated clock up to wall time (following only); timers due on the way fire."""
        if self.frozen:
            return
        target = self._sim0 + timedelta(milliseconds=int((self._monotonic() - self._wall0) * 1000))
        if target > self.sim.now:
            self.sim.advance_to(target)

    def moved(self, delta: timedelta) -> None:
        """The control API moved the clock by ``delta``: wall time is followed from there."""
        self._sim0 += delta

    @property
    def mode(self) -> str:
        return "frozen" if self.frozen else "following wall time"


@dataclass(slots=True)
class RecordedRequest:
    """One request to the sandbox's LINE endpoints and what it was answered."""

    seq: int
    request_id: str
    at: datetime
    sim_at: datetime
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any
    status: int = 0
    answer: Any = None
    oa: str | None = None
    #: The engine handled this request (it logged an :class:`~flowsim.engine.ApiCalled`); False: the
    #: sandbox answered it before the engine (401, 429, a bad body) and the world did not change.
    engine_sent: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "request_id": self.request_id, "at": self.at.isoformat(),
                "sim_at": self.sim_at.isoformat(), "method": self.method, "path": self.path,
                "query": self.query, "headers": self.headers, "body": self.body, "status": self.status,
                "answer": self.answer, "oa": self.oa}


class Sandbox:
    """A world served over HTTP.  See the module docstring; options are documented in docs/sandbox.md.

    ``scenario`` is the world; with a ``source`` (a run another front end
    owns, see :class:`RunSource`) it is not used and may be ``None``.
    """

    def __init__(
        self,
        scenario: Scenario | None,
        *,
        frozen: bool = False,
        redelivery: bool = True,
        retry: RetryPolicy | None = None,
        rate_limit: float | None = line.RATE_LIMIT,
        webhook_timeout: float = 10.0,
        allow_remote_control: bool = False,
        catalogue: Catalogue | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        source: RunSource | None = None,
    ) -> None:
        self.scenario = scenario
        #: Where the run comes from when another front end owns it (the TUI), else None.
        self.source = source
        self.frozen = frozen
        self.redelivery = redelivery
        self.allow_remote_control = allow_remote_control
        self.catalogue = catalogue
        self._monotonic = monotonic
        self.limiter = RateLimiter(rate_limit)
        self.sender = WebhookSender(retry, webhook_timeout)
        self.requests: deque[RecordedRequest] = deque(maxlen=KEEP_REQUESTS)
        #: Requests to the LINE endpoints since the start (a reset does not restart it: ``since`` filters).
        self._requests_seen = 0
        #: How far the engine's log has been read for webhooks (:meth:`collect`).
        self._log_seen = 0
        #: Channel settings changed through the control API (they survive a reset).
        self._settings: dict[str, dict[str, Any]] = {}
        #: Called with each answered request to a LINE endpoint (the CLI's log, the TUI).
        self.request_listeners: list[Callable[[RecordedRequest], None]] = []
        self._build()

    # ------------------------------------------------------------------ the world

    def _build(self) -> None:
        if self.source is not None:
            self._adopt(self.source.run)
            return
        assert self.scenario is not None, "a Sandbox needs a scenario or a source"
        run = ScenarioRun(self.scenario, catalogue=self.catalogue, keep=KEEP_EVENTS, keep_lines=KEEP_LINES)
        run.run_all()
        failed = next((r for r in run.results if not r.ok), None)
        if failed is not None:
            raise WorldError(f"the world's own steps fail, so it cannot be served:\n{failed.report()}")
        self._adopt(run)

    def _adopt(self, run: ScenarioRun) -> None:
        """Serve ``run``: its official accounts' channels and tokens, its clock, its events."""
        self.run = run
        self.sim = sim = run.sim
        self.clock = ClockDriver(run, self.frozen, self._monotonic)
        self.channels: dict[str, Channel] = {}
        self.tokens: dict[str, str] = {}
        for oa_id in sim.official_accounts:
            oa = sim.official_account(oa_id)
            channel = Channel(oa_id, oa.bot_user_id, oa.channel_secret, oa.webhook_url, self.redelivery)
            self.channels[oa_id] = channel
            self._apply(oa_id, self._settings.get(oa_id, {}))
            self.tokens[oa.access_token] = oa_id
        self._log_seen = len(sim.log)  # what the world did before it was served is not posted
        sim.log.hold(self._log_seen)  # the bounded log keeps what collect has not read, however much

    def sync(self) -> None:
        """Before serving a request: follow the run source if it changed run, and the clock; then collect."""
        if self.source is not None and self.source.run is not self.run:
            self._adopt(self.source.run)
        self.clock.sync()
        self.collect()

    def collect(self) -> None:
        """Hand the webhook events the engine queued since the last look to the sender, in order.

        Called after every operation the sandbox serves (a request, a control
        call, the clock's tick) and by the TUI after each change it makes.
        """
        if len(self.sim.log) == self._log_seen:  # nothing logged since (most calls: before a request's work)
            return
        records, self._log_seen = webhooks_since(self.sim, self._log_seen)
        self.sim.log.hold(self._log_seen)
        channels, enqueue = self.channels, self.sender.enqueue
        for record in records:
            enqueue(channels[record[_OA]], record)

    def reset(self, settings: bool = False) -> None:
        """Back to the world as loaded (clock, users, messages, webhooks, recorded requests).

        Channel settings changed through the control API (webhook URL,
        redelivery) are kept unless ``settings`` (decision: they are the
        backend's console settings, which a test suite sets once).
        """
        self.sender.clear()
        self.requests.clear()
        self.limiter.clear()
        if settings:
            self._settings.clear()
        if self.source is not None:
            self.source.restart()
        self._build()

    def configure(self, oa_id: str, **changes: Any) -> Channel:
        """Change a channel's ``webhook`` (URL or ``None``), ``redelivery`` (bool) or ``templates``
        (``"allowed"``/``"not_allowed"``: the engine's setting of the official account)."""
        self._apply(oa_id, changes)
        self._settings.setdefault(oa_id, {}).update(changes)
        return self.channels[oa_id]

    def _apply(self, oa_id: str, settings: dict[str, Any]) -> None:
        channel = self.channels[oa_id]
        for key, value in settings.items():
            if key == "templates":
                self.sim.set_templates(oa_id, value)
            else:
                setattr(channel, key, value)

    # ------------------------------------------------------------------ reading

    @property
    def event_position(self) -> int:
        """The engine log's position now (for "events since")."""
        return len(self.sim.log)

    @property
    def request_count(self) -> int:
        """How many requests to the LINE endpoints were recorded since the start (the newest one's ``seq``)."""
        return self._requests_seen

    def stores(self) -> dict[str, dict[str, int | None]]:
        """What each store that grows with requests holds now, its bound and how many it was ever given.

        ``/_flowsim/health``.  Each keeps the newest ``bound`` (the oldest are
        forgotten first; webhook deliveries still in flight are always kept);
        the totals stay exact.  The engine's chats keep :data:`KEEP_LINES`
        lines each (``Simulation(keep_lines=…)``).
        """
        sender = self.sender
        return {
            "requests": {"kept": len(self.requests), "bound": self.requests.maxlen, "total": self._requests_seen},
            "webhook_deliveries": {"kept": sender.kept, "bound": sender.keep, "total": sender.total,
                                   "in_flight": sender.in_flight},
            "messages": {"kept": len(self.sim.messages), "bound": KEEP_EVENTS},  # the engine's (finished ones)
        }

    def events_since(self, position: int) -> list[Event]:
        return self.sim.log.since(position)

    def account(self, oa_id: str) -> dict[str, Any]:
        """What a backend needs to talk to this official account, and what LINE's console shows."""
        oa = self.sim.official_account(oa_id)
        return {"id": oa_id, "name": oa.name, "country": oa.country, "token": oa.access_token,
                "secret": oa.channel_secret, "templates": oa.templates, **self.channels[oa_id].to_dict()}

    def record(self, request_id: str, method: str, path: str, query: str, headers: dict[str, str],
               body: Any) -> RecordedRequest:
        self._requests_seen += 1
        entry = RecordedRequest(self._requests_seen, request_id, wall_now(), self.sim.now,
                                method, path, query, headers, body)
        self.requests.append(entry)
        return entry
