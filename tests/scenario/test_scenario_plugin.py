"""The pytest plugin: scenario files as test items (-k, -x, --junitxml, xdist -n 2).

Each test runs pytest in a subprocess on a small project in ``tmp_path``, so
the plugin is loaded the way users get it: through the ``pytest11`` entry
point.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from scenario_helpers import HEADER

GOOD = HEADER.replace("name: test", "name: NAME") + "  - advance: 1h\n  - expect: {pending: 0}\n"
BAD = HEADER.replace("name: test", "name: NAME") + (
    "  - send: {from: shop, to: hanako, text: hi}\n  - expect: {line_chat: [received]}\n")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    sc = tmp_path / "scenarios"
    (sc / "flow_a").mkdir(parents=True)
    (sc / "flow_a" / "good_one.yaml").write_text(GOOD.replace("NAME", "first good one"))
    (sc / "good_two.yml").write_text(GOOD.replace("NAME", "second good one"))
    (sc / "bad.yaml").write_text(BAD.replace("NAME", "the bad one"))
    (sc / "broken.yaml").write_text("name: broken\nsteps: [{do: agre}]\n")
    (tmp_path / "config.yaml").write_text("not: a scenario\n")  # must not be collected
    (tmp_path / "test_plain.py").write_text("def test_plain():\n    pass\n")
    return tmp_path


def pytest_run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
                          cwd=project, capture_output=True, text=True, timeout=120)


def test_collects_only_scenarios_dirs(project):
    proc = pytest_run(project, "--collect-only")
    ids = [line for line in proc.stdout.splitlines() if "::" in line]
    assert sorted(ids) == sorted([
        "scenarios/bad.yaml::the bad one",
        "scenarios/broken.yaml::broken.yaml",
        "scenarios/flow_a/good_one.yaml::first good one",
        "scenarios/good_two.yml::second good one",
        "test_plain.py::test_plain",
    ]), proc.stdout


def test_results_and_failure_rendering(project):
    proc = pytest_run(project)
    out = proc.stdout
    assert proc.returncode == 1
    assert "2 failed, 3 passed" in out
    assert "step 2 (line 9): expect (hanako)" in out and "actual:   [received, setup]" in out
    assert "broken.yaml:2:14: steps[0].do: 'agre' is not allowed (did you mean 'agree'?)" in out
    assert "Traceback" not in out and "runner.py" not in out


def test_keyword_selection(project):
    proc = pytest_run(project, "-k", "good")
    assert proc.returncode == 0 and "2 passed, 3 deselected" in proc.stdout, proc.stdout


def test_exitfirst(project):
    proc = pytest_run(project, "-x", "scenarios")
    assert proc.returncode == 1 and "1 failed" in proc.stdout and "passed" not in proc.stdout.split("1 failed")[1]


def test_explicit_file_outside_scenarios(project, tmp_path):
    elsewhere = project / "qa"
    elsewhere.mkdir()
    (elsewhere / "one.yaml").write_text(GOOD.replace("NAME", "explicit one"))
    proc = pytest_run(project, "qa/one.yaml")
    assert proc.returncode == 0 and "1 passed" in proc.stdout, proc.stdout
    assert "explicit one" in pytest_run(project, "--collect-only", "qa/one.yaml").stdout
    assert "explicit one" not in pytest_run(project, "--collect-only", "qa").stdout


def test_junitxml(project):
    proc = pytest_run(project, "--junitxml", "report.xml", "scenarios")
    assert proc.returncode == 1
    root = ET.parse(project / "report.xml").getroot()
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {"first good one", "second good one", "the bad one", "broken.yaml"}
    assert cases["the bad one"].find("failure") is not None
    assert "expected: [received]" in cases["the bad one"].find("failure").text


def test_xdist(project):
    proc = pytest_run(project, "-n", "2", "scenarios")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "2 failed, 2 passed" in proc.stdout
    assert "actual:   [received, setup]" in proc.stdout
