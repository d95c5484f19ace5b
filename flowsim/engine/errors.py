"""Exceptions raised by the engine's public API.

Every way a caller can misuse the engine has its own exception class with a
message that says what was wrong and what was expected, so that front ends
(the scenario runner, the TUI, the HTTP sandbox) can turn it into a clear
message for a person instead of a traceback.  None of them is a bare
``KeyError``: lookups raise :class:`UnknownUserError` and friends, which
derive from :class:`LookupError` only.
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterable


class _Shown(reprlib.Repr):
    """``repr`` for messages: long values shortened, and huge integers (whose ``repr`` Python
    refuses past 4300 digits) described rather than written out."""

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 1000:
            return f"<{'a negative' if x < 0 else 'an'} integer of about {round(x.bit_length() * 0.30103)} digits>"
        return super().repr_int(x, level)


_SHOWN = _Shown()
_SHOWN.maxstring = _SHOWN.maxother = _SHOWN.maxlong = 120
_SHOWN.maxlevel = 3


def shown(value: object) -> str:
    """How an error message shows a value the caller gave: its ``repr``, shortened past
    about 120 characters; never itself an error (a huge integer, a ``__repr__`` that fails)."""
    try:
        return _SHOWN.repr(value)
    except Exception:  # noqa: BLE001 - a junk object's own __repr__ may raise anything
        return f"<a {type(value).__name__} object>"


class FlowsimError(Exception):
    """Base class of every error the engine raises on purpose."""


class UnknownUserError(FlowsimError, LookupError):
    """A user id that the simulation does not hold."""

    def __init__(self, user_id: str, known: Iterable[str] = ()) -> None:
        self.user_id = user_id
        known = sorted(known)
        hint = f"; known users: {', '.join(known)}" if known else "; no users are defined"
        super().__init__(f"unknown user {shown(user_id)}{hint}")


class UnknownOfficialAccountError(FlowsimError, LookupError):
    """An official-account id that the simulation does not hold."""

    def __init__(self, oa_id: str, known: Iterable[str] = ()) -> None:
        self.oa_id = oa_id
        known = sorted(known)
        hint = f"; known official accounts: {', '.join(known)}" if known else "; no official accounts are defined"
        super().__init__(f"unknown official account {shown(oa_id)}{hint}")


class UnknownMessageError(FlowsimError, LookupError):
    """A notification-message id that the simulation never issued."""

    def __init__(self, message_id: str) -> None:
        self.message_id = message_id
        super().__init__(f"unknown notification message {shown(message_id)}")


class DuplicateIdError(FlowsimError, ValueError):
    """A user or official account added twice under the same id."""


class MalformedHashError(FlowsimError, ValueError):
    """A destination ``to`` that is not 64 lowercase hex digits (R1)."""

    def __init__(self, value: object) -> None:
        self.value = value
        super().__init__(
            f"malformed destination {shown(value)}: expected the lowercase hex SHA-256 of an "
            "E.164 phone number (64 characters 0-9a-f), e.g. the output of `flowsim hash`"
        )


class InvalidPhoneNumberError(FlowsimError, ValueError):
    """A phone number that the phone-number library cannot normalise (R3)."""

    def __init__(self, value: object, why: str) -> None:
        self.value = value
        self.why = why
        super().__init__(f"invalid phone number {shown(value)}: {why}")


class PhoneNumberTakenError(FlowsimError, ValueError):
    """Two accounts set up with the same number (R5: one number, one account)."""


class UnknownActionError(FlowsimError, ValueError):
    """An action name that the LINE app model does not know."""

    def __init__(self, action: str, known: Iterable[str]) -> None:
        self.action = action
        super().__init__(f"unknown action {shown(action)}; actions are: {', '.join(sorted(known))}")


class ActionNotAllowedError(FlowsimError):
    """A user action that is not available where the user is.

    ``screen`` is the screen the user's app shows, ``allowed`` the actions
    that are available there right now, and ``why`` says what is missing
    when the screen itself would allow the action (e.g. no ``setup``
    message to tap **Set** on).
    """

    def __init__(self, user_id: str, action: str, screen: str, allowed: list[str], why: str = "") -> None:
        self.user_id = user_id
        self.action = action
        self.screen = screen
        self.allowed = allowed
        reason = f" ({why})" if why else ""
        offered = ", ".join(allowed) if allowed else "none"
        super().__init__(
            f"action {action!r} is not available for user {user_id!r} on screen {screen!r}{reason}; "
            f"available there: {offered}"
        )


class MissingArgumentError(FlowsimError, TypeError):
    """An action called without an argument it needs (e.g. ``enter_pin`` without ``pin``)."""


class ClockWentBackwardsError(FlowsimError, ValueError):
    """An attempt to move the simulated clock into the past."""


class NaiveDatetimeError(FlowsimError, ValueError):
    """A datetime without a UTC offset: simulated times are always aware."""


class InvalidValueError(FlowsimError, TypeError, ValueError):
    """An argument of the wrong type or outside its allowed values (a consent state, a language,
    an OA country, a duration that is not a ``timedelta``); the message names the argument, the
    value given and what is allowed."""
