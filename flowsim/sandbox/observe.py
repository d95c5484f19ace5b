"""The sandbox's one seam to what the engine did: the webhook events it queued, read from its log.

The sandbox does not subscribe to the engine (``sim.subscribe``): the engine
builds every event of each operation's batch for its subscribers, about six
for a delivered send, and the sandbox needs only the ``WebhookQueued`` ones
(measured with py-spy under bench/sandbox.py: building the batches was a
fifth of the server's CPU).  It reads them from the log instead, after each
operation it serves (a request, a control step, the clock's tick) and, in
the TUI, after each change the TUI makes (``flowsim/sandbox/attach.py``),
as the log's records (``EventLog.records_of``): nothing is built until a
delivery is posted or shown (``from_record``), which in a busy run without a
webhook URL is never (bench/sandbox.py: building each event's payload model
up front was about a tenth of a delivered push's instructions).
"""

from __future__ import annotations

import logging

from flowsim.engine import EventRecord, Simulation, WebhookQueued

_logger = logging.getLogger("flowsim.sandbox")


def webhooks_since(sim: Simulation, position: int) -> tuple[list[EventRecord], int]:
    """The ``WebhookQueued`` records logged from position ``position`` on (oldest first), and the position after them.

    The sandbox holds the log at its position (``EventLog.hold``), so a bounded log keeps them; if the
    log trimmed some anyway, their webhooks are lost: said (``logging.error``), not silent."""
    log = sim.log
    if position < log.first_kept:
        _logger.error("flowsim sandbox: %d engine events were trimmed from the log before the sandbox read "
                      "them; the webhooks among them are lost", log.first_kept - position)
    return log.records_of(WebhookQueued, position), len(log)
