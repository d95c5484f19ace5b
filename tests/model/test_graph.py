"""`flowsim graph` (issue 14): the machines' declarations as Mermaid and DOT; docs/machines.md is current."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from flowsim.cli import main
from flowsim.engine import ACTIONS, CONSENT_TRANSITIONS, MESSAGE_TRANSITIONS, SCREEN_TRANSITIONS, RULES
from flowsim.model.graph import CONSENT_CAUSES, MESSAGE_RULES, docs_with_diagrams, machines

DOCS = Path(__file__).resolve().parents[2] / "docs" / "machines.md"


def _sources(t):
    return t["source"] if isinstance(t["source"], list) else [t["source"]]


def test_docs_machines_md_shows_the_machines_as_declared():
    text = DOCS.read_text(encoding="utf-8")
    assert text == docs_with_diagrams(text), "docs/machines.md is stale: python -m flowsim.model.graph --write-docs"
    assert text.count("```mermaid") == 3


def test_every_declared_transition_is_an_edge_with_its_action_and_rule():
    found = machines()
    for name, declared in (("consent", CONSENT_TRANSITIONS), ("message", MESSAGE_TRANSITIONS),
                           ("screen", SCREEN_TRANSITIONS)):
        edges = {(e.source, e.dest, e.trigger) for e in found[name].edges}
        want = {(s, t["dest"] or s, t["trigger"]) for t in declared for s in _sources(t)}
        assert edges == want, name
    for e in found["screen"].edges:
        spec = ACTIONS[e.trigger]
        assert spec.label in e.label and spec.name in e.label and spec.rule in e.label
    assert set(CONSENT_CAUSES) == {t["trigger"] for t in CONSENT_TRANSITIONS}
    assert set(MESSAGE_RULES) == {t["trigger"] for t in MESSAGE_TRANSITIONS}
    assert all(r in RULES for rules in MESSAGE_RULES.values() for r in rules)


def test_graph_command_mermaid_and_dot():
    out = CliRunner().invoke(main, ["graph"]).output
    assert out.count("stateDiagram-v2") == 3
    assert "chats --> consent: Set (open_consent, R13) [has_setup_message]" in out
    assert "pending --> expired: expire (R22)" in out
    dot = CliRunner().invoke(main, ["graph", "--format", "dot", "--machine", "screen"]).output
    assert dot.startswith("digraph screen {") and dot.rstrip().endswith("}")
    assert '"sms_confirm" -> "pin_entry" [label="OK (confirm_sms, R17) [has_number]"];' in dot


def test_graph_explored_draws_the_product_graph(tmp_path):
    world = tmp_path / "w.yaml"
    world.write_text("name: w\nstart: 2026-04-01T09:00:00+09:00\nofficial_accounts: {shop: {}}\n"
                     "users: {hanako: {phone: \"+819022220001\", created: -10d}}\n"
                     "steps:\n  - expect: {pending: 0}\n")
    out = CliRunner().invoke(main, ["graph", "--explored", str(world), "--depth", "2"])
    assert out.exit_code == 0, out.output
    assert out.output.startswith("stateDiagram-v2") and "s0 --> s1: " in out.output
    assert "hanako not_set chats" in out.output
    dot = CliRunner().invoke(main, ["graph", "--explored", str(world), "--depth", "1", "--format", "dot"]).output
    assert dot.startswith("digraph explored {") and "s0 -> s" in dot
