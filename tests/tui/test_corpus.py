"""The TUI's pass/fail for every shipped scenario equals ``flowsim run``'s.

The corpus under ``scenarios/`` grows while the project is built: the test
iterates whatever files are there.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from flowsim.cli import main
from flowsim.tui.app import FlowsimApp
from flowsim.tui.session import find_scenarios
from flowsim.tui.widgets.library import Library

from .conftest import FAILING, SCENARIOS

FILES = find_scenarios(SCENARIOS)
#: The corpus in four slices, one app each, so that pytest-xdist can spread them.
SLICES = 4


def cli_verdict(path) -> str:
    result = CliRunner().invoke(main, ["run", str(path)])
    return {0: "pass", 1: "fail"}.get(result.exit_code, "error")


async def tui_verdicts(root, wanted) -> dict:
    """Open each wanted file from the library, run all, read the verdict the library shows."""
    app = FlowsimApp(root)
    verdicts = {}
    async with app.run_test(size=(120, 40)) as pilot:
        library = app.query_one(Library)
        for index, path in enumerate(app.files):
            if path not in wanted:
                continue
            library.highlighted = index
            library.focus()
            await pilot.press("enter")  # open it from the library
            await pilot.pause()
            if app.current_path != path:  # could not be opened (invalid file)
                verdicts[path] = "error"
                continue
            app.query_one("#steps").focus()
            await pilot.press("r")  # run all
            await pilot.pause()
            verdicts[path] = app.session.status()
            assert library.status[path] == verdicts[path]
    return verdicts


@pytest.mark.skipif(not FILES, reason="no scenario files shipped yet")
@pytest.mark.parametrize("part", range(SLICES), ids=lambda part: f"slice{part + 1}of{SLICES}")
async def test_tui_verdicts_equal_flowsim_run(part):
    wanted = FILES[part::SLICES]
    verdicts = await tui_verdicts(SCENARIOS, wanted)
    assert verdicts == {path: cli_verdict(path) for path in wanted}


async def test_a_failing_file_fails_in_both():
    wanted = find_scenarios(FAILING)
    verdicts = await tui_verdicts(FAILING, wanted)
    assert verdicts == {path: cli_verdict(path) for path in wanted} == {path: "fail" for path in wanted}
