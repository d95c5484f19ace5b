"""Fixtures for the sandbox's tests: one demo-world server for the session, reset before each test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from flowsim import hash_number
from flowsim.sandbox.testing import sandbox_fixture

from .receiver import Receiver

#: The demo world's users (flowsim/sandbox/demo.yaml) by the flow they play.
NUMBERS = {
    "hanako": "+819011110001", "taro": "+819011110002", "jiro": "+819011110003", "yuki": "+819011110004",
    "ken": "+819011110005", "rin": "+819011110006", "alex": "+14155550123",
}
TO = {user: hash_number(number) for user, number in NUMBERS.items()}
NOBODY = hash_number("+819099999999")

line = sandbox_fixture()


@pytest.fixture
def receiver(line: Any) -> Iterator[Receiver]:
    """A webhook receiver set as the shop's webhook URL for one test."""
    with Receiver() as r:
        line.control.configure("shop", webhook=r.url, redelivery=True)
        yield r
        line.control.configure("shop", webhook=None)


def events_of(received: Any, secret: str) -> list[Any]:
    """The SDK's parse of one received webhook (checks the signature)."""
    from linebot.v3.webhook import WebhookParser

    return WebhookParser(secret).parse(received.body.decode(), received.headers["x-line-signature"])


def payload(received: Any) -> dict[str, Any]:
    return json.loads(received.body)
