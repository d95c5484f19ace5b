"""The engine's data: users, official accounts, notification messages, chats, SMS, webhooks.

These are pydantic v2 models so that front ends can dump them to JSON (the
sandbox's ``/_flowsim/state``, saved scenarios) and so that construction
from untrusted input is validated.  The engine mutates ``User`` and
``NotificationMessage`` in place (assignment is not re-validated, for
speed); everything that appears on a screen or in a webhook is frozen.

Pydantic sits at the API boundary: a user, an official account or a
template is validated where a caller gives it.  What the engine builds from
state it already holds valid (a chat line, an SMS, a webhook event, a
message record, an answer: about ten per delivered message) is made by
:func:`trusted`, which gives the same model without validating it again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, ClassVar, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field

from .answers import is_accepted
from .records import RecordList, assemble, rebuild, record_maker, values_of
from .texts import section_text

from .vocabulary import (  # the one vocabulary (re-exported here for the models' users)
    FINAL_STATUSES,
    LINE_CHAT,
    SCREENS,
    ChatKind,
    ConsentState,
    Country,
    DiscardReason,
    Language,
    MessageKind,
    MessageStatus,
    PinPurpose,
    Requirement,
    Screen,
    SetupSection,
    TemplateAccess,
    WebhookType,
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OfficialAccount(BaseModel):
    """A LINE Official Account that sends notification messages."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    country: Country = "JP"
    bot_user_id: str = Field(pattern=r"^U[0-9a-f]{32}$", description="webhook `destination`")
    channel_secret: str
    access_token: str
    webhook_url: str | None = None
    #: LINE grants the template endpoint per account: ``not_allowed`` answers 403 to a template send.
    templates: TemplateAccess = "allowed"


class TemplateContent(_Frozen):
    """The content of a template notification message (R29)."""

    key: str
    body: dict[str, Any] | None = None


class ChatMessage(_Frozen):
    """One bubble in a chat: a system message in the "LINE" chat or a notification in an OA chat."""

    kind: ChatKind
    chat: str = Field(description='"LINE" or the official account id')
    at: datetime
    text: str
    sections: tuple[SetupSection, ...] = Field(default=(), description="`setup` only: consent, phone_auth")
    message_id: str | None = Field(default=None, description="the notification message this is about")
    label: str | None = Field(default=None, description="R24 label on a notification")
    template: str | None = None
    messages: tuple[dict[str, Any], ...] = ()

    #: A notification's content is kept packed in chat records and the log (flowsim/engine/records.py):
    #: a tuple of dicts would keep each record a garbage-collected object for as long as the run lives.
    record_packed: ClassVar[tuple[str, ...]] = ("messages",)

    @property
    def has_set_button(self) -> bool:
        return self.kind in ("setup", "phone_auth")

    def set_rows(self, language: str) -> tuple[tuple[SetupSection, str], ...]:
        """The card's **Set** rows, ``(section, text beside the button)``, as the app draws them.

        A ``setup`` message has a row per section, each titled; a
        ``phone_auth`` message *is* its one section ("Clicking Set in the
        Phone number authentication message"), so its row has the button and
        no title of its own under the card's.  Other messages have none.
        One place for the TUI's phone and the HTML report's.
        """
        if self.kind == "setup":
            return tuple((section, section_text(section, language)) for section in self.sections)
        if self.kind == "phone_auth":
            return (("phone_auth", ""),)
        return ()


#: A chat line's record (ChatLines): the field values in field order, read by position on the engine's hot paths.
_CHAT_FIELDS = tuple(ChatMessage.model_fields)
_KIND, _SECTIONS = _CHAT_FIELDS.index("kind"), _CHAT_FIELDS.index("sections")
#: The records of a chat (a ChatLines: the validator makes every chat one); ``list.__iter__``, a C call.
_lines = cast("Callable[[ChatLines], Iterator[tuple[Any, ...]]]", list.__iter__)


class Sms(_Frozen):
    """An SMS the simulated phone received (R17, R19)."""

    at: datetime
    number: str
    pin: str
    purpose: PinPurpose

    @property
    def text(self) -> str:
        return f"[LINE] Your verification code is {self.pin}."


class PinChallenge(BaseModel):
    """The PIN the user's PIN screen currently accepts, and what it completes."""

    pin: str
    purpose: PinPurpose
    number: str = Field(description="where the SMS went: the registered number, or the new one")
    errors: int = 0
    #: Earlier PINs of the same challenge that still work (only if ``RESEND_INVALIDATES_OLD_PIN`` is off).
    earlier: tuple[str, ...] = ()


class ChatLines(RecordList[ChatMessage]):
    """A chat's messages, oldest first: reads as ``list[ChatMessage]``, kept as records (:mod:`flowsim.engine.records`)."""

    __slots__ = ()
    model = ChatMessage


class SmsInbox(RecordList[Sms]):
    """A phone's SMS, oldest first: reads as ``list[Sms]``, kept as records."""

    __slots__ = ()
    model = Sms


def _new_chats() -> dict[str, ChatLines]:
    """A new user's chats: the LINE chat, empty."""
    return {LINE_CHAT: ChatLines()}


class User(BaseModel):
    """A LINE user's account and the state of their LINE app.

    ``consent`` and ``screen`` are driven by the state machines in
    :mod:`flowsim.engine.machines`; nothing else assigns them.
    """

    model_config = ConfigDict(extra="forbid")

    id: str
    line_user_id: str = Field(pattern=r"^U[0-9a-f]{32}$", description="`source.userId` in webhooks")
    phone: str | None = Field(description="registered number, E.164, or none")
    created_at: datetime
    phone_changed_at: datetime | None = None
    sms_verified_at: datetime | None = None
    consent: ConsentState = "not_set"
    privacy_policy: bool = True
    blocked: set[str] = Field(default_factory=set)
    friends: set[str] = Field(default_factory=set)
    language: Language = "en"
    app_version: str = "15.9.0"
    sms_inbox: SmsInbox = Field(default_factory=SmsInbox)
    chats: dict[str, ChatLines] = Field(default_factory=_new_chats)
    screen: Screen = "chats"
    pin_challenge: PinChallenge | None = None
    screen_error: str | None = Field(default=None, description="error shown on the current screen")

    @property
    def line_chat(self) -> ChatLines:
        return self.chats[LINE_CHAT]

    def has_chat_kind(self, *kinds: str) -> bool:
        return any(line[_KIND] in kinds for line in _lines(self.chats[LINE_CHAT]))

    # Conditions of the screen machine (flowsim.machines); they take the
    # trigger's keyword arguments.

    def has_setup_message(self, **_: object) -> bool:
        """A ``setup`` message is in the LINE chat (its **Set** opens the consent screen)."""
        for line in _lines(self.chats[LINE_CHAT]):  # a loop, not any(...): asked twice per tap
            if line[_KIND] == "setup":
                return True
        return False

    def has_phone_setup(self, **_: object) -> bool:
        """A ``phone_auth`` message, or a ``setup`` with a phone section, is in the LINE chat."""
        for line in _lines(self.chats[LINE_CHAT]):
            if line[_KIND] == "phone_auth" or (line[_KIND] == "setup" and "phone_auth" in line[_SECTIONS]):
                return True
        return False

    def has_number(self, **_: object) -> bool:
        return self.phone is not None

    def number_ok(self, number: str | None = None, **_: object) -> bool:
        """The typed number was normalised (R19's refusal leaves it ``None``)."""
        return number is not None

    def pin_ok(self, pin: str | None = None, **_: object) -> bool:
        """The PIN matches the current challenge (R17; an old PIN stops working, R18)."""
        challenge = self.pin_challenge
        return challenge is not None and (pin == challenge.pin or pin in challenge.earlier)


class NotificationMessage(BaseModel):
    """One API request and its fate.  ``status`` is driven by the lifecycle machine."""

    model_config = ConfigDict(extra="forbid")

    id: str
    oa: str
    kind: MessageKind
    to: str
    requested_at: datetime
    messages: tuple[dict[str, Any], ...] = ()
    template: TemplateContent | None = None
    delivery_tag: str | None = None
    user: str | None = None
    status: MessageStatus = "requested"
    missing: frozenset[Requirement] = Field(
        default=frozenset(), description="what a pending message waits for; empty once it is final")
    reason: DiscardReason | None = None
    rule: str | None = None
    decided_at: datetime | None = None

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    def preview(self, limit: int = 60) -> str:
        """A one-line summary of the content, for chats and logs."""
        if self.template is not None:
            emph = (self.template.body or {}).get("emphasizedItem") or {}
            extra = f" {emph.get('content')}" if emph.get("content") else ""
            return f"[{self.template.key}]{extra}"[:limit]
        parts = []
        for m in self.messages:
            if m.get("type") == "text":
                parts.append(str(m.get("text", "")))
            elif m.get("type") == "flex":
                parts.append(f"[flex] {m.get('altText', '')}")
            else:
                parts.append(f"[{m.get('type')}]")
        return " / ".join(parts)[:limit]


class WebhookEvent(_Frozen):
    """A webhook event queued for an official account (R25, R27).

    :meth:`payload` gives the JSON object in the shape LINE sends, to be
    wrapped as ``{"destination": <bot user id>, "events": [...]}``.
    """

    type: WebhookType
    oa: str
    at: datetime
    webhook_event_id: str
    user: str | None = Field(default=None, description="flowsim user id (follow/unfollow/message)")
    source_user_id: str | None = None
    data: str | None = Field(default=None, description="delivery: tag or hashed number")
    text: str | None = Field(default=None, description="message: what the user typed")
    message_id: str | None = Field(default=None, description="message: LINE message id")
    reply_token: str | None = None
    unblocked: bool = Field(default=False, description="follow: sent because the user unblocked")
    is_redelivery: bool = False

    def payload(self) -> dict[str, Any]:
        event: dict[str, Any] = {
            "type": self.type,
            "mode": "active",
            "timestamp": int(self.at.timestamp() * 1000),
            "webhookEventId": self.webhook_event_id,
            "deliveryContext": {"isRedelivery": self.is_redelivery},
        }
        if self.type == "delivery":
            event["delivery"] = {"data": self.data}
            return event
        event["source"] = {"type": "user", "userId": self.source_user_id}
        if self.reply_token is not None:
            event["replyToken"] = self.reply_token
        if self.type == "follow":
            event["follow"] = {"isUnblocked": self.unblocked}
        if self.type == "message":
            event["message"] = {
                "type": "text",
                "id": self.message_id,
                "quoteToken": f"q{self.message_id}",
                "text": self.text,
            }
        return event


class WebhookQueue(RecordList[WebhookEvent]):
    """An official account's webhook events, oldest first: reads as ``list[WebhookEvent]``, kept as records."""

    __slots__ = ()
    model = WebhookEvent


class SendResult(_Frozen):
    """What the API answered to a send, as LINE does (``flowsim.answers``).

    200 (flexible) or 202 (template) when accepted; 422 ``Failed to send
    messages`` when no user can get it (R2, R4, R8, R9); 400 with LINE's error
    body for malformed content or ``to``.  ``message_id`` names the engine's
    record of the message (for ``explain`` and scenario checks) whenever the
    request was well formed, 422 included; LINE's own answer carries no id.
    """

    status: int
    message_id: str | None = None
    error: str | None = None
    details: tuple[dict[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        """The send was accepted (2xx): delivered, pending, or dropped silently for a block."""
        return is_accepted(self.status)

    def body(self) -> dict[str, Any]:
        if self.ok:
            return {}
        body: dict[str, Any] = {"message": self.error}
        if self.details:
            body["details"] = [dict(d) for d in self.details]
        return body


# ---------------------------------------------------------------- built from the engine's own state

_M = TypeVar("_M", bound=BaseModel)


class _Layout:
    """What :func:`trusted` needs of a model class: its fields in order with their defaults."""

    __slots__ = ("template", "factories", "frozen", "shared")

    def __init__(self, cls: type[BaseModel]) -> None:
        if cls.__pydantic_post_init__ or cls.__private_attributes__ or cls.model_config.get("extra") == "allow":
            raise TypeError(f"trusted() cannot build {cls.__name__}: it has a post-init, private attributes or extras")
        #: Every field in declaration order (the order of a validated model's ``__dict__``), default or placeholder.
        self.template: dict[str, Any] = {}
        self.factories: list[tuple[str, Any]] = []
        for name, info in cls.model_fields.items():
            if info.default_factory is not None:
                self.factories.append((name, info.default_factory))
            self.template[name] = None if info.is_required() or info.default_factory else info.default
        self.frozen = bool(cls.model_config.get("frozen"))
        #: Frozen models share one ``model_fields_set`` per set of names given: nothing can add to it
        #: (``model_copy`` copies it first), and a set per chat line would be a GC-tracked object each.
        self.shared: dict[tuple[str, ...], set[str]] = {}


_LAYOUTS: dict[type[BaseModel], _Layout] = {}

#: The records the engine keeps of chat lines, SMS and webhook events (:func:`flowsim.engine.records.record_maker`).
chat_record = record_maker(ChatMessage)
sms_record = record_maker(Sms)
webhook_record = record_maker(WebhookEvent)


def trusted(cls: type[_M], /, **values: Any) -> _M:
    """``cls(**values)`` without validation, for values the engine already holds valid.

    The result is the model validation would give for the same valid values:
    every field in declaration order, defaults (and default factories)
    filled in, ``model_fields_set`` the names given.  About 0.5 µs, against
    2-3 µs to validate (and about 5 µs for pydantic's ``model_construct``,
    which is pure Python).  Never for what a caller gives: that is validated.
    """
    layout = _LAYOUTS.get(cls)
    if layout is None:
        layout = _LAYOUTS[cls] = _Layout(cls)
    fields = layout.template.copy()
    fields.update(values)
    for name, factory in layout.factories:
        if name not in values:
            fields[name] = factory()
    if layout.frozen:
        key = tuple(values)
        given = layout.shared.get(key)
        if given is None:
            given = layout.shared[key] = set(key)
    else:
        given = set(values)
    return assemble(cls, fields, given)


def assign_all(model: BaseModel, **values: Any) -> None:
    """:func:`assign` for several fields in one call (a message's fate sets four)."""
    model.__dict__.update(values)
    model.__pydantic_fields_set__.update(values)


def assign(model: BaseModel, name: str, value: Any) -> None:
    """``model.<name> = value`` for the engine's mutable models (``User``, ``NotificationMessage``).

    Exactly what pydantic's ``__setattr__`` does for a field of a model
    without ``validate_assignment`` (store it, mark it set), without its
    dispatch: about 0.2 µs against 0.5, and the engine assigns some thirty
    fields per delivered message.  Only for field names.
    """
    model.__dict__[name] = value
    model.__pydantic_fields_set__.add(name)
