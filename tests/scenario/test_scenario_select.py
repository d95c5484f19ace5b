"""Selecting scenarios: `flowsim run -k / --tag / --rule`, and tags as pytest markers (`pytest -m flow_b`)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from flowsim.cli import main
from flowsim.scenario.commands import run_paths
from flowsim.scenario.select import Selection, SelectionError, _Parser, compile_keyword, keywords, marker_name
from flowsim.scenario.yamlsource import parse
from scenario_helpers import FLOW_B_TO_PIN, HEADER

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "scenarios"


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def write(folder: Path, stem: str, name: str, steps: str, *, tags: str = "", covers: str = "") -> Path:
    head = HEADER.replace("name: test", f"name: {name}" + (f"\ntags: [{tags}]" if tags else "")
                          + (f"\ncovers: [{covers}]" if covers else ""))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.yaml"
    path.write_text(head + textwrap.dedent(steps))
    return path


def ran(lines: list[str]) -> list[str]:
    """The names of the scenarios a run shows (its PASS / FAIL lines)."""
    return [line.split(" ", 1)[1].rsplit(" (", 1)[0] for line in lines if line.startswith(("PASS ", "FAIL "))]


def corpus_tags() -> dict[str, list[str]]:
    out = {}
    for path in sorted(CORPUS.rglob("*.yaml")):
        data, _ = parse(path.read_text(encoding="utf-8"), str(path))
        out[str(data["name"])] = [str(t) for t in data.get("tags") or ()]
    return out


# ---------------------------------------------------------------- the pieces


@pytest.mark.parametrize("tag, marker", [
    ("flow-b", "flow_b"), ("phone_changed", "phone_changed"), ("api-400", "api_400"), ("400", "tag_400"),
    ("not", "tag_not"), ("a b.c", "a_b_c"), ("日本", "__"),
])
def test_marker_names(tag, marker):
    assert marker_name(tag) == marker
    assert marker_name(tag).isidentifier()


def test_keywords_are_name_file_folders_path_and_tags():
    class S:
        name = "Flow B: reject"
        tags = ["flow-b", "consent"]

    kw = keywords("scenarios/flow_b/flow_b_reject.yaml", S())
    assert {"scenarios", "flow_b", "flow_b_reject.yaml", "scenarios/flow_b/flow_b_reject",
            "Flow B: reject", "flow-b", "consent"} <= kw


EXPRESSIONS = ["flow", "FLOW-B", "not reject", "flow_b and not reject", "reject or sms", "(a or b) and not c",
               "not (flow and sms)", "flow_b/flow_b_r", "x.yaml", "consent and (reject or agree) or flow_c"]
NAME_SETS = [{"flow_b", "flow-b", "Flow B: reject", "x.yaml"}, {"flow_c", "sms", "a"}, {"c", "b"}, {"consent", "agree"},
             {"scenarios/flow_b/flow_b_reject"}, set()]


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_the_fallback_parser_agrees_with_pytests_matcher(expression):
    ours, pytests = _Parser(expression).compile(), compile_keyword(expression)
    assert [ours(n) for n in NAME_SETS] == [pytests(n) for n in NAME_SETS]


@pytest.mark.parametrize("expression", ["flow and", "(flow", "flow)", "and", "a ! b", "not"])
def test_bad_expressions_are_selection_errors_both_ways(expression):
    with pytest.raises(SelectionError, match="pytest's syntax"):
        compile_keyword(expression)
    with pytest.raises(SelectionError, match="pytest's syntax"):
        _Parser(expression).compile()


def test_deep_nesting_and_huge_expressions_are_refused_not_crashed():
    with pytest.raises(SelectionError, match="nested too deeply"):
        _Parser("(" * 500 + "a" + ")" * 500).compile()
    with pytest.raises(SelectionError):
        compile_keyword("(" * 5000 + "a" + ")" * 5000)
    with pytest.raises(SelectionError, match="at most 10,000"):
        compile_keyword("a or " * 3000 + "a")


def test_rule_ids_are_checked_with_a_hint():
    assert Selection.build(rules=["r14", "R14", "I2"]).rules == ("R14", "I2")
    with pytest.raises(SelectionError, match=r"--rule 'R99'.*did you mean 'R9'"):
        Selection.build(rules=["R99"])
    with pytest.raises(SelectionError, match="empty tag"):
        Selection.build(tags=[" "])
    assert not Selection.build()  # nothing given: selects everything
    assert not Selection.build(keyword="  ")


# ---------------------------------------------------------------- flowsim run on the shipped corpus


def test_k_flow_b_runs_the_flow_b_tagged_and_named_scenarios():
    """`-k flow-b` matched 0 of 48 in pytest (issue 15); here and there it is the tag, the folder or the name."""
    lines: list[str] = []
    code = run_paths([str(CORPUS)], echo=lines.append, select=Selection.build(keyword="flow-b"))
    assert code == 0
    expected = {name for name, tags in corpus_tags().items() if "flow-b" in tags or "flow-b" in name.lower()}
    assert set(ran(lines)) == expected and len(expected) >= 5
    total = len(corpus_tags())
    assert lines[-1] == f"{len(expected)} passed, 0 failed, {total - len(expected)} deselected"


def test_tag_takes_the_tag_or_its_marker_name_and_repeats_as_any():
    tags = corpus_tags()
    for spelling in ("flow-c", "flow_c"):
        lines: list[str] = []
        assert run_paths([str(CORPUS)], echo=lines.append, select=Selection.build(tags=[spelling])) == 0
        assert set(ran(lines)) == {n for n, t in tags.items() if "flow-c" in t}
    lines = []
    run_paths([str(CORPUS)], echo=lines.append, select=Selection.build(tags=["flow-c", "flow-d"]))
    assert set(ran(lines)) == {n for n, t in tags.items() if {"flow-c", "flow-d"} & set(t)}


def test_filters_of_different_kinds_all_hold():
    tags = corpus_tags()
    lines: list[str] = []
    run_paths([str(CORPUS)], echo=lines.append, select=Selection.build(keyword="not reject", tags=["flow-b"]))
    assert set(ran(lines)) == {n for n, t in tags.items() if "flow-b" in t and "reject" not in n.lower()
                               and "reject" not in " ".join(t)} - {n for n in tags if "reject" in n.lower()}
    assert all("reject" not in line.lower() for line in lines if line.startswith("PASS"))


# ---------------------------------------------------------------- flowsim run on files of its own


@pytest.fixture
def trio(tmp_path: Path) -> Path:
    """R14 exercised and not claimed; R14 claimed and not exercised (it fails first); neither."""
    flow_b = ("  - send: {from: shop, to: hanako, text: hi}\n    as: m\n" + FLOW_B_TO_PIN
              + "  - expect: {message: {m: delivered}}\n")
    users = "users:\n  hanako: {phone: \"+818000001234\", created: -3y}\n"
    old = "users:\n  hanako: {phone: \"+818000001234\", created: -400d}\n"
    a = write(tmp_path / "flows", "exercised", "Flow B exercised", flow_b, tags="flow-b")
    a.write_text(a.read_text().replace(users, old))
    write(tmp_path / "flows", "claimed", "claims R14 but fails", "  - expect: {pending: 1}\n", covers="R14",
          tags="flow-b, broken")
    write(tmp_path, "other", "unrelated", "  - advance: 1h\n", tags="timing")
    return tmp_path


def test_rule_selects_what_the_run_exercised_or_covers_claims(trio):
    result = invoke("run", "--rule", "R14", str(trio))
    assert result.exit_code == 1, result.output  # the claiming one is selected, and fails
    assert set(ran(result.output.splitlines())) == {"Flow B exercised", "claims R14 but fails"}
    assert result.output.splitlines()[-1] == "1 passed, 1 failed, 1 deselected"
    result = invoke("run", "--rule", "R14", "-k", "not claimed", str(trio))
    assert result.exit_code == 0 and ran(result.output.splitlines()) == ["Flow B exercised"]


def test_k_matches_paths_and_names(trio):
    assert ran(invoke("run", "-k", "flows/claimed", str(trio)).output.splitlines()) == ["claims R14 but fails"]
    assert ran(invoke("run", "-k", "UNRELATED", str(trio)).output.splitlines()) == ["unrelated"]
    assert set(ran(invoke("run", "-k", "flows and not broken", str(trio)).output.splitlines())) == {
        "Flow B exercised"}


def test_a_selection_of_nothing_is_bad_input_with_a_hint(trio):
    result = invoke("run", "--tag", "flwo-b", str(trio))
    assert result.exit_code == 2
    assert "no scenario has the tag 'flwo-b' (did you mean 'flow-b'?)" in result.output
    assert "no scenario selected by --tag flwo-b (3 deselected)" in result.output
    result = invoke("run", "--tag", "flow-b", "--tag", "flwo-c", str(trio))
    assert "no scenario has the tag 'flwo-c'" in result.output and result.exit_code == 1


@pytest.mark.parametrize("args, message", [
    (["-k", "flow and"], "-k 'flow and': column 9: expected not OR left parenthesis OR identifier"),
    (["-k", "a(x=1)"], "has arguments; expected plain words"),
    (["--rule", "R31"], "--rule 'R31': not a rule or invariant id"),
    (["--tag", ""], "--tag '': an empty tag"),
])
def test_bad_selections_exit_2_without_a_traceback(trio, args, message):
    proc = subprocess.run([str(Path(sys.executable).with_name("flowsim")), "run", *args, str(trio)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def test_an_invalid_file_is_matched_by_its_path_only(trio):
    (trio / "broken.yaml").write_text("name: broken\nsteps: [{do: agre}]\n")
    assert invoke("run", "--tag", "timing", str(trio)).exit_code == 0  # no tags known: not selected
    result = invoke("run", "-k", "broken", str(trio))
    assert result.exit_code == 2 and "broken.yaml:2:14" in result.output  # its path matches `broken`


# ---------------------------------------------------------------- pytest


def pytest_in(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
                          cwd=project, capture_output=True, text=True, timeout=120)


@pytest.fixture
def project(trio: Path) -> Path:
    """The trio in a project of its own: no pyproject.toml registering markers (as outside this repo)."""
    scenarios = trio / "scenarios"
    scenarios.mkdir()
    for path in sorted(trio.rglob("*.yaml")):
        if scenarios not in path.parents:
            path.rename(scenarios / path.name)
    return trio


def test_tags_are_markers_and_rules_is_registered_outside_the_repo(project):
    proc = pytest_in(project, "-m", "flow_b", "--strict-markers", "-W", "error::pytest.PytestUnknownMarkWarning")
    assert "1 failed, 1 passed, 1 deselected" in proc.stdout, proc.stdout + proc.stderr
    assert "Unknown pytest.mark" not in proc.stdout + proc.stderr
    proc = pytest_in(project, "-m", "timing or rules", "-W", "error::pytest.PytestUnknownMarkWarning")
    assert "1 failed, 1 passed, 1 deselected" in proc.stdout, proc.stdout  # `rules` comes from covers:
    proc = pytest_in(project, "--markers")
    assert "@pytest.mark.rules(*ids)" in proc.stdout


def test_pytest_k_sees_tags_as_written(project):
    proc = pytest_in(project, "-k", "flow-b and not broken")
    assert "1 passed, 2 deselected" in proc.stdout, proc.stdout + proc.stderr
    proc = pytest_in(project, "--collect-only", "-k", "timing")
    assert "scenarios/other.yaml::unrelated" in proc.stdout and "1/3 tests collected" in proc.stdout


def test_every_option_of_flowsim_run_is_in_the_scenario_guide():
    from flowsim.scenario.commands import run

    guide = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    options = [opt for param in run.params for opt in getattr(param, "opts", ()) if opt.startswith("-")]
    assert {"-k", "--tag", "--rule", "--watch", "--junit", "--html", "--catalogue"} <= set(options)
    assert [opt for opt in options if f"`{opt}" not in guide] == []
