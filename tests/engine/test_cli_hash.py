"""``flowsim hash NUMBER [--region JP]``: E.164 form and SHA-256 (R1), normalised
with the phone library and warning when the input was not E.164 (R3)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from flowsim.cli import main

from .helpers import sha


def _hash(*args):
    return CliRunner().invoke(main, ["hash", *args])


@pytest.mark.rules("R1", "R3")
def test_R1_R3_an_e164_number_prints_itself_and_its_hash_without_warning():
    """R1: stdout is two lines, the E.164 number and its SHA-256; R3: no warning for E.164 input."""
    result = _hash("+818000001234")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["+818000001234", sha("+818000001234")]
    assert result.stdout.splitlines()[1].startswith("d41e0ad7")
    assert result.stderr == ""


@pytest.mark.rules("R3", "R1")
@pytest.mark.parametrize("typed, region, e164", [
    ("090-1234-5678", None, "+819012345678"),
    ("09012345678", "JP", "+819012345678"),
    ("+81-90-1234-5678", None, "+819012345678"),
    ("081-234-5678", "TH", "+66812345678"),
    ("0912 345 678", "TW", "+886912345678"),
])
def test_R3_R1_a_non_e164_number_is_normalised_and_warned_about(typed, region, e164):
    """R3: normalised in the region (default JP), and a warning on stderr that the typed form would not match."""
    result = _hash(typed, *(["--region", region] if region else []))
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [e164, sha(e164)]
    assert "warning" in result.stderr and "not in E.164 form" in result.stderr
    assert repr(typed) in result.stderr and repr(e164) in result.stderr
    assert sha(typed)[:12] in result.stderr  # what hashing the typed form would give


@pytest.mark.rules("R3")
@pytest.mark.parametrize("typed", ["abc", "12", "+999123456789", "+81901234567890123"])
def test_R3_an_unparsable_number_is_an_error_naming_the_input(typed):
    """R3: exit status 2, an error naming the input on stderr, nothing on stdout."""
    result = _hash(typed)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"invalid phone number {typed!r}" in result.stderr


@pytest.mark.rules("R3")
def test_R3_the_region_option_is_documented_with_its_default():
    """R3: ``--help`` shows the --region option and its JP default."""
    result = _hash("--help")
    assert result.exit_code == 0
    help_text = " ".join(result.stdout.split())  # click wraps lines to the terminal width
    assert "--region" in help_text and "[default: JP]" in help_text


@pytest.mark.rules("R1", "R3")
def test_R1_R3_the_command_runs_as_a_program():
    """R1/R3: the real entry point (a subprocess) prints the same two lines and the warning."""
    done = subprocess.run([sys.executable, "-m", "flowsim.cli", "hash", "080-0000-1234"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0
    assert done.stdout.splitlines() == ["+818000001234", sha("+818000001234")]
    assert "not in E.164 form" in done.stderr


@pytest.mark.rules("R3")
@pytest.mark.parametrize("args", [[b"\xff"], [b"090-1234-5678\xff"], [b"--region", b"\xff", b"09012345678"],
                                  [b"--region", b"J\x1b[2J", b"09012345678"]],
                         ids=["not-utf8", "not-utf8-tail", "region-not-utf8", "region-escape"])
def test_R3_an_argument_that_is_not_text_is_an_error_not_a_traceback(args):
    """Bytes that are not UTF-8 (argv as the shell gives it) or escape sequences: exit 2, a message, escaped."""
    done = subprocess.run([sys.executable, "-m", "flowsim.cli", "hash", *args],
                          capture_output=True, timeout=60, check=False)
    assert done.returncode == 2, done.stderr
    assert b"Traceback" not in done.stderr and done.stderr.startswith(b"flowsim hash: ")
    assert b"\x1b" not in done.stderr and b"\xff" not in done.stderr
