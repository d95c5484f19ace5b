"""`flowsim run`, `validate`, `schema`, `coverage`: output, exit codes, lean imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from flowsim.cli import main
from flowsim.scenario.commands import json_schema, run_paths
from flowsim.scenario.yamlsource import parse
from scenario_helpers import DATA, HEADER

FLOWSIM = str(Path(sys.executable).with_name("flowsim"))


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def scenario(tmp_path: Path, name: str, steps: str, covers: str = "") -> Path:
    text = HEADER.replace("name: test", f"name: {name}" + (f"\ncovers: [{covers}]" if covers else ""))
    path = tmp_path / f"{name}.yaml"
    path.write_text(text + textwrap.dedent(steps))
    return path


def test_run_all_pass_exit_0():
    result = invoke("run", str(DATA))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"PASS Flow B, consent and SMS, delivered ({DATA / 'flow_b.yaml'})"
    assert lines[-1] == "2 passed, 0 failed"


def test_run_failure_exit_1_with_report(tmp_path):
    scenario(tmp_path, "good", "  - advance: 1h\n")
    scenario(tmp_path, "bad", "  - send: {from: shop, to: hanako, text: hi}\n  - expect: {line_chat: [received]}\n")
    result = invoke("run", str(tmp_path))
    assert result.exit_code == 1
    out = result.output
    assert f"FAIL bad ({tmp_path / 'bad.yaml'})" in out and f"PASS good ({tmp_path / 'good.yaml'})" in out
    assert "step 2 (line 9): expect (hanako)" in out
    assert "expected: [received]" in out and "actual:   [received, setup]" in out
    assert "LINE chat of hanako" in out
    assert out.splitlines()[-1] == "1 passed, 1 failed"


def test_invalid_file_wins_exit_2(tmp_path):
    scenario(tmp_path, "good", "  - advance: 1h\n")
    scenario(tmp_path, "bad", "  - send: {from: shop, to: hanako, text: hi}\n  - expect: {line_chat: [received]}\n")
    (tmp_path / "broken.yml").write_text("name: x\nsteps: [{advance: 1}]\n")
    result = invoke("run", str(tmp_path))
    assert result.exit_code == 2
    assert f"{tmp_path / 'broken.yml'}:2:19: " in result.output
    assert result.output.splitlines()[-1] == "1 passed, 2 failed"


def test_files_found_recursively_and_sorted(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    scenario(tmp_path / "b", "two", "  - advance: 1h\n")
    scenario(tmp_path, "one", "  - advance: 1h\n")
    (tmp_path / ".hidden" / "x.yaml").write_text("junk: [")
    (tmp_path / "notes.txt").write_text("junk: [")
    lines: list[str] = []
    assert run_paths([str(tmp_path)], echo=lines.append) == 0
    assert [line.split()[1] for line in lines[:2]] == ["two", "one"]  # b/two.yaml sorts before one.yaml


def test_run_defaults_to_scenarios_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("run")
    assert result.exit_code == 2 and "scenarios: no such file or directory" in result.output
    (tmp_path / "scenarios").mkdir()
    result = invoke("run")
    assert result.exit_code == 2 and "no scenario files" in result.output
    scenario(tmp_path / "scenarios", "one", "  - advance: 1h\n")
    assert invoke("run").exit_code == 0


def test_catalogue_option_extends_templates_R29(tmp_path):
    path = scenario(tmp_path, "custom", """\
      - send: {from: shop, to: hanako, template: {key: my_custom_template}}
      - expect: {api: 202}
    """)
    assert invoke("run", str(path)).exit_code == 1
    cat = tmp_path / "cat.toml"
    cat.write_text('[JP.templates]\nmy_custom_template = "Custom"\n')
    result = invoke("run", "--catalogue", str(cat), str(path))
    assert result.exit_code == 0, result.output
    bad = tmp_path / "bad.toml"
    bad.write_text("[[[")
    result = invoke("run", "--catalogue", str(bad), str(path))
    assert result.exit_code == 2 and "expected a TOML catalogue" in result.output


def test_validate(tmp_path):
    assert invoke("validate", str(DATA)).exit_code == 0
    (tmp_path / "bad.yaml").write_text("name: x\n")
    result = invoke("validate", str(tmp_path / "bad.yaml"))
    assert result.exit_code == 2 and "bad.yaml:1:1: missing required key 'steps'" in result.output


def test_schema_validates_every_data_file():
    schema = json.loads(invoke("schema").output)
    assert schema["$schema"].endswith("2020-12/schema")
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    files = sorted(DATA.glob("*.yaml"))
    assert files
    for path in files:
        data, _ = parse(path.read_text(), str(path))
        errors = list(validator.iter_errors(json.loads(json.dumps(data, default=str))))
        assert not errors, (path, [e.message for e in errors])


def test_schema_is_useful_for_editors():
    schema = json_schema()
    assert "description" in schema["properties"]["steps"]
    defs = schema["$defs"]
    assert "agree" in defs["DoStep"]["properties"]["do"]["enum"]
    assert defs["ExpectSpec"]["properties"]["screen"]["anyOf"][0]["enum"][0] == "chats"
    assert defs["ExpectSpec"]["additionalProperties"] is False
    validator = jsonschema.Draft202012Validator(schema)
    bad = {"name": "x", "steps": [{"do": "agre"}], "nmae": 1}
    assert len(list(validator.iter_errors(bad))) >= 2


def test_coverage(tmp_path):
    """Measured: what the steps exercised beside what `covers:` claims (tests/model has the details)."""
    scenario(tmp_path, "some", "  - advance: 1h\n", covers="R1, R2, I1")
    result = invoke("coverage", str(tmp_path))
    assert result.exit_code == 1
    assert "R1    destination is the SHA-256" in result.output
    assert "R3 " in result.output and "UNEXERCISED" in result.output
    assert "0/30 rules exercised, 2/30 claimed" in result.output
    assert "warning: " in result.output and "covers R1 but no step exercised it" in result.output
    (tmp_path / "bad.yaml").write_text("name: [")
    assert invoke("coverage", str(tmp_path)).exit_code == 2


def test_run_does_not_import_textual():
    """`flowsim run` must never import Textual (architecture.md).  Its speed is bench/scenarios.py's business."""
    code = textwrap.dedent(f"""
        import sys
        from flowsim.cli import main
        try:
            main(["run", {str(DATA / 'flow_b.yaml')!r}])
        except SystemExit as e:
            assert e.code == 0, e.code
        bad = [m for m in sys.modules if m.split(".")[0] in ("textual", "jsonschema", "rich")]
        assert not bad, bad
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_the_command_line_imports_the_engine_only_for_a_command_that_runs_it():
    """`import flowsim.cli` and `flowsim --help` load neither the engine nor pydantic (flowsim/__init__ is lazy)."""
    code = textwrap.dedent("""
        import sys
        from flowsim.cli import main
        try:
            main(["--help"])
        except SystemExit as e:
            assert e.code == 0, e.code
        loaded = [m for m in ("flowsim.engine", "pydantic", "phonenumbers", "textual") if m in sys.modules]
        assert not loaded, loaded
        from flowsim import Simulation, hash_number  # the package's names still import on demand
        assert Simulation.__module__ == "flowsim.engine.simulation" and callable(hash_number)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_run_via_entry_point_subprocess():
    proc = subprocess.run([FLOWSIM, "run", str(DATA)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == "2 passed, 0 failed"


@pytest.mark.parametrize("progress", [False, True])
def test_progress_bar_only_lists_problems(tmp_path, progress, capsys):
    for i in range(60):
        scenario(tmp_path, f"s{i:02d}", "  - advance: 1h\n")
    scenario(tmp_path, "zz_bad", "  - expect: {pending: 3}\n")
    lines: list[str] = []
    assert run_paths([str(tmp_path)], echo=lines.append, progress=progress) == 1
    if progress:
        assert lines[0].startswith("FAIL zz_bad") and len([x for x in lines if x.startswith("PASS")]) == 0
    else:
        assert len([x for x in lines if x.startswith("PASS")]) == 60
    assert lines[-1] == "60 passed, 1 failed"
