"""Every rule R1-R30 and invariant I1-I5 of docs/rules.md is cited by at least one
engine test, through the ``rules`` marker *and* in the test's name or docstring.

Citations are read from the test files with :mod:`ast`, so the check does not
depend on which tests a run selects (``-k``, ``-x``, xdist).  A test marked
``xfail`` documents a bug rather than exercising its rule, so its citations do
not count as coverage.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from flowsim.engine.rules import INVARIANTS, RULE_IDS, RULES

HERE = Path(__file__).parent
ALL_IDS = (*RULE_IDS, *INVARIANTS)


@dataclass(frozen=True)
class Citation:
    where: str  # "test_file.py::Class::test"
    ids: tuple[str, ...]
    text: str  # names and docstrings of the test (and its class)
    xfail: bool


def _mark_name(node: ast.expr) -> str | None:
    """``pytest.mark.rules(...)`` / ``mark.rules(...)`` → ``"rules"``; ``pytest.mark.xfail`` → ``"xfail"``."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and node.value.attr == "mark":
        return node.attr
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "mark":
        return node.attr
    return None


def _rule_args(decorators: Iterable[ast.expr]) -> tuple[list[str], bool]:
    ids, xfail = [], False
    for deco in decorators:
        name = _mark_name(deco)
        if name == "rules" and isinstance(deco, ast.Call):
            for arg in deco.args:
                assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), (
                    f"rules marker arguments must be string literals (line {deco.lineno})")
                ids.append(arg.value)
        elif name == "xfail":
            xfail = True
    return ids, xfail


def _module_marks(tree: ast.Module) -> tuple[list[str], bool]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets):
            values = node.value.elts if isinstance(node.value, (ast.List, ast.Tuple)) else [node.value]
            return _rule_args(values)
    return [], False


def citations(sources: Mapping[str, str]) -> list[Citation]:
    """The rule citations of every test function and test class in ``sources`` (file name → source)."""
    found: list[Citation] = []
    for filename, source in sources.items():
        tree = ast.parse(source, filename)
        module_ids, module_xfail = _module_marks(tree)

        def visit(body, outer_ids, outer_xfail, outer_text, prefix):
            for node in body:
                if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                    ids, xfail = _rule_args(node.decorator_list)
                    text = f"{outer_text} {node.name} {ast.get_docstring(node) or ''}"
                    all_ids = outer_ids + ids
                    methods = [n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                               and n.name.startswith("test")]
                    if all_ids and not methods:  # e.g. a hypothesis state machine's TestCase
                        found.append(Citation(f"{prefix}{node.name}", tuple(all_ids), text, outer_xfail or xfail))
                    visit(node.body, all_ids, outer_xfail or xfail, text, f"{prefix}{node.name}::")
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
                    ids, xfail = _rule_args(node.decorator_list)
                    if outer_ids or ids:
                        text = f"{outer_text} {node.name} {ast.get_docstring(node) or ''}"
                        found.append(Citation(f"{prefix}{node.name}", tuple(outer_ids + ids), text,
                                              outer_xfail or xfail))

        visit(tree.body, module_ids, module_xfail, "", f"{filename}::")
    return found


def mentions(text: str, rule_id: str) -> bool:
    """``R1`` is mentioned in "test_R1_x" or "R1:" but not in "R11" (case-insensitive)."""
    return re.search(rf"(?<![A-Za-z0-9]){rule_id}(?![0-9])", text, re.IGNORECASE) is not None


def uncited(found: Iterable[Citation], ids: Iterable[str] = ALL_IDS) -> list[str]:
    counted = {i for c in found if not c.xfail for i in c.ids}
    return [i for i in ids if i not in counted]


def problems(found: Iterable[Citation]) -> list[str]:
    """Unknown ids (typos such as R31), and ids a marker cites but the name and docstring do not."""
    out = []
    for c in found:
        out += [f"{c.where}: unknown id {i}" for i in c.ids if i not in ALL_IDS]
        out += [f"{c.where}: {i} not in name or docstring" for i in c.ids if i in ALL_IDS and not mentions(c.text, i)]
    return out


def _engine_test_sources() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(HERE.glob("test_*.py"))}


# ---------------------------------------------------------------- the checks


def test_the_rule_list_is_the_specs_thirty_rules_and_five_invariants():
    """flowsim.engine.rules holds R1-R30 and I1-I5, the ids this check looks for."""
    assert list(RULE_IDS) == [f"R{n}" for n in range(1, 31)] == list(RULES)
    assert list(INVARIANTS) == [f"I{n}" for n in range(1, 6)]


def test_every_rule_and_invariant_is_cited_by_an_engine_test():
    """Each of R1-R30 and I1-I5 is cited by the ``rules`` marker of at least one (non-xfail) test."""
    found = citations(_engine_test_sources())
    assert len(found) > 50
    assert uncited(found) == []


def test_cited_ids_exist_and_appear_in_the_tests_name_or_docstring():
    """No typo'd ids (R31, I6), and every id a marker cites is also in the test's name or docstring."""
    assert problems(citations(_engine_test_sources())) == []


def test_the_rules_marker_is_declared(pytestconfig):
    """The ``rules`` marker is declared in pyproject.toml (so ``--strict-markers`` accepts it)."""
    assert any(line.startswith("rules(") for line in pytestconfig.getini("markers"))


# ---------------------------------------------------------------- the checker itself can fail


SAMPLE = textwrap.dedent('''
    import pytest
    from pytest import mark

    @pytest.mark.rules("R1", "I2")
    def test_R1_I2_something():
        """R1 and I2."""

    @mark.rules("R3")
    def test_three():
        """R3."""

    @pytest.mark.rules("R4")
    @pytest.mark.xfail(strict=True, reason="bug")
    def test_R4_broken():
        """R4 fails today."""

    @pytest.mark.rules("R5")
    class TestFive:
        """R5 and R6 for the methods."""

        @pytest.mark.rules("R6")
        def test_six(self):
            pass

    @pytest.mark.rules("R7")
    class TestMachine(object):
        """R7: a state machine's TestCase has no test methods of its own."""

    @pytest.mark.rules("R8")
    def helper_not_a_test():
        pass

    @pytest.mark.rules("R11", "R31")
    def test_R1_only():
        """Mentions R1 only."""
''')


def test_the_checker_reports_uncited_rules_and_ignores_xfail_and_non_tests():
    """The collector sees function, method and class markers; xfail and non-test functions do not count."""
    found = citations({"sample.py": SAMPLE})
    assert {c.where: c.ids for c in found} == {
        "sample.py::test_R1_I2_something": ("R1", "I2"),
        "sample.py::test_three": ("R3",),
        "sample.py::test_R4_broken": ("R4",),
        "sample.py::TestFive::test_six": ("R5", "R6"),
        "sample.py::TestMachine": ("R7",),
        "sample.py::test_R1_only": ("R11", "R31"),
    }
    assert uncited(found, ["R1", "R3", "R4", "R5", "R6", "R7", "R8", "R11", "I2"]) == ["R4", "R8"]
    assert problems(found) == ["sample.py::test_R1_only: unknown id R31",
                               "sample.py::test_R1_only: R11 not in name or docstring"]
    assert mentions("test_r11_boundary", "R11") and not mentions("R11 only", "R1")


def test_the_checker_rejects_non_literal_marker_arguments():
    """A computed id cannot be checked, so it is refused."""
    with pytest.raises(AssertionError, match="string literals"):
        citations({"x.py": "import pytest\nIDS = ['R1']\n@pytest.mark.rules(*IDS)\ndef test_x(): pass\n"})
