"""The facade of the engine: :class:`Simulation`, what each person sees for every message, and why.

:class:`Simulation` is the one public entry point.  It checks every
argument (:mod:`flowsim.engine.arguments`), then hands over to the flows
(decided by :mod:`~flowsim.engine.decide`, applied by
:mod:`~flowsim.engine.effects`) over the state in :mod:`~flowsim.engine.world`.
It offers three kinds of calls, each one *operation* whose events its
subscribers get as one batch:

* an official account **sends** (:meth:`Simulation.send_flexible`,
  :meth:`Simulation.send_template`), answered like LINE's API
  (:mod:`flowsim.engine.answers`): 200 / 202 when accepted (even when nothing is
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

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from pydantic import ValidationError

from . import answers, arguments, decide, decisions, phone
from .actions import ACTIONS, spec_of
from .catalogue import Catalogue
from .clock import SimClock, require_time
from .content import ContentError, check_delivery_tag, check_flexible, check_template
from .effects import JST, Effects
from .errors import (
    ActionNotAllowedError,
    DuplicateIdError,
    InvalidValueError,
    MissingArgumentError,
    PhoneNumberTakenError,
    UnknownActionError,
    UnknownMessageError,
    UnknownOfficialAccountError,
    UnknownUserError,
    shown,
)
from .events import Batch, ClockAdvanced, EventLog, operation
from .flows.arrival import arrive
from .machines import ACTIONS_BY_SCREEN
from .models import NotificationMessage, OfficialAccount, SendResult, TemplateContent, User, WebhookQueue
from .rules import describe
from .vocabulary import LINE_CHAT, TEMPLATE_ACCESS
from .world import World

__all__ = ["JST", "Simulation"]

#: Default account age when a caller gives none (matches scenario files' ``created: -3y``).
DEFAULT_ACCOUNT_AGE = timedelta(days=3 * 365)





def _derived_hex(seed: int | str, *parts: str, length: int = 32) -> str:
    """Deterministic hex for ids and secrets: the same seed gives the same world."""
    return hashlib.sha256(":".join((str(seed), *parts)).encode()).hexdigest()[:length]


_M = TypeVar("_M")

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


#: Marks a public operation: subscribers get its events as one batch once it has completed.
_operation = operation


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
        default_region: str | None = None,
        *,
        keep: int | None = None,
        keep_lines: int | None = None,
    ) -> None:
        for what, value in (("keep", keep), ("keep_lines", keep_lines)):
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                raise InvalidValueError(f"{what} {shown(value)}: expected a positive number, or None")
        world = World(
            start, arguments.seed(seed), arguments.instance(catalogue, Catalogue, "catalogue", optional=True),
            decisions.DEFAULT_REGION if default_region is None else arguments.text(default_region, "default_region"),
            keep, keep_lines,
        )
        self._world = world
        self._effects = Effects(world)
        self.clock: SimClock = world.clock
        self.log: EventLog = world.log
        self.seed = world.seed
        self.default_region = world.default_region
        #: Everything below is the world's state, shared (not copied): read it, do not write it.
        self.users: dict[str, User] = world.users
        self.official_accounts: dict[str, OfficialAccount] = world.official_accounts
        self.messages: dict[str, NotificationMessage] = world.messages
        #: Webhook events queued per official account, oldest first.
        self.webhooks: dict[str, WebhookQueue] = world.webhooks
        #: R26: delivered messages per (OA, kind, UTC+9 day).
        self.counts: dict[tuple[str, str, date], int] = world.counts

    # ------------------------------------------------------------------ observers

    def subscribe(self, callback: Callable[[Batch], None]) -> Callable[[], None]:
        """Call ``callback(batch)`` after each operation (send, action, clock move) with its events.

        Returns a function that unsubscribes.  The rules of dispatch (order,
        a raising subscriber, subscribing during dispatch) are
        :class:`flowsim.engine.events.EventLog`'s.
        A world made with ``keep=N`` (``keep_lines=M``: the lines of each chat,
        SMS inbox and webhook queue, default ``N``) forgets all but the last ``N`` events,
        finished messages, chat lines, SMS and webhook events (counts stay
        exact): for long runs such as the HTTP sandbox.
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
        self._effects.emit(ClockAdvanced, old=old)

    @_operation
    def advance_to(self, target: datetime) -> None:
        """Move the clock forward to ``target`` (aware); going back raises ClockWentBackwardsError."""
        old = self.clock.now
        self.clock.advance_to(target)
        self._effects.emit(ClockAdvanced, old=old)

    # ------------------------------------------------------------------ world set-up

    @property
    def catalogue(self) -> Catalogue:
        """The template catalogue; the shipped one is read on first use (most runs send no template)."""
        return self._world.catalogue

    def next_due(self) -> datetime | None:
        """When the clock next has work (the soonest expiry), so a server can sleep until then."""
        return self.clock.next_due()

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
        templates: str = "allowed",
    ) -> OfficialAccount:
        """Add an official account; missing secrets are derived from the seed (deterministic).

        ``templates="not_allowed"``: LINE has not granted it the template endpoint (a template send is 403).
        """
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
            country=country,
            bot_user_id="U" + _derived_hex(self.seed, "bot", oa_id),
            channel_secret=secret or _derived_hex(self.seed, "secret", oa_id),
            access_token=token or "flowsim-" + _derived_hex(self.seed, "token", oa_id, length=40),
            webhook_url=webhook,
            templates=templates,
        )
        self.official_accounts[oa_id] = oa
        self.webhooks[oa_id] = WebhookQueue()
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
        by_hash = self._world.by_hash
        if e164 is not None and phone.hash_number(e164) in by_hash:
            holder = by_hash[phone.hash_number(e164)]
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
            consent=consent,
            privacy_policy=privacy_policy,
            language=language,
            app_version=app_version,
            blocked=blocked,
            friends=friends - blocked,
        )
        self.users[user_id] = user
        self._world.pending[user_id] = {}
        if e164 is not None:
            by_hash[phone.hash_number(e164)] = user_id
        return user

    # ------------------------------------------------------------------ lookups

    def user(self, user_id: str) -> User:
        try:
            return self.users[user_id]
        except (KeyError, TypeError):  # TypeError: an unhashable id
            raise UnknownUserError(arguments.lookup_key(user_id, "user id"), self.users) from None

    def set_templates(self, oa_id: str, templates: str) -> OfficialAccount:
        """Grant (``"allowed"``) or withdraw (``"not_allowed"``) the template endpoint, as LINE's console does."""
        oa = self.official_account(oa_id)
        if templates not in TEMPLATE_ACCESS:
            raise InvalidValueError(f"templates {shown(templates)}; expected one of: {', '.join(TEMPLATE_ACCESS)}")
        oa.templates = templates  # type: ignore[assignment]
        return oa

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
        return self._world.by_hash.get(phone.check_hash(to))

    def pending_for(self, user_id: str) -> list[NotificationMessage]:
        """Messages waiting for this user, oldest first."""
        self.user(user_id)
        return [self.messages[m] for m in self._world.pending[user_id]]

    def sms_required(self, user_id: str, at: datetime | None = None) -> bool:
        """R11 evaluated at ``at`` (default now)."""
        user = self.user(user_id)
        return decide.sms_required(user, self.now if at is None else require_time(at, "at", clock=False))

    def sections_done(self, user_id: str) -> frozenset[str]:
        """The setup sections (R14) the user has nothing left to do in now: the app shows ✓, not "Set".

        ``consent`` once consent is agreed (R10); ``phone_auth`` while SMS
        authentication is not required (R11).  One place for the TUI's phone
        and the HTML report's, so the two cannot disagree.
        """
        user = self.user(user_id)
        return frozenset(section for section, complete in (
            ("consent", user.consent == "agreed"), ("phone_auth", not decide.sms_required(user, self.now)))
            if complete)

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
        """``POST /v2/bot/message/pnp/templated/push``: the account's permission (403), ``to`` and R29/R30
        content (400), then arrival (202 or 422)."""
        oa = self.official_account(oa_id)
        forbidden = oa.templates != "allowed"
        if forbidden and decisions.TEMPLATE_PERMISSION_BEFORE_CONTENT:
            return self._effects.forbid(oa.id, "template", to if arguments.is_text(to) else shown(to))
        error = (_bad_destination(to) or check_delivery_tag(delivery_tag)
                 or check_template(template_key, body, oa.country, self.catalogue))
        if error:
            return self._refuse(oa, "template", to, error)
        if forbidden:
            return self._effects.forbid(oa.id, "template", to)
        msg = self._new_message(oa, "template", to, delivery_tag,
                                template=TemplateContent(key=template_key, body=body))
        return self._arrive(msg)

    def send_text(self, oa_id: str, to: str, text: str, delivery_tag: str | None = None) -> SendResult:
        """Shorthand: one flexible text message."""
        return self.send_flexible(oa_id, to, [{"type": "text", "text": text}], delivery_tag)

    def _refuse(self, oa: OfficialAccount, kind: str, to: object, error: ContentError) -> SendResult:
        shown_to = to if arguments.is_text(to) else shown(to)  # junk (a 5,000-digit int, a surrogate) is not echoed
        return self._effects.refuse(oa.id, kind, shown_to, error)  # type: ignore[arg-type]

    def _new_message(self, oa: OfficialAccount, kind: str, to: str, tag: str | None, **content: Any) -> NotificationMessage:
        return self._effects.new_message(oa.id, kind, to, tag, **content)

    def _arrive(self, msg: NotificationMessage) -> SendResult:
        return arrive(self._effects, msg)

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
        in_question = self._accounts_in_question(oa)
        return [a for a in ACTIONS_BY_SCREEN[user.screen] if not ACTIONS[a].why_unavailable(user, in_question, oa is not None)]

    def _accounts_in_question(self, oa_id: str | None) -> Iterable[str]:
        """What an action's availability is asked about: every account, or the one (already checked) named."""
        return self.official_accounts.keys() if oa_id is None else (oa_id,)

    @_operation
    def do(self, user_id: str, action: str, **kwargs: Any) -> User:
        """Perform ``action`` for ``user_id`` (the scenario files' ``do:``); returns the user.

        Raises :class:`UnknownActionError`, :class:`ActionNotAllowedError`
        (naming the screen and what it offers), :class:`MissingArgumentError`
        or :class:`UnknownOfficialAccountError`.
        """
        # spec_of and user() inline for the common case: a tap is the engine's most frequent call
        try:
            spec = ACTIONS[action] if type(action) is str else spec_of(action)
        except KeyError:
            spec = None
        if spec is None:
            raise UnknownActionError(action, tuple(ACTIONS))
        try:
            user = self.users[user_id]
        except (KeyError, TypeError):
            user = self.user(user_id)  # raises UnknownUserError, naming what is known
        needed = spec.args
        oa_id = None
        if kwargs or needed:  # most taps take no arguments
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
        why = spec.why_unavailable(user, self._accounts_in_question(oa_id), oa_id is not None)
        if why:
            raise ActionNotAllowedError(user.id, action, user.screen, self.available_actions(user.id), why)
        if action == "settings_consent" and kwargs["value"] not in ("agreed", "rejected"):
            raise InvalidValueError(f"settings_consent value must be 'agreed' or 'rejected', not {kwargs['value']!r}")
        spec.handler(self._effects, user, **kwargs)
        return user

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
