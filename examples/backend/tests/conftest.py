"""The backend's tests run against the LINE sandbox (flowsim) instead of LINE."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowsim.sandbox.server import ServerThread
from flowsim.sandbox.testing import sandbox_fixture

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE))

from app import Shop, create_app  # noqa: E402

#: One sandbox for the whole session, reset before every test.
line = sandbox_fixture(HERE / "world.yaml")


@pytest.fixture
def backend(line: Any) -> Iterator[tuple[httpx.Client, Shop]]:
    """The shop's backend on a free port, configured with the sandbox's URL, token and secret,
    and registered as the channel's webhook URL."""
    account = line.accounts["shop"]
    shop = Shop(line.url, account.token, account.secret)
    with ServerThread(create_app(shop)) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        line.control.configure("shop", webhook=f"{server.url}/callback")
        yield client, shop
