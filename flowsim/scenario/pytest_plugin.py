"""pytest plugin that collects scenario files as test items (registered as the ``pytest11`` entry point).

Each ``*.yaml`` / ``*.yml`` file is one test item named after its scenario
(``name:``), so ``-k``, ``-x``, ``--junitxml`` and pytest-xdist work on them.

Decisions:

* Only files under a directory named ``scenarios`` are collected, or files
  named explicitly on the command line: YAML elsewhere in a project (CI
  configs, fixtures) is not a scenario, and collecting it would be noise.
* An invalid file is a *failing item* (named after the file), not a
  collection error: a collection error interrupts the whole session, while
  one broken file should not hide the results of the others.  Its failure
  text is the loader's ``file:line:col: message``, as ``flowsim run`` shows.
* So is a ``*.yaml`` in a scenarios directory that is not a regular file (a
  FIFO, socket or device: refused by the reader, never waited on), and a
  directory that cannot be read is a failing item too: pytest would skip the
  first in silence and stop the whole session at the second.
* Failures are rendered as by ``flowsim run`` (no Python traceback).
* The ini option ``flowsim_catalogue`` (or ``--flowsim-catalogue``) adds a
  template catalogue file, like ``flowsim run --catalogue``.  It is read once,
  at the start; a catalogue that cannot be used is a usage error (pytest's
  ``ERROR: ...``, exit 4), not a traceback on every scenario.

The module imports nothing heavy at import time: every pytest run of the
project loads it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .terminal import printable

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr  # what Node.repr_failure returns; pytest does not export it

SUFFIXES = (".yaml", ".yml")
SCENARIO_DIR = "scenarios"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("flowsim")
    group.addoption("--flowsim-catalogue", default=None, metavar="FILE",
                    help="extra template catalogue (TOML) for scenario files")
    parser.addini("flowsim_catalogue", "extra template catalogue (TOML) for scenario files", default="")


#: The markers the plugin puts on scenario items: ``rules`` here, and one per tag (registered when met).
RULES_MARKER = "rules(*ids): the docs/rules.md rule / invariant ids a test exercises (a scenario's covers:)"


def pytest_configure(config: pytest.Config) -> None:
    if not any(str(line).split(":")[0].split("(")[0].strip() == "rules" for line in config.getini("markers")):
        config.addinivalue_line("markers", RULES_MARKER)  # outside this repo nothing registers it
    path = config.getoption("flowsim_catalogue") or config.getini("flowsim_catalogue") or None
    if path is None:
        return
    from .commands import CatalogueProblem, load_catalogue

    try:
        config._flowsim_catalogue = load_catalogue(path)  # type: ignore[attr-defined]
    except CatalogueProblem as exc:
        raise pytest.UsageError(f"--flowsim-catalogue / flowsim_catalogue: {exc}") from None


def _explicit_files(config: pytest.Config) -> set[Path]:
    cached = getattr(config, "_flowsim_explicit", None)
    if cached is None:
        cached = set()
        root = Path(config.invocation_params.dir)
        for arg in config.args:
            candidate = Path(str(arg).split("::", 1)[0])
            if not candidate.is_absolute():
                candidate = root / candidate
            if candidate.suffix in SUFFIXES:
                cached.add(candidate.resolve())
        config._flowsim_explicit = cached  # type: ignore[attr-defined]
    return cached


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix not in SUFFIXES or file_path.name.startswith("."):
        return None
    if SCENARIO_DIR in file_path.parent.parts or file_path.resolve() in _explicit_files(parent.config):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


def pytest_collect_directory(path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if SCENARIO_DIR not in path.parts:
        return None
    try:
        if (path / "__init__.py").is_file():
            return None  # a Python package: pytest's own collector
    except OSError:
        pass
    return ScenarioDir.from_parent(parent, path=path)


# pytest marks Dir @final (not meant to be subclassed); this one only adds entries after Dir's own.
class ScenarioDir(pytest.Dir):  # type: ignore[misc]
    """A directory of scenario files; what pytest's own would pass over or stop at becomes a failing item."""

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        try:
            yield from super().collect()
            with os.scandir(self.path) as entries:
                odd = sorted(e.path for e in entries if e.name.endswith(SUFFIXES) and not e.name.startswith(".")
                             and not e.is_file() and not e.is_dir())
        except OSError as exc:
            yield UnreadableDirectory.from_parent(
                self, name=printable(self.path.name), message=f"{self.path}: cannot read the directory "
                f"({exc.strerror or exc}); expected a readable directory of scenario files")
            return
        for path in odd:  # a FIFO, socket, device or broken link: the reader refuses it without waiting
            yield ScenarioFile.from_parent(self, path=Path(path))


class ScenarioFile(pytest.File):
    """A scenario file: one item."""

    def collect(self) -> Iterator[ScenarioItem]:
        from .errors import ScenarioFileError
        from .loader import load_scenario

        try:
            scenario = load_scenario(self.path)
        except ScenarioFileError as exc:
            yield ScenarioItem.from_parent(self, name=printable(self.path.name), scenario=None, error=exc)
            return
        yield ScenarioItem.from_parent(self, name=printable(scenario.name), scenario=scenario, error=None)


def _tag_markers(config: pytest.Config, tags: list[str]) -> list[str]:
    """The marker names of a scenario's tags (``flow-b`` → ``flow_b``), each registered once.

    Registered as pytest's own ``markers`` ini lines are, so ``pytest -m flow_b`` selects them,
    ``--strict-markers`` accepts them and pytest warns about none.
    """
    from .select import marker_name

    registered: set[str] = config.stash.setdefault(_REGISTERED, set())
    names: dict[str, None] = {}
    for tag in tags:
        name = marker_name(tag)
        names[name] = None
        if name not in registered:
            registered.add(name)
            config.addinivalue_line("markers", f"{name}: scenario files tagged {tag}")
    return list(names)


_REGISTERED = pytest.StashKey[set[str]]()


class ScenarioFailure(Exception):
    """A scenario whose step failed; ``str()`` is the report."""


class UnreadableDirectory(pytest.Item):
    """A scenarios directory that could not be listed: fails with why, the rest of the session runs."""

    def __init__(self, *, message: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.message = message

    def runtest(self) -> None:
        raise ScenarioFailure(printable(self.message))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        return str(excinfo.value)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"scenario directory: {self.name}"


class ScenarioItem(pytest.Item):
    """One scenario: runs every step, fails with the runner's report."""

    def __init__(self, *, scenario: Any, error: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.error = error
        self._failed_line = 0
        if scenario is not None:
            self.keywords.update({tag: True for tag in scenario.tags})
            self.extra_keyword_matches.update(scenario.tags)  # what -k looks in: `-k flow-b`
            for marker in _tag_markers(self.config, scenario.tags):
                self.add_marker(marker)
            if scenario.covers:
                self.add_marker(pytest.mark.rules(*scenario.covers))

    def runtest(self) -> None:
        if self.error is not None:
            raise ScenarioFailure(self.error.report())
        from .commands import failure_report
        from .runner import ScenarioRun

        run = ScenarioRun(self.scenario, catalogue=getattr(self.config, "_flowsim_catalogue", None))
        results = run.run_all()
        if results and not results[-1].ok:
            self._failed_line = results[-1].line
            raise ScenarioFailure(failure_report(str(self.path), self.scenario.name, results[-1]))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str | TerminalRepr:
        if isinstance(excinfo.value, ScenarioFailure):
            return printable(str(excinfo.value))
        from .errors import ScenarioFileError

        if isinstance(excinfo.value, ScenarioFileError):
            return printable(excinfo.value.report())
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        line = self.error.line if self.error is not None else (self._failed_line or None)
        return self.path, (line - 1) if line else None, f"scenario: {self.name}"
