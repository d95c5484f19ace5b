"""Explore, save, and run the saved file with the scenario runner: it passes unchanged."""

from __future__ import annotations

from click.testing import CliRunner

from flowsim.cli import main
from flowsim.scenario import ScenarioRun, load_scenario
from flowsim.tui.app import FlowsimApp
from flowsim.tui.session import find_scenarios

from .conftest import SCENARIOS, click


async def test_explore_save_run_default_world(empty_dir, tmp_path):
    target = tmp_path / "saved" / "explored.yaml"
    (tmp_path / "saved").mkdir()
    app = FlowsimApp(empty_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n", "n")  # two of the three file steps
        await click(pilot, ".set-consent")  # hanako, Flow B
        await click(pilot, "#btn-agree")
        await click(pilot, ".set-phone_auth")
        await click(pilot, "#btn-send_sms")
        await click(pilot, "#btn-confirm_sms")
        await click(pilot, "#pin-input")
        await pilot.press(*app.session.sim.last_pin("hanako"), "enter")
        await pilot.pause()
        await pilot.press("h")  # clock +1h
        # an official account sends from the form
        await pilot.press("s")
        await pilot.pause()
        app.screen.query_one("#send-to").value = "ken"
        app.screen.query_one("#send-tag").value = "order-0001-shipped-ok"
        await click(pilot, "#send-ok")
        assert app.session.explored[-1]["send"]["to"] == "ken"
        await pilot.press("ctrl+s")
        await pilot.pause()
        app.screen.query_one("#prompt-input").value = str(target)
        await pilot.press("enter")
        await pilot.pause()
    assert target.exists()
    run = ScenarioRun(load_scenario(target))
    results = run.run_all()
    assert all(r.ok for r in results), "\n".join(r.report() for r in results if not r.ok)
    kinds = [r.kind for r in results]
    assert kinds.count("expect") == 4 and "do" in kinds and "advance" in kinds
    cli = CliRunner().invoke(main, ["run", str(target)])
    assert cli.exit_code == 0, cli.output


async def test_explore_from_a_shipped_scenario(tmp_path):
    files = find_scenarios(SCENARIOS)
    if not files:
        return
    app = FlowsimApp(files[0])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "n", "d")  # two file steps, then +1d explored
        app.session.save(tmp_path / "x.yaml")
    results = ScenarioRun(load_scenario(tmp_path / "x.yaml")).run_all()
    assert all(r.ok for r in results), "\n".join(r.report() for r in results if not r.ok)
