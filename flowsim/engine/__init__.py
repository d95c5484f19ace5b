"""The engine: what each person sees for every LINE notification message, and why.

This package's names are the engine's public API; the front ends (scenario
files, the TUI, the HTTP sandbox, the model tools) import them from here,
never from the modules inside (a test enforces it).  The modules, inward
first:

==================  =========================================================
``vocabulary``      one ``Literal`` per concept (screens, statuses, reasons …)
``decisions``       every reading where LINE's documents are silent
``rules``           rule and invariant ids with their titles
``models``          the pydantic models of users, accounts, messages, chats
``events``          the typed event log and its observers
``decide``          pure verdicts: what happens to a message, and why
``machines``        the three state machines, as data for ``transitions``
``actions``         the registry of user actions (``ACTIONS``)
``flows/``          the action handlers by area (consent, SMS, number, friends)
``effects``         the one writer of chats, SMS, counts, webhooks and the log
``world``           the state: users, accounts, messages, indexes, timers
``simulation``      the facade, :class:`Simulation`
==================  =========================================================
"""

from __future__ import annotations

from . import decisions, phone, rules, vocabulary
from .actions import ACTION_ARGS, ACTIONS, ActionSpec
from .answers import ACCEPTED, FORBIDDEN, FORBIDDEN_MESSAGE, REFUSED, REFUSED_MESSAGE
from .catalogue import Catalogue, CatalogueError
from .clock import EARLIEST, LATEST, SimClock, wall_now
from .errors import (
    ActionNotAllowedError,
    ClockWentBackwardsError,
    DuplicateIdError,
    FlowsimError,
    InvalidPhoneNumberError,
    InvalidValueError,
    MalformedHashError,
    MissingArgumentError,
    NaiveDatetimeError,
    PhoneNumberTakenError,
    UnknownActionError,
    UnknownMessageError,
    UnknownOfficialAccountError,
    UnknownUserError,
)
from .events import (
    AnyEvent,
    ApiCalled,
    Batch,
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
    SubscriberError,
    UserActed,
    WebhookQueued,
    from_record,
)
from .events import Record as EventRecord
from .machines import CONSENT_TRANSITIONS, MESSAGE_TRANSITIONS, SCREEN_TRANSITIONS
from .models import ChatMessage, NotificationMessage, OfficialAccount, SendResult, Sms, User, WebhookEvent
from .phone import hash_number, normalise
from .rules import INVARIANTS, RULE_IDS, RULES, describe
from .simulation import JST, Simulation
from .texts import important_label, section_text, system_text
from .vocabulary import (
    CHAT_KINDS,
    CONSENT_SETTINGS,
    CONSENT_STATES,
    COUNTRIES,
    DISCARD_REASONS,
    FINAL_STATUSES,
    LANGUAGES,
    LINE_CHAT,
    MESSAGE_KINDS,
    MESSAGE_STATUSES,
    SCREENS,
    SETUP_SECTIONS,
    TEMPLATE_ACCESS,
    VISIBLE_STATUSES,
    WEBHOOK_TYPES,
    ChatKind,
    ConsentSetting,
    ConsentState,
    Country,
    DiscardReason,
    Language,
    MessageKind,
    MessageStatus,
    Screen,
    TemplateAccess,
    WebhookType,
)

__all__ = [name for name in dir() if not name.startswith("_") and name != "annotations"]
