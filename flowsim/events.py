"""The append-only, typed log of everything the simulation makes visible.

Assertions (scenario ``expect``), the TUI and the HTTP sandbox all read the
same log: what appeared in which chat, which SMS arrived, which webhook was
queued, and the fate of every notification message together with the rule
id that decided it.  The log only ever grows (``EventLog.append`` is the one
writer, used by the engine).

Events are slotted dataclasses rather than pydantic models: a flow logs
about twenty of them per user and the engine builds them from state it has
already validated, so validation would only add cost (about 3 µs each,
measured).  They are not ``frozen=True`` either, because a frozen dataclass
sets each field through ``object.__setattr__`` (2.7 µs against 0.6 µs for a
five-field event); treat them as read-only.  The payloads they carry (chat messages, SMS, webhook events)
are the pydantic models of :mod:`flowsim.models`; :meth:`Event.to_dict`
gives a JSON-ready form.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar, Literal, TypeVar, Union

from pydantic import BaseModel

from .models import ChatMessage, Requirement, Sms, WebhookEvent


_event = dataclass(slots=True, kw_only=True)


@_event
class Event:
    """Base of every log entry: when it happened (simulated time)."""

    at: datetime
    #: Discriminator, fixed per subclass.
    kind: ClassVar[str] = "event"

    def describe(self) -> str:
        return self.kind

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{"kind": ..., "at": iso, ...}`` with nested models dumped."""
        out: dict[str, Any] = {"kind": self.kind}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, BaseModel):
                value = value.model_dump(mode="json")
            elif isinstance(value, (datetime, date)):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out


@_event
class ApiCalled(Event):
    """An official account called a send endpoint; ``status`` is what the API answered."""

    kind: ClassVar[str] = "api_called"
    oa: str
    message_kind: Literal["template", "flexible"]
    to: str
    status: int
    message_id: str | None = None
    error: str | None = None

    def describe(self) -> str:
        answer = f"{self.status}" + (f" {self.error}" if self.error else "")
        ident = f" {self.message_id}" if self.message_id else ""
        return f"{self.oa} → API send {self.message_kind}{ident} to {self.to[:10]}…: {answer}"


@_event
class ChatMessageAppeared(Event):
    kind: ClassVar[str] = "chat_message"
    user: str
    message: ChatMessage

    def describe(self) -> str:
        return f"{self.user}: [{self.message.chat}] {self.message.kind}: {self.message.text}"


@_event
class SmsReceived(Event):
    kind: ClassVar[str] = "sms"
    user: str
    sms: Sms

    def describe(self) -> str:
        return f"{self.user}: SMS to {self.sms.number}: PIN {self.sms.pin}"


@_event
class MessagePending(Event):
    """A message arrived (or was re-evaluated) and waits for the user."""

    kind: ClassVar[str] = "message_pending"
    message_id: str
    user: str
    oa: str
    missing: tuple[Requirement, ...]
    rule: str

    def describe(self) -> str:
        return f"{self.message_id} pending for {self.user}: needs {', '.join(self.missing)} ({self.rule})"


@_event
class MessageDelivered(Event):
    kind: ClassVar[str] = "message_delivered"
    message_id: str
    user: str
    oa: str
    rule: str

    def describe(self) -> str:
        return f"{self.message_id} delivered to {self.user} ({self.rule})"


@_event
class MessageDiscarded(Event):
    kind: ClassVar[str] = "message_discarded"
    message_id: str
    user: str
    oa: str
    reason: str
    rule: str

    def describe(self) -> str:
        return f"{self.message_id} discarded for {self.user}: {self.reason} ({self.rule})"


@_event
class MessageExpired(Event):
    kind: ClassVar[str] = "message_expired"
    message_id: str
    user: str
    oa: str
    rule: str = "R22"

    def describe(self) -> str:
        return f"{self.message_id} expired for {self.user} ({self.rule})"


@_event
class MessageUnmatched(Event):
    kind: ClassVar[str] = "message_unmatched"
    message_id: str
    oa: str
    rule: str = "R2"

    def describe(self) -> str:
        return f"{self.message_id} matched no user ({self.rule})"


@_event
class WebhookQueued(Event):
    kind: ClassVar[str] = "webhook"
    oa: str
    event: WebhookEvent

    def describe(self) -> str:
        extra = self.event.data or self.event.text or self.event.user or ""
        return f"webhook → {self.oa}: {self.event.type} {extra}".rstrip()


@_event
class CountIncremented(Event):
    """R26: a delivered message counted for its OA, kind and UTC+9 day."""

    kind: ClassVar[str] = "count"
    oa: str
    message_kind: Literal["template", "flexible"]
    day: date
    total: int

    def describe(self) -> str:
        return f"{self.oa} {self.message_kind} count {self.day}: {self.total}"


@_event
class UserActed(Event):
    """A user's tap in the app, with the screen before and after."""

    kind: ClassVar[str] = "user_acted"
    user: str
    action: str
    screen_before: str
    screen_after: str
    detail: str = ""

    def describe(self) -> str:
        extra = f" {self.detail}" if self.detail else ""
        return f"{self.user}: {self.action}{extra} ({self.screen_before} → {self.screen_after})"


@_event
class ConsentChanged(Event):
    kind: ClassVar[str] = "consent_changed"
    user: str
    old: str
    new: str
    rule: str

    def describe(self) -> str:
        return f"{self.user}: consent {self.old} → {self.new} ({self.rule})"


@_event
class SmsVerified(Event):
    kind: ClassVar[str] = "sms_verified"
    user: str

    def describe(self) -> str:
        return f"{self.user}: SMS authentication complete (R17)"


@_event
class PinRejected(Event):
    kind: ClassVar[str] = "pin_rejected"
    user: str

    def describe(self) -> str:
        return f"{self.user}: wrong PIN (R18)"


@_event
class PhoneNumberChanged(Event):
    kind: ClassVar[str] = "phone_changed"
    user: str
    old: str | None
    new: str

    def describe(self) -> str:
        return f"{self.user}: number {self.old} → {self.new} (R19)"


@_event
class PhoneNumberRemoved(Event):
    """R5: another account registered this user's number."""

    kind: ClassVar[str] = "phone_removed"
    user: str
    number: str
    taken_by: str

    def describe(self) -> str:
        return f"{self.user}: number {self.number} taken by {self.taken_by} (R5)"


@_event
class NumberRefused(Event):
    kind: ClassVar[str] = "number_refused"
    user: str
    number: str
    error: str

    def describe(self) -> str:
        return f"{self.user}: new number {self.number!r} refused: {self.error} (R19)"


@_event
class ClockAdvanced(Event):
    kind: ClassVar[str] = "clock"
    old: datetime

    def describe(self) -> str:
        return f"clock {self.old.isoformat()} → {self.at.isoformat()}"


AnyEvent = Union[
    ApiCalled, ChatMessageAppeared, SmsReceived, MessagePending, MessageDelivered, MessageDiscarded,
    MessageExpired, MessageUnmatched, WebhookQueued, CountIncremented, UserActed, ConsentChanged,
    SmsVerified, PinRejected, PhoneNumberChanged, PhoneNumberRemoved, NumberRefused, ClockAdvanced,
]

E = TypeVar("E", bound=Event)


class EventLog:
    """Append-only sequence of events, with listeners for live front ends.

    Readers keep an index (``len(log)``) and ask for :meth:`since` it; that
    is how scenario ``expect`` checks "new since the last check".
    """

    def __init__(self) -> None:
        self._events: list[Event] = []
        self._listeners: list[Callable[[Event], None]] = []

    def append(self, event: Event) -> None:
        self._events.append(event)
        for listener in self._listeners:
            listener(event)

    def subscribe(self, listener: Callable[[Event], None]) -> Callable[[], None]:
        """Call ``listener`` for every new event; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self) -> Iterator[Event]:
        return iter(self._events)

    def __getitem__(self, index: int) -> Event:
        return self._events[index]

    def since(self, index: int) -> list[Event]:
        return self._events[index:]

    def of_type(self, cls: type[E], since: int = 0) -> list[E]:
        return [e for e in self._events[since:] if isinstance(e, cls)]
