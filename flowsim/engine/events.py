"""The append-only, typed log of everything the simulation makes visible.

Assertions (scenario ``expect``), the TUI and the HTTP sandbox all read the
same log: what appeared in which chat, which SMS arrived, which webhook was
queued, and the fate of every notification message together with the rule
id that decided it.  The log only ever grows (``EventLog.append`` is the one
writer, used by the engine), unless it was made with ``keep=N`` for a long
run; observers get it in batches, one per engine operation (:class:`EventLog`).

Events are slotted dataclasses rather than pydantic models: a flow logs
about twenty of them per user and the engine builds them from state it has
already validated, so validation would only add cost (about 3 µs each,
measured).  They are not ``frozen=True`` either, because a frozen dataclass
sets each field through ``object.__setattr__`` (2.7 µs against 0.6 µs for a
five-field event); treat them as read-only.

**The log keeps records, readers get events.**  The engine writes each event
as a *record*, a plain tuple ``(EventClass.kind, at, field, ...)`` in the class's
field order (:meth:`EventLog.record`), and every read (indexing, iteration,
:meth:`EventLog.since`, :meth:`EventLog.of_type`, subscribers' batches)
builds the :class:`Event` objects from them.  Why: a world keeps every event
it logged, about twenty per user, and a slotted object is one more thing the
garbage collector walks at every full collection, while a tuple of strings
and datetimes is untracked by it after its first collection.  At 10,000
users the full collections were a third of the engine's time (bench/engine.py).
Consequently two reads of the same entry give equal events, not the same
object.  The payloads they carry (chat messages, SMS, webhook events)
are the pydantic models of :mod:`flowsim.models`; :meth:`Event.to_dict`
gives a JSON-ready form.

**A payload is kept as its field values.**  An event class whose last field
is a model (``payload = ChatMessage`` on :class:`ChatMessageAppeared`, and
:class:`SmsReceived`, :class:`WebhookQueued`) writes that model's field
values into the record, in the model's field order, instead of the model:
a tuple holding a model is one more object the collector walks for as long
as the log lives (six per Flow B user), a tuple of strings and datetimes is
not (a notification's content is kept packed: ``record_packed`` in
:mod:`flowsim.engine.records`).  Reading builds the payload again
(:func:`flowsim.engine.records.rebuild`): equal to the one in the chat,
every field marked set.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import linecache
import logging
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar, TypeVar, Union, dataclass_transform

from pydantic import BaseModel

from .errors import InvalidValueError
from .models import ChatMessage, ModelFace, Sms, WebhookEvent
from .records import rebuild, values_of
from .vocabulary import ConsentState, DiscardReason, MessageKind, Requirement, Screen


_C = TypeVar("_C")


@dataclass_transform(kw_only_default=True)
def _event(cls: type[_C]) -> type[_C]:
    """``@dataclass(slots=True, kw_only=True)``, spelt once (and read as a dataclass by type checkers).

    Also notes the class's fields in order (a record's layout) and their slot setters (to build an
    event from a record without its keyword ``__init__``).
    """
    made = dataclass(slots=True, kw_only=True)(cls)
    names = tuple(f.name for f in dataclasses.fields(made))  # type: ignore[arg-type]
    payload: type[BaseModel] | None = made.payload  # type: ignore[attr-defined]
    # A payload model's fields take the place of the payload field (the last) in the record.
    made.record_fields = names if payload is None else (  # type: ignore[attr-defined]
        *names[:-1], *(f"{names[-1]}.{field}" for field in payload.model_fields))
    if payload is not None:
        last = dataclasses.fields(made)[-1]  # type: ignore[arg-type]
        if last.type not in (payload, payload.__name__):
            raise TypeError(f"{made.__name__}: the payload {payload.__name__} must be the last field's type")
    made._setters = tuple(getattr(made, name).__set__ for name in names)  # type: ignore[attr-defined]
    kind = made.kind  # type: ignore[attr-defined]
    if kind in _CLASSES:
        raise TypeError(f"two event classes say kind {kind!r}: {_CLASSES[kind].__name__} and {made.__name__}")
    _CLASSES[kind] = made
    _KINDS_OF.clear()
    return made


#: One log entry as the log keeps it: ``(EventClass.kind, at, *fields)`` in the class's field order.
#: (The kind, not the class: a class is an object the garbage collector tracks, and a tuple holding
#: one is never untracked.)
Record = tuple[Any, ...]

#: Every event class by its ``kind``.
_CLASSES: dict[str, type[Any]] = {}
#: The kinds of a class and its subclasses (for :meth:`EventLog.of_type`; cleared when a class is added).
_KINDS_OF: dict[type[Any], frozenset[str]] = {}


def _kinds_of(cls: type[Any]) -> frozenset[str]:
    """The kinds of ``cls`` and its subclasses, computed once per class."""
    kinds = _KINDS_OF.get(cls)
    if kinds is None:
        kinds = _KINDS_OF[cls] = frozenset(kind for kind, c in _CLASSES.items() if issubclass(c, cls))
    return kinds


def from_record(record: Record) -> Event:
    """The event a record stands for (the inverse of :func:`to_record`)."""
    cls = _CLASSES[record[0]]
    event = _new_object(cls)
    setters = cls._setters
    if len(record) != len(cls.record_fields) + 1:
        raise ValueError(f"a {cls.__name__} record has {len(cls.record_fields)} fields, not {len(record) - 1}")
    payload = cls.payload
    if payload is None:
        for setter, value in zip(setters, record[1:]):
            setter(event, value)
    else:
        last = len(setters)  # the payload's values start where its field would be
        for setter, value in zip(setters[:-1], record[1:last]):
            setter(event, value)
        setters[-1](event, rebuild(payload, record[last:]))
    return event  # type: ignore[no-any-return]


def to_record(event: Event) -> Record:
    """The record of an event (what :meth:`EventLog.append` stores)."""
    names = dataclasses.fields(event)
    if event.payload is None:
        return (event.kind, *[getattr(event, f.name) for f in names])
    model = getattr(event, names[-1].name)
    return (event.kind, *[getattr(event, f.name) for f in names[:-1]], *values_of(model))


_new_object = object.__new__


@_event
class Event:
    """Base of every log entry: when it happened (simulated time)."""

    at: datetime
    #: Discriminator, fixed per subclass.
    kind: ClassVar[str] = "event"
    #: The field names in order, ``at`` first: the layout of this class's records (a payload's fields
    #: as ``field.name``).
    record_fields: ClassVar[tuple[str, ...]] = ("at",)
    #: The model class of the last field, kept in records as its field values (see the module's text).
    payload: ClassVar[type[BaseModel] | None] = None
    _setters: ClassVar[tuple[Callable[[Any, Any], None], ...]] = ()

    def describe(self) -> str:
        return self.kind

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{"kind": ..., "at": iso, ...}`` with nested models dumped."""
        out: dict[str, Any] = {"kind": self.kind}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (BaseModel, ModelFace)):
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
    message_kind: MessageKind
    to: str
    status: int
    message_id: str | None = None
    error: str | None = None
    #: The rule that decided the answer: R28-R30 or R1 for a 400, the arrival's rule otherwise.
    rule: str | None = None

    def describe(self) -> str:
        answer = f"{self.status}" + (f" {self.error}" if self.error else "")
        ident = f" {self.message_id}" if self.message_id else ""
        return f"{self.oa} → API send {self.message_kind}{ident} to {self.to[:10]}…: {answer}"


@_event
class ChatMessageAppeared(Event):
    kind: ClassVar[str] = "chat_message"
    payload: ClassVar[type[BaseModel] | None] = ChatMessage
    user: str
    message: ChatMessage

    def describe(self) -> str:
        return f"{self.user}: [{self.message.chat}] {self.message.kind}: {self.message.text}"


@_event
class SmsReceived(Event):
    kind: ClassVar[str] = "sms"
    payload: ClassVar[type[BaseModel] | None] = Sms
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
    reason: DiscardReason
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
    payload: ClassVar[type[BaseModel] | None] = WebhookEvent
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
    message_kind: MessageKind
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
    screen_before: Screen
    screen_after: Screen
    detail: str = ""

    def describe(self) -> str:
        extra = f" {self.detail}" if self.detail else ""
        return f"{self.user}: {self.action}{extra} ({self.screen_before} → {self.screen_after})"


@_event
class ConsentChanged(Event):
    kind: ClassVar[str] = "consent_changed"
    user: str
    old: ConsentState
    new: ConsentState
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


#: What a subscriber receives: the events of one engine operation, in order.
Batch = tuple[Event, ...]
Subscriber = Callable[[Batch], None]

_logger = logging.getLogger(__name__)


@dataclass(slots=True)
class SubscriberError:
    """A subscriber raised while handling a batch; kept in :attr:`EventLog.subscriber_errors`."""

    subscriber: Subscriber
    batch: Batch
    error: BaseException


_M = TypeVar("_M", bound=Callable[..., Any])


def operation(method: _M) -> _M:
    """Mark a method of an object with a ``log`` (:class:`EventLog`) as one operation: what it logs
    is one batch, published when it returns or raises.

    :meth:`EventLog.begin_operation` and :meth:`EventLog.end_operation` written
    out here, in this module, so that a public call costs no extra calls when
    nobody subscribes and the log is unbounded (a scenario run).  For a plain
    function the wrapper is generated with the function's own parameters
    (defaults included), so a call does not pack its arguments into
    ``*args, **kwargs`` and unpack them again: about 0.1 µs of the 0.25 µs a
    generic wrapper costs, on every tap.  Anything else (a ``partial``, a
    function already wrapped, parameters the generated code would shadow)
    gets the generic wrapper, which does the same.
    """
    source = _operation_source(method)
    if source is None:
        return _generic_operation(method)
    filename = f"<flowsim operation {method.__module__}.{method.__qualname__}>"
    scope: dict[str, Any] = {"_op_method": method, "_op_len": len, **source[1]}
    exec(compile(source[0], filename, "exec"), scope)
    linecache.cache[filename] = (len(source[0]), None, source[0].splitlines(True), filename)  # tracebacks show it
    return functools.wraps(method)(scope["run"])  # type: ignore[return-value]


_WRAPPER_NAMES = frozenset({"_op_method", "_op_log", "_op_depth", "_op_len"})


def _operation_source(method: Callable[..., Any]) -> tuple[str, dict[str, Any]] | None:
    """The generated wrapper's source and its defaults, or None when only the generic wrapper is exact."""
    if not isinstance(method, types.FunctionType) or hasattr(method, "__wrapped__"):
        return None
    kinds = inspect.Parameter
    parameters = list(inspect.signature(method, follow_wrapped=False).parameters.values())
    if not parameters or parameters[0].kind not in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD):
        return None  # no owner to read the log from
    if _WRAPPER_NAMES & {p.name for p in parameters}:
        return None
    params: list[str] = []
    passed: list[str] = []
    defaults: dict[str, Any] = {}
    for i, p in enumerate(parameters):
        if p.kind is kinds.KEYWORD_ONLY and not any(x.startswith("*") for x in params):
            params.append("*")
        if p.kind is kinds.VAR_POSITIONAL:
            params.append(f"*{p.name}")
            passed.append(f"*{p.name}")
        elif p.kind is kinds.VAR_KEYWORD:
            params.append(f"**{p.name}")
            passed.append(f"**{p.name}")
        else:
            if p.default is kinds.empty:
                params.append(p.name)
            else:
                defaults[f"_op_default{i}"] = p.default
                params.append(f"{p.name}=_op_default{i}")
            passed.append(f"{p.name}={p.name}" if p.kind is kinds.KEYWORD_ONLY else p.name)
        if p.kind is kinds.POSITIONAL_ONLY and (i + 1 == len(parameters)
                                                or parameters[i + 1].kind is not kinds.POSITIONAL_ONLY):
            params.append("/")
    owner = parameters[0].name
    source = f"""def run({', '.join(params)}):
    _op_log = {owner}.log
    _op_depth = _op_log._depth
    if _op_depth == 0:
        _op_log._batch_start = _op_len(_op_log._events)
    _op_log._depth = _op_depth + 1
    try:
        return _op_method({', '.join(passed)})
    finally:
        _op_log._depth = _op_depth
        if _op_depth == 0 and (_op_log._subscribers or _op_log._keep is not None):
            _op_log._end_batch()
"""
    return source, defaults


def _generic_operation(method: _M) -> _M:
    @functools.wraps(method)
    def run(owner: Any, *args: Any, **kwargs: Any) -> Any:
        log: EventLog = owner.log
        depth = log._depth
        if depth == 0:
            log._batch_start = len(log._events)
        log._depth = depth + 1
        try:
            return method(owner, *args, **kwargs)
        finally:
            log._depth = depth
            if depth == 0 and (log._subscribers or log._keep is not None):
                log._end_batch()

    return run  # type: ignore[return-value]


class EventLog:
    """The sequence of events, and the subscribers that observe it in batches.

    Readers keep an index (``len(log)``) and ask for :meth:`since` it; that
    is how scenario ``expect`` checks "new since the last check".  Indices
    count every event ever appended, also when the log is bounded.

    **Observers** (:meth:`subscribe`) are called once per engine operation
    (a send, an action, a clock move), after the operation has completed,
    with that operation's events as one :data:`Batch`:

    * the world is consistent when they run: a delivered message is already
      counted and its webhook queued, whatever a subscriber does;
    * a subscriber that raises is logged (``logging``, ``flowsim.events``)
      and recorded in :attr:`subscriber_errors`; the others still get the
      batch, and the world is untouched;
    * a subscriber may subscribe, unsubscribe or call the simulation during
      dispatch: batches are delivered to everyone in the order their
      operations completed (one operation's events are never interleaved
      with another's), an unsubscribed callback gets nothing more, and a
      new one starts with the next batch.

    ``keep=N`` bounds the log to (at least) the last ``N`` events, for long
    runs such as the HTTP sandbox; ``None`` (scenario runs) keeps them all.
    A reader of a bounded log that must see every event sets :meth:`hold`.
    """

    __slots__ = ("_events", "_offset", "_keep", "_subscribers", "_depth", "_batch_start", "_queue",
                 "_dispatching", "subscriber_errors", "_hold")

    def __init__(self, keep: int | None = None) -> None:
        if keep is not None and (not isinstance(keep, int) or isinstance(keep, bool) or keep < 1):
            raise InvalidValueError(f"keep must be a positive number of events or None, not {keep!r}")
        self._events: list[Record] = []
        self._offset = 0  # events dropped from the front (bounded logs)
        self._keep = keep
        self._hold: int | None = None  # a reader's low-water mark (hold)
        self._subscribers: list[Subscriber] = []
        self._depth = 0
        self._batch_start = 0
        self._queue: list[Batch] = []
        self._dispatching = False
        #: The most recent subscriber failures (at most 100).
        self.subscriber_errors: list[SubscriberError] = []

    # ------------------------------------------------------------- writing

    def append(self, event: Event) -> None:
        """Add an event; outside an :meth:`operation` it is a batch of its own."""
        self.record(to_record(event))

    def record(self, record: Record) -> None:
        """Add an event given as its record ``(EventClass.kind, at, *fields)`` (the engine's way: no object made).

        The fields must be in the class's order (``EventClass.record_fields``);
        ``tests/engine/test_records.py`` checks every record the shipped corpus writes against it.
        """
        self._events.append(record)
        if self._depth == 0:
            self._publish((from_record(record),))
            self._trim()

    def begin_operation(self) -> None:
        """Start (or nest into) an operation: what is appended until the matching end is one batch."""
        if self._depth == 0:
            self._batch_start = len(self._events)
        self._depth += 1

    def end_operation(self) -> None:
        """End an operation; the outermost end publishes its batch (also after an exception: it happened)."""
        self._depth -= 1
        if self._depth == 0 and (self._subscribers or self._keep is not None):
            self._end_batch()

    def _end_batch(self) -> None:
        if self._subscribers and len(self._events) > self._batch_start:
            self._publish(tuple(map(from_record, self._events[self._batch_start:])))
        if self._keep is not None:
            self._trim()

    @contextmanager
    def operation(self) -> Iterator[None]:
        """``with log.operation():`` — :meth:`begin_operation` and :meth:`end_operation` around a block."""
        self.begin_operation()
        try:
            yield
        finally:
            self.end_operation()

    def _trim(self) -> None:
        keep = self._keep
        if keep is not None and len(self._events) >= 2 * keep:
            drop = len(self._events) - keep
            if self._hold is not None:
                drop = min(drop, self._hold - self._offset)
            if drop > 0:
                del self._events[:drop]
                self._offset += drop

    def hold(self, index: int | None) -> None:
        """Never trim the events from ``index`` on (a reader that has not read them yet: the HTTP
        sandbox's webhooks, however many one operation logs); ``None``: trim to ``keep`` again.
        A bounded log then holds ``keep`` to ``2 * keep`` events plus those not read yet."""
        self._hold = index

    # ------------------------------------------------------------- observing

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(batch)`` after each operation; returns a function that unsubscribes (idempotent)."""
        if not callable(callback):
            raise InvalidValueError(f"subscribe needs a callable, not {type(callback).__name__}")
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            try:
                self._subscribers.remove(callback)
            except ValueError:
                pass

        return unsubscribe

    def _publish(self, batch: Batch) -> None:
        if not self._subscribers:
            return
        self._queue.append(batch)
        if self._dispatching:
            return  # the dispatch already under way delivers it, after the batch it is handling
        self._dispatching = True
        try:
            while self._queue:
                current = self._queue.pop(0)
                for subscriber in tuple(self._subscribers):
                    if subscriber not in self._subscribers:
                        continue  # unsubscribed by an earlier subscriber of this batch
                    try:
                        subscriber(current)
                    except Exception as exc:  # noqa: BLE001 - a front end's bug must not stop the world
                        _logger.exception("flowsim event subscriber %r failed", subscriber)
                        self.subscriber_errors.append(SubscriberError(subscriber, current, exc))
                        del self.subscriber_errors[:-100]
        finally:
            self._dispatching = False

    # ------------------------------------------------------------- reading

    def __len__(self) -> int:
        return self._offset + len(self._events)

    def __iter__(self) -> Iterator[Event]:
        return map(from_record, self._events)

    def __getitem__(self, index: int) -> Event:
        if index < 0:
            return from_record(self._events[index])
        if index < self._offset:
            raise IndexError(f"event {index} is no longer kept (the log keeps the last {self._keep})")
        return from_record(self._events[index - self._offset])

    @property
    def first_kept(self) -> int:
        """The index of the oldest event still kept (0 unless the log is bounded)."""
        return self._offset

    def since(self, index: int) -> list[Event]:
        """The events from ``index`` on (those still kept, for a bounded log)."""
        return list(map(from_record, self._events[max(0, index - self._offset):]))

    def records_of(self, cls: type[Event], since: int = 0) -> list[Record]:
        """The records of the events of type ``cls`` (or a subclass) from ``since`` on, as the log keeps them.

        Nothing is built: for a reader that keeps what it reads and looks at
        little of it (the sandbox: each queued webhook becomes a delivery that
        most busy runs never show); :func:`from_record` makes an event of one.
        """
        kinds = _kinds_of(cls)
        return [r for r in self._events[max(0, since - self._offset):] if r[0] in kinds]

    def of_type(self, cls: type[E], since: int = 0) -> list[E]:
        """The events of type ``cls`` (or a subclass) from ``since`` on; only those are built."""
        kinds = _kinds_of(cls)
        return [from_record(r) for r in self._events[max(0, since - self._offset):]  # type: ignore[misc]
                if r[0] in kinds]
