"""The engine's vocabulary: one ``Literal`` per concept, and the tuples derived from it.

Every front end (scenario files and their JSON Schema, the TUI, the HTTP
sandbox) reads these names from here; none keeps a copy.  Adding a screen,
a status or a reason is an edit of this file (and of the rule that uses
it), nothing else.
"""

from __future__ import annotations

from typing import Literal, get_args

#: R21: the consent setting; ``not_set`` is left for good (I4).
ConsentState = Literal["not_set", "agreed", "rejected"]
#: R21: what Settings can switch consent to.
ConsentSetting = Literal["agreed", "rejected"]
#: R13-R19: the LINE app's screens.
Screen = Literal["chats", "consent", "phone_auth", "sms_confirm", "pin_entry", "number_entry"]
#: R24: app languages.
Language = Literal["en", "ja", "th", "zh"]
#: R4, R29: where an official account is (and whose template catalogue it uses).
Country = Literal["JP", "TH", "TW"]
#: The two send endpoints: flexible (``/bot/pnp/push``) and template.
MessageKind = Literal["template", "flexible"]
#: A notification message's lifecycle (I2); ``requested`` only inside a send.
MessageStatus = Literal["requested", "pending", "delivered", "discarded", "expired", "unmatched"]
#: Why a message was discarded (R4, R5, R6/R7, R8, R9/R21).
DiscardReason = Literal["blocked", "country", "privacy_policy", "consent_rejected", "no_number"]
#: What appears in a chat: the "LINE" account's messages and the OA's notification (R12-R19, R24).
ChatKind = Literal["received", "setup", "phone_auth", "phone_changed", "notification"]
#: What a pending message waits for (R13-R15).
Requirement = Literal["consent", "sms"]
#: The sections of a ``setup`` message (R13, R14).
SetupSection = Literal["consent", "phone_auth"]
#: Webhook event types an official account receives (R25, R27).
WebhookType = Literal["delivery", "follow", "unfollow", "message"]
#: Why an SMS PIN was sent: to verify the number (R17) or to change it (R19).
PinPurpose = Literal["verify", "change"]
#: Whether an official account may use the template endpoint (LINE grants it per account; 403 without).
TemplateAccess = Literal["allowed", "not_allowed"]

CONSENT_STATES: tuple[str, ...] = get_args(ConsentState)
CONSENT_SETTINGS: tuple[str, ...] = get_args(ConsentSetting)
SCREENS: tuple[str, ...] = get_args(Screen)
LANGUAGES: tuple[str, ...] = get_args(Language)
COUNTRIES: tuple[str, ...] = get_args(Country)
MESSAGE_KINDS: tuple[str, ...] = get_args(MessageKind)
MESSAGE_STATUSES: tuple[str, ...] = get_args(MessageStatus)
#: The statuses a scenario can expect (``requested`` never outlives a send).
VISIBLE_STATUSES: tuple[str, ...] = tuple(s for s in MESSAGE_STATUSES if s != "requested")
FINAL_STATUSES: frozenset[str] = frozenset({"delivered", "discarded", "expired", "unmatched"})
DISCARD_REASONS: tuple[str, ...] = get_args(DiscardReason)
CHAT_KINDS: tuple[str, ...] = get_args(ChatKind)
REQUIREMENTS: tuple[str, ...] = get_args(Requirement)
SETUP_SECTIONS: tuple[str, ...] = get_args(SetupSection)
WEBHOOK_TYPES: tuple[str, ...] = get_args(WebhookType)
TEMPLATE_ACCESS: tuple[str, ...] = get_args(TemplateAccess)

#: The chat key of the "LINE" system account in ``User.chats``.
LINE_CHAT = "LINE"
