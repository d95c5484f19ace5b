"""flowsim serve's server: the collector set for serving while it runs, and as it was afterwards."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from flowsim.sandbox import server


def test_run_sets_the_collector_for_serving_and_restores_it(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    class Server:
        def run(self, sockets: Any) -> None:
            seen["thresholds"], seen["frozen"] = gc.get_threshold(), gc.get_freeze_count()
            raise KeyboardInterrupt  # Ctrl-C, as uvicorn re-raises it

    monkeypatch.setattr(server, "_server", lambda app, log_level: Server())
    before = gc.get_threshold()
    with pytest.raises(KeyboardInterrupt):
        server.run(object(), None)  # type: ignore[arg-type]
    assert seen["thresholds"] == server.GC_THRESHOLDS and seen["frozen"] > 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
