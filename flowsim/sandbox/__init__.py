"""The HTTP sandbox: LINE's notification-message endpoints on localhost, over the engine.

A company's backend, written with the official ``line-bot-sdk`` or plain
HTTP, sends to simulated users and gets signed webhooks; a control API under
``/_flowsim/`` plays the users and moves the clock.  Guide: ``docs/sandbox.md``.

Modules:

* :mod:`.line` — LINE's wire vocabulary: paths, error messages, body shape;
* :mod:`.observe` — the one seam to what the engine did (the webhook events in its log);
* :mod:`.world` — :class:`Sandbox`: the scenario run, its clock, tokens, recorded requests;
* :mod:`.app` — the Starlette application (LINE's endpoints and the control API);
* :mod:`.webhooks` — the signing, recording, redelivering webhook sender;
* :mod:`.ratelimit` — LINE's per-channel, per-endpoint rate limit;
* :mod:`.server` — uvicorn on a socket, in the foreground or in a thread;
* :mod:`.testing` — the context manager and pytest fixture for a backend's tests;
* :mod:`.command` — ``flowsim serve``.

Nothing here keeps a copy of the engine's rules: every status, body and
webhook comes from :class:`flowsim.Simulation`; this package only speaks HTTP.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flowsim._lazy import lazy_exports

_EXPORTS = {
    "Sandbox": "world",
    "RetryPolicy": "webhooks",
    "create_app": "app",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # pragma: no cover
    from .app import create_app
    from .webhooks import RetryPolicy
    from .world import Sandbox
