"""`flowsim explore` and `flowsim generate` (issue 14) on a small world; a broken engine is caught."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import flowsim.engine.decide as decide
from flowsim.cli import main
from flowsim.model.explore import explore, load_world
from flowsim.model.generate import generate_suite, scenario_for_path
from flowsim.model.invariants import InvariantViolation, Record, check_all
from flowsim.scenario import ScenarioRun, loads_scenario
from flowsim.scenario.commands import run_paths

WORLD = """\
name: one user, one shop
start: 2026-04-01T09:00:00+09:00
seed: 5
official_accounts:
  shop: {name: Example Shop}
users:
  hanako: {phone: "+819022220001", created: -10d}
steps:
  - expect: {sent_count: {shop: {flexible: 0}}}
"""
DEPTH, STATES = 5, 120


@pytest.fixture(scope="module")
def world_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("world") / "world.yaml"
    path.write_text(WORLD)
    return path


@pytest.fixture(scope="module")
def result(world_file):
    return explore(load_world(str(world_file)), depth=DEPTH, max_states=STATES)


def test_explore_finds_states_edges_and_rules_and_no_violation(result):
    assert not result.violations
    assert len(result.states) == STATES or result.depth == DEPTH
    assert len(result.edges) > len(result.states)
    for rule in ("R2", "R6", "R12", "R13", "R16", "R17", "R18", "R19", "R21", "R22", "R25", "R27", "R28", "R30"):
        assert rule in result.rules, rule
    assert {"chats", "consent", "phone_auth", "sms_confirm", "pin_entry", "number_entry"} <= result.screens
    assert "agree_privacy_policy" not in result.enabled  # the user has agreed to it: never offered
    assert len({state for state in result.states}) == len(result.states)  # canonical: each state once


def test_explore_command_reports(world_file):
    out = CliRunner().invoke(main, ["explore", str(world_file), "--depth", "3"])
    assert out.exit_code == 0, out.output
    assert " states, " in out.output and "invariants I1-I5: no violation" in out.output
    never = next(line for line in out.output.splitlines() if line.startswith("actions never enabled: "))
    assert "agree_privacy_policy" in never
    assert "screens never reached:" in out.output and "rules reached (" in out.output


def test_bad_world_is_exit_2_naming_the_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(WORLD.replace("  - expect: {sent_count: {shop: {flexible: 0}}}", "  - {do: agre}"))
    for command in (["explore", str(bad)], ["generate", str(bad), "--out", str(tmp_path / "o")],
                    ["graph", "--explored", str(bad)]):
        out = CliRunner().invoke(main, command)
        assert out.exit_code == 2 and f"{bad}:9:" in out.output and "Traceback" not in out.output, out.output
    failing = tmp_path / "failing.yaml"
    failing.write_text(WORLD.replace("flexible: 0", "flexible: 3"))
    out = CliRunner().invoke(main, ["explore", str(failing)])
    assert out.exit_code == 2 and f"{failing}:9: the world's own step fails" in out.output


@pytest.mark.rules("I1", "I5", "R6")
def test_a_broken_engine_is_caught_and_the_path_is_a_runnable_scenario(world_file, monkeypatch):
    """R6 broken (a block is ignored on arrival): explore finds I1 violated on the shortest path, block then send."""
    real = decide.discard_verdict

    def ignore_blocks(user, oa_id):
        verdict = real(user, oa_id)
        return None if verdict is not None and verdict.rule == "R6" else verdict

    monkeypatch.setattr(decide, "discard_verdict", ignore_blocks)
    world = load_world(str(world_file))
    found = explore(world, depth=4, max_states=200, stop_at_violation=True)
    assert found.violations
    violation = found.violations[0]
    assert violation.invariant in ("I1", "I5")
    labels = [s.label for s in violation.path]
    assert "hanako: block oa=shop" in labels and labels[-1].startswith("shop → hanako")
    text = scenario_for_path(world, violation.path, name="I1 violated", expects=False)
    scenario = loads_scenario(text, "violation.yaml")  # a valid file
    run = ScenarioRun(scenario)
    record = Record()
    record.listen(run.sim)
    assert all(r.ok for r in run.run_all())
    with pytest.raises(InvariantViolation):  # running it reproduces the violation
        check_all(run.sim, record)
    out = CliRunner().invoke(main, ["explore", str(world_file), "--depth", "3"])
    assert out.exit_code == 1 and "shortest: I" in out.output and "do: block" in out.output


@pytest.fixture(scope="module")
def suite(world_file, tmp_path_factory):
    return generate_suite(load_world(str(world_file)), str(tmp_path_factory.mktemp("suite")), seed=3,
                          depth=DEPTH, max_states=STATES)


def test_the_generated_suite_covers_every_edge_and_passes(suite):
    result = suite.result
    assert suite.files and len(suite.files) < len(result.edges)
    lines = []
    assert run_paths([str(Path(suite.files[0]).parent)], echo=lines.append) == 0, "\n".join(lines[-20:])
    assert result.rules <= {r for f in suite.files for r in loads_scenario(Path(f).read_text(), f).covers} | {
        "I1", "I2", "I3", "I4", "I5"}
    text = Path(suite.files[0]).read_text()
    assert "covers:" in text and "expect:" in text and "generated" in text


def test_generate_is_reproducible_with_a_seed(suite):
    from flowsim.model.generate import target_paths

    walks = target_paths(suite.result, "edges", seed=3)
    assert [[s.label for s in w] for w in walks] == [[s.label for s in w] for w in target_paths(suite.result, "edges", 3)]
    assert len(walks) == len(suite.files)
    assert f"--seed 3" in Path(suite.files[0]).read_text()


MUTANTS = {
    "R6: a block is ignored on arrival": lambda mp: mp.setattr(
        decide, "discard_verdict", lambda u, oa, real=decide.discard_verdict: (
            None if (v := real(u, oa)) is not None and v.rule == "R6" else v)),
    "R22: messages expire after 12 hours": lambda mp: mp.setattr(
        "flowsim.engine.decisions.PENDING_WINDOW", __import__("datetime").timedelta(hours=12)),
    "R11: SMS exemptions last 90 days": lambda mp: mp.setattr(
        "flowsim.engine.decisions.SMS_VALIDITY", __import__("datetime").timedelta(days=90)),
    "R25: no delivery webhook": lambda mp: mp.setattr(
        "flowsim.engine.effects.Effects.queue_webhook",
        lambda self, oa, kind, user=None, real=__import__("flowsim.engine.effects", fromlist=["Effects"]).Effects.
        queue_webhook, **f: None if kind == "delivery" else real(self, oa, kind, user, **f)),
    "R18: a wrong PIN is accepted": lambda mp: mp.setattr(
        "flowsim.engine.models.User.pin_ok", lambda self, pin=None, **_: self.pin_challenge is not None),
}


@pytest.mark.parametrize("mutant", list(MUTANTS))
def test_the_generated_suite_fails_on_a_broken_rule(suite, monkeypatch, mutant):
    MUTANTS[mutant](monkeypatch)
    lines: list[str] = []
    assert run_paths([str(Path(suite.files[0]).parent)], echo=lines.append) == 1, mutant
    assert any(line.startswith("FAIL ") for line in lines)
