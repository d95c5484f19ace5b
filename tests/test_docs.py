"""The guides' code runs as written (docs/engine.md, the package docstring)."""

import contextlib
import io
import re
from pathlib import Path

import flowsim

ROOT = Path(__file__).resolve().parent.parent


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_engine_guide_flow_b_example_runs_and_delivers():
    """docs/engine.md's Flow B example (R14) runs and prints what its comments say."""
    (block,) = _python_blocks((ROOT / "docs" / "engine.md").read_text())
    assert len([line for line in block.splitlines() if line.strip()]) <= 14
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "docs/engine.md", "exec"), {})
    lines = out.getvalue().splitlines()
    assert lines[0] == "['received', 'setup']"
    assert lines[1].startswith("m1 delivered for hanako: R14")
    assert "'data': '" in lines[2]


def test_package_docstring_example_runs():
    example = flowsim.__doc__.split("::", 1)[1].split("See ``docs", 1)[0]
    code = "\n".join(line[4:] for line in example.splitlines())
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "flowsim/__init__.py", "exec"), {})
    assert "m1 delivered for hanako: R14" in out.getvalue()


def test_scenario_guide_example_passes():
    """docs/scenarios.md's first YAML example (Flow B, R14 and R17) loads and passes."""
    from flowsim.scenario import ScenarioRun, loads_scenario

    text = (ROOT / "docs" / "scenarios.md").read_text()
    block = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)[0]
    run = ScenarioRun(loads_scenario(block, "docs/scenarios.md"))
    results = run.run_all()
    assert run.done and len(results) == 10
    assert all(r.ok for r in results), "\n".join(r.report() for r in results if not r.ok)
