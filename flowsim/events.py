"""The append-only, typed log of everything the simulation makes visible.

Assertions (scenario ``expect``), the TUI and the HTTP sandbox all read the
same log: what appeared in which chat, which SMS arrived, which webhook was
queued, and the fate of every notification message together with the rule
id that decided it.  Events are frozen pydantic models; the log only ever
grows (``EventLog.append`` is the one writer, used by the engine).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Literal, TypeVar, Union

from pydantic import BaseModel, ConfigDict

from .models import ChatMessage, Requirement, Sms, WebhookEvent


class Event(BaseModel):
    """Base of every log entry: when it happened (simulated time)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: datetime
    #: Discriminator, fixed per subclass.
    kind: str = "event"

    def describe(self) -> str:
        return self.kind


class ApiCalled(Event):
    """An official account called a send endpoint; ``status`` is what the API answered."""

    kind: Literal["api_called"] = "api_called"
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


class ChatMessageAppeared(Event):
    kind: Literal["chat_message"] = "chat_message"
    user: str
    message: ChatMessage

    def describe(self) -> str:
        return f"{self.user}: [{self.message.chat}] {self.message.kind}: {self.message.text}"


class SmsReceived(Event):
    kind: Literal["sms"] = "sms"
    user: str
    sms: Sms

    def describe(self) -> str:
        return f"{self.user}: SMS to {self.sms.number}: PIN {self.sms.pin}"


class MessagePending(Event):
    """A message arrived (or was re-evaluated) and waits for the user."""

    kind: Literal["message_pending"] = "message_pending"
    message_id: str
    user: str
    oa: str
    missing: tuple[Requirement, ...]
    rule: str

    def describe(self) -> str:
        return f"{self.message_id} pending for {self.user}: needs {', '.join(self.missing)} ({self.rule})"


class MessageDelivered(Event):
    kind: Literal["message_delivered"] = "message_delivered"
    message_id: str
    user: str
    oa: str
    rule: str

    def describe(self) -> str:
        return f"{self.message_id} delivered to {self.user} ({self.rule})"


class MessageDiscarded(Event):
    kind: Literal["message_discarded"] = "message_discarded"
    message_id: str
    user: str
    oa: str
    reason: str
    rule: str

    def describe(self) -> str:
        return f"{self.message_id} discarded for {self.user}: {self.reason} ({self.rule})"


class MessageExpired(Event):
    kind: Literal["message_expired"] = "message_expired"
    message_id: str
    user: str
    oa: str
    rule: str = "R22"

    def describe(self) -> str:
        return f"{self.message_id} expired for {self.user} ({self.rule})"


class MessageUnmatched(Event):
    kind: Literal["message_unmatched"] = "message_unmatched"
    message_id: str
    oa: str
    rule: str = "R2"

    def describe(self) -> str:
        return f"{self.message_id} matched no user ({self.rule})"


class WebhookQueued(Event):
    kind: Literal["webhook"] = "webhook"
    oa: str
    event: WebhookEvent

    def describe(self) -> str:
        extra = self.event.data or self.event.text or self.event.user or ""
        return f"webhook → {self.oa}: {self.event.type} {extra}".rstrip()


class CountIncremented(Event):
    """R26: a delivered message counted for its OA, kind and UTC+9 day."""

    kind: Literal["count"] = "count"
    oa: str
    message_kind: Literal["template", "flexible"]
    day: date
    total: int

    def describe(self) -> str:
        return f"{self.oa} {self.message_kind} count {self.day}: {self.total}"


class UserActed(Event):
    """A user's tap in the app, with the screen before and after."""

    kind: Literal["user_acted"] = "user_acted"
    user: str
    action: str
    screen_before: str
    screen_after: str
    detail: str = ""

    def describe(self) -> str:
        extra = f" {self.detail}" if self.detail else ""
        return f"{self.user}: {self.action}{extra} ({self.screen_before} → {self.screen_after})"


class ConsentChanged(Event):
    kind: Literal["consent_changed"] = "consent_changed"
    user: str
    old: str
    new: str
    rule: str

    def describe(self) -> str:
        return f"{self.user}: consent {self.old} → {self.new} ({self.rule})"


class SmsVerified(Event):
    kind: Literal["sms_verified"] = "sms_verified"
    user: str

    def describe(self) -> str:
        return f"{self.user}: SMS authentication complete (R17)"


class PinRejected(Event):
    kind: Literal["pin_rejected"] = "pin_rejected"
    user: str

    def describe(self) -> str:
        return f"{self.user}: wrong PIN (R18)"


class PhoneNumberChanged(Event):
    kind: Literal["phone_changed"] = "phone_changed"
    user: str
    old: str | None
    new: str

    def describe(self) -> str:
        return f"{self.user}: number {self.old} → {self.new} (R19)"


class PhoneNumberRemoved(Event):
    """R5: another account registered this user's number."""

    kind: Literal["phone_removed"] = "phone_removed"
    user: str
    number: str
    taken_by: str

    def describe(self) -> str:
        return f"{self.user}: number {self.number} taken by {self.taken_by} (R5)"


class NumberRefused(Event):
    kind: Literal["number_refused"] = "number_refused"
    user: str
    number: str
    error: str

    def describe(self) -> str:
        return f"{self.user}: new number {self.number!r} refused: {self.error} (R19)"


class ClockAdvanced(Event):
    kind: Literal["clock"] = "clock"
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
