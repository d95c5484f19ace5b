"""What LINE's API answers to a send: the status code and body, in one table.

docs/rules.md, "What the API answers", follows LINE's API reference
("Send a LINE notification message"): checks run in this order, and the
first that fails decides the answer:

==========================================  ==========  ==========
outcome of the send                         flexible    template
==========================================  ==========  ==========
the account may not send templates         —           403
content (R28-R30) or ``to`` malformed       400         400
no user has the number (R2), country (R4),  422         422
privacy policy (R8), consent rejected (R9)
blocked (R6): nothing sent, no webhook      200         202
delivered (R12) or pending (R13-R15)        200         202
==========================================  ==========  ==========

The engine asks :func:`status_for` once it has decided what happens to the
message on arrival; the scenario runner, the TUI and the HTTP sandbox read
the resulting :class:`flowsim.models.SendResult` and never keep a copy of
this table.
"""

from __future__ import annotations

from typing import Literal

Kind = Literal["flexible", "template"]

#: An accepted send (delivered, pending, or silently dropped for a block).
ACCEPTED: dict[str, int] = {"flexible": 200, "template": 202}

#: A send LINE cannot deliver to that number: LINE's status and message.
REFUSED = 422
REFUSED_MESSAGE = "Failed to send messages"

#: The rules that refuse a send on arrival (the others accept it).
REFUSED_BY: frozenset[str] = frozenset({"R2", "R4", "R8", "R9"})

#: An official account without the permission for an endpoint (``templates: not_allowed``): LINE's
#: status and message ("Appears when calling an API that you do not have permission to use").
FORBIDDEN = 403
FORBIDDEN_MESSAGE = "Access to this API is not available for your account"

#: A malformed request: LINE's status.
INVALID = 400

#: LINE's body for a ``to`` that is not 64 lowercase hex digits.
BAD_DESTINATION_MESSAGE = "The request body has 1 error(s)"
BAD_DESTINATION_DETAIL = {"message": "The value must be a valid SHA-256 digest.", "property": "to"}


def status_for(kind: str, rule: str) -> int:
    """The status of a well-formed send whose arrival was decided by ``rule``."""
    return REFUSED if rule in REFUSED_BY else ACCEPTED[kind]


def is_accepted(status: int) -> bool:
    """True for the 2xx answers (the message was taken, whatever then happened to it)."""
    return 200 <= status < 300
