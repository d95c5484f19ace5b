"""A notification message arrives (R1-R16): match, discard checks, then Flow A, B, C or D."""

from __future__ import annotations

from .. import decide
from ..effects import Effects
from ..models import NotificationMessage, SendResult


def arrive(fx: Effects, msg: NotificationMessage) -> SendResult:
    """Decide first (:func:`flowsim.engine.decide.on_arrival`), answer the API, then apply.

    The API's answer is logged before the events it caused, as in LINE's
    request log.
    """
    world = fx.world
    user_id = world.by_hash.get(msg.to)
    user = world.users[user_id] if user_id is not None else None
    verdict = decide.on_arrival(user, msg.oa, world.clock._now)
    result = fx.answer(msg, verdict.rule)
    if isinstance(verdict, decide.Unmatched) or user is None:
        fx.unmatch(msg)
        return result
    msg.user = user.id
    if isinstance(verdict, decide.Discard):
        fx.discard(msg, user, verdict.reason, verdict.rule)
    elif isinstance(verdict, decide.Deliver):
        world.arrival_needs[msg.id] = frozenset()
        fx.deliver(msg, user, verdict.rule)
    else:
        fx.hold(msg, user, verdict)
    return result
