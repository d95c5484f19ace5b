"""The ``flowsim run``, ``validate``, ``schema`` and ``coverage`` commands.

Loaded lazily by :mod:`flowsim.cli`.  Imports are kept lean: ``flowsim run``
must start fast and never import Textual; ``jsonschema`` and ``json`` are
only imported by the commands that need them.

Exit codes (``scenarios.md``): 0 all passed; 1 some scenario failed; 2 bad
input (an invalid file, a missing path, an unreadable catalogue).  Bad input
never shows a Python traceback; an unexpected exception inside the engine
is reported as an internal error of that scenario (exit 1) with its type
and message, since it is a bug to report, not something the file can fix.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import click

from .discovery import PathProblem, discover
from .errors import ScenarioFileError

#: Use a progress bar (on a terminal) from this many files on.
PROGRESS_THRESHOLD = 50

PASS, FAIL, INVALID = "PASS", "FAIL", "ERROR"


@dataclass(slots=True)
class Outcome:
    """What running one file gave."""

    status: str  # PASS | FAIL | ERROR (invalid file)
    path: str
    name: str
    report: str = ""

    @property
    def line(self) -> str:
        if self.status == INVALID:
            return f"{INVALID} {self.report.splitlines()[0]}"
        return f"{self.status} {self.name} ({self.path})"


def load_catalogue(path: str | None) -> Any:
    """The shipped catalogue extended with the user's file (R29), or None for the default."""
    if path is None:
        return None
    from flowsim.catalogue import Catalogue

    return Catalogue.default().extended(Catalogue.from_file(path))


def run_file(path: str, catalogue: Any = None) -> Outcome:
    """Load and run one scenario file (the unit of ``flowsim run`` and of the benchmark)."""
    from .loader import load_scenario
    from .runner import ScenarioRun

    try:
        scenario = load_scenario(path)
    except ScenarioFileError as exc:
        return Outcome(INVALID, path, path, exc.report())
    try:
        run = ScenarioRun(scenario, catalogue=catalogue)
        results = run.run_all()
    except Exception as exc:  # noqa: BLE001 - an engine bug must not hide the other scenarios
        return Outcome(FAIL, path, scenario.name,
                       f"internal error: {type(exc).__name__}: {exc} (a flowsim bug: please report it)")
    if results and not results[-1].ok:
        return Outcome(FAIL, path, scenario.name, failure_report(path, scenario.name, results[-1]))
    return Outcome(PASS, path, scenario.name)


def failure_report(path: str, name: str, result: Any) -> str:
    """The text shown for a failed scenario (CLI and pytest alike)."""
    return f"{path}:{result.line}: {name}\n{result.report()}"


def run_paths(paths: Sequence[str], *, catalogue: Any = None, echo: Callable[[str], None] = click.echo,
              progress: bool = False) -> int:
    """What ``flowsim run`` does; returns the exit code."""
    try:
        files = discover(paths)
    except PathProblem as exc:
        echo(f"flowsim run: {exc}")
        return 2
    if not files:
        echo(f"flowsim run: no scenario files (*.yaml, *.yml) under {', '.join(paths)}; expected at least one")
        return 2
    outcomes: list[Outcome] = []
    if progress and len(files) >= PROGRESS_THRESHOLD:
        with click.progressbar(files, label="scenarios", file=sys.stderr) as bar:
            for path in bar:
                outcomes.append(run_file(path, catalogue))
        for o in outcomes:
            if o.status != PASS:
                echo(o.line)
                echo(_indent(o.report))
    else:
        for path in files:
            o = run_file(path, catalogue)
            outcomes.append(o)
            echo(o.line)
            if o.status == FAIL:
                echo(_indent(o.report))
            elif o.status == INVALID and "\n" in o.report:
                echo(_indent("\n".join(o.report.splitlines()[1:])))
    passed = sum(o.status == PASS for o in outcomes)
    failed = len(outcomes) - passed
    echo(f"{passed} passed, {failed} failed")
    if any(o.status == INVALID for o in outcomes):
        return 2
    return 1 if failed else 0


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in text.splitlines())


def _bad_input(command: str, message: str) -> None:
    click.echo(f"flowsim {command}: {message}", err=True)
    sys.exit(2)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--catalogue", type=click.Path(dir_okay=False), default=None,
              help="Extra template catalogue (TOML) added to the shipped one (R29).")
def run(paths: tuple[str, ...], catalogue: str | None) -> None:
    """Run scenario files (default: scenarios/). Exit 0 all passed, 1 some failed, 2 an invalid file."""
    try:
        cat = load_catalogue(catalogue)
    except Exception as exc:  # noqa: BLE001 - CatalogueError and OS errors alike: bad input
        _bad_input("run", f"{exc}; expected a TOML catalogue like flowsim/data/catalogue.toml")
    try:
        code = run_paths(paths or ("scenarios",), catalogue=cat, progress=sys.stdout.isatty())
    except KeyboardInterrupt:  # pragma: no cover
        code = 130
    sys.exit(code)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
def validate(paths: tuple[str, ...]) -> None:
    """Check scenario files without running them (default: scenarios/). Exit 0 valid, 2 invalid."""
    from .loader import load_scenario

    try:
        files = discover(paths or ("scenarios",))
    except PathProblem as exc:
        _bad_input("validate", str(exc))
    bad = 0
    for path in files:
        try:
            load_scenario(path)
        except ScenarioFileError as exc:
            bad += 1
            click.echo(exc.report())
        else:
            click.echo(f"ok {path}")
    click.echo(f"{len(files) - bad} valid, {bad} invalid")
    sys.exit(2 if bad or not files else 0)


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

    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
def coverage(paths: tuple[str, ...]) -> None:
    """Which rules R1-R30 the scenario files cover (`covers:`). Exit 1 if any is uncovered, 2 if a file is invalid."""
    from flowsim.rules import RULE_IDS, RULES

    from .loader import load_scenario

    try:
        files = discover(paths or ("scenarios",))
    except PathProblem as exc:
        _bad_input("coverage", str(exc))
    by_rule: dict[str, list[str]] = {r: [] for r in RULE_IDS}
    invalid = 0
    for path in files:
        try:
            scenario = load_scenario(path)
        except ScenarioFileError as exc:
            invalid += 1
            click.echo(exc.report(), err=True)
            continue
        for rule in dict.fromkeys(scenario.covers):
            if rule in by_rule:
                by_rule[rule].append(path)
    width = max(len(RULES[r]) for r in RULE_IDS)
    click.echo(f"{'rule':<5} {'title':<{width}} {'files':>5}  covered by")
    for rule in RULE_IDS:
        covering = by_rule[rule]
        names = ", ".join(covering[:3]) + (f" (+{len(covering) - 3})" if len(covering) > 3 else "")
        click.echo(f"{rule:<5} {RULES[rule]:<{width}} {len(covering):>5}  {names or 'UNCOVERED'}")
    uncovered = [r for r in RULE_IDS if not by_rule[r]]
    click.echo(f"{len(RULE_IDS) - len(uncovered)}/{len(RULE_IDS)} rules covered"
               + (f"; uncovered: {', '.join(uncovered)}" if uncovered else ""))
    sys.exit(2 if invalid else (1 if uncovered else 0))
