"""Malformed input: every bad file exits 2 with file:line:col, what was expected, and no traceback.

The corpus is ``tests/scenario/malformed/`` (one problem per file); files
that are impractical to keep in git (10 MB, deep nesting) are generated in
``tmp_path``.  Each runs through ``flowsim run`` in-process (click's
CliRunner); one subprocess run over the whole corpus checks the real
entry point.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from flowsim.scenario.commands import run as run_command
from flowsim.scenario.yamlsource import MAX_DEPTH
from scenario_helpers import MALFORMED

#: file → (line, column, a phrase of what was expected or found)
EXPECTED: dict[str, tuple[int, int, str]] = {
    "alias_bomb.yaml": (2, 8, "alias bomb"),
    "bad_duration.yaml": (8, 14, "unit(s) y d h m s"),
    "bad_duration_user.yaml": (6, 45, "unit(s) y d h m s"),
    "bad_enum_consent.yaml": (6, 45, "expected one of: not_set, agreed, rejected"),
    "bad_enum_screen.yaml": (8, 22, "expected one of: chats, consent"),
    "bad_indent.yaml": (4, 4, "expected well-formed YAML"),
    "bad_phone.yaml": (6, 19, "expected a phone number"),
    "bad_phone_to.yaml": (8, 28, "expected a user id, a phone number or a 64-hex hash"),
    "bad_rule_id.yaml": (2, 10, "did you mean 'R9'?"),
    "binary_junk.yaml": (3, 1, "expected a UTF-8 YAML text file"),
    "boolean_as_text.yaml": (8, 31, "put it in quotes"),
    "duplicate_key.yaml": (2, 1, "expected each key once"),
    "duration_of_spaces.yaml": (8, 14, "invalid duration '      "),
    "duration_past_the_calendar.yaml": (8, 14, "is longer than the calendar (more than 3,652,058 days"),
    "duration_past_the_calendar_user.yaml": (6, 45, "'-99999999999y' is longer than the calendar"),
    "empty.yaml": (1, 1, "expected a mapping with at least `name:` and `steps:`"),
    "extra_action_arg.yaml": (8, 17, "takes no arguments"),
    "hex_without_digits.yaml": (7, 7, "'0x_' is not a whole number"),
    "integer_of_5000_digits.yaml": (7, 7, "an integer of 5,000 characters; expected at most 1,000 digits"),
    "latin1.yaml": (1, 10, "expected a UTF-8 YAML text file"),
    "missing_action_arg.yaml": (8, 10, "needs `pin:`"),
    "missing_name.yaml": (1, 1, "missing required key 'name'"),
    "mutually_exclusive.yaml": (8, 46, "mutually exclusive; expected exactly one of text, messages, template"),
    "naive_time.yaml": (8, 17, "no UTC offset"),
    "no_step_kind.yaml": (8, 5, "expected exactly one of send, do, advance, advance_to, expect"),
    "no_steps.yaml": (2, 8, "expected at least 1 item"),
    "only_comment.yaml": (1, 1, "empty file"),
    "python_tag.yaml": (9, 4, "unsupported tag"),
    "recursive_alias.yaml": (1, 7, "recursive alias"),
    "send_without_content.yaml": (8, 5, "expected one of text, messages, template"),
    "tag_bool_not_a_boolean.yaml": (9, 28, "'maybe' is not a boolean (YAML !!bool); expected true or false"),
    "tag_float_not_a_number.yaml": (7, 7, "'abc' is not a number (YAML !!float)"),
    "tag_int_empty.yaml": (7, 7, "'' is not a whole number (YAML !!int)"),
    "tag_int_not_a_number.yaml": (7, 7, "'twelve' is not a whole number (YAML !!int)"),
    "top_list.yaml": (1, 1, "expected a mapping at the top level"),
    "top_scalar.yaml": (1, 1, "expected a mapping at the top level"),
    "two_documents.yaml": (4, 1, "single document"),
    "two_step_kinds.yaml": (8, 5, "both `do` and `advance`"),
    "typo_expect_key.yaml": (8, 14, "did you mean 'screen'?"),
    "typo_top_key.yaml": (1, 1, "did you mean 'name'?"),
    "typo_user_key.yaml": (6, 12, "did you mean 'phone'?"),
    "unclosed_flow.yaml": (2, 6, "expected well-formed YAML"),
    "unknown_action.yaml": (8, 9, "did you mean 'agree'?"),
    "unknown_message_name.yaml": (10, 24, "did you mean 'parcel'?"),
    "unknown_oa.yaml": (8, 18, "did you mean 'shop'?"),
    "unknown_user.yaml": (8, 23, "did you mean 'hanako'?"),
    "unterminated_quote.yaml": (3, 1, "it starts at line 1, column 7"),
    "wrong_type_int.yaml": (8, 23, "expected a whole number"),
    "wrong_type_list.yaml": (8, 25, "expected a list"),
    "wrong_type_seed.yaml": (7, 7, "expected a whole number"),
}


def test_corpus_is_complete():
    files = sorted(p.name for p in MALFORMED.iterdir())
    assert len(files) >= 25
    assert files == sorted(EXPECTED)


def run_cli(*args: str):
    return CliRunner().invoke(run_command, list(args), catch_exceptions=False)


def assert_bad_input(output: str, path: str, line: int, col: int, phrase: str) -> None:
    assert f"{path}:{line}:{col}: " in output, output
    assert phrase in output, output
    assert "expected" in output, output
    assert "Traceback" not in output, output


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_file_exits_2(name):
    line, col, phrase = EXPECTED[name]
    path = str(MALFORMED / name)
    result = run_cli(path)
    assert result.exit_code == 2, result.output
    assert_bad_input(result.output, path, line, col, phrase)
    assert result.output.rstrip().endswith("0 passed, 1 failed")


def test_ten_megabyte_file(tmp_path: Path):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as fh:
        fh.write(b"name: huge\nsteps:\n")
        fh.write(b"  - advance: 1h\n" * (10 * 1024 * 1024 // 16))
    result = run_cli(str(path))
    assert result.exit_code == 2
    assert_bad_input(result.output, str(path), 1, 1, "expected a scenario file of at most 1 MiB")


@pytest.mark.parametrize("nesting", [
    pytest.param(lambda n: "[" * n + "]" * n, id="flow"),
    pytest.param(lambda n: "\n  " + "- " * n + "x", id="block"),
])
@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 5000], ids=["just-over", "far-over"])
def test_deep_nesting(tmp_path: Path, nesting, levels):
    """flowsim's own depth message, below PyYAML's limit and above it (whatever that limit and its words are)."""
    path = tmp_path / "deep.yaml"
    path.write_text("name: deep\nsteps: " + nesting(levels) + "\n")
    result = run_cli(str(path))
    assert result.exit_code == 2
    assert f"expected at most {MAX_DEPTH} levels" in result.output and "Traceback" not in result.output
    assert f"{path}:" in result.output


def test_unreadable_path(tmp_path: Path):
    result = run_cli(str(tmp_path / "missing.yaml"))
    assert result.exit_code == 2 and "no such file or directory" in result.output


def test_whole_corpus_through_the_real_entry_point():
    """One subprocess: the installed `flowsim` script, every malformed file, no traceback."""
    flowsim = Path(sys.executable).with_name("flowsim")
    proc = subprocess.run([str(flowsim), "run", str(MALFORMED)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    for name, (line, col, _) in EXPECTED.items():
        assert f"{MALFORMED / name}:{line}:{col}: " in proc.stdout
    assert proc.stdout.rstrip().endswith(f"0 passed, {len(EXPECTED)} failed")


def test_several_problems_in_one_file_are_all_reported(write):
    path = write("""\
      - send: {from: shopp, to: hanak, text: hi}
      - {do: agree, user: hanak}
    """, header=True)
    result = run_cli(str(path))
    assert result.exit_code == 2
    for where in (":8:16: ", ":8:27: ", ":9:21: "):
        assert where in result.output, result.output
