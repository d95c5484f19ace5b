"""The guides' code runs as written (docs/engine.md, the package docstring), and the docs hold the
project on their own: docs/rules.md and docs/scenarios.md match flowsim.engine.rules, the JSON Schema and
the citations, links resolve, and no tracked file points outside the project."""

import ast
import contextlib
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest

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


# ---------------------------------------------------------------- the docs hold the project on their own


RULES_DOC = ROOT / "docs" / "rules.md"
SCENARIOS_DOC = ROOT / "docs" / "scenarios.md"
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
#: A rule or invariant id starting its paragraph (or list item) in bold: ``**R14** …``.
_ANCHOR = re.compile(r"^(?:[-*] )?\*\*([RI][0-9]+)\*\*", flags=re.M)


def _schema_names(node, props: set[str], enums: set[str]) -> None:
    """Every property name and every enumerated value in a JSON Schema, through $defs, anyOf, items …"""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                props.update(value)
            elif key == "enum" and isinstance(value, list):
                enums.update(str(v) for v in value)
            elif key == "const":
                enums.add(str(value))
            _schema_names(value, props, enums)
    elif isinstance(node, list):
        for value in node:
            _schema_names(value, props, enums)


def _schema() -> tuple[set[str], set[str]]:
    """Property names and enum values of the schema ``flowsim schema`` prints (rule ids left out)."""
    from flowsim.engine.rules import INVARIANTS, RULE_IDS
    from flowsim.scenario.commands import json_schema

    props: set[str] = set()
    enums: set[str] = set()
    _schema_names(json_schema(), props, enums)
    return props, enums - set(RULE_IDS) - set(INVARIANTS)


def _reference_tables(text: str) -> dict[str, set[str]]:
    """The code spans of the first column of each table, by that column's heading (key / action / value)."""
    found: dict[str, set[str]] = {}
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not line.startswith("|") or (i and lines[i - 1].startswith("|")):
            continue  # not the header row of a table
        heading = line.split("|")[1].strip()
        column = found.setdefault(heading, set())
        for row in lines[i + 2:]:
            if not row.startswith("|"):
                break
            column.update(_CODE_SPAN.findall(row.split("|")[1]))
    return found


def _prose(text: str) -> str:
    """Markdown without its fenced code blocks."""
    return re.sub(r"```.*?```", "", text, flags=re.S)


def test_the_schema_walk_and_the_table_reader_find_what_they_look_for():
    """The two helpers of the drift checks below are not vacuous."""
    props, enums = _schema()
    assert {"advance_to", "sms_verified", "sections", "sent_count", "as", "from", "reason"} <= props
    assert {"settings_consent", "no_number", "number_entry", "phone_changed", "unfollow", "TW", "zh"} <= enums
    tables = _reference_tables("x\n\n| key | m |\n| --- | --- |\n| `a`, `b` | `c` |\n| `d` | e |\n\n| value |\n|-|\n| `v` |\n")
    assert tables == {"key": {"a", "b", "d"}, "value": {"v"}}


def test_scenario_reference_documents_every_key_and_value_of_the_schema():
    """docs/scenarios.md vs `flowsim schema`: every property is in a reference table's first
    column (headed "key"), every action in the action table, every enumerated value a code span."""
    from flowsim.engine import ACTIONS

    text = SCENARIOS_DOC.read_text(encoding="utf-8")
    props, enums = _schema()
    tables = _reference_tables(text)
    assert sorted(props - tables.get("key", set())) == [], "schema keys missing from the key tables"
    assert sorted(set(ACTIONS) - tables.get("action", set())) == [], "actions missing from the action table"
    spans = set(_CODE_SPAN.findall(_prose(text)))
    assert sorted(enums - spans) == [], "schema values never named as `code` in docs/scenarios.md"


def test_scenario_reference_tables_list_only_what_the_schema_has():
    """The other way: each key, action and value in the reference tables of docs/scenarios.md exists."""
    from flowsim.engine import ACTIONS

    props, enums = _schema()
    tables = _reference_tables(SCENARIOS_DOC.read_text(encoding="utf-8"))
    assert len(tables.get("key", ())) > 40
    assert sorted(tables["key"] - props) == [], "documented keys that the schema does not have"
    assert sorted(tables["action"] - set(ACTIONS)) == [], "documented actions that do not exist"
    assert sorted(tables["value"] - enums) == [], "documented values that the schema does not have"


def test_rules_doc_anchors_every_rule_and_invariant_once():
    """docs/rules.md starts one paragraph with each id of flowsim.engine.rules, in bold, and has no others."""
    from flowsim.engine.rules import INVARIANTS, RULE_IDS

    anchors = _ANCHOR.findall(RULES_DOC.read_text(encoding="utf-8"))
    assert sorted(anchors) == sorted((*RULE_IDS, *INVARIANTS))


def _marker_ids(source: str) -> list[str]:
    """The string arguments of every ``pytest.mark.rules(...)`` / ``mark.rules(...)`` call in a test file."""
    ids = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "rules":
            owner = node.func.value
            if (isinstance(owner, ast.Attribute) and owner.attr == "mark") or (
                    isinstance(owner, ast.Name) and owner.id == "mark"):
                ids += [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return ids


def test_every_cited_rule_id_resolves_to_the_rules_doc():
    """Ids in the scenarios' `covers:` and in the tests' `rules` markers are anchors of docs/rules.md."""
    from flowsim.scenario.yamlsource import parse

    anchors = set(_ANCHOR.findall(RULES_DOC.read_text(encoding="utf-8")))
    cited: dict[str, set[str]] = {}
    scenario_files = sorted((ROOT / "scenarios").rglob("*.y*ml"))
    for path in scenario_files:
        data, _ = parse(path.read_text(encoding="utf-8"), str(path))
        for rule in data.get("covers") or ():
            cited.setdefault(str(rule), set()).add(str(path.relative_to(ROOT)))
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for rule in _marker_ids(path.read_text(encoding="utf-8")):
            cited.setdefault(rule, set()).add(str(path.relative_to(ROOT)))
    assert scenario_files and len(cited) > 30
    assert {rule: sorted(files) for rule, files in cited.items() if rule not in anchors} == {}


def test_rules_doc_names_every_decision_constant_and_only_real_ones():
    """Each constant of flowsim/decisions.py is named in docs/rules.md (`decisions.NAME`), and each name there exists."""
    from flowsim.engine import decisions

    named = set(re.findall(r"decisions\.([A-Z][A-Z0-9_]*)", RULES_DOC.read_text(encoding="utf-8")))
    constants = {name for name in vars(decisions) if name.isupper()}
    assert sorted(named - constants) == [], "docs/rules.md names constants decisions.py does not have"
    assert sorted(constants - named) == [], "decisions.py constants missing from docs/rules.md"


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_links_between_the_docs_resolve():
    """Every relative link of README.md and docs/*.md names an existing file, and an existing heading after #."""
    broken = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)\s]+)\)", _prose(doc.read_text(encoding="utf-8"))):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            file = (doc.parent / path).resolve() if path else doc
            if not file.exists():
                broken.append(f"{doc.name}: {target}")
            elif anchor and file.suffix == ".md":
                headings = re.findall(r"^#+ (.*)$", _prose(file.read_text(encoding="utf-8")), flags=re.M)
                if anchor not in {_slug(h) for h in headings}:
                    broken.append(f"{doc.name}: {target}")
    assert broken == []


def test_no_tracked_file_refers_outside_the_project():
    """A clone stands alone: no tracked file (but .ci/) points into the shared folder outside the project."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    needles = [("../" + "shared").encode(), ("/work/" + "shared").encode()]
    offending = []
    for name in filter(None, files.decode().split("\0")):
        path = ROOT / name
        if name.startswith(".ci/") or not path.is_file():
            continue
        data = path.read_bytes()
        offending += [f"{name}: {n.decode()}" for n in needles if n in data]
    assert offending == []
