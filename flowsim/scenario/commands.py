"""The ``flowsim run``, ``validate`` and ``schema`` commands (``coverage``, measured, is
:mod:`flowsim.model.coverage`'s).

Loaded lazily by :mod:`flowsim.cli`.  Imports are kept lean: ``flowsim run``
must start fast and never import Textual; ``jsonschema`` and ``json`` are
only imported by the commands that need them.

Exit codes (``docs/scenarios.md``): 0 all passed; 1 some scenario failed; 2 bad
input (an invalid file, a missing path, an unreadable catalogue).  Bad input
never shows a Python traceback; an unexpected exception inside the engine
is reported as an internal error of that scenario (exit 1) with its type
and message, since it is a bug to report, not something the file can fix.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from time import perf_counter
from typing import Any

import click

from .discovery import PathProblem, discover
from .errors import ScenarioFileError
from .terminal import echo

#: Use a progress bar (on a terminal) from this many files on.
PROGRESS_THRESHOLD = 50

PASS, FAIL, INVALID = "PASS", "FAIL", "ERROR"
#: Not shown nor counted: left out by ``-k``, ``--tag`` or ``--rule`` (flowsim/scenario/select.py).
DESELECTED = "DESELECTED"


@dataclass(slots=True)
class Outcome:
    """What running one file gave."""

    status: str  # PASS | FAIL | ERROR (invalid file) | DESELECTED
    path: str
    name: str
    report: str = ""
    #: For the reports (--junit, --html): the scenario, its run (kept when asked), the seconds it took.
    scenario: Any = None
    run: Any = None
    seconds: float = 0.0

    @property
    def line(self) -> str:
        if self.status == INVALID:
            return f"{INVALID} {self.report.splitlines()[0]}"
        return f"{self.status} {self.name} ({self.path})"


#: A catalogue file's size limit, and the dots one line may hold: Python's TOML reader takes
#: time quadratic in the parts of a dotted key (``[a.a.a…]``: 240 KB, a minute), and a
#: catalogue's keys have three parts (``[JP.templates]``, ``key.label``).
CATALOGUE_BYTES = 1024 * 1024
CATALOGUE_DOTS_A_LINE = 1000
_CATALOGUE = "TOML catalogue like flowsim/data/catalogue.toml"


class CatalogueProblem(Exception):
    """A ``--catalogue`` file that cannot be used; ``str()`` says where, why and what was expected."""


def load_catalogue(path: str | None) -> Any:
    """The shipped catalogue extended with the user's file (R29), or None for the default.

    The file is read by the scenario files' reader (a FIFO or device is refused, never
    waited on); whatever is wrong with it is a :class:`CatalogueProblem`.
    """
    if path is None:
        return None
    from flowsim.engine import Catalogue
    from flowsim.engine import FlowsimError

    from .yamlsource import decode, read_file

    try:
        text = decode(read_file(path, _CATALOGUE, CATALOGUE_BYTES), path, _CATALOGUE)
        for number, line in enumerate(text.splitlines(), 1):
            if line.count(".") > CATALOGUE_DOTS_A_LINE:
                raise ScenarioFileError(path, number, 1, f"more than {CATALOGUE_DOTS_A_LINE:,} dots on one line; "
                                        f"expected a {_CATALOGUE} (keys such as [JP.templates])")
        return Catalogue.default().extended(Catalogue.from_text(text, path))
    except ScenarioFileError as exc:
        raise CatalogueProblem(str(exc)) from None
    except (FlowsimError, ValueError, RecursionError) as exc:  # tomllib: a 5,000-digit number, deep nesting
        raise CatalogueProblem(f"{path}: {exc}; expected a {_CATALOGUE}") from None


def run_file(path: str, catalogue: Any = None, *, select: Any = None, keep: bool = False,
             cache: Any = None) -> Outcome:
    """Load and run one scenario file (the unit of ``flowsim run`` and of the benchmark).

    ``select`` (a :class:`flowsim.scenario.select.Selection`) may leave the file out: its status
    is then DESELECTED.  ``keep`` keeps the scenario's run in the outcome, for the reports.
    ``cache`` (a :class:`flowsim.scenario.cache.ScenarioCache`) loads the file instead of
    ``load_scenario`` when its bytes are known (errors are the same: it loads the others in full).
    """
    load_scenario, ScenarioRun = _loading()
    started = perf_counter()
    try:
        scenario = load_scenario(path) if cache is None else cache.load(path)
    except ScenarioFileError as exc:
        status = INVALID if select is None or select.before_run(path) else DESELECTED
        return Outcome(status, path, path, exc.report(), seconds=perf_counter() - started)
    if select is not None and not select.before_run(path, scenario):
        return Outcome(DESELECTED, path, scenario.name, scenario=scenario)
    run = None
    try:
        run = ScenarioRun(scenario, catalogue=catalogue)
        results = run.run_all()
    except ScenarioFileError as exc:  # the world cannot be set up: an invalid file too
        outcome = Outcome(INVALID, path, path, exc.report(), scenario=scenario)
    except Exception as exc:  # noqa: BLE001 - an engine bug must not hide the other scenarios
        outcome = Outcome(FAIL, path, scenario.name,
                          f"internal error: {type(exc).__name__}: {exc} (a flowsim bug: please report it)",
                          scenario=scenario)
    else:
        if results and not results[-1].ok:
            outcome = Outcome(FAIL, path, scenario.name, failure_report(path, scenario.name, results[-1]),
                              scenario=scenario)
        else:
            outcome = Outcome(PASS, path, scenario.name, scenario=scenario)
    outcome.seconds = perf_counter() - started
    if keep:
        outcome.run = run
    if select is not None and select.needs_run:
        from .select import rules_exercised

        if not select.after_run(scenario, rules_exercised(run.sim, scenario) if run is not None else ()):
            outcome.status = DESELECTED
    return outcome


@functools.cache
def _loading() -> tuple[Callable[[str], Any], Any]:
    """The loader and the runner, imported on first use (``flowsim --help`` imports neither)."""
    from .loader import load_scenario
    from .runner import ScenarioRun

    return load_scenario, ScenarioRun


def failure_report(path: str, name: str, result: Any) -> str:
    """The text shown for a failed scenario (CLI and pytest alike)."""
    return f"{path}:{result.line}: {name}\n{result.report()}"


def run_paths(paths: Sequence[str], *, catalogue: Any = None, echo: Callable[[str], None] = echo,
              progress: bool = False, select: Any = None, reports: Sequence[tuple[str, str]] = (),
              cache: Any = None) -> int:
    """What ``flowsim run`` does; returns the exit code.

    ``select``: a :class:`flowsim.scenario.select.Selection`; ``reports``: ``(kind, file)`` pairs
    written at the end, kind ``junit`` or ``html`` (:mod:`flowsim.scenario.report`); ``cache``: a
    :class:`flowsim.scenario.cache.ScenarioCache` for these paths (``flowsim run`` makes one unless
    ``--no-cache``), saved after the files have run.
    """
    problems: list[PathProblem] = []
    try:
        files = discover(paths, problems)
    except PathProblem as exc:
        echo(f"flowsim run: {exc}")
        return 2
    for problem in problems:
        echo(f"flowsim run: {problem}")
    if not files:
        if not problems:
            echo(f"flowsim run: no scenario files (*.yaml, *.yml) under {', '.join(paths)}; expected at least one")
        return 2
    outcomes: list[Outcome] = []
    keep = bool(reports)
    try:
        if progress and len(files) >= PROGRESS_THRESHOLD:
            with click.progressbar(files, label="scenarios", file=sys.stderr) as bar:
                for path in bar:
                    outcomes.append(run_file(path, catalogue, select=select, keep=keep, cache=cache))
            for o in outcomes:
                if o.status in (FAIL, INVALID):
                    echo(o.line)
                    echo(_indent(o.report))
        else:
            for path in files:
                o = run_file(path, catalogue, select=select, keep=keep, cache=cache)
                outcomes.append(o)
                show_outcome(o, echo)
        if cache is not None:
            cache.save()
    finally:
        if cache is not None:
            cache.close()
    code = summarise(outcomes, echo, select=select, problems=bool(problems))
    if reports:
        from .report import write_reports

        if not write_reports(reports, outcomes, echo):
            code = 2
    return code


def show_outcome(o: Outcome, echo: Callable[[str], None]) -> None:
    """A file's ``PASS``/``FAIL``/``ERROR`` line and, when it did not pass, why (nothing when deselected)."""
    if o.status == DESELECTED:
        return
    echo(o.line)
    if o.status == FAIL:
        echo(_indent(o.report))
    elif o.status == INVALID and "\n" in o.report:
        echo(_indent("\n".join(o.report.splitlines()[1:])))


def summarise(outcomes: Sequence[Outcome], echo: Callable[[str], None], *, select: Any = None,
              problems: bool = False) -> int:
    """The closing line (``N passed, M failed[, K deselected]``) and the exit code."""
    shown = [o for o in outcomes if o.status != DESELECTED]
    deselected = len(outcomes) - len(shown)
    if select:
        for tag in select.unknown_tags():
            echo(f"flowsim run: no scenario has the tag {tag}")
        if not shown:
            echo(f"flowsim run: no scenario selected by {select.describe()} ({deselected} deselected); "
                 "expected a selection that matches at least one (see docs/scenarios.md, Selecting)")
            return 2
    passed = sum(o.status == PASS for o in shown)
    failed = len(shown) - passed
    echo(f"{passed} passed, {failed} failed" + (f", {deselected} deselected" if deselected else ""))
    if problems or any(o.status == INVALID for o in shown):
        return 2
    return 1 if failed else 0


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in text.splitlines())


def _bad_input(command: str, message: str) -> None:
    echo(f"flowsim {command}: {message}", err=True)
    sys.exit(2)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--catalogue", type=click.Path(dir_okay=False), default=None,
              help="Extra template catalogue (TOML) added to the shipped one (R29).")
@click.option("-k", "keyword", metavar="EXPR", default=None,
              help="Only scenarios whose name, file, folders or tags match (pytest's -k syntax).")
@click.option("--tag", "tags", metavar="TAG", multiple=True, help="Only scenarios with this tag (repeatable: any).")
@click.option("--rule", "rules", metavar="ID", multiple=True,
              help="Only scenarios that exercise this rule: logged by the run, or in covers: (repeatable: any).")
@click.option("--watch", is_flag=True, help="Run again what changes on save (all on a --catalogue change); Ctrl-C stops.")
@click.option("--junit", metavar="FILE", type=click.Path(dir_okay=False), default=None,
              help="Also write a JUnit XML report (for CI).")
@click.option("--html", metavar="FILE", type=click.Path(dir_okay=False), default=None,
              help="Also write a self-contained HTML report: the chats as the phone shows them, steps, rules.")
@click.option("--no-cache", is_flag=True,
              help="Load every file in full; neither read nor write .flowsim_cache/ (validated files).")
@click.option("--cache-clear", is_flag=True, help="Empty .flowsim_cache/ before the run (which fills it again).")
def run(paths: tuple[str, ...], catalogue: str | None, keyword: str | None, tags: tuple[str, ...],
        rules: tuple[str, ...], watch: bool, junit: str | None, html: str | None, no_cache: bool,
        cache_clear: bool) -> None:
    """Run scenario files (default: scenarios/). Exit 0 all passed, 1 some failed, 2 an invalid file."""
    from .report import ReportProblem, check_report_path
    from .select import Selection, SelectionError

    try:
        select = Selection.build(keyword, tags, rules)
    except SelectionError as exc:
        _bad_input("run", str(exc))
    reports = [(kind, path) for kind, path in (("junit", junit), ("html", html)) if path is not None]
    try:
        for kind, path in reports:
            check_report_path(kind, path)
    except ReportProblem as exc:
        _bad_input("run", str(exc))
    try:
        cat = load_catalogue(catalogue)
    except CatalogueProblem as exc:
        _bad_input("run", str(exc))
    from .cache import ScenarioCache

    if cache_clear:
        ScenarioCache.clear()
    if watch:
        from .watch import watch_paths

        sys.exit(watch_paths(paths or ("scenarios",), catalogue_path=catalogue, catalogue=cat, select=select,
                             reports=reports))
    paths = paths or ("scenarios",)
    cache = None if no_cache else ScenarioCache(paths, catalogue=cat)
    try:
        code = run_paths(paths, catalogue=cat, progress=sys.stdout.isatty(), select=select,
                         reports=reports, cache=cache)
    except KeyboardInterrupt:  # pragma: no cover
        code = 130
    sys.exit(code)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
def validate(paths: tuple[str, ...]) -> None:
    """Check scenario files without running them (default: scenarios/). Exit 0 valid, 2 invalid."""
    from .loader import load_scenario

    problems: list[PathProblem] = []
    try:
        files = discover(paths or ("scenarios",), problems)
    except PathProblem as exc:
        _bad_input("validate", str(exc))
    for problem in problems:
        echo(f"flowsim validate: {problem}", err=True)
    bad = 0
    for path in files:
        try:
            load_scenario(path)
        except ScenarioFileError as exc:
            bad += 1
            echo(exc.report())
        else:
            echo(f"ok {path}")
    echo(f"{len(files) - bad} valid, {bad} invalid")
    sys.exit(2 if bad or problems or not files else 0)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files (for editors: yaml-language-server, VS Code, IntelliJ)."""
    from .models import Scenario

    schema = Scenario.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://flowsim.invalid/scenario.schema.json", **schema}


@click.command()
def schema() -> None:
    """Print the JSON Schema of scenario files."""
    import json

    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))  # JSON: its own escapes
