"""flowsim: see what LINE notification messages do on the user's side.

The engine (:class:`flowsim.Simulation`) models the user-side flows of
``docs/rules.md``; scenario files, the TUI and the HTTP sandbox drive it.  Flow B
(consent not set, SMS needed) in a dozen lines::

    from datetime import datetime, timedelta, timezone
    from flowsim import Simulation, hash_number

    sim = Simulation(start=datetime(2026, 4, 1, 9, tzinfo=timezone(timedelta(hours=9))))
    sim.add_official_account("shop", "Example Shop")
    sim.add_user("hanako", "+818000001234", created_at=sim.now - timedelta(days=400))
    sent = sim.send_text("shop", hash_number("+818000001234"), "Your parcel ships today")
    for action in ("open_consent", "agree", "open_phone_auth", "send_sms", "confirm_sms"):
        sim.do("hanako", action)
    sim.enter_pin("hanako", sim.last_pin("hanako"))
    print(sim.explain(sent.message_id))   # m1 delivered for hanako: R14: Flow B ...

See ``docs/engine.md`` for the guide.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_exports

#: What ``from flowsim import X`` gives, and the module that defines it.  They are
#: imported when first asked for (PEP 562), so that ``import flowsim.cli`` (the
#: ``flowsim`` command) does not pay for the engine, pydantic and phonenumbers
#: before it knows which command runs; ``flowsim tui`` then imports them with
#: Python's collector paused (flowsim/tui/command.py).
_EXPORTS = dict.fromkeys([
    "Catalogue", "SimClock", "Simulation", "hash_number", "normalise",
    "ActionNotAllowedError", "ClockWentBackwardsError", "DuplicateIdError", "FlowsimError",
    "InvalidPhoneNumberError", "InvalidValueError", "MalformedHashError", "MissingArgumentError",
    "NaiveDatetimeError", "PhoneNumberTakenError", "UnknownActionError", "UnknownMessageError",
    "UnknownOfficialAccountError", "UnknownUserError",
], "engine")

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:
    from .engine import (
        Catalogue,
        SimClock,
        Simulation,
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
        hash_number,
        normalise,
    )

__version__ = "0.1.0"
