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

from scenario_helpers import HEADER, MALFORMED

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


def test_no_bad_input_stops_the_session(project):
    """The whole malformed corpus, a FIFO and a folder that cannot be read: each a failing item, the rest runs."""
    import os
    import shutil

    shutil.copytree(MALFORMED, project / "scenarios" / "malformed")
    (project / "scenarios" / "locked").mkdir()
    (project / "scenarios" / "locked" / "hidden.yaml").write_text(GOOD.replace("NAME", "never seen"))
    (project / "conftest.py").write_text(  # as for a folder of mode 000 (the tests may run as root)
        "import os\n_scandir = os.scandir\n"
        "def scandir(path='.'):\n"
        "    if not isinstance(path, int) and os.path.basename(os.fspath(path)) == 'locked':\n"
        "        raise PermissionError(13, 'Permission denied', os.fspath(path))\n"
        "    return _scandir(path)\n"
        "os.scandir = scandir\n")
    if hasattr(os, "mkfifo"):
        os.mkfifo(project / "scenarios" / "fifo.yaml")
    proc = pytest_run(project, "scenarios")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "Traceback" not in out and "Interrupted" not in out and "error" not in out.splitlines()[-1], out
    corpus = sorted(p.name for p in MALFORMED.iterdir())
    failed = len(corpus) + 3 + hasattr(os, "mkfifo")  # and the project's bad.yaml and broken.yaml, and locked
    assert f"{failed} failed, 2 passed" in out, out
    for name in corpus:
        assert f"FAILED scenarios/malformed/{name}::{name}" in out
    assert "scenarios/locked: cannot read the directory (Permission denied)" in out
    if hasattr(os, "mkfifo"):
        assert "scenarios/fifo.yaml:1:1: a named pipe (FIFO), not a regular file" in out


def test_a_catalogue_that_cannot_be_read_is_a_usage_error(project):
    proc = pytest_run(project, "--flowsim-catalogue", "missing.toml", "scenarios")
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "missing.toml:1:1: cannot read the file (No such file or directory); expected a TOML catalogue" in proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_catalogue_option_is_used(project):
    (project / "cat.toml").write_text('[JP.templates]\nmy_custom_template = "Custom"\n')
    (project / "scenarios" / "custom.yaml").write_text(HEADER.replace("name: test", "name: custom") + (
        "  - send: {from: shop, to: hanako, template: {key: my_custom_template}}\n"
        "  - expect: {api: 400}\n"))  # an unknown template, until the catalogue names it
    assert "1 passed" in pytest_run(project, "scenarios/custom.yaml").stdout
    proc = pytest_run(project, "--flowsim-catalogue", "cat.toml", "scenarios/custom.yaml")
    assert proc.returncode == 1 and "expected: 400" in proc.stdout, proc.stdout


def test_control_characters_in_names_and_failures_are_escaped(project):
    hostile = '"evil\\e]0;pwned\\a\\e[2J\\u202eabc"'
    (project / "scenarios" / "evil.yaml").write_text(HEADER.replace("name: test", f"name: {hostile}") + (
        f"  - send: {{from: shop, to: hanako, text: {hostile}}}\n  - expect: {{line_chat: [received]}}\n"))
    proc = pytest_run(project, "-v", "scenarios/evil.yaml")
    assert proc.returncode == 1
    assert "\x1b" not in proc.stdout and "\u202e" not in proc.stdout and "\x07" not in proc.stdout
    assert "evil\\x1b]0;pwned\\x07\\x1b[2J\\u202eabc" in proc.stdout
