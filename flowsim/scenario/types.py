"""Field types of scenario files that YAML and pydantic do not give as such.

Each is an ``Annotated`` type with a plain validator (so the error message is
ours and says what was expected), a serializer (so the writer can save a
scenario back in the same notation), and a JSON Schema (so editors get
completion and checks from ``flowsim schema``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, PlainSerializer, PlainValidator, WithJsonSchema

from .hints import did_you_mean
from .timeparse import DURATION_EXAMPLES, DURATION_PATTERN, format_duration, parse_duration, parse_time
from .yamlsource import RawFloat, RawInt, describe_type

from flowsim.engine import CHAT_KINDS, DISCARD_REASONS, WEBHOOK_TYPES
from flowsim.engine import SETUP_SECTIONS as SECTIONS
from flowsim.engine import VISIBLE_STATUSES as MESSAGE_STATUSES


def text_of(value: Any) -> str:
    """Text as written: plain numbers keep their spelling (``012345``, ``+81...``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (RawInt, RawFloat)):
        return value.raw
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    hint = " (YAML reads it as a boolean or null: put it in quotes)" if value is None or isinstance(value, bool) else ""
    raise ValueError(f"expected text, found {describe_type(value)}{hint}")


def plain(value: Any) -> Any:
    """Content passed through to the engine (messages, template bodies) as plain Python values."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, RawInt):
        return int(value)
    if isinstance(value, RawFloat):
        return float(value)
    return value


Text = Annotated[str, PlainValidator(text_of), WithJsonSchema({"type": ["string", "number"]})]

#: The engine's rules for the values it is given as they are (flowsim/engine/arguments.py, which
#: the loader cannot import; tests/scenario keeps the two equal), checked here so that the file's
#: error points at the value instead of the world failing to set up.
VERSION_PATTERN = r"[0-9]{1,9}(?:\.[0-9]{1,9}){0,3}"
SEED_LIMIT = 10**100
_VERSION = re.compile(VERSION_PATTERN)


def _app_version(value: Any) -> str:
    version = text_of(value)
    if not _VERSION.fullmatch(version):
        raise ValueError(f"{describe_type(version)} is no version; expected dot-separated numbers such as 15.9.0 "
                         "(at most four parts of 1-9 digits, 0-9; R24 compares them)")
    return version


AppVersion = Annotated[str, PlainValidator(_app_version),
                       WithJsonSchema({"type": "string", "pattern": f"^{VERSION_PATTERN}$"})]


def _seed(value: int) -> int:
    if not -SEED_LIMIT < value < SEED_LIMIT:
        raise ValueError(f"a seed of {len(str(abs(value)))} digits; expected a whole number of at most 100 digits")
    return value


Seed = Annotated[int, AfterValidator(_seed)]


def _positive_duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        delta = value
    else:
        if isinstance(value, (RawInt, RawFloat)) or (isinstance(value, int) and not isinstance(value, bool)):
            raise ValueError(f"expected a duration with a unit, {DURATION_EXAMPLES}; found {describe_type(value)}")
        if not isinstance(value, str):
            raise ValueError(f"expected a duration, {DURATION_EXAMPLES}; found {describe_type(value)}")
        delta = parse_duration(value)
        if value.strip().startswith("-"):
            raise ValueError(f"cannot go backwards ({value}); expected a positive amount of time, {DURATION_EXAMPLES}")
    if delta < timedelta(0):
        raise ValueError(f"cannot go backwards ({format_duration(delta)}); expected a positive amount of time")
    return delta


Duration = Annotated[
    timedelta,
    PlainValidator(_positive_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema({"type": "string", "pattern": DURATION_PATTERN,
                    "description": f"A positive amount of time: units y d h m s ms us, {DURATION_EXAMPLES}"}),
]


def _time(value: Any) -> datetime:
    return parse_time(value)


_TIME_SCHEMA = {"type": "string", "format": "date-time",
                "description": "ISO 8601 with a UTC offset, e.g. 2026-04-01T09:00:00+09:00"}

Time = Annotated[
    datetime,
    PlainValidator(_time),
    PlainSerializer(lambda v: v.isoformat(), return_type=str),
    WithJsonSchema(_TIME_SCHEMA),
]


def _past_time(value: Any) -> datetime | timedelta:
    """A user's time: ISO 8601 with an offset, or a duration before ``start`` (``-30d``)."""
    if isinstance(value, (datetime, timedelta)):
        return value
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in "-+0123456789" and not stripped[4:5] == "-":
            delta = parse_duration(stripped)
            if delta > timedelta(0):
                raise ValueError(f"{value!r} is after start; expected a time before start such as -30d, "
                                 "or an ISO 8601 time with an offset")
            return delta
        return parse_time(stripped)
    raise ValueError(f"expected a duration before start such as -30d or -3y, or an ISO 8601 time "
                     f"with an offset; found {describe_type(value)}")


def _format_past(value: datetime | timedelta) -> str:
    return format_duration(value) if isinstance(value, timedelta) else value.isoformat()


PastTime = Annotated[
    datetime | timedelta,
    PlainValidator(_past_time),
    PlainSerializer(_format_past, return_type=str),
    WithJsonSchema({
        "type": "string",
        "description": "A duration before start (-30d, -179d23h59m, -3y; a year is 365 days) "
                       "or an ISO 8601 time with a UTC offset",
        "examples": ["-3y", "-30d", "2025-10-01T09:00:00+09:00"],
    }),
]


# ---------------------------------------------------------------- PINs

#: ``pin:`` words: the PIN in the newest SMS, and in the one before it.
PIN_WORDS = ("last", "previous")
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True, slots=True)
class PinOfSms:
    """``pin: {sms: N}``: the PIN in the Nth SMS of the user's inbox: -1 the newest, -2 the one before, 1 the first."""

    sms: int

    def to_yaml(self) -> dict[str, int]:
        return {"sms": self.sms}

    def __str__(self) -> str:
        return f"{{sms: {self.sms}}}"


_PIN_FORMS = ("`last` (the PIN in the newest SMS), `previous` (in the SMS before it), {sms: N} (in the Nth SMS: "
              "-1 the newest, -2 the one before, 1 the first) or digits (quote them: \"012345\")")


def _pin(value: Any) -> str | PinOfSms:
    if isinstance(value, PinOfSms):
        return value
    if isinstance(value, dict):
        _check_keys(value, ("sms",), "pin")
        n = value.get("sms")
        if not isinstance(n, int) or isinstance(n, bool) or n == 0:
            shown = describe_type(n) if n is not None else "no `sms:`"
            raise ValueError(f"pin {{sms: N}} with {shown}; expected N a whole number other than 0: -1 the newest "
                             "SMS, -2 the one before, 1 the first the phone received")
        return PinOfSms(int(n))
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ValueError(f"pin: found {describe_type(value)}; expected {_PIN_FORMS}")
    text = text_of(value)
    if text in PIN_WORDS or _DIGITS.fullmatch(text):
        return text
    raise ValueError(f"pin {describe_type(text)}{did_you_mean(text, PIN_WORDS)}; expected {_PIN_FORMS}")


Pin = Annotated[
    str | PinOfSms,
    PlainValidator(_pin),
    PlainSerializer(lambda v: v.to_yaml() if isinstance(v, PinOfSms) else v),
    WithJsonSchema({
        "description": "enter_pin: last, previous, {sms: N} or digits",
        "anyOf": [
            {"enum": list(PIN_WORDS)},
            {"type": ["string", "integer"], "pattern": "^[0-9]+$"},
            {"type": "object", "additionalProperties": False, "required": ["sms"], "properties": {
                "sms": {"type": "integer", "anyOf": [{"maximum": -1}, {"minimum": 1}],
                        "description": "which SMS of the user's inbox: -1 the newest, -2 the one before, "
                                       "1 the first the phone received"}}},
        ],
    }),
]


# ---------------------------------------------------------------- expect items


def _one_key(value: Any, what: str, kinds: tuple[str, ...]) -> tuple[str, Any]:
    if isinstance(value, str):
        return value, None
    if isinstance(value, dict) and len(value) == 1:
        ((key, detail),) = value.items()
        return key, detail
    raise ValueError(f"expected a {what} ({', '.join(kinds)}) or a one-key mapping such as "
                     f"{{{kinds[-1]}: {{...}}}}; found {describe_type(value)}")


def _check_keys(detail: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in detail:
        if key not in allowed:
            hint = did_you_mean(key, allowed)
            raise ValueError(f"unknown key {describe_type(key)} in {where}{hint}; expected {', '.join(allowed)}")


def _choice(value: Any, options: tuple[str, ...], what: str) -> str:
    if isinstance(value, str) and value in options:
        return value
    hint = did_you_mean(value, options)
    raise ValueError(f"unknown {what} {describe_type(value)}{hint}; expected one of {', '.join(options)}")


@dataclass(frozen=True, slots=True)
class ChatItem:
    """An expected chat message: its kind, plus optional detail to check."""

    kind: str
    text: str | None = None
    template: str | None = None
    label: str | None = None
    sections: tuple[str, ...] | None = None

    def to_yaml(self) -> Any:
        detail = {k: (list(v) if isinstance(v, tuple) else v)
                  for k in ("text", "template", "label", "sections") if (v := getattr(self, k)) is not None}
        return {self.kind: detail} if detail else self.kind

    def __str__(self) -> str:
        detail = ", ".join(f"{k}: {v!r}" for k, v in (("text", self.text), ("template", self.template),
                           ("label", self.label), ("sections", self.sections)) if v is not None)
        return f"{self.kind} ({detail})" if detail else self.kind


def _chat_item(value: Any) -> ChatItem:
    if isinstance(value, ChatItem):
        return value
    kind, detail = _one_key(value, "chat message kind", CHAT_KINDS)
    kind = _choice(kind, CHAT_KINDS, "chat message kind")
    if detail is None:
        return ChatItem(kind)
    if not isinstance(detail, dict):
        raise ValueError(f"expected the details of {kind!r} as a mapping (text, template, label, sections); "
                         f"found {describe_type(detail)}")
    _check_keys(detail, ("text", "template", "label", "sections"), kind)
    sections = detail.get("sections")
    if sections is not None:
        if not isinstance(sections, list):
            raise ValueError(f"expected sections as a list of {', '.join(SECTIONS)}; found {describe_type(sections)}")
        sections = tuple(_choice(s, SECTIONS, "setup section") for s in sections)
    texts = {k: text_of(detail[k]) if detail.get(k) is not None else None for k in ("text", "template", "label")}
    return ChatItem(kind, sections=sections, **texts)


_CHAT_DETAIL_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "text": {"type": "string", "description": "a substring of the message's text"},
        "template": {"type": "string", "description": "the template key of a notification"},
        "label": {"type": "string", "description": "the R24 label, e.g. Important notification"},
        "sections": {"type": "array", "items": {"enum": list(SECTIONS)}, "description": "setup sections, in order"},
    },
}

ChatItemType = Annotated[
    ChatItem,
    PlainValidator(_chat_item),
    PlainSerializer(lambda v: v.to_yaml()),
    WithJsonSchema({
        "description": "A chat message kind, or a one-key mapping of the kind to details to check",
        "anyOf": [
            {"enum": list(CHAT_KINDS)},
            {"type": "object", "minProperties": 1, "maxProperties": 1, "propertyNames": {"enum": list(CHAT_KINDS)},
             "additionalProperties": _CHAT_DETAIL_SCHEMA},
        ],
    }),
]


@dataclass(frozen=True, slots=True)
class WebhookItem:
    """An expected webhook event: its type, plus optional fields to check."""

    type: str
    data: str | None = None
    text: str | None = None
    user: str | None = None

    def to_yaml(self) -> dict[str, Any]:
        return {k: v for k in ("type", "data", "text", "user") if (v := getattr(self, k)) is not None}

    def __str__(self) -> str:
        return ", ".join(f"{k}: {v}" for k, v in self.to_yaml().items()).join("{}")


def _webhook_item(value: Any) -> WebhookItem:
    if isinstance(value, WebhookItem):
        return value
    if isinstance(value, str):
        value = {"type": value}
    if not isinstance(value, dict) or "type" not in value:
        raise ValueError("expected a webhook event such as {type: delivery, data: ...}, {type: follow}, "
                         f"{{type: unfollow}} or {{type: message, text: ...}}; found {describe_type(value)}")
    _check_keys(value, ("type", "data", "text", "user"), "a webhook event")
    kind = _choice(value["type"], WEBHOOK_TYPES, "webhook event type")
    fields = {k: text_of(value[k]) for k in ("data", "text", "user") if value.get(k) is not None}
    return WebhookItem(kind, **fields)


WebhookItemType = Annotated[
    WebhookItem,
    PlainValidator(_webhook_item),
    PlainSerializer(lambda v: v.to_yaml()),
    WithJsonSchema({
        "description": "A webhook event: {type: delivery, data: tag-or-hash}, {type: follow}, {type: unfollow}, "
                       "{type: message, text: ...}; `user` optionally names the user of follow/unfollow/message",
        "type": "object", "required": ["type"], "additionalProperties": False,
        "properties": {"type": {"enum": list(WEBHOOK_TYPES)}, "data": {"type": "string"},
                       "text": {"type": "string"}, "user": {"type": "string"}},
    }),
]


@dataclass(frozen=True, slots=True)
class MessageCheck:
    status: str
    reason: str | None = None

    def to_yaml(self) -> Any:
        return {"status": self.status, "reason": self.reason} if self.reason else self.status

    def __str__(self) -> str:
        return f"{self.status} ({self.reason})" if self.reason else self.status


def _message_check(value: Any) -> MessageCheck:
    if isinstance(value, MessageCheck):
        return value
    if isinstance(value, str):
        return MessageCheck(_choice(value, MESSAGE_STATUSES, "message status"))
    if isinstance(value, dict) and "status" in value:
        _check_keys(value, ("status", "reason"), "a message check")
        status = _choice(value["status"], MESSAGE_STATUSES, "message status")
        reason = value.get("reason")
        if reason is not None:
            reason = _choice(reason, DISCARD_REASONS, "discard reason")
        return MessageCheck(status, reason)
    raise ValueError(f"expected a status ({', '.join(MESSAGE_STATUSES)}) or {{status: discarded, reason: blocked}}; "
                     f"found {describe_type(value)}")


MessageCheckType = Annotated[
    MessageCheck,
    PlainValidator(_message_check),
    PlainSerializer(lambda v: v.to_yaml()),
    WithJsonSchema({"anyOf": [
        {"enum": list(MESSAGE_STATUSES)},
        {"type": "object", "required": ["status"], "additionalProperties": False,
         "properties": {"status": {"enum": list(MESSAGE_STATUSES)}, "reason": {"enum": list(DISCARD_REASONS)}}},
    ], "description": "The status of a message named with `as:`, optionally with the discard reason"}),
]


@dataclass(frozen=True, slots=True)
class ApiCheck:
    status: int
    message: str | None = None

    def to_yaml(self) -> Any:
        return {"status": self.status, "message": self.message} if self.message is not None else self.status

    def __str__(self) -> str:
        return f"{self.status} ({self.message!r})" if self.message is not None else str(self.status)


def _api_check(value: Any) -> ApiCheck:
    if isinstance(value, ApiCheck):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return ApiCheck(int(value))
    if isinstance(value, dict) and isinstance(value.get("status"), int) and not isinstance(value["status"], bool):
        _check_keys(value, ("status", "message"), "an api check")
        message = value.get("message")
        return ApiCheck(int(value["status"]), text_of(message) if message is not None else None)
    raise ValueError(f"expected an HTTP status such as 200, or {{status: 400, message: \"substring\"}}; "
                     f"found {describe_type(value)}")


ApiCheckType = Annotated[
    ApiCheck,
    PlainValidator(_api_check),
    PlainSerializer(lambda v: v.to_yaml()),
    WithJsonSchema({"anyOf": [
        {"type": "integer"},
        {"type": "object", "required": ["status"], "additionalProperties": False,
         "properties": {"status": {"type": "integer"}, "message": {"type": "string"}}},
    ], "description": "The status of the latest send, e.g. 200, or {status: 400, message: substring}"}),
]
