"""Malformed input: every bad file exits 2 with file:line:col, what was expected, and no traceback.

The corpus is ``tests/scenario/malformed/`` (one problem per file); files
that are impractical to keep in git (10 MB, deep nesting) are generated in
``tmp_path``.  Each runs through ``flowsim run`` in-process (click's
CliRunner); one subprocess run over the whole corpus checks the real
entry point.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from flowsim.model.coverage import coverage as coverage_command
from flowsim.scenario.commands import run as run_command
from flowsim.scenario.commands import validate as validate_command
from flowsim.scenario.yamlsource import MAX_DEPTH
from scenario_helpers import DATA, MALFORMED

#: file → (line, column, a phrase of what was expected or found)
EXPECTED: dict[str, tuple[int, int, str]] = {
    "alias_bomb.yaml": (2, 4, "aliases repeat more than 100,000 values (an alias bomb?)"),
    "app_version_not_a_version.yaml": (6, 49, "'15.9.0²' is no version; expected dot-separated numbers"),
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
    "clock_advance_to_past_9999.yaml": (8, 17, "the clock would reach 9999-06-01T00:00:00+00:00 here"),
    "clock_created_before_year_1.yaml": (6, 45, "created would be before the year 1"),
    "clock_past_9999.yaml": (9, 14, "after the end of the simulated clock's range, 1970-01-01 to 9999-01-01"),
    "clock_start_after_9999.yaml": (2, 8, "start 9999-06-01T00:00:00+00:00 is outside"),
    "clock_start_before_1970.yaml": (2, 8, "start 1960-01-01T00:00:00+00:00 is outside"),
    "duplicate_key.yaml": (2, 1, "expected each key once"),
    "duration_of_spaces.yaml": (8, 14, "invalid duration '      "),
    "duration_past_the_calendar.yaml": (8, 14, "is longer than the calendar (more than 3,652,058 days"),
    "duration_past_the_calendar_user.yaml": (6, 45, "'-99999999999y' is longer than the calendar"),
    "empty.yaml": (1, 1, "expected a mapping with at least `name:` and `steps:`"),
    "extra_action_arg.yaml": (8, 17, "takes no arguments"),
    "flex_type_not_text.yaml": (8, 54, "messages[0].type: expected text, found a list"),
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
    "seed_of_101_digits.yaml": (7, 7, "expected a whole number of at most 100 digits"),
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


def flowsim_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The installed `flowsim` script in a subprocess, with a timeout: a hang fails instead of waiting."""
    flowsim = Path(sys.executable).with_name("flowsim")
    return subprocess.run([str(flowsim), *args], capture_output=True, text=True, timeout=60, cwd=cwd)


GOOD = (DATA / "flow_b.yaml").read_text(encoding="utf-8")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_fifo_socket_and_device_in_a_folder_are_reported_and_skipped(tmp_path: Path):
    """Never waited on: each is an invalid file at 1:1 (the reader refuses it from its metadata); the rest runs."""
    import socket

    folder = tmp_path / "d"
    folder.mkdir()
    os.mkfifo(folder / "fifo.yaml")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(folder / "sock.yaml"))
    (folder / "null.yaml").symlink_to(os.devnull)
    (folder / "good.yaml").write_text(GOOD)
    proc = flowsim_cli("run", "d", cwd=tmp_path)
    sock.close()
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    for name, kind in (("fifo", "a named pipe (FIFO)"), ("sock", "a socket"), ("null", "a character device")):
        assert f"ERROR d/{name}.yaml:1:1: {kind}, not a regular file; expected a scenario file" in proc.stdout
    assert "PASS Flow B" in proc.stdout and proc.stdout.rstrip().endswith("1 passed, 3 failed")
    direct = flowsim_cli("validate", "d/fifo.yaml", cwd=tmp_path)
    assert direct.returncode == 2 and "d/fifo.yaml:1:1: a named pipe (FIFO), not a regular file" in direct.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_catalogue_on_a_fifo_is_refused_not_waited_on(tmp_path: Path):
    os.mkfifo(tmp_path / "cat.toml")
    (tmp_path / "good.yaml").write_text(GOOD)
    proc = flowsim_cli("run", "--catalogue", "cat.toml", "good.yaml", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "cat.toml:1:1: a named pipe (FIFO), not a regular file; expected a TOML catalogue" in proc.stderr


@pytest.mark.parametrize("text, phrase", [
    pytest.param("[" + "a." * 100_000 + "b]\n", "more than 1,000 dots on one line", id="dotted-key"),
    pytest.param("a = " + "[" * 5000 + "]" * 5000 + "\n", "recursion", id="deep-arrays"),
    pytest.param("a = " + "9" * 5000 + "\n", "4300 digits", id="huge-integer"),
    pytest.param("[JP.templates]\nx = 1\n\xff", "not UTF-8", id="latin1"),
])
def test_hostile_catalogue_is_bad_input(tmp_path: Path, text, phrase):
    cat = tmp_path / "cat.toml"
    cat.write_bytes(text.encode("utf-8") if "\xff" not in text else text.encode("latin-1"))
    result = run_cli("--catalogue", str(cat), str(DATA / "flow_b.yaml"))
    assert result.exit_code == 2, result.output
    assert f"{cat}:" in result.output and phrase in result.output and "expected a TOML catalogue" in result.output


def test_unreadable_sub_folder_is_reported_and_the_rest_runs(tmp_path: Path, monkeypatch):
    """Exit 2 with the folder named, not a silent skip; os.scandir fails as for a folder of mode 000 (tests may run as root)."""
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "hidden.yaml").write_text(GOOD)
    (tmp_path / "good.yaml").write_text(GOOD)
    real = os.scandir

    def scandir(path="."):
        if os.path.basename(os.fspath(path)) == "locked":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = run_cli(str(tmp_path))
    assert result.exit_code == 2, result.output
    assert f"{tmp_path / 'locked'}: cannot read the directory (Permission denied)" in result.output
    assert "PASS Flow B" in result.output and result.output.rstrip().endswith("1 passed, 0 failed")
    for command in (validate_command, coverage_command):
        result = CliRunner().invoke(command, [str(tmp_path)])
        assert result.exit_code == 2 and "cannot read the directory (Permission denied)" in result.output


@pytest.mark.parametrize("named", ["nobody", "u{i:05d}x"], ids=["unknown", "near-miss"])
def test_thousands_of_errors_are_a_bounded_list(tmp_path: Path, named):
    """15,000 users and 10,000 steps naming a user who is not one: ten errors, then a count; each lists a few ids."""
    from flowsim.scenario.errors import MAX_REPORTED

    path = tmp_path / "many.yaml"
    users = "".join(f"  u{i:05d}: {{phone: null}}\n" for i in range(15_000))
    steps = "".join(f"  - {{do: agree, user: {named.format(i=i)}}}\n" for i in range(10_000))
    path.write_text(f"name: many\nusers:\n{users}steps:\n{steps}")
    result = run_cli(str(path))
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert len(lines) == MAX_REPORTED + 2, result.output[:3000]
    assert lines[-2].strip() == f"… and {10_000 - MAX_REPORTED:,} more problems in this file"
    assert_bad_input(lines[0], str(path), 15_004, 23, "expected one of the users: u00000, u00001")
    for line in lines[:MAX_REPORTED]:
        assert len(line) < 300 and "(15,000 in all)" in line
    if named != "nobody":
        assert "unknown user 'u00000x' (did you mean 'u00000'?)" in lines[0]
        assert "unknown user 'u00009x' (did you mean 'u00009'?)" in lines[MAX_REPORTED - 1]


def test_did_you_mean_among_many_ids_looks_at_both_ends():
    """Among more ids than POOL, the nearest in sorted order forwards and backwards: a typo at either end."""
    from flowsim.scenario.hints import POOL, did_you_mean

    ids = [f"user{i:05d}" for i in range(10 * POOL)] + ["hanako"]
    assert did_you_mean("user01234x", ids) == " (did you mean 'user01234'?)"
    assert did_you_mean("xanako", ids) == " (did you mean 'hanako'?)"
    assert did_you_mean("x" * 1000, ids) == ""


def test_a_plain_megabyte_file_is_no_alias_bomb(tmp_path: Path):
    """Only what aliases repeat is counted: 65,000 steps written out are a scenario, not a bomb."""
    path = tmp_path / "long.yaml"
    path.write_text("name: long\nstart: 2026-04-01T09:00:00+09:00\nsteps:\n" + "  - advance: 1h\n" * 65_000)
    assert path.stat().st_size > 1_000_000
    result = CliRunner().invoke(validate_command, [str(path)])
    assert result.exit_code == 0, result.output[:2000]


def test_fifty_thousand_typos_are_a_bounded_list(tmp_path: Path):
    """Pydantic's 50,000 errors are all located but only the first are worded (with their "did you mean")."""
    from flowsim.scenario.errors import MAX_REPORTED

    path = tmp_path / "typos.yaml"
    path.write_text("name: typos\nsteps:\n" + "".join(f"  - do: agre{i}\n" for i in range(50_000)))
    result = run_cli(str(path))
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert len(lines) == MAX_REPORTED + 2
    assert_bad_input(lines[0], str(path), 3, 9, "'agre0' is not allowed (did you mean 'agree'?)")
    assert "'agre9' is not allowed (did you mean 'agree'?)" in lines[MAX_REPORTED - 1]
    assert lines[-2].strip() == f"… and {50_000 - MAX_REPORTED:,} more problems in this file"


def test_hints_have_a_budget_per_file():
    from flowsim.scenario import hints

    with hints.budget(2):
        assert [hints.close_match("agre", ["agree"]) for _ in range(3)] == ["agree", "agree", None]
    assert hints.close_match("agre", ["agree"]) == "agree"


def test_an_engine_error_in_a_step_fails_that_step_at_its_line():
    """A start the loader did not see (ScenarioRun(start=...)): the engine's refusal, at the step, never "internal error"."""
    from datetime import datetime, timezone

    from flowsim.scenario import ScenarioRun, loads_scenario
    from scenario_helpers import HEADER

    scenario = loads_scenario(HEADER + "  - send: {from: shop, to: hanako, text: hi}\n  - advance: 3h\n")
    results = ScenarioRun(scenario, start=datetime(9998, 12, 31, 23, tzinfo=timezone.utc)).run_all()
    assert results[-1].line == 9 and not results[-1].ok
    assert "representable range" in results[-1].error


def test_a_world_the_engine_refuses_is_an_invalid_file_not_an_internal_error(monkeypatch):
    from flowsim.engine import InvalidValueError
    from flowsim.scenario import runner

    def refuse(*args, **kwargs):
        raise InvalidValueError("start time 9999-06-01 is outside the range")

    monkeypatch.setattr(runner, "Simulation", refuse)
    result = run_cli(str(DATA / "flow_b.yaml"))
    assert result.exit_code == 2, result.output
    assert f"{DATA / 'flow_b.yaml'}:1:1: the start cannot be set up: start time 9999-06-01" in result.output
    assert "internal error" not in result.output


@pytest.mark.parametrize("version", ["15.9.0", "1", "1.2.3.4", "999999999.0", "1.2.3.4.5", "1234567890", "15.9.0²",
                                     "١٥.٩", "15..0", "", " 15.9.0", "15.9.0\n", "x.y"])
def test_the_files_app_version_and_seed_rules_are_the_engines(version):
    """What the file accepts as it stands is what the engine accepts (flowsim/engine/arguments.py)."""
    from flowsim.engine import InvalidValueError, arguments
    from flowsim.scenario.types import SEED_LIMIT, _app_version

    def accepts(check, value):
        try:
            check(value)
            return True
        except (ValueError, InvalidValueError):
            return False

    assert accepts(_app_version, version) == accepts(arguments.app_version, version)
    for seed in (SEED_LIMIT - 1, SEED_LIMIT, -SEED_LIMIT + 1, -SEED_LIMIT):
        assert accepts(arguments.seed, seed) == (-SEED_LIMIT < seed < SEED_LIMIT)


#: What a terminal acts on rather than shows: set the title, clear the screen, bell, reorder, overwrite.
HOSTILE_TEXT = "evil\x1b]0;pwned\x07\x1b[2J\u202eabc\rdone\x9b"


def test_control_characters_from_a_file_are_escaped_on_output(tmp_path: Path):
    """The name, a chat text in a transcript, an error's quoted value and a path: all written as escapes."""
    from scenario_helpers import HEADER

    name = json.dumps(HOSTILE_TEXT)
    failing = tmp_path / "failing.yaml"
    failing.write_text(HEADER.replace("name: test", f"name: {name}") + (
        f"  - send: {{from: shop, to: hanako, text: {name}}}\n  - expect: {{line_chat: [received]}}\n"))
    invalid = tmp_path / "invalid\x1b[2J.yaml"
    invalid.write_text(HEADER + f"  - {{do: agree, user: {name}}}\n")
    for path in (failing, invalid):
        result = run_cli(str(path))
        assert result.exit_code in (1, 2)
        for raw in ("\x1b", "\x07", "\u202e", "\r", "\x9b"):
            assert raw not in result.output, repr(result.output)
    assert "evil\\x1b]0;pwned\\x07\\x1b[2J\\u202eabc\\rdone\\x9b" in run_cli(str(failing)).output
    assert "invalid\\x1b[2J.yaml" in run_cli(str(invalid)).output
    validated = CliRunner().invoke(validate_command, [str(invalid)])
    assert "\x1b" not in validated.output and "invalid\\x1b[2J.yaml" in validated.output
