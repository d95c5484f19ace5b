"""Fixtures for the scenario layer's tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from scenario_helpers import HEADER



@pytest.fixture
def write(tmp_path: Path):
    """Write a scenario file; ``header=True`` puts the standard world before ``text`` (the steps)."""

    def _write(text: str, name: str = "s.yaml", header: bool = False) -> Path:
        body = textwrap.dedent(text)
        path = tmp_path / name
        path.write_text(HEADER + body if header else body, encoding="utf-8")
        return path

    return _write
