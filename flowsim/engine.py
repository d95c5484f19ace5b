"""The simulation engine: what each person sees for every notification message, and why.

:class:`Simulation` is the one public entry point.  It holds the users,
official accounts and messages, the simulated clock and the event log, and
offers three kinds of calls:

* an official account **sends** (:meth:`Simulation.send_flexible`,
  :meth:`Simulation.send_template`), answered like LINE's API
  (:mod:`flowsim.answers`): 200 / 202 when accepted (even when nothing is
  delivered, as for a block), 422 when no user can get it (R2, R4, R8, R9),
  400 for a malformed ``to`` or content that breaks R28-R30;
* a user **acts** in the LINE app (:meth:`Simulation.do`, or one method per
  action such as :meth:`Simulation.agree`), allowed only where the app's
  screen offers it;
* the **clock** moves (:meth:`Simulation.advance`), firing the 24-hour
  expiries in time order.

Everything visible is appended to :attr:`Simulation.log` as typed events,
and every message's outcome carries the id of the rule that decided it
(:meth:`Simulation.explain`).  The engine knows nothing of YAML, Textual or
HTTP.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import random
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta, timezone
from functools import partial
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from transitions import MachineError

from . import answers, decide, decisions, phone
from .catalogue import Catalogue
from . import arguments
from .clock import SimClock, Timer, require_time
from .content import ContentError, check_delivery_tag, check_flexible, check_template
from .errors import (
    InvalidValueError,
    ActionNotAllowedError,
    DuplicateIdError,
    MissingArgumentError,
    PhoneNumberTakenError,
    UnknownActionError,
    UnknownMessageError,
    UnknownOfficialAccountError,
    UnknownUserError,
    InvalidPhoneNumberError,
    shown,
)
from .events import (
    ApiCalled,
    ChatMessageAppeared,
    ClockAdvanced,
    ConsentChanged,
    CountIncremented,
    Event,
    EventLog,
    MessageDelivered,
    MessageDiscarded,
    MessageExpired,
    MessagePending,
    MessageUnmatched,
    NumberRefused,
    PhoneNumberChanged,
    PhoneNumberRemoved,
    PinRejected,
    SmsReceived,
    SmsVerified,
    UserActed,
    WebhookQueued,
)
from .machines import (
    ACTION_ARGS,
    ACTIONS,
    ACTIONS_BY_SCREEN,
    CONDITION_HINTS,
    PRECONDITIONS,
    consent_machine,
    message_machine,
    screen_machine,
)
from .models import (
    LINE_CHAT,
    ChatMessage,
    NotificationMessage,
    OfficialAccount,
    PinChallenge,
    SendResult,
    Sms,
    TemplateContent,
    User,
    WebhookEvent,
)
from .ids import ulid
from .rules import describe
from .texts import important_label, section_text, system_text

#: R26: counting days are calendar days in UTC+9.
JST = timezone(timedelta(hours=9), "JST")

#: Default account age when a caller gives none (matches scenario files' ``created: -3y``).
DEFAULT_ACCOUNT_AGE = timedelta(days=3 * 365)


_ACTION_SET = frozenset(ACTIONS)



def _derived_hex(seed: int | str, *parts: str, length: int = 32) -> str:
    """Deterministic hex for ids and secrets: the same seed gives the same world."""
    return hashlib.sha256(":".join((str(seed), *parts)).encode()).hexdigest()[:length]


_M = TypeVar("_M", bound=BaseModel)

def _build(model: type[_M], what: str, **fields: Any) -> _M:
    """Construct a pydantic model from API arguments; a bad value becomes :class:`InvalidValueError`.

    The models hold the allowed values (consent states R21, languages R24,
    OA countries R4); this turns pydantic's report into one line naming the
    argument, the value and what is allowed, so callers never see a
    ``ValidationError``.
    """
    try:
        return model(**fields)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])} = {shown(err['input'])}: {err['msg'][:1].lower() + err['msg'][1:]}"
            for err in exc.errors(include_url=False)
        )
        raise InvalidValueError(f"{what}: {problems}") from None


_F = TypeVar("_F", bound=Callable[..., Any])


def _operation(method: _F) -> _F:
    """Mark a public operation: subscribers get its events as one batch once it has completed."""

    @functools.wraps(method)
    def operation(self: Simulation, *args: Any, **kwargs: Any) -> Any:
        log = self.log
        log.begin_operation()
        try:
            return method(self, *args, **kwargs)
        finally:
            log.end_operation()

    return operation  # type: ignore[return-value]


class Simulation:
    """A world of LINE users and official accounts, on a simulated clock.

    ``start`` (aware datetime) defaults to the current wall time, read once;
    ``seed`` makes PINs, webhook ids and generated secrets reproducible;
    ``catalogue`` is the template catalogue for R29 (default: the shipped one).
    """

    def __init__(
        self,
        start: datetime | None = None,
        seed: int = 0,
        catalogue: Catalogue | None = None,
        default_region: str = decisions.DEFAULT_REGION,
    ) -> None:
        self.clock = SimClock(start)
        self.seed = arguments.seed(seed)
        self._catalogue = arguments.instance(catalogue, Catalogue, "catalogue", optional=True)
        self.default_region = arguments.text(default_region, "default_region")
        self.log = EventLog()
        self.users: dict[str, User] = {}
        self.official_accounts: dict[str, OfficialAccount] = {}
        self.messages: dict[str, NotificationMessage] = {}
        #: Webhook events queued per official account, oldest first.
        self.webhooks: dict[str, list[WebhookEvent]] = {}
        #: R26: delivered messages per (OA, kind, UTC+9 day).
        self.counts: dict[tuple[str, str, date], int] = {}
        self._by_hash: dict[str, str] = {}
        self._pending: dict[str, dict[str, None]] = {}
        self._timers: dict[str, Timer] = {}
        self._arrival_needs: dict[str, frozenset[str]] = {}
        self._pin_rng = random.Random(f"{seed}:pins")
        self._id_rng = random.Random(f"{seed}:ids")
        self._message_seq = itertools.count(1)
        self._consent = consent_machine()
        self._lifecycle = message_machine()
        self._screens = screen_machine()

    # ------------------------------------------------------------------ observers

    def subscribe(self, callback: Callable[[tuple[Event, ...]], None]) -> Callable[[], None]:
        """Call ``callback(batch)`` after each operation (send, action, clock move) with its events.

        Returns a function that unsubscribes.  The rules of dispatch (order,
        a raising subscriber, subscribing during dispatch) are
        :class:`flowsim.events.EventLog`'s.
        """
        return self.log.subscribe(callback)

    # ------------------------------------------------------------------ time

    @property
    def now(self) -> datetime:
        return self.clock.now

    @_operation
    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by ``delta``; expiries inside fire in time order (R22, R23)."""
        old = self.clock.now
        self.clock.advance(delta)
        self._emit(ClockAdvanced, old=old)

    @_operation
    def advance_to(self, target: datetime) -> None:
        """Move the clock forward to ``target`` (aware); going back raises ClockWentBackwardsError."""
        old = self.clock.now
        self.clock.advance_to(target)
        self._emit(ClockAdvanced, old=old)

    # ------------------------------------------------------------------ world set-up

    @property
    def catalogue(self) -> Catalogue:
        """The template catalogue; the shipped one is read on first use (most runs send no template)."""
        if self._catalogue is None:
            self._catalogue = Catalogue.default()
        return self._catalogue

    @_operation
    def add_official_account(
        self,
        oa_id: str,
        name: str | None = None,
        country: str = "JP",
        *,
        token: str | None = None,
        secret: str | None = None,
        webhook: str | None = None,
    ) -> OfficialAccount:
        """Add an official account; missing secrets are derived from the seed (deterministic)."""
        arguments.identifier(oa_id, "official account id")
        for what, value in (("name", name), ("token", token), ("secret", secret), ("webhook", webhook)):
            arguments.text(value, what, optional=True)
        if oa_id in self.official_accounts or oa_id == LINE_CHAT:
            raise DuplicateIdError(f"official account {oa_id!r} is already defined")
        oa = _build(
            OfficialAccount,
            f"official account {oa_id!r}",
            id=oa_id,
            name=name or oa_id,
            country=country,  # type: ignore[arg-type]
            bot_user_id="U" + _derived_hex(self.seed, "bot", oa_id),
            channel_secret=secret or _derived_hex(self.seed, "secret", oa_id),
            access_token=token or "flowsim-" + _derived_hex(self.seed, "token", oa_id, length=40),
            webhook_url=webhook,
        )
        self.official_accounts[oa_id] = oa
        self.webhooks[oa_id] = []
        return oa

    @_operation
    def add_user(
        self,
        user_id: str,
        phone_number: str | None,
        *,
        region: str | None = None,
        consent: str = "not_set",
        created_at: datetime | None = None,
        sms_verified_at: datetime | None = None,
        phone_changed_at: datetime | None = None,
        privacy_policy: bool = True,
        language: str = "en",
        app_version: str = "15.9.0",
        blocked: Iterable[str] = (),
        friends: Iterable[str] = (),
    ) -> User:
        """Add a LINE user.  ``phone_number`` is normalised to E.164 (R3) in ``region``.

        ``created_at`` defaults to three years before now; ``blocked`` and
        ``friends`` take OA ids (one id may be given as a plain string).  Raises
        :class:`PhoneNumberTakenError` if another user holds the number (R5).
        """
        arguments.identifier(user_id, "user id")
        arguments.text(region, "region", optional=True)
        arguments.app_version(app_version)
        if user_id in self.users:
            raise DuplicateIdError(f"user {user_id!r} is already defined")
        e164 = phone.normalise(phone_number, region or self.default_region) if phone_number is not None else None
        if e164 is not None and phone.hash_number(e164) in self._by_hash:
            holder = self._by_hash[phone.hash_number(e164)]
            raise PhoneNumberTakenError(f"{e164} is already registered to user {holder!r} (R5)")
        # One id given as a plain string means that id, not its characters.
        blocked, friends = arguments.id_set(blocked, "blocked"), arguments.id_set(friends, "friends")
        for oa_id in blocked | friends:
            self.official_account(oa_id)
        for name, value in (("created_at", created_at), ("sms_verified_at", sms_verified_at),
                            ("phone_changed_at", phone_changed_at)):
            if value is not None:
                require_time(value, name, clock=False)
        user = _build(
            User,
            f"user {user_id!r}",
            id=user_id,
            line_user_id="U" + _derived_hex(self.seed, "user", user_id),
            phone=e164,
            created_at=created_at or self.now - DEFAULT_ACCOUNT_AGE,
            sms_verified_at=sms_verified_at,
            phone_changed_at=phone_changed_at,
            consent=consent,  # type: ignore[arg-type]
            privacy_policy=privacy_policy,
            language=language,  # type: ignore[arg-type]
            app_version=app_version,
            blocked=blocked,
            friends=friends - blocked,
        )
        self.users[user_id] = user
        self._pending[user_id] = {}
        if e164 is not None:
            self._by_hash[phone.hash_number(e164)] = user_id
        return user

    # ------------------------------------------------------------------ lookups

    def user(self, user_id: str) -> User:
        try:
            return self.users[user_id]
        except (KeyError, TypeError):  # TypeError: an unhashable id
            raise UnknownUserError(arguments.lookup_key(user_id, "user id"), self.users) from None

    def official_account(self, oa_id: str) -> OfficialAccount:
        try:
            return self.official_accounts[oa_id]
        except (KeyError, TypeError):
            raise UnknownOfficialAccountError(arguments.lookup_key(oa_id, "official account id"),
                                              self.official_accounts) from None

    def message(self, message_id: str) -> NotificationMessage:
        try:
            return self.messages[message_id]
        except (KeyError, TypeError):
            raise UnknownMessageError(arguments.lookup_key(message_id, "message id")) from None

    def hash_of(self, user_id: str) -> str | None:
        """The ``to`` that reaches this user now (R1), or ``None`` without a number."""
        number = self.user(user_id).phone
        return phone.hash_number(number) if number else None

    def user_for_hash(self, to: str) -> str | None:
        """Which user a destination hash matches now (R1, R2, R20)."""
        return self._by_hash.get(phone.check_hash(to))

    def pending_for(self, user_id: str) -> list[NotificationMessage]:
        """Messages waiting for this user, oldest first."""
        self.user(user_id)
        return [self.messages[m] for m in self._pending[user_id]]

    def sms_required(self, user_id: str, at: datetime | None = None) -> bool:
        """R11 evaluated at ``at`` (default now)."""
        user = self.user(user_id)
        return decide.sms_required(user, self.now if at is None else require_time(at, "at", clock=False))

    def sms_exempt_until(self, user_id: str) -> datetime | None:
        """When R11 next requires SMS for this user (the latest exemption's end), or ``None``."""
        user = self.user(user_id)
        starts = [t for t in (user.sms_verified_at, user.created_at, user.phone_changed_at) if t is not None]
        return max(starts) + decisions.SMS_VALIDITY if starts else None

    def expires_at(self, message_id: str) -> datetime:
        """R22: when this message's 24-hour window ends."""
        return self.message(message_id).requested_at + decisions.PENDING_WINDOW

    def last_pin(self, user_id: str) -> str | None:
        """The PIN in the newest SMS the user's phone received (scenario files' ``pin: last``)."""
        inbox = self.user(user_id).sms_inbox
        return inbox[-1].pin if inbox else None

    def sent_count(self, oa_id: str) -> dict[str, int]:
        """R26 totals so far for an OA: ``{"flexible": n, "template": m}``."""
        self.official_account(oa_id)
        totals = {"flexible": 0, "template": 0}
        for (oa, kind, _day), n in self.counts.items():
            if oa == oa_id:
                totals[kind] += n
        return totals

    def daily_count(self, oa_id: str, kind: str, day: date) -> int:
        """R26: delivered messages of ``kind`` for ``oa_id`` on ``day`` (UTC+9)."""
        self.official_account(oa_id)
        if kind not in ("flexible", "template"):
            raise InvalidValueError(f"message kind {shown(kind)}; expected 'flexible' or 'template'")
        arguments.day(day)
        return self.counts.get((oa_id, kind, day), 0)

    def explain(self, message_id: str) -> str:
        """Why a message is where it is, citing the deciding rule."""
        msg = self.message(message_id)
        who = f" for {msg.user}" if msg.user else ""
        if msg.status == "pending":
            needs = " and ".join(sorted(msg.missing))
            return (f"{msg.id} is pending{who}: waiting for {needs} until "
                    f"{self.expires_at(msg.id).isoformat()} ({describe(msg.rule or 'R22')})")
        reason = f" ({msg.reason})" if msg.reason else ""
        return f"{msg.id} {msg.status}{reason}{who}: {describe(msg.rule or '?')}"

    # ------------------------------------------------------------------ sends

    @_operation
    def send_flexible(
        self, oa_id: str, to: str, messages: Sequence[dict[str, Any]], delivery_tag: str | None = None
    ) -> SendResult:
        """``POST /bot/pnp/push``: ``to`` and R28/R30 content (400), then arrival (200 or 422)."""
        oa = self.official_account(oa_id)
        error = _bad_destination(to) or check_delivery_tag(delivery_tag) or check_flexible(
            list(messages) if isinstance(messages, (list, tuple)) else messages)
        if error:
            return self._refuse(oa, "flexible", to, error)
        msg = self._new_message(oa, "flexible", to, delivery_tag, messages=tuple(messages))
        return self._arrive(msg)

    @_operation
    def send_template(
        self,
        oa_id: str,
        to: str,
        template_key: str,
        body: dict[str, Any] | None = None,
        delivery_tag: str | None = None,
    ) -> SendResult:
        """``POST /v2/bot/message/pnp/templated/push``: ``to`` and R29/R30 content (400), then arrival (202 or 422)."""
        oa = self.official_account(oa_id)
        error = (_bad_destination(to) or check_delivery_tag(delivery_tag)
                 or check_template(template_key, body, oa.country, self.catalogue))
        if error:
            return self._refuse(oa, "template", to, error)
        msg = self._new_message(oa, "template", to, delivery_tag,
                                template=TemplateContent(key=template_key, body=body))
        return self._arrive(msg)

    def send_text(self, oa_id: str, to: str, text: str, delivery_tag: str | None = None) -> SendResult:
        """Shorthand: one flexible text message."""
        return self.send_flexible(oa_id, to, [{"type": "text", "text": text}], delivery_tag)

    def _refuse(self, oa: OfficialAccount, kind: str, to: str, error: ContentError) -> SendResult:
        shown_to = to if arguments.is_text(to) else shown(to)  # junk (a 5,000-digit int, a surrogate) is not echoed
        self._emit(ApiCalled, oa=oa.id, message_kind=kind, to=shown_to, status=answers.INVALID,  # type: ignore[arg-type]
                   error=error.message)
        return SendResult(status=answers.INVALID, error=error.message, details=error.details)

    def _new_message(self, oa: OfficialAccount, kind: str, to: str, tag: str | None, **content: Any) -> NotificationMessage:
        msg = NotificationMessage(
            id=f"m{next(self._message_seq)}", oa=oa.id, kind=kind, to=to,  # type: ignore[arg-type]
            requested_at=self.now, delivery_tag=tag, **content,
        )
        self.messages[msg.id] = msg
        return msg

    def _answer(self, msg: NotificationMessage, rule: str) -> SendResult:
        """Record and return what the API answers, once the arrival's deciding rule is known."""
        status = answers.status_for(msg.kind, rule)
        error = None if answers.is_accepted(status) else answers.REFUSED_MESSAGE
        self._emit(ApiCalled, oa=msg.oa, message_kind=msg.kind, to=msg.to, status=status,
                   message_id=msg.id, error=error)
        return SendResult(status=status, message_id=msg.id, error=error)

    def _arrive(self, msg: NotificationMessage) -> SendResult:
        """Match (R1/R2), discard checks (R4, R6, R8, R9), then Flow A-D (R12-R15).

        What happens is decided first, so that the API's answer (``answers``)
        comes before the events it caused, as in LINE's request log.
        """
        user_id = self._by_hash.get(msg.to)
        user = self.users[user_id] if user_id is not None else None
        verdict = decide.on_arrival(user, msg.oa, self.now)
        result = self._answer(msg, verdict.rule)
        if isinstance(verdict, decide.Unmatched):
            self._finish(msg, "unmatch", rule=verdict.rule)
            self._emit(MessageUnmatched, message_id=msg.id, oa=msg.oa)
            return result
        assert user is not None
        msg.user = user.id
        if isinstance(verdict, decide.Discard):
            self._discard(msg, user, verdict.reason, verdict.rule)
            return result
        if isinstance(verdict, decide.Deliver):
            self._arrival_needs[msg.id] = frozenset()
            self._deliver(msg, user, verdict.rule)
            return result
        needs, rule, user_id = set(verdict.missing), verdict.rule, user.id
        self._arrival_needs[msg.id] = verdict.missing
        self._trigger(self._lifecycle, "hold", msg)
        msg.missing = needs
        msg.rule = rule
        self._pending[user_id][msg.id] = None
        self._timers[msg.id] = self.clock.call_at(
            msg.requested_at + decisions.PENDING_WINDOW, partial(self._expire, msg.id), label=f"expire {msg.id}"
        )
        self._post(user, "received", msg.id)
        if "consent" in needs:
            sections = ("consent", "phone_auth") if "sms" in needs else ("consent",)
            self._post(user, "setup", msg.id, sections=sections)
        else:
            self._post(user, "phone_auth", msg.id)
        self._emit(MessagePending, message_id=msg.id, user=user_id, oa=msg.oa,
                                       missing=tuple(sorted(needs)), rule=rule)
        return result

    # ------------------------------------------------------------------ outcomes

    def _emit(self, event_type: type[Event], **fields: Any) -> None:
        """Append an event stamped with the current simulated time."""
        self.log.append(event_type(at=self.clock.now, **fields))

    def _trigger(self, machine: Any, trigger: str, obj: Any, **kwargs: Any) -> bool:
        return machine.events[trigger].trigger(obj, **kwargs)

    def _finish(self, msg: NotificationMessage, trigger: str, *, rule: str, reason: str | None = None) -> None:
        self._trigger(self._lifecycle, trigger, msg)
        msg.rule = rule
        msg.reason = reason
        msg.decided_at = self.now
        msg.missing = set()
        timer = self._timers.pop(msg.id, None)
        if timer is not None:
            timer.cancel()
        if msg.user is not None:
            self._pending[msg.user].pop(msg.id, None)

    def _deliver(self, msg: NotificationMessage, user: User, rule: str) -> None:
        """Delivery: ``received``, the notification (R24), count (R26), webhook (R25)."""
        self._finish(msg, "deliver", rule=rule)
        self._post(user, "received", msg.id)
        oa = self.official_accounts[msg.oa]
        notification = ChatMessage(
            kind="notification", chat=oa.id, at=self.now, text=msg.preview(200), message_id=msg.id,
            label=important_label(user.language, user.app_version),
            template=msg.template.key if msg.template else None, messages=msg.messages,
        )
        user.chats.setdefault(oa.id, []).append(notification)
        self._emit(ChatMessageAppeared, user=user.id, message=notification)
        self._emit(MessageDelivered, message_id=msg.id, user=user.id, oa=oa.id, rule=rule)
        day = self.now.astimezone(JST).date()
        key = (oa.id, msg.kind, day)
        self.counts[key] = total = self.counts.get(key, 0) + 1
        self._emit(CountIncremented, oa=oa.id, message_kind=msg.kind, day=day, total=total)
        self._queue_webhook(oa.id, "delivery", data=msg.delivery_tag or msg.to)

    def _discard(self, msg: NotificationMessage, user: User, reason: str, rule: str) -> None:
        self._finish(msg, "discard", rule=rule, reason=reason)
        self._emit(MessageDiscarded, message_id=msg.id, user=user.id, oa=msg.oa,
                                         reason=reason, rule=rule)

    def _expire(self, message_id: str) -> None:
        """Timer callback at ``requested_at + 24h`` (R22)."""
        msg = self.messages[message_id]
        if msg.status != "pending":
            return
        self._finish(msg, "expire", rule="R22")
        self._emit(MessageExpired, message_id=msg.id, user=msg.user or "", oa=msg.oa)

    def _recheck(self, user: User, completed_by: str | None = None) -> None:
        """Re-evaluate every pending message of ``user`` after a change of settings.

        Delivers those with nothing left to wait for; keeps the rest, noting
        what they now wait for (see
        ``decisions.PROMPT_PHONE_AUTH_WHEN_SMS_BECOMES_REQUIRED``).
        """
        for message_id in list(self._pending[user.id]):
            msg = self.messages[message_id]
            verdict = decide.on_recheck(user, msg.oa, self.now, missing=frozenset(msg.missing),
                                        rule=msg.rule or "R11", arrival_needs=self._arrival_needs[msg.id],
                                        completed_by=completed_by)
            if isinstance(verdict, decide.Discard):
                self._discard(msg, user, verdict.reason, verdict.rule)
            elif isinstance(verdict, decide.Deliver):
                self._deliver(msg, user, verdict.rule)
            elif isinstance(verdict, decide.Hold) and verdict.missing != msg.missing:
                newly_sms = verdict.rule == "R11" and "sms" not in msg.missing
                msg.missing = set(verdict.missing)
                msg.rule = verdict.rule
                if newly_sms and decisions.PROMPT_PHONE_AUTH_WHEN_SMS_BECOMES_REQUIRED:
                    self._post(user, "phone_auth", msg.id)
                self._emit(MessagePending, message_id=msg.id, user=user.id, oa=msg.oa,
                           missing=tuple(sorted(verdict.missing)), rule=verdict.rule)

    def _discard_pending(self, user: User, reason: str, rule: str, oa_id: str | None = None) -> None:
        for message_id in list(self._pending[user.id]):
            msg = self.messages[message_id]
            if oa_id is None or msg.oa == oa_id:
                self._discard(msg, user, reason, rule)

    # ------------------------------------------------------------------ chats, SMS, webhooks

    def _post(self, user: User, kind: str, message_id: str | None = None, *, sections: tuple[str, ...] = ()) -> None:
        """A message from the "LINE" system account."""
        text = system_text(kind, user.language)
        if sections:
            text += "".join(f"\n• {section_text(s, user.language)} [Set]" for s in sections)
        chat_message = ChatMessage(kind=kind, chat=LINE_CHAT, at=self.now, text=text,  # type: ignore[arg-type]
                                   sections=sections, message_id=message_id)  # type: ignore[arg-type]
        user.chats[LINE_CHAT].append(chat_message)
        self._emit(ChatMessageAppeared, user=user.id, message=chat_message)

    def _send_pin(self, user: User, purpose: str, number: str) -> None:
        pin = f"{self._pin_rng.randrange(10 ** decisions.PIN_DIGITS):0{decisions.PIN_DIGITS}d}"
        user.pin_challenge = PinChallenge(pin=pin, purpose=purpose, number=number)  # type: ignore[arg-type]
        sms = Sms(at=self.now, number=number, pin=pin, purpose=purpose)  # type: ignore[arg-type]
        user.sms_inbox.append(sms)
        self._emit(SmsReceived, user=user.id, sms=sms)

    def _new_ulid(self) -> str:
        """A ULID (as LINE's ``webhookEventId``) from the simulated time and the seeded generator."""
        return ulid(int(self.now.timestamp() * 1000), int.from_bytes(self._id_rng.randbytes(10), "big"))

    def _queue_webhook(self, oa_id: str, kind: str, user: User | None = None, **fields: Any) -> None:
        if user is not None:
            fields.update(user=user.id, source_user_id=user.line_user_id)
            if kind in ("follow", "message"):
                fields["reply_token"] = self._id_rng.randbytes(16).hex()
        event = WebhookEvent(type=kind, oa=oa_id, at=self.now,  # type: ignore[arg-type]
                             webhook_event_id=self._new_ulid(), **fields)
        self.webhooks[oa_id].append(event)
        self._emit(WebhookQueued, oa=oa_id, event=event)

    # ------------------------------------------------------------------ user actions

    def available_actions(self, user_id: str, oa: str | None = None) -> list[str]:
        """Actions the user's app offers right now (screen and preconditions).

        Without ``oa``, ``block``/``unblock``/``add_friend``/``say`` are listed
        when they apply to at least one official account; with ``oa``, as the
        app offers them in that account's chat (R27): ``block`` only while it
        is not blocked, and so on.
        """
        user = self.user(user_id)
        if oa is not None:
            self.official_account(oa)  # UnknownOfficialAccountError
        return [a for a in ACTIONS_BY_SCREEN[user.screen] if not self._unavailable_because(user, a, oa)]

    def _unavailable_because(self, user: User, action: str, oa_id: str | None = None) -> str:
        """Why an action that the screen allows is not available (empty when it is)."""
        condition = PRECONDITIONS.get((user.screen, action))
        if condition is not None and not getattr(user, condition)():
            return CONDITION_HINTS[condition]
        others = [o for o in self.official_accounts if oa_id is None or o == oa_id]
        if action == "block" and all(o in user.blocked for o in others):
            return "already blocked" if oa_id else "every official account is already blocked"
        if action == "unblock" and not any(o in user.blocked for o in others):
            return "not blocked" if oa_id else "no official account is blocked"
        if action == "add_friend" and all(o in user.friends or o in user.blocked for o in others):
            return "already a friend, or blocked" if oa_id else "no official account to add"
        if action == "say" and all(o in user.blocked for o in others):
            return "the official account is blocked" if oa_id else "every official account is blocked"
        if action == "agree_privacy_policy" and user.privacy_policy:
            return "the privacy policy is already agreed"
        return ""

    @_operation
    def do(self, user_id: str, action: str, **kwargs: Any) -> User:
        """Perform ``action`` for ``user_id`` (the scenario files' ``do:``); returns the user.

        Raises :class:`UnknownActionError`, :class:`ActionNotAllowedError`
        (naming the screen and what it offers), :class:`MissingArgumentError`
        or :class:`UnknownOfficialAccountError`.
        """
        if not isinstance(action, str) or action not in _ACTION_SET:
            raise UnknownActionError(action, ACTIONS)
        user = self.user(user_id)
        needed = ACTION_ARGS.get(action, ())
        missing = [name for name in needed if kwargs.get(name) is None]
        if missing:
            raise MissingArgumentError(f"action {action!r} needs {', '.join(missing)}")
        unexpected = set(kwargs) - set(needed)
        if unexpected:
            raise MissingArgumentError(
                f"action {action!r} takes {', '.join(needed) or 'no arguments'}, not {', '.join(sorted(unexpected))}"
            )
        arguments.action_args(action, kwargs)
        oa_id = kwargs.get("oa")
        if oa_id is not None:
            self.official_account(oa_id)
        if action not in ACTIONS_BY_SCREEN[user.screen]:
            raise ActionNotAllowedError(user.id, action, user.screen, self.available_actions(user.id))
        why = self._unavailable_because(user, action, oa_id)
        if why:
            raise ActionNotAllowedError(user.id, action, user.screen, self.available_actions(user.id), why)
        if action == "settings_consent" and kwargs["value"] not in ("agreed", "rejected"):
            raise InvalidValueError(f"settings_consent value must be 'agreed' or 'rejected', not {kwargs['value']!r}")
        getattr(self, f"_do_{action}")(user, **kwargs)
        return user

    def _screen(self, user: User, action: str, detail: str = "", **kwargs: Any) -> None:
        """Move the app along the screen machine and log the tap (before its effects).

        :meth:`do` has already checked that the action is available.
        """
        user.screen_error = None
        before = user.screen
        try:
            self._trigger(self._screens, action, user, **kwargs)
        except MachineError as exc:  # pragma: no cover - do() checks first
            raise ActionNotAllowedError(user.id, action, user.screen, self.available_actions(user.id)) from exc
        self._emit(UserActed, user=user.id, action=action, screen_before=before,
                                  screen_after=user.screen, detail=detail)

    # one method per action: the screen move (logged), then the effects

    def _do_open_consent(self, user: User) -> None:
        self._screen(user, "open_consent")

    def _do_agree(self, user: User) -> None:
        self._screen(user, "agree")
        self._set_consent(user, "agreed", "R13")

    def _do_reject(self, user: User) -> None:
        self._screen(user, "reject")
        self._set_consent(user, "rejected", "R21")

    def _do_settings_consent(self, user: User, value: str) -> None:
        self._screen(user, "settings_consent", value)
        self._set_consent(user, value, "R21")

    def _do_open_phone_auth(self, user: User) -> None:
        self._screen(user, "open_phone_auth")

    def _do_send_sms(self, user: User) -> None:
        self._screen(user, "send_sms")

    def _do_confirm_sms(self, user: User) -> None:
        self._screen(user, "confirm_sms")
        assert user.phone is not None
        self._send_pin(user, "verify", user.phone)

    def _do_change_number(self, user: User) -> None:
        self._screen(user, "change_number")

    def _do_settings_change_number(self, user: User) -> None:
        self._screen(user, "settings_change_number")

    def _do_enter_number(self, user: User, number: str) -> None:
        region = self.default_region
        if decisions.NEW_NUMBER_IN_CURRENT_REGION and user.phone:
            current = phone.region_of(user.phone)
            region = current if current != "ZZ" else region
        try:
            normalised: str | None = phone.normalise(number, region)
        except InvalidPhoneNumberError as exc:
            normalised = None
            error = exc.why
        detail = normalised or f"{number} (refused)"
        self._screen(user, "enter_number", detail, number=normalised)
        if normalised is None:
            user.screen_error = f"Invalid phone number: {error}"
            self._emit(NumberRefused, user=user.id, number=str(number), error=error)
            return
        self._send_pin(user, "change", normalised)

    def _do_enter_pin(self, user: User, pin: str) -> None:
        challenge = user.pin_challenge
        pin = str(pin)
        self._screen(user, "enter_pin", "right PIN" if user.pin_ok(pin=pin) else "wrong PIN", pin=pin)
        if user.screen == "pin_entry":  # wrong PIN (R18)
            if challenge is not None:
                challenge.errors += 1
            user.screen_error = "The PIN is incorrect. Check the SMS and try again."
            self._emit(PinRejected, user=user.id)
            return
        assert challenge is not None
        user.pin_challenge = None
        if challenge.purpose == "verify":
            user.sms_verified_at = self.now
            self._emit(SmsVerified, user=user.id)
            self._recheck(user)
        else:
            self._change_number(user, challenge.number)

    def _do_resend_sms(self, user: User) -> None:
        challenge = user.pin_challenge
        self._screen(user, "resend_sms")
        if challenge is not None:
            self._send_pin(user, challenge.purpose, challenge.number)

    def _do_cancel(self, user: User) -> None:
        self._screen(user, "cancel")
        user.pin_challenge = None

    def _do_block(self, user: User, oa: str) -> None:
        self._screen(user, "block", oa)
        user.blocked.add(oa)
        user.friends.discard(oa)
        if decisions.BLOCK_DISCARDS_PENDING:
            self._discard_pending(user, "blocked", "R7", oa_id=oa)
        self._queue_webhook(oa, "unfollow", user)

    def _do_unblock(self, user: User, oa: str) -> None:
        self._screen(user, "unblock", oa)
        user.blocked.discard(oa)
        if decisions.UNBLOCK_MAKES_FRIEND:
            user.friends.add(oa)
        self._queue_webhook(oa, "follow", user, unblocked=True)

    def _do_add_friend(self, user: User, oa: str) -> None:
        self._screen(user, "add_friend", oa)
        user.friends.add(oa)
        self._queue_webhook(oa, "follow", user)

    def _do_say(self, user: User, oa: str, text: str) -> None:
        self._screen(user, "say", f"{oa}: {text}")
        self._queue_webhook(oa, "message", user, text=str(text), message_id=str(self._id_rng.randrange(10**17, 10**18)))

    def _do_agree_privacy_policy(self, user: User) -> None:
        self._screen(user, "agree_privacy_policy")
        user.privacy_policy = True

    # ------------------------------------------------------------------ effects shared by actions

    def _set_consent(self, user: User, value: str, rule: str) -> None:
        """R10/R21: consent is global; leaving ``not_set`` is for good (the machine has no way back)."""
        old = user.consent
        self._trigger(self._consent, "agree" if value == "agreed" else "reject", user)
        if old != user.consent:
            self._emit(ConsentChanged, user=user.id, old=old, new=user.consent, rule=rule)
        if user.consent == "rejected":
            self._discard_pending(user, "consent_rejected", "R21")
        else:
            self._recheck(user)

    def _change_number(self, user: User, new: str) -> None:
        """R19/R20, with R5's decision: the number moves to this account."""
        new_hash = phone.hash_number(new)
        holder_id = self._by_hash.get(new_hash)
        if holder_id is not None and holder_id != user.id and decisions.NUMBER_CHANGE_TAKES_OVER:
            holder = self.users[holder_id]
            holder.phone = None
            self._emit(PhoneNumberRemoved, user=holder_id, number=new, taken_by=user.id)
            self._discard_pending(holder, decisions.NO_NUMBER_REASON, "R5")
        old = user.phone
        if old is not None:
            self._by_hash.pop(phone.hash_number(old), None)
        user.phone = new
        user.phone_changed_at = self.now
        self._by_hash[new_hash] = user.id
        self._post(user, "phone_changed")
        self._emit(PhoneNumberChanged, user=user.id, old=old, new=new)
        self._recheck(user, completed_by="R19")

    # convenience methods, one per action (same checks as do())

    def open_consent(self, user_id: str) -> User:
        return self.do(user_id, "open_consent")

    def agree(self, user_id: str) -> User:
        return self.do(user_id, "agree")

    def reject(self, user_id: str) -> User:
        return self.do(user_id, "reject")

    def settings_consent(self, user_id: str, value: str) -> User:
        return self.do(user_id, "settings_consent", value=value)

    def open_phone_auth(self, user_id: str) -> User:
        return self.do(user_id, "open_phone_auth")

    def send_sms(self, user_id: str) -> User:
        return self.do(user_id, "send_sms")

    def confirm_sms(self, user_id: str) -> User:
        return self.do(user_id, "confirm_sms")

    def change_number(self, user_id: str) -> User:
        return self.do(user_id, "change_number")

    def settings_change_number(self, user_id: str) -> User:
        return self.do(user_id, "settings_change_number")

    def enter_number(self, user_id: str, number: str) -> User:
        return self.do(user_id, "enter_number", number=number)

    def enter_pin(self, user_id: str, pin: str) -> User:
        return self.do(user_id, "enter_pin", pin=pin)

    def resend_sms(self, user_id: str) -> User:
        return self.do(user_id, "resend_sms")

    def cancel(self, user_id: str) -> User:
        return self.do(user_id, "cancel")

    def block(self, user_id: str, oa: str) -> User:
        return self.do(user_id, "block", oa=oa)

    def unblock(self, user_id: str, oa: str) -> User:
        return self.do(user_id, "unblock", oa=oa)

    def add_friend(self, user_id: str, oa: str) -> User:
        return self.do(user_id, "add_friend", oa=oa)

    def say(self, user_id: str, oa: str, text: str) -> User:
        return self.do(user_id, "say", oa=oa, text=text)

    def agree_privacy_policy(self, user_id: str) -> User:
        return self.do(user_id, "agree_privacy_policy")


def _bad_destination(to: object) -> ContentError | None:
    """LINE's 400 for a ``to`` that is not 64 lowercase hex digits (R1)."""
    if phone.is_hash(to):
        return None
    return ContentError(answers.BAD_DESTINATION_MESSAGE, "R1", (dict(answers.BAD_DESTINATION_DETAIL),))
