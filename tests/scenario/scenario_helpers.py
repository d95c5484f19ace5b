"""Shared constants and helpers for the scenario layer's tests (a unique module name, unlike conftest)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"
MALFORMED = Path(__file__).parent / "malformed"

HEADER = """\
name: test
start: 2026-04-01T09:00:00+09:00
official_accounts:
  shop: {name: Example Shop}
users:
  hanako: {phone: "+818000001234", created: -3y}
steps:
"""

#: Flow B's steps from the consent screen to the right PIN (R14, R17), at the indentation of HEADER's steps.
FLOW_B_TO_PIN = """\
  - do: open_consent
  - do: agree
  - do: open_phone_auth
  - do: send_sms
  - do: confirm_sms
  - {do: enter_pin, pin: last}
"""
