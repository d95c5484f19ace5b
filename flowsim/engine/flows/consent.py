"""Consent (R10, R13, R14, R21) and the privacy policy (R8): the consent screen and Settings."""

from __future__ import annotations

from collections.abc import Iterable

from ..actions import ActionSpec
from ..effects import Effects
from ..models import User


def open_consent(fx: Effects, user: User) -> None:
    fx.screen(user, "open_consent")


def agree(fx: Effects, user: User) -> None:
    fx.screen(user, "agree")
    fx.set_consent(user, "agreed", "R13")


def reject(fx: Effects, user: User) -> None:
    fx.screen(user, "reject")
    fx.set_consent(user, "rejected", "R21")


def settings_consent(fx: Effects, user: User, value: str) -> None:
    fx.screen(user, "settings_consent", value)
    fx.set_consent(user, value, "R21")


def agree_privacy_policy(fx: Effects, user: User) -> None:
    fx.screen(user, "agree_privacy_policy")
    user.privacy_policy = True


def _policy_agreed(user: User, oa_ids: Iterable[str], one_oa: bool) -> str:
    return "the privacy policy is already agreed" if user.privacy_policy else ""


ACTIONS = [
    ActionSpec("open_consent", "Set", "R13", open_consent,
               help="Tap Set under “Settings for getting LINE notification messages”"),
    ActionSpec("agree", "Agree", "R13", agree, help="Agree on the consent screen"),
    ActionSpec("reject", "Reject", "R21", reject, help="Reject on the consent screen"),
    ActionSpec("settings_consent", "Switch", "R21", settings_consent, args=("value",),
               help="Settings › Privacy › LINE notification messages: agreed or rejected"),
    ActionSpec("agree_privacy_policy", "Agree to privacy policy", "R8", agree_privacy_policy,
               unavailable=_policy_agreed, help="Agree to the March 2022 privacy policy"),
]
