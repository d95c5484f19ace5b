"""Every reading this project takes where LINE's documents are silent.

``docs/rules.md`` marks these **Decision**; the ones the spec
leaves open and flowsim had to settle are marked *(flowsim)*.  Each is one
named constant here, read as ``decisions.NAME`` where it applies (at the
moment it applies, so that tests/engine/test_decisions.py can flip each one
and see the behaviour change), so that changing a decision is a one-line
edit and ``grep decisions.`` shows every use.

Two decisions are fixed, not constants, because their alternative is not a
behaviour LINE could have: R14's two setup sections may be completed in
either order (a message's requirements are a set; it is delivered when the
set is empty: ``decide.on_recheck``), and R19 refuses a new number that R3
cannot read (a number that cannot be normalised cannot be registered).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

# ---------------------------------------------------------------- time (R11, R22)

#: R11: SMS authentication (and a new account, and a number change) exempts
#: the user from SMS for this long; exempt while ``now < t + SMS_VALIDITY``.
SMS_VALIDITY = timedelta(days=180)

#: R22: a pending message expires at ``requested_at + PENDING_WINDOW``.
#: (decision) The same window applies to messages waiting only for SMS.
PENDING_WINDOW = timedelta(hours=24)

#: R22 (decision): the window applies whatever the message waits for.
WINDOW_APPLIES_TO_SMS_WAIT = True

# ---------------------------------------------------------------- numbers (R3, R5)

#: R3 (flowsim): how strict normalisation is.  ``"possible"`` accepts any
#: number of the right length for its country (so test numbers such as
#: ``+818000001234`` or the UK's 07700 900xxx work); ``"valid"`` would also
#: demand a number block that is actually allocated.
NUMBER_MUST_BE_VALID: Literal["possible", "valid"] = "possible"

#: R3 (flowsim): region used to read national forms (``090-…``) when a
#: caller gives none.  The user's own number's region is used for R19's
#: number entry when it has one.
DEFAULT_REGION = "JP"

#: R5 (decision): registering a number that another account holds takes it
#: from that account, which is left with no number and matches nothing.
NUMBER_CHANGE_TAKES_OVER = True

#: R5 (flowsim): a pending message of an account that lost its number (R5)
#: can no longer pass R4 at delivery; it is discarded at once with this
#: reason rather than left to expire.
NO_NUMBER_REASON = "no_number"

# ---------------------------------------------------------------- arrival (R4-R9)

#: (decision) When several discard rules apply on arrival, the first in this
#: order names the reason and the API's answer: all of them show the user
#: nothing, but R6 is answered 200/202 and R4, R8, R9 422, so a blocked OA
#: hides a rejected consent (200, reason ``blocked``).  LINE documents each
#: rule, not their order.
DISCARD_CHECK_ORDER: tuple[str, ...] = ("R4", "R6", "R8", "R9")

#: R7 (decision): blocking an OA discards its pending messages at once.
BLOCK_DISCARDS_PENDING = True

# ---------------------------------------------------------------- delivery (R13-R15)

#: I1 (flowsim): requirements are evaluated again at the moment of
#: delivery.  If SMS became required while a message waited only for
#: consent (an R11 exemption ran out), the message keeps waiting for SMS and
#: the LINE chat gets a new ``phone_auth`` message for it (even if an older
#: one is still in the chat), as in Flow C, so the user can complete it.
PROMPT_PHONE_AUTH_WHEN_SMS_BECOMES_REQUIRED = True

# ---------------------------------------------------------------- SMS (R17, R18)

#: R18: PIN length.
PIN_DIGITS = 6

#: R18 (decision): a wrong PIN shows an error and stays on the PIN screen.
WRONG_PIN_STAYS = True

#: R18 (decision): Resend issues a new PIN; the previous one stops working.
RESEND_INVALIDATES_OLD_PIN = True

# ---------------------------------------------------------------- number change (R19)

#: R19 (decision): a new number typed in national form (``090-…``) is read
#: in the region of the user's current number; with no current number (or
#: when this is False) in ``DEFAULT_REGION``.
NEW_NUMBER_IN_CURRENT_REGION = True

# ---------------------------------------------------------------- friends (R27)

#: R27 (flowsim): unblocking sends ``follow`` (as in the Messaging API) and
#: so makes the user a friend again.
UNBLOCK_MAKES_FRIEND = True

# ---------------------------------------------------------------- content (R28)

#: R28 (flowsim): message types a flexible notification message may carry.
FLEXIBLE_ALLOWED_TYPES = frozenset({"text", "sticker", "flex"})

#: R28 (flowsim): flex components refused because they carry an image or a
#: video.  ``icon`` is a small image, so it is refused too.
FLEX_MEDIA_COMPONENTS = frozenset({"image", "video", "icon"})

# ---------------------------------------------------------------- content (R29)

#: R29 (decision): a button key may not appear twice in one template
#: message (400), as LINE documents for item keys.
TEMPLATE_BUTTON_KEYS_UNIQUE = True

#: (decision) A template send from an account LINE has not granted the
#: template endpoint is answered 403 before its body is looked at (LINE checks
#: the channel's permission first, as for any endpoint it does not allow);
#: ``False`` answers a malformed body's 400 first.  The flexible endpoint is
#: always allowed.
TEMPLATE_PERMISSION_BEFORE_CONTENT = True

# ---------------------------------------------------------------- language (R24)

#: (flowsim) The LINE chat's system texts exist in English and Japanese;
#: Thai and Chinese apps show the English ones.
SYSTEM_TEXT_FALLBACK_LANGUAGE = "en"

#: R24: the label needs this app version or later.
LABEL_MIN_APP_VERSION = (15, 9, 0)
