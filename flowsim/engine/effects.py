"""The one writer of what people and official accounts see: chats, SMS, counts, webhooks, the log.

The flows (``flows/``) decide with :mod:`flowsim.engine.decide` and then call
these methods; nothing else appends to a chat, an inbox, a webhook queue, a
count or the event log, and nothing else moves a state machine.  So "what
changed and why" is always one of these calls, each logging its event.

A world made with ``keep=N`` (long runs: the HTTP sandbox) forgets the
oldest finished messages, chat lines, SMS and webhook events beyond the
last ``N`` of each, so memory per delivered send stays flat; counts (R26)
and pending messages are never forgotten.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, cast

from transitions import MachineError

from . import answers, decisions
from .compiled import compiled
from .content import ContentError
from .decide import Deliver, Discard, Hold, on_recheck
from .errors import ActionNotAllowedError
from .events import (
    ApiCalled,
    ChatMessageAppeared,
    ConsentChanged,
    CountIncremented,
    Event,
    MessageDelivered,
    MessageDiscarded,
    MessageExpired,
    MessagePending,
    MessageUnmatched,
    PhoneNumberChanged,
    PhoneNumberRemoved,
    SmsReceived,
    UserActed,
    WebhookQueued,
    to_record,
)
from .ids import ulid
from .machines import consent_machine, message_machine, screen_machine
from .models import (
    ChatLines,
    NotificationMessage,
    PinChallenge,
    SendResult,
    User,
    chat_record,
    sms_record,
    trusted,
    webhook_record,
)
from .records import RecordList
from .phone import hash_number
from .texts import chat_text, important_label
from .vocabulary import LINE_CHAT, DiscardReason, Requirement
from .world import World

#: R26: counting days are calendar days in UTC+9.
JST = timezone(timedelta(hours=9), "JST")
#: Appends a record to a RecordList without the models' conversion (list.append: a C call).
_add = list.append
#: A final message's ``missing``: one empty frozenset shared by all (a set each would be one more object
#: the garbage collector walks for as long as the message is kept); a held one shares its verdict's.
_NOTHING: frozenset[Requirement] = frozenset()


class Effects:
    """Applies decisions to a :class:`World`; every method logs what it changed."""

    __slots__ = ("world", "_consent", "_lifecycle", "_screens", "_clock", "_record", "_expire", "_day", "_millis")

    def __init__(self, world: World) -> None:
        self.world = world
        self._clock = world.clock
        # Events are written as records, ``(EventClass.kind, at, *fields)`` in the class's field order (see
        # flowsim.engine.events: the log keeps tuples, which the garbage collector stops walking); a chat
        # line, an SMS or a webhook event as its record (``models.chat_record`` etc.: its field values), the
        # same tuple the chat, inbox or queue keeps (flowsim.engine.records: RecordList).  The time is read
        # from the clock's own slot (``SimClock._now``): ``SimClock.now`` is a property, a call per read.
        self._record = world.log.record
        # Lookup tables read off the declared machines (flowsim.engine.compiled): ~0.5 µs a trigger, not ~10.
        self._consent = compiled(consent_machine())
        self._lifecycle = compiled(message_machine())
        self._screens = compiled(screen_machine())
        self._expire = self.expire  # every R22 timer's callback, bound once (its message id is the timer's argument)
        self._day: tuple[datetime | None, date] = (None, date.min)  # (a time, its UTC+9 day): deliveries come many per instant
        self._millis: tuple[datetime | None, int] = (None, 0)  # (a time, its Unix milliseconds): for webhook ids, alike

    # ------------------------------------------------------------------ the log and the machines

    def emit(self, event_type: type[Event], **fields: Any) -> None:
        """Append an event stamped with the current simulated time."""
        self._record(to_record(event_type(at=self._clock._now, **fields)))

    def note(self, event_type: type[Event], *fields: Any) -> None:
        """Log an event from its fields in ``event_type.record_fields`` order after ``at`` (no keywords: hot paths)."""
        self._record((event_type.kind, self._clock._now, *fields))

    def screen(self, user: User, action: str, detail: str = "", **kwargs: Any) -> None:
        """Move the app along the screen machine and log the tap (before its effects).

        The facade has already checked that the action is available.
        """
        if user.screen_error is not None:  # an error shown on the screen goes with the tap
            user.screen_error = None
        before = user.screen
        try:
            self._screens.fire(action, user, **kwargs)
        except MachineError as exc:  # pragma: no cover - Simulation.do checks first
            raise ActionNotAllowedError(user.id, action, user.screen, []) from exc
        self._record((UserActed.kind, self._clock._now, user.id, action, before, user.screen, detail))

    # ------------------------------------------------------------------ what people see

    def post(self, user: User, kind: str, message_id: str | None = None, *, sections: tuple[str, ...] = ()) -> None:
        """A message from the "LINE" system account (R12-R19)."""
        now = self._clock._now
        line = chat_record(kind=kind, chat=LINE_CHAT, at=now, text=chat_text(kind, user.language, sections),
                           sections=sections, message_id=message_id)
        self._keep_last(user.chats[LINE_CHAT], line)
        self._record((ChatMessageAppeared.kind, now, user.id, *line))

    def send_pin(self, user: User, purpose: str, number: str) -> None:
        """R17/R19: an SMS with a fresh PIN; the PIN screen accepts it (and, see R18, maybe older ones)."""
        digits = decisions.PIN_DIGITS
        pin = f"{self.world.pin_rng.randrange(10 ** digits):0{digits}d}"
        old = user.pin_challenge
        earlier: tuple[str, ...] = ()
        if old is not None and not decisions.RESEND_INVALIDATES_OLD_PIN and old.purpose == purpose:
            earlier = (*old.earlier, old.pin)
        user.pin_challenge = trusted(PinChallenge, pin=pin, purpose=purpose, number=number, earlier=earlier)
        now = self._clock._now
        sms = sms_record(at=now, number=number, pin=pin, purpose=purpose)
        self._keep_last(user.sms_inbox, sms)
        self._record((SmsReceived.kind, now, user.id, *sms))

    def queue_webhook(self, oa_id: str, kind: str, user: User | None = None, **fields: Any) -> None:
        """R25/R27: one webhook event for an official account, with a seeded ``webhookEventId``."""
        world = self.world
        if user is not None:
            fields.update(user=user.id, source_user_id=user.line_user_id)
            if kind in ("follow", "message"):
                fields["reply_token"] = world.id_rng.randbytes(16).hex()
        now = self._clock._now
        at, millis = self._millis
        if at is not now:
            millis = int(now.timestamp() * 1000)
            self._millis = (now, millis)
        event_id = ulid(millis, int.from_bytes(world.id_rng.randbytes(10), "big"))
        event = webhook_record(type=kind, oa=oa_id, at=now, webhook_event_id=event_id, **fields)
        self._keep_last(world.webhooks[oa_id], event)
        self._record((WebhookQueued.kind, now, oa_id, *event))

    def _keep_last(self, items: RecordList[Any], record: tuple[Any, ...]) -> None:
        """Append a record to a chat, an inbox or a webhook queue; a bounded world forgets the oldest."""
        _add(items, record)
        keep = self.world.keep_lines
        if keep is not None and len(items) >= 2 * keep:
            del items[:-keep]

    # ------------------------------------------------------------------ settings

    def set_consent(self, user: User, value: str, rule: str) -> None:
        """R10/R21: consent is global; leaving ``not_set`` is for good (the machine has no way back)."""
        old = user.consent
        self._consent.fire("agree" if value == "agreed" else "reject", user)
        if old != user.consent:
            self._record((ConsentChanged.kind, self._clock._now, user.id, old, user.consent, rule))
        if user.consent == "rejected":
            self.discard_pending(user, "consent_rejected", "R21")
        else:
            self.recheck(user)

    def change_number(self, user: User, new: str) -> None:
        """R19/R20, with R5's decision: the number moves to this account."""
        world = self.world
        new_hash = hash_number(new)
        holder_id = world.by_hash.get(new_hash)
        if holder_id is not None and holder_id != user.id and decisions.NUMBER_CHANGE_TAKES_OVER:
            holder = world.users[holder_id]
            holder.phone = None
            self.emit(PhoneNumberRemoved, user=holder_id, number=new, taken_by=user.id)
            self.discard_pending(holder, decisions.NO_NUMBER_REASON, "R5")
        old = user.phone
        if old is not None:
            world.by_hash.pop(hash_number(old), None)
        user.phone = new
        user.phone_changed_at = self._clock._now
        world.by_hash[new_hash] = user.id
        self.post(user, "phone_changed")
        self.emit(PhoneNumberChanged, user=user.id, old=old, new=new)
        self.recheck(user, completed_by="R19")

    # ------------------------------------------------------------------ a message's fate

    def new_message(self, oa_id: str, kind: str, to: str, tag: str | None, **content: Any) -> NotificationMessage:
        """The record of a send whose ``to`` and content have been checked (R1, R28-R30).

        ``messages`` are copied one level deep, as validating them would: the
        caller's dicts are not the record's.  (``dict.copy`` keeps a dict of
        strings untracked by the garbage collector, which ``dict(m)`` does not.)
        """
        world = self.world
        if "messages" in content:
            content["messages"] = tuple(m.copy() if type(m) is dict else dict(m) for m in content["messages"])
        msg = trusted(NotificationMessage, id=f"m{next(world.message_seq)}", oa=oa_id, kind=kind, to=to,
                      requested_at=self._clock._now, delivery_tag=tag, **content)
        world.messages[msg.id] = msg
        return msg

    def answer(self, msg: NotificationMessage, rule: str) -> SendResult:
        """Log and return what the API answers, once the arrival's deciding rule is known."""
        status = answers.status_for(msg.kind, rule)
        error = None if answers.is_accepted(status) else answers.REFUSED_MESSAGE
        self._record((ApiCalled.kind, self._clock._now, msg.oa, msg.kind, msg.to, status, msg.id, error, rule))
        return trusted(SendResult, status=status, message_id=msg.id, error=error)

    def forbid(self, oa_id: str, kind: str, to: str) -> SendResult:
        """LINE's 403: the account may not use this endpoint."""
        return self._refused(oa_id, kind, to, answers.FORBIDDEN, answers.FORBIDDEN_MESSAGE)

    def refuse(self, oa_id: str, kind: str, to: str, error: ContentError) -> SendResult:
        """LINE's 400 for what the content or ``to`` breaks (R1, R28-R30)."""
        return self._refused(oa_id, kind, to, answers.INVALID, error.message, error.rule, error.details)

    def _refused(self, oa_id: str, kind: str, to: str, status: int, message: str, rule: str | None = None,
                 details: tuple[dict[str, str], ...] = ()) -> SendResult:
        """An answer that sends nothing: only the call is recorded."""
        self.emit(ApiCalled, oa=oa_id, message_kind=kind, to=to, status=status, error=message, rule=rule)
        return SendResult(status=status, error=message, details=details)

    def _finish(self, msg: NotificationMessage, trigger: str, *, rule: str,
                reason: DiscardReason | None = None) -> None:
        world = self.world
        self._lifecycle.fire(trigger, msg)
        msg.rule, msg.reason, msg.decided_at, msg.missing = rule, reason, self._clock._now, _NOTHING
        timer = world.timers.pop(msg.id, None)
        if timer is not None:
            timer.cancel()
        if msg.user is not None:
            world.pending[msg.user].pop(msg.id, None)
        if world.keep is not None:
            world.finished[msg.id] = None
            if len(world.finished) > world.keep:
                old, _ = world.finished.popitem(last=False)
                world.messages.pop(old, None)
                world.arrival_needs.pop(old, None)

    def unmatch(self, msg: NotificationMessage) -> None:
        """R2: no user has the number."""
        self._finish(msg, "unmatch", rule="R2")
        self.emit(MessageUnmatched, message_id=msg.id, oa=msg.oa)

    def hold(self, msg: NotificationMessage, user: User, verdict: Hold) -> None:
        """R13-R15: the message waits; the LINE chat says what to set up; the 24-hour window starts (R22)."""
        world = self.world
        world.arrival_needs[msg.id] = verdict.missing
        self._lifecycle.fire("hold", msg)
        msg.missing, msg.rule = _requirements(verdict.missing), verdict.rule
        world.pending[user.id][msg.id] = None
        if decisions.WINDOW_APPLIES_TO_SMS_WAIT or "consent" in verdict.missing:
            world.timers[msg.id] = world.clock.call_at(
                msg.requested_at + decisions.PENDING_WINDOW, self._expire, f"expire {msg.id}", (msg.id,))
        self.post(user, "received", msg.id)
        if "consent" in verdict.missing:
            sections = ("consent", "phone_auth") if "sms" in verdict.missing else ("consent",)
            self.post(user, "setup", msg.id, sections=sections)
        else:
            self.post(user, "phone_auth", msg.id)
        self._record((MessagePending.kind, self._clock._now, msg.id, user.id, msg.oa, _sorted(verdict.missing),
                      verdict.rule))

    def deliver(self, msg: NotificationMessage, user: User, rule: str) -> None:
        """Delivery: ``received``, the notification (R24), count (R26), webhook (R25)."""
        world = self.world
        self._finish(msg, "deliver", rule=rule)
        self.post(user, "received", msg.id)
        oa = world.official_accounts[msg.oa]
        now = self._clock._now
        notification = chat_record(
            kind="notification", chat=oa.id, at=now, text=msg.preview(200), message_id=msg.id,
            label=important_label(user.language, user.app_version),
            template=msg.template.key if msg.template else None, messages=msg.messages,
        )
        chats = user.chats
        lines = chats.get(oa.id)
        if lines is None:
            lines = chats[oa.id] = ChatLines()
        self._keep_last(lines, notification)
        record = self._record
        record((ChatMessageAppeared.kind, now, user.id, *notification))
        record((MessageDelivered.kind, now, msg.id, user.id, oa.id, rule))
        at, day = self._day
        if at is not now:
            day = now.astimezone(JST).date()
            self._day = (now, day)
        key = (oa.id, msg.kind, day)
        world.counts[key] = total = world.counts.get(key, 0) + 1
        record((CountIncremented.kind, now, oa.id, msg.kind, day, total))
        self.queue_webhook(oa.id, "delivery", data=msg.delivery_tag or msg.to)

    def discard(self, msg: NotificationMessage, user: User, reason: str, rule: str) -> None:
        self._finish(msg, "discard", rule=rule, reason=cast(DiscardReason, reason))  # decide.py speaks plain strings
        self.emit(MessageDiscarded, message_id=msg.id, user=user.id, oa=msg.oa, reason=reason, rule=rule)

    def expire(self, message_id: str) -> None:
        """Timer callback at ``requested_at + 24h`` (R22)."""
        msg = self.world.messages.get(message_id)
        if msg is None or msg.status != "pending":
            return
        self._finish(msg, "expire", rule="R22")
        self.emit(MessageExpired, message_id=msg.id, user=msg.user or "", oa=msg.oa)

    def recheck(self, user: User, completed_by: str | None = None) -> None:
        """Re-decide every pending message of ``user`` after a change of settings, and apply the verdicts.

        Delivers those with nothing left to wait for; keeps the rest, noting
        what they now wait for (see
        ``decisions.PROMPT_PHONE_AUTH_WHEN_SMS_BECOMES_REQUIRED``).
        """
        world = self.world
        for message_id in list(world.pending[user.id]):
            msg = world.messages[message_id]
            verdict = on_recheck(user, msg.oa, self._clock._now, missing=msg.missing, rule=msg.rule or "R11",
                                 arrival_needs=world.arrival_needs[msg.id], completed_by=completed_by)
            if isinstance(verdict, Discard):
                self.discard(msg, user, verdict.reason, verdict.rule)
            elif isinstance(verdict, Deliver):
                self.deliver(msg, user, verdict.rule)
            elif isinstance(verdict, Hold) and verdict.missing != msg.missing:
                newly_sms = verdict.rule == "R11" and "sms" not in msg.missing
                msg.missing, msg.rule = _requirements(verdict.missing), verdict.rule
                if newly_sms and decisions.PROMPT_PHONE_AUTH_WHEN_SMS_BECOMES_REQUIRED:
                    self.post(user, "phone_auth", msg.id)
                self._record((MessagePending.kind, self._clock._now, msg.id, user.id, msg.oa, _sorted(verdict.missing),
                              verdict.rule))

    def discard_pending(self, user: User, reason: str, rule: str, oa_id: str | None = None) -> None:
        world = self.world
        for message_id in list(world.pending[user.id]):
            msg = world.messages[message_id]
            if oa_id is None or msg.oa == oa_id:
                self.discard(msg, user, reason, rule)


def _requirements(missing: frozenset[str]) -> frozenset[Requirement]:
    """A verdict's requirements as a message keeps them (decide.py speaks plain strings)."""
    return cast("frozenset[Requirement]", missing)


def _sorted(missing: frozenset[str]) -> tuple[Requirement, ...]:
    """A verdict's requirements, in the order events list them (decide.py speaks plain strings)."""
    return cast("tuple[Requirement, ...]", tuple(sorted(missing)))
