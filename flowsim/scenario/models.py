"""The scenario file format as pydantic v2 models (``extra="forbid"``).

These models check the *shape* of a file: keys, types, enums.  Checks that
relate parts of the file to each other (a step's user exists, a ``message:``
name was given by an earlier ``as:``, a phone number parses) are in
:mod:`flowsim.scenario.checks`, which knows the positions of values and so
can point at them.

The models are also the source of ``flowsim schema`` (JSON Schema for
editors), which is why every field has a description.

Decisions where the scenario format (``docs/scenarios.md``) is silent:

* ``official_accounts`` and ``users`` may be empty or left out (a scenario of
  only unmatched sends is legitimate, R2).
* ``covers`` takes rule ids (R1-R30) and invariant ids (I1-I5).
* An ``expect`` step may name its user at step level (``{user: a, expect:
  {...}}``) as ``do`` steps do, or inside ``expect``; both at once must agree.
* A user's ``phone`` may be ``null`` (an account without a number); its
  ``region`` (extension, default JP) reads national forms such as ``090-...``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict

from flowsim.engine import ACTIONS
from flowsim.engine import INVARIANTS, RULE_IDS
from flowsim.engine import ConsentSetting, ConsentState, Country, Language, Screen, TemplateAccess

from .hints import did_you_mean
from .types import (
    ApiCheckType,
    AppVersion,
    ChatItemType,
    Duration,
    MessageCheckType,
    PastTime,
    Pin,
    Seed,
    Text,
    Time,
    WebhookItemType,
    plain,
)
from .yamlsource import describe_type

STEP_KINDS: tuple[str, ...] = ("send", "do", "advance", "advance_to", "expect")
if TYPE_CHECKING:  # a Literal built from a registry at run time is no type to a checker: a name
    Action = str
    CoverId = str
else:  # pydantic validates against the registries
    Action = Literal[tuple(ACTIONS)]
    CoverId = Literal[tuple(RULE_IDS) + tuple(INVARIANTS)]
Consent = ConsentState
NonNegative = Annotated[int, Field(ge=0)]


def annotate(model: BaseModel, name: str, value: Any) -> None:
    """Attach what the loader works out (a step's line, a resolved id) to a validated model.

    These are plain instance attributes shadowing a ``ClassVar`` default,
    not pydantic private attributes: those cost a Python-level
    ``model_post_init`` per model, about a tenth of the loading time
    (measured with bench/scenarios.py).  They are not fields, so they are
    neither dumped nor part of the JSON Schema.
    """
    object.__setattr__(model, name, value)


class _Model(BaseModel):
    """Base: unknown keys are errors, with a "did you mean" and the list of keys expected."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, validate_default=False)
    _allowed: ClassVar[frozenset[str]] = frozenset()
    _allowed_sorted: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        names = [f.alias or name for name, f in cls.model_fields.items()]
        cls._allowed = frozenset(names)
        cls._allowed_sorted = tuple(names)

    @model_validator(mode="before")
    @classmethod
    def _unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            allowed = cls._allowed
            for key in data:
                if key not in allowed:
                    hint = did_you_mean(key, cls._allowed_sorted)
                    raise PydanticCustomError(
                        "unknown_key", "unknown key {key_repr}{hint}; expected one of: {allowed}",
                        {"key": key, "key_repr": describe_type(key), "hint": hint, "allowed": ", ".join(cls._allowed_sorted)},
                    )
        return data


# ---------------------------------------------------------------- the world


class OfficialAccountSpec(_Model):
    """An official account that sends notification messages."""

    name: Text | None = Field(None, description="Display name (default: the id)")
    country: Country = Field("JP", description="Country of the account; selects the template catalogue (R29)")
    token: Text | None = Field(None, description="Channel access token (HTTP sandbox)")
    secret: Text | None = Field(None, description="Channel secret (HTTP sandbox)")
    webhook: Text | None = Field(None, description="Webhook URL (HTTP sandbox)")
    templates: TemplateAccess = Field("allowed", description="Whether LINE lets the account send templates "
                                                             "(not_allowed: a template send is answered 403)")


class UserSpec(_Model):
    """A LINE user and the state of their account at ``start``."""

    phone: Text | None = Field(description="Registered phone number, any form the phone library parses "
                                           "(quote it: \"+818000001234\"); null for none")
    region: Text = Field("JP", description="Region for numbers written without +country code (extension)")
    consent: Consent = Field("not_set", description="Consent to LINE notification messages (R21)")
    created: PastTime = Field(timedelta(days=-3 * 365), description="When the account was created (R11)")
    sms_verified: PastTime | None = Field(None, description="Last SMS authentication, or null (R11)")
    phone_changed: PastTime | None = Field(None, description="Last phone number change, or null (R11, R19)")
    privacy_policy: bool = Field(True, description="Agreed to the March 2022 privacy policy (R8)")
    language: Language = Field("en", description="App language (R24)")
    app_version: AppVersion = Field("15.9.0", description="LINE app version (R24: the label needs 15.9.0+)")
    blocked: list[str] = Field(default_factory=list, description="Official account ids the user has blocked (R6)")
    friends: list[str] = Field(default_factory=list, description="Official account ids the user has added (R27)")

    #: E.164 form of ``phone``, filled in by the checks (see :func:`annotate`).
    _e164: ClassVar[str | None] = None


# ---------------------------------------------------------------- steps


class _Step(_Model):
    kind: ClassVar[str] = ""
    _line: ClassVar[int] = 0
    _user: ClassVar[str | None] = None

    @property
    def line(self) -> int:
        """1-based line of the step in its file (0 for steps built in code)."""
        return self._line

    @property
    def user_id(self) -> str | None:
        """The user the step is about, after the checks (explicit, or the only user)."""
        return self._user


class TemplateSpec(_Model):
    """A template notification message (R29)."""

    key: Text = Field(description="templateKey from the catalogue, e.g. shipment_completed_ja")
    body: dict[str, Any] | None = Field(None, description="emphasizedItem, items, buttons")

    @field_validator("body", mode="after")
    @classmethod
    def _plain(cls, value: Any) -> Any:
        return plain(value)


class FlexMessage(TypedDict, total=False):
    """A flexible message object: passed to the API as written (its answer judges it, R28), but its
    ``type`` must be text, the one thing every message has that no API answer could be about."""

    __pydantic_config__ = ConfigDict(extra="allow")  # type: ignore[misc]
    type: Text


class SendSpec(_Model):
    """An official account calls the API (exactly one of text, messages, template)."""

    model_config = ConfigDict(json_schema_extra={"oneOf": [
        {"required": ["text"]}, {"required": ["messages"]}, {"required": ["template"]}]})

    from_: str = Field(alias="from", description="Official account id")
    to: Text = Field(description="A user id (hash of that user's number now), a phone number "
                                 "(normalised, then hashed) or a 64-hex SHA-256 hash used as is")
    text: Text | None = Field(None, description="Shorthand for one flexible text message")
    messages: list[FlexMessage] | None = Field(None, description="Flexible message objects (R28: 1-5)")
    template: TemplateSpec | None = Field(None, description="A template message (R29)")
    tag: Text | None = Field(None, description="X-Line-Delivery-Tag, 16..100 characters (R30)")

    #: ("user", id) or ("hash", hex), filled in by the checks.
    _to: ClassVar[tuple[str, str] | None] = None

    @field_validator("messages", mode="after")
    @classmethod
    def _plain(cls, value: Any) -> Any:
        return plain(value)


class SendStep(_Step):
    kind: ClassVar[str] = "send"
    send: SendSpec = Field(description="An official account sends a notification message")
    as_: Text | None = Field(None, alias="as", description="A name for this message, for `expect: message:`")


class DoStep(_Step):
    kind: ClassVar[str] = "do"
    do: Action = Field(description="A user action in the LINE app")
    user: str | None = Field(None, description="Whose app (optional with one user)")
    pin: Pin | None = Field(None, description="enter_pin: `last` (the PIN in the newest SMS), `previous` (in "
                                              "the SMS before it), {sms: N} (in the Nth SMS; -1 the newest) or digits")
    number: Text | None = Field(None, description="enter_number: the new phone number")
    oa: str | None = Field(None, description="block, unblock, add_friend, say: official account id")
    text: Text | None = Field(None, description="say: what the user types")
    value: ConsentSetting | None = Field(None, description="settings_consent: the new setting")


class AdvanceStep(_Step):
    kind: ClassVar[str] = "advance"
    advance: Duration = Field(description="Move the clock forward; timers fire in time order (R23)")


class AdvanceToStep(_Step):
    kind: ClassVar[str] = "advance_to"
    advance_to: Time = Field(description="Move the clock forward to this time (R23)")


class SentCount(_Model):
    flexible: NonNegative | None = Field(None, description="Delivered flexible messages so far (R26)")
    template: NonNegative | None = Field(None, description="Delivered template messages so far (R26)")


class ExpectSpec(_Model):
    """What must be true now.  Every key given is checked; all mismatches are reported."""

    user: str | None = Field(None, description="Whose app the user-specific checks are about")
    line_chat: list[ChatItemType] | None = Field(
        None, description="Messages new in the LINE chat since the last line_chat check, exactly, in order")
    chats: dict[str, list[ChatItemType]] | None = Field(
        None, description="Per official account: messages new in its chat since the last check")
    screen: Screen | None = Field(None, description="The screen the app shows")
    consent: Consent | None = Field(None, description="The consent setting")
    sms_required: bool | None = Field(None, description="R11 evaluated now")
    pending: NonNegative | None = Field(None, description="Messages pending for the user")
    sms_inbox: NonNegative | None = Field(None, description="SMS received so far")
    message: dict[str, MessageCheckType] | None = Field(
        None, description="Status of messages named with `as:`")
    webhooks: dict[str, list[WebhookItemType]] | None = Field(
        None, description="Per official account: webhook events new since the last check, exactly; [] = none")
    sent_count: dict[str, SentCount] | None = Field(None, description="Per official account: R26 totals so far")
    api: ApiCheckType | None = Field(None, description="Status of the latest send")

    #: Keys whose check is about one user's app.
    USER_KEYS: ClassVar[tuple[str, ...]] = ("line_chat", "chats", "screen", "consent", "sms_required",
                                            "pending", "sms_inbox")


class ExpectStep(_Step):
    kind: ClassVar[str] = "expect"
    expect: ExpectSpec = Field(description="Checks of the current state")
    user: str | None = Field(None, description="Whose app (alternative to expect.user)")


def _step_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        kinds = [k for k in STEP_KINDS if k in value]
        return kinds[0] if len(kinds) == 1 else None
    return getattr(value, "kind", None) or None


Step = Annotated[
    Union[
        Annotated[SendStep, Tag("send")],
        Annotated[DoStep, Tag("do")],
        Annotated[AdvanceStep, Tag("advance")],
        Annotated[AdvanceToStep, Tag("advance_to")],
        Annotated[ExpectStep, Tag("expect")],
    ],
    Discriminator(_step_kind, custom_error_type="step_kind",
                  custom_error_message="expected a step with exactly one of send, do, advance, advance_to, expect"),
]


# ---------------------------------------------------------------- the file


class Scenario(_Model):
    """One scenario: a world (official accounts, users), a start time and steps."""

    model_config = ConfigDict(title="flowsim scenario", json_schema_extra={
        "$comment": "See docs/scenarios.md. Generated by `flowsim schema`."})

    name: Text = Field(description="What the scenario shows, one line")
    description: Text | None = Field(None, description="More words, optional")
    tags: list[Text] = Field(default_factory=list, description="Free labels, e.g. flow-a")
    covers: list[CoverId] = Field(default_factory=list, description="Rule ids exercised (docs/rules.md); "
                                                                     "feeds `flowsim coverage`")
    start: Time | None = Field(None, description="Start of the simulated clock (default: now, frozen in tests)")
    seed: Seed = Field(0, description="Makes PINs and ids reproducible")
    official_accounts: dict[str, OfficialAccountSpec] = Field(default_factory=dict,
                                                              description="Official accounts by id")
    users: dict[str, UserSpec] = Field(default_factory=dict, description="LINE users by id")
    steps: list[Step] = Field(min_length=1, description="What happens, in order")

    _path: ClassVar[str] = "<scenario>"

    @property
    def path(self) -> str:
        """The file it was loaded from (``<scenario>`` when built in code)."""
        return self._path
