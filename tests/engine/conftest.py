"""Fixtures for the engine's tests (helpers live in helpers.py)."""

from __future__ import annotations

import pytest

from .helpers import new_sim


@pytest.fixture
def sim():
    """A simulation at 2026-04-01 09:00 JST with one JP official account, ``shop``."""
    return new_sim("shop")


@pytest.fixture
def sim2():
    """A simulation with two JP official accounts, ``shop`` and ``bank``."""
    return new_sim("shop", "bank")
