"""Measured coverage (issue 14): rules exercised from the engine's log, beside the claims of `covers:`."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from flowsim.cli import main
from flowsim.model.coverage import covers_of, exercised_rules, measure, ordered
from flowsim.scenario import ScenarioRun, load_scenario, loads_scenario

ROOT = Path(__file__).resolve().parents[2]

WORLD = """\
name: {name}
covers: [{covers}]
start: 2026-04-01T09:00:00+09:00
seed: 3
official_accounts:
  shop: {{name: Example Shop}}
users:
  hanako: {{phone: "+818000001234", created: -10d}}
steps:
"""

FLOW_A = """\
  - send: {from: shop, to: hanako, text: Hello}
    as: hello
  - do: open_consent
  - do: agree
  - expect: {message: {hello: delivered}}
"""


def write(tmp_path: Path, name: str, steps: str, covers: str = "") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(WORLD.format(name=name, covers=covers) + textwrap.dedent(steps))
    return path


def run_text(text: str) -> ScenarioRun:
    run = ScenarioRun(loads_scenario(text, "<t>"))
    assert all(r.ok for r in run.run_all())
    return run


@pytest.mark.rules("R13", "R16", "R25", "R26")
def test_a_flow_a_run_exercises_what_its_log_shows():
    run = run_text(WORLD.format(name="a", covers="") + FLOW_A)
    got = covers_of(run)
    for rule in ("R1", "R11", "R13", "R16", "R24", "R25", "R26", "I1", "I2", "I3", "I4"):
        assert rule in got, rule
    for rule in ("R2", "R6", "R9", "R14", "R18", "R19", "R22", "R27"):
        assert rule not in got, rule
    assert got == ordered(got)  # R1 … R30, then I1 … I5


@pytest.mark.rules("R18", "R19", "R22", "R27")
def test_the_issue_example_exercises_R18_R19_R22_and_not_R25():
    """The saved exploration of issue 14: it claimed R25 and never saw a webhook; it did R18, R19, R22."""
    steps = """\
      - send: {from: shop, to: hanako, text: Hello}
      - do: settings_change_number
      - {do: enter_number, number: "+818011112222"}
      - {do: enter_pin, pin: "000000"}
      - do: cancel
      - advance: 25h
    """
    run = run_text(WORLD.format(name="x", covers="R25") + textwrap.dedent(steps))
    got = set(covers_of(run))
    assert {"R18", "R19", "R22", "R23"} <= got
    assert "R25" not in got


def test_a_400_cites_its_content_rule():
    steps = """\
      - send: {from: shop, to: hanako, messages: [{type: image}]}
      - send: {from: shop, to: hanako, text: Hi, tag: short}
      - send: {from: shop, to: "ABCDEF0123456789ABCDEF0123456789", text: Hi}
    """
    run = run_text(WORLD.format(name="x", covers="") + textwrap.dedent(steps))
    got = exercised_rules(run.sim.log)
    assert {"R1", "R28", "R30"} <= got  # the malformed `to` is R1's 400
    assert "R12" not in got and "R16" not in got


def test_expect_steps_that_check_an_absence_exercise_its_rule():
    steps = """\
      - expect: {sent_count: {shop: {flexible: 0}}, webhooks: {shop: []}, line_chat: [], sms_required: false}
    """
    scenario = loads_scenario(WORLD.format(name="x", covers="") + textwrap.dedent(steps), "<t>")
    assert {"R11", "R16", "R25", "R26"} <= measure(scenario).exercised


def test_coverage_command_claimed_beside_exercised(tmp_path):
    write(tmp_path, "flow_a", FLOW_A, covers="R13, R22")
    result = CliRunner().invoke(main, ["coverage", str(tmp_path)])
    lines = {line.split()[0]: line for line in result.output.splitlines() if line[:1] in "RI" and line[1:2].isdigit()}
    assert lines["R13"].split()[-2:] == ["1", str(tmp_path / "flow_a.yaml")] or "flow_a.yaml" in lines["R13"]
    assert "UNEXERCISED" in lines["R22"] and "UNEXERCISED" not in lines["R13"]
    assert f"warning: {tmp_path / 'flow_a.yaml'}: covers R22 but no step exercised it" in result.output
    assert "note: 1 file exercised rules it does not claim in covers: (--verbose lists them)" in result.output
    verbose = CliRunner().invoke(main, ["coverage", "--verbose", str(tmp_path)])
    assert "exercised but not claimed: R1, R11, R16" in verbose.output
    assert "exercised but not claimed" not in result.output
    assert result.exit_code == verbose.exit_code == 1  # most rules are exercised by no file
    strict = CliRunner().invoke(main, ["coverage", "--strict", str(tmp_path)])
    assert "error: " in strict.output and strict.exit_code == 1


def test_coverage_bad_input_is_exit_2_naming_the_file(tmp_path):
    (tmp_path / "bad.yaml").write_text("name: x\nsteps:\n  - {do: agre}\n")
    result = CliRunner().invoke(main, ["coverage", str(tmp_path)])
    assert result.exit_code == 2 and "bad.yaml:3" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(main, ["coverage", str(tmp_path / "missing")])
    assert result.exit_code == 2


def test_every_shipped_scenario_claims_only_what_it_exercises():
    """The corpus's `covers:` are true (`flowsim coverage --strict scenarios` passes), and every rule is exercised."""
    result = CliRunner().invoke(main, ["coverage", "--strict", str(ROOT / "scenarios")])
    assert result.exit_code == 0, result.output
    assert "30/30 rules exercised" in result.output and "not exercised" not in result.output


def test_run_does_not_import_the_model_tools():
    import subprocess
    import sys

    code = ("import sys\nfrom flowsim.cli import main\ntry:\n"
            f"    main(['run', {str(ROOT / 'scenarios' / 'flow_a')!r}])\nexcept SystemExit:\n    pass\n"
            "assert not [m for m in sys.modules if m.startswith('flowsim.model')], 'model imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
