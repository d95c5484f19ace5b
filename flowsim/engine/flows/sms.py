"""SMS authentication (R15, R17, R18): the phone-number authentication screen, the dialog, the PIN."""

from __future__ import annotations

from .. import decisions
from ..actions import ActionSpec
from ..effects import Effects
from ..events import PinRejected, SmsVerified
from ..models import User


def open_phone_auth(fx: Effects, user: User) -> None:
    fx.screen(user, "open_phone_auth")


def send_sms(fx: Effects, user: User) -> None:
    fx.screen(user, "send_sms")


def confirm_sms(fx: Effects, user: User) -> None:
    fx.screen(user, "confirm_sms")
    assert user.phone is not None  # the transition's condition (has_number)
    fx.send_pin(user, "verify", user.phone)


def enter_pin(fx: Effects, user: User, pin: str) -> None:
    """R17: the right PIN verifies (or completes a change, R19); R18: a wrong one is refused."""
    challenge = user.pin_challenge
    pin = str(pin)
    fx.screen(user, "enter_pin", "right PIN" if user.pin_ok(pin=pin) else "wrong PIN", pin=pin)
    if user.screen == "pin_entry":  # wrong PIN (R18)
        if challenge is not None:
            challenge.errors += 1
        fx.emit(PinRejected, user=user.id)
        if decisions.WRONG_PIN_STAYS:
            user.screen_error = "The PIN is incorrect. Check the SMS and try again."
        else:
            fx.screen(user, "cancel", "wrong PIN: back to the chats")
            user.pin_challenge = None
        return
    assert challenge is not None
    user.pin_challenge = None
    if challenge.purpose == "verify":
        user.sms_verified_at = fx.world.clock._now
        fx.note(SmsVerified, user.id)
        fx.recheck(user)
    else:
        fx.change_number(user, challenge.number)


def resend_sms(fx: Effects, user: User) -> None:
    """R18: a new PIN (``decisions.RESEND_INVALIDATES_OLD_PIN``: the old one stops working)."""
    challenge = user.pin_challenge
    fx.screen(user, "resend_sms")
    if challenge is not None:
        fx.send_pin(user, challenge.purpose, challenge.number)


def cancel(fx: Effects, user: User) -> None:
    fx.screen(user, "cancel")
    user.pin_challenge = None


ACTIONS = [
    ActionSpec("open_phone_auth", "Set", "R17", open_phone_auth,
               help="Tap Set under “Phone number authentication”"),
    ActionSpec("send_sms", "Send SMS", "R17", send_sms, help="Send SMS on the authentication screen"),
    ActionSpec("confirm_sms", "OK", "R17", confirm_sms, help="OK in “send an SMS to …?”: the PIN is sent"),
    ActionSpec("enter_pin", "OK", "R17", enter_pin, args=("pin",), help="Type the PIN and tap OK"),
    ActionSpec("resend_sms", "Resend", "R18", resend_sms, help="Resend: a new PIN"),
    ActionSpec("cancel", "Cancel", "R18", cancel, help="Back to the chats; nothing else changes"),
]
