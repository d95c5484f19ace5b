"""The fixture and context manager a backend's tests use: reset between tests, a clean stop."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from flowsim.sandbox.testing import sandbox


def test_first_a_test_changes_the_world(line: Any) -> None:
    line.control.steps({"send": {"from": "shop", "to": "yuki", "text": "x"}}, {"advance": "3d"})
    assert line.control.state()["official_accounts"]["shop"]["sent_count"]["flexible"] == 1


def test_then_the_next_test_finds_it_as_loaded(line: Any) -> None:
    state = line.control.state()
    assert state["official_accounts"]["shop"]["sent_count"]["flexible"] == 0
    assert state["now"] == "2026-04-01T09:00:00+09:00" and line.control.requests() == []


def test_the_context_manager_yields_url_tokens_secrets_and_stops_cleanly() -> None:
    threads = threading.active_count()
    with sandbox() as line:
        assert line.url.startswith("http://127.0.0.1:")
        assert set(line.tokens) == set(line.secrets) == {"shop"}
        config = line.accounts["shop"].configuration()
        assert (config.host, config.access_token) == (line.url, line.tokens["shop"])
        assert line.control.health()["status"] == "ok"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{line.url}/_flowsim/health")
    assert threading.active_count() == threads
