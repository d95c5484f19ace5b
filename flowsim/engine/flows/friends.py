"""An official account's chat (R6, R7, R27): block, unblock, add as a friend, say something."""

from __future__ import annotations

from collections.abc import Iterable

from .. import decisions
from ..actions import ActionSpec
from ..effects import Effects
from ..models import User


def block(fx: Effects, user: User, oa: str) -> None:
    fx.screen(user, "block", oa)
    user.blocked.add(oa)
    user.friends.discard(oa)
    if decisions.BLOCK_DISCARDS_PENDING:
        fx.discard_pending(user, "blocked", "R7", oa_id=oa)
    fx.queue_webhook(oa, "unfollow", user)


def unblock(fx: Effects, user: User, oa: str) -> None:
    fx.screen(user, "unblock", oa)
    user.blocked.discard(oa)
    if decisions.UNBLOCK_MAKES_FRIEND:
        user.friends.add(oa)
    fx.queue_webhook(oa, "follow", user, unblocked=True)


def add_friend(fx: Effects, user: User, oa: str) -> None:
    fx.screen(user, "add_friend", oa)
    user.friends.add(oa)
    fx.queue_webhook(oa, "follow", user)


def say(fx: Effects, user: User, oa: str, text: str) -> None:
    fx.screen(user, "say", f"{oa}: {text}")
    fx.queue_webhook(oa, "message", user, text=str(text), message_id=str(fx.world.id_rng.randrange(10**17, 10**18)))


def _all_blocked(user: User, oa_ids: Iterable[str], one_oa: bool) -> str:
    if all(o in user.blocked for o in oa_ids):
        return "already blocked" if one_oa else "every official account is already blocked"
    return ""


def _none_blocked(user: User, oa_ids: Iterable[str], one_oa: bool) -> str:
    if not any(o in user.blocked for o in oa_ids):
        return "not blocked" if one_oa else "no official account is blocked"
    return ""


def _no_one_to_add(user: User, oa_ids: Iterable[str], one_oa: bool) -> str:
    if all(o in user.friends or o in user.blocked for o in oa_ids):
        return "already a friend, or blocked" if one_oa else "no official account to add"
    return ""


def _no_one_to_tell(user: User, oa_ids: Iterable[str], one_oa: bool) -> str:
    if all(o in user.blocked for o in oa_ids):
        return "the official account is blocked" if one_oa else "every official account is blocked"
    return ""


ACTIONS = [
    ActionSpec("block", "Block", "R6", block, args=("oa",), unavailable=_all_blocked,
               help="Block the official account (an unfollow webhook)"),
    ActionSpec("unblock", "Unblock", "R27", unblock, args=("oa",), unavailable=_none_blocked,
               help="Unblock it (a follow webhook, isUnblocked true)"),
    ActionSpec("add_friend", "Add friend", "R27", add_friend, args=("oa",), unavailable=_no_one_to_add,
               help="Add it as a friend (a follow webhook)"),
    ActionSpec("say", "Send", "R27", say, args=("oa", "text"), unavailable=_no_one_to_tell,
               help="Send it a text (a message webhook)"),
]
