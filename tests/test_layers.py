"""Imports point inward only (docs/architecture.md), checked with :mod:`ast` on every module.

* Front ends (scenario layer, TUI, sandbox, command line) import the
  engine's public names, ``flowsim.engine`` itself, never a module inside it.
* Nothing in the engine imports a front end, or YAML, Textual, HTTP or click.
* ``decide.py`` imports nothing that changes state: it is pure.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "flowsim"
ENGINE = ROOT / "engine"
FRONT_ENDS = [ROOT / "scenario", ROOT / "tui", ROOT / "sandbox", ROOT / "model", ROOT / "cli.py"]
FRONT_END_PACKAGES = ("flowsim.scenario", "flowsim.tui", "flowsim.sandbox", "flowsim.model", "flowsim.cli")
FOREIGN = ("yaml", "textual", "rich", "starlette", "uvicorn", "httpx", "click", "linebot")
#: What the pure core may import (the engine's modules that only hold data and functions of it).
PURE_IMPORTS = {"__future__", "dataclasses", "datetime", "typing", "flowsim.engine.decisions", "flowsim.engine.phone"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> list[tuple[int, str]]:
    """``(line, absolute module)`` for each import in the file (``from . import x`` → ``package.x``)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[:len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            if node.module is None or node.level and not node.module:
                out += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
            else:
                out.append((node.lineno, module))
    return out


def files(*where: Path) -> list[Path]:
    return sorted(p for w in where for p in ([w] if w.is_file() else w.rglob("*.py")))


def test_the_checker_resolves_relative_and_absolute_imports():
    assert any(m == "flowsim.engine.decisions" for _, m in imports(ENGINE / "__init__.py"))
    assert any(m == "flowsim.engine.effects" for _, m in imports(ENGINE / "simulation.py"))
    assert any(m == "flowsim.engine.actions" for _, m in imports(ENGINE / "flows" / "consent.py"))


@pytest.mark.parametrize("path", files(*FRONT_ENDS), ids=lambda p: str(p.relative_to(ROOT)))
def test_front_ends_import_only_the_engines_public_names(path):
    bad = [(line, m) for line, m in imports(path) if m.startswith("flowsim.engine.")]
    assert not bad, f"{path.name} imports engine internals: {bad} (import them from flowsim.engine)"


@pytest.mark.parametrize("path", files(ENGINE), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_engine_imports_no_front_end_and_no_front_end_library(path):
    bad = [(line, m) for line, m in imports(path)
           if m.startswith(FRONT_END_PACKAGES) or m.split(".")[0] in FOREIGN]
    assert not bad, f"{path.name} imports a front end or its library: {bad}"


def test_decide_is_pure():
    found = {m for _, m in imports(ENGINE / "decide.py")}
    assert found <= PURE_IMPORTS, f"decide.py imports {sorted(found - PURE_IMPORTS)}"
