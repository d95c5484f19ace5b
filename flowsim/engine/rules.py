"""The rule and invariant ids of ``docs/rules.md`` with one-line titles.

Used to explain outcomes ("discarded by R6: the user has blocked the
official account") and by the coverage report.
"""

from __future__ import annotations

RULES: dict[str, str] = {
    "R1": "destination is the SHA-256 of the E.164 number",
    "R2": "a destination that matches no user: 422, no effect, unmatched",
    "R3": "numbers from people are normalised to E.164 with a phone library",
    "R4": "only numbers from Japan, Thailand or Taiwan receive messages",
    "R5": "a phone number belongs to at most one account",
    "R6": "a user who blocked the official account gets nothing",
    "R7": "a message discarded by a block is never delivered",
    "R8": "the user must have agreed to the March 2022 privacy policy",
    "R9": "consent rejected: the message is discarded",
    "R10": "consent is global across official accounts",
    "R11": "SMS authentication needed unless verified/created/changed < 180 days ago",
    "R12": "Flow D: agreed, no SMS needed: delivered at once",
    "R13": "Flow A: consent not set, no SMS needed",
    "R14": "Flow B: consent not set, SMS needed",
    "R15": "Flow C: agreed, SMS needed",
    "R16": "'received' appears once per arrival needing action and once per delivery",
    "R17": "SMS authentication screens and PIN",
    "R18": "wrong PIN, resend, cancel; reproducible PINs",
    "R19": "phone number change",
    "R20": "after a change only the new number's hash matches",
    "R21": "consent settings switch; never back to not_set",
    "R22": "a pending message expires after 24 hours",
    "R23": "timers fire in time order as the clock advances",
    "R24": "'Important notification' label in the app language",
    "R25": "delivery completion webhook",
    "R26": "only delivered messages are counted, per OA, kind and UTC+9 day",
    "R27": "follow, unfollow and message webhooks from non-friends",
    "R28": "flexible message content: 1-5 objects, no media",
    "R29": "template message content: catalogue keys, no duplicate items",
    "R30": "X-Line-Delivery-Tag is 16 to 100 characters",
}

INVARIANTS: dict[str, str] = {
    "I1": "a delivered message met every condition at its delivery moment",
    "I2": "no message delivered twice; each ends in exactly one final state or is pending < 24h",
    "I3": "per OA and day: sent count = delivered messages = delivery webhooks",
    "I4": "consent never returns to not_set",
    "I5": "nothing appears for a user from an OA blocked when the message arrived",
}

RULE_IDS: tuple[str, ...] = tuple(RULES)


def describe(rule: str) -> str:
    """``"R6: a user who blocked the official account gets nothing"``."""
    return f"{rule}: {RULES.get(rule) or INVARIANTS.get(rule, '?')}"
