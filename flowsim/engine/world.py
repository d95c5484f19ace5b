"""The state of a simulated world: users, official accounts, messages, indexes and timers.

A :class:`World` is data only.  :mod:`flowsim.engine.effects` is the one
writer of what people and official accounts see (chats, SMS inbox, counts,
webhooks, the log); :class:`flowsim.engine.Simulation` is the facade that
checks arguments and calls the flows.
"""

from __future__ import annotations

import itertools
import random
from collections import OrderedDict
from datetime import date, datetime

from .catalogue import Catalogue
from .clock import SimClock, Timer
from .events import EventLog
from .models import NotificationMessage, OfficialAccount, User, WebhookQueue


class World:
    """Everything a :class:`~flowsim.engine.Simulation` holds, in plain containers."""

    __slots__ = ("clock", "log", "seed", "default_region", "_catalogue", "users", "official_accounts",
                 "messages", "webhooks", "counts", "by_hash", "pending", "timers", "arrival_needs",
                 "pin_rng", "id_rng", "message_seq", "keep", "keep_lines", "finished")

    def __init__(self, start: datetime | None, seed: int | str, catalogue: Catalogue | None,
                 default_region: str, keep: int | None = None, keep_lines: int | None = None) -> None:
        self.clock = SimClock(start)
        self.log = EventLog(keep=keep)
        self.seed = seed
        self.default_region = default_region
        self._catalogue = catalogue
        #: ``None``: keep every message, chat line and webhook (scenario runs); ``N``: keep the last N of each.
        self.keep = keep
        #: How many lines each chat, SMS inbox and webhook queue keeps (default: ``keep``).
        self.keep_lines = keep_lines if keep_lines is not None else keep
        self.users: dict[str, User] = {}
        self.official_accounts: dict[str, OfficialAccount] = {}
        self.messages: dict[str, NotificationMessage] = {}
        #: Webhook events queued per official account, oldest first.
        self.webhooks: dict[str, WebhookQueue] = {}
        #: R26: delivered messages per (OA, kind, UTC+9 day).
        self.counts: dict[tuple[str, str, date], int] = {}
        #: R1: the hash of each registered number → the user holding it.
        self.by_hash: dict[str, str] = {}
        #: Pending message ids per user, oldest first (a dict used as an ordered set).
        self.pending: dict[str, dict[str, None]] = {}
        #: R22: each pending message's expiry timer.
        self.timers: dict[str, Timer] = {}
        #: What each message waited for on arrival (names the delivery rule, R13-R15).
        self.arrival_needs: dict[str, frozenset[str]] = {}
        #: Finished message ids, oldest first (a bounded world forgets the oldest).
        self.finished: OrderedDict[str, None] = OrderedDict()
        self.pin_rng = random.Random(f"{seed}:pins")
        self.id_rng = random.Random(f"{seed}:ids")
        self.message_seq = itertools.count(1)

    @property
    def now(self) -> datetime:
        return self.clock.now

    @property
    def catalogue(self) -> Catalogue:
        """The template catalogue; the shipped one is read on first use (most runs send no template)."""
        if self._catalogue is None:
            self._catalogue = Catalogue.default()
        return self._catalogue
