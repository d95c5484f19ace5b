"""Phone-number change (R19, R20, with R5): from the SMS dialog or from Settings."""

from __future__ import annotations

from .. import decisions, phone
from ..actions import ActionSpec
from ..effects import Effects
from ..errors import InvalidPhoneNumberError
from ..events import NumberRefused
from ..models import User


def change_number(fx: Effects, user: User) -> None:
    fx.screen(user, "change_number")


def settings_change_number(fx: Effects, user: User) -> None:
    fx.screen(user, "settings_change_number")


def enter_number(fx: Effects, user: User, number: str) -> None:
    """R19: the typed number, read in the user's region (a decision); a number R3 refuses stays on screen."""
    region = fx.world.default_region
    if decisions.NEW_NUMBER_IN_CURRENT_REGION and user.phone:
        current = phone.region_of(user.phone)
        region = current if current != "ZZ" else region
    error = ""
    try:
        normalised: str | None = phone.normalise(number, region)
    except InvalidPhoneNumberError as exc:
        normalised = None
        error = exc.why
    detail = normalised or f"{number} (refused)"
    fx.screen(user, "enter_number", detail, number=normalised)
    if normalised is None:
        user.screen_error = f"Invalid phone number: {error}"
        fx.emit(NumberRefused, user=user.id, number=str(number), error=error)
        return
    fx.send_pin(user, "change", normalised)


ACTIONS = [
    ActionSpec("change_number", "Change", "R19", change_number, help="Change in the SMS dialog: a new number"),
    ActionSpec("settings_change_number", "Change phone number", "R19", settings_change_number,
               help="Settings › Profile › Phone number"),
    ActionSpec("enter_number", "Next", "R19", enter_number, args=("number",),
               help="Type the new number and tap Next: a PIN goes to it"),
]
