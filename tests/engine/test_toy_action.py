"""docs/architecture.md's "How to add an action", done: one ActionSpec, one handler, one transition line.

A toy action ``wave`` (on the chat list; it logs the tap and sends the
official account a ``message`` webhook "👋") is registered in a fresh
interpreter before the front ends load, and then shows up everywhere the
registry reaches: ``available_actions``, ``do``, the scenario JSON Schema's
enum, a scenario file's ``do:`` step run by the runner, and the TUI's
action labels.  Nothing else is edited.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent('''
    from flowsim.engine.actions import ActionSpec, register

    def wave(fx, user, oa):                       # the handler
        fx.screen(user, "wave", oa)
        fx.queue_webhook(oa, "message", user, text="👋", message_id="1")

    register(
        ActionSpec("wave", "Wave", "R27", wave, args=("oa",), help="Wave at an official account"),
        {"trigger": "wave", "source": "chats", "dest": None},   # the transition line
    )

    # Only now the front ends load, and read the registry.
    import json
    from flowsim.engine import ACTIONS
    from flowsim.scenario import ScenarioRun, loads_scenario
    from flowsim.scenario.commands import json_schema

    schema = json.dumps(json_schema())
    assert '"wave"' in schema, "not in the schema's enum"
    scenario = loads_scenario("""
    name: wave
    start: 2026-04-01T09:00:00+09:00
    official_accounts: {shop: {name: Shop}}
    users: {hanako: {phone: "+818000001234"}}
    steps:
      - {do: wave, oa: shop}
      - expect: {webhooks: {shop: [{type: message, text: "👋"}]}, screen: chats}
    """, "wave.yaml")
    run = ScenarioRun(scenario)
    results = run.run_all()
    assert all(r.ok for r in results), [r.report() for r in results if not r.ok]
    assert "wave" in run.sim.available_actions("hanako")
    assert ACTIONS["wave"].screens == ("chats",)
    print("toy action ok")
''')


@pytest.mark.rules("R27")
def test_R27_a_toy_action_registered_in_one_place_reaches_schema_runner_and_available_actions():
    """R27-style toy action: one ActionSpec + handler + transition line, seen by the schema, runner and engine."""
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "toy action ok" in proc.stdout


def test_an_action_without_a_transition_or_twice_is_refused():
    from flowsim.engine.actions import ACTIONS, ActionSpec, registry

    with pytest.raises(ValueError, match="without a transition"):
        registry([*ACTIONS.values(), ActionSpec("dance", "Dance", "R27", lambda fx, user: None)])
    with pytest.raises(ValueError, match="twice"):
        registry([*ACTIONS.values(), ACTIONS["agree"]])
