"""Measured coverage: the rules a run *exercised* (:mod:`flowsim.scenario.exercised`), beside those a file *claims*.

A scenario's ``covers:`` is what its author says it shows; what it shows is
in the log of its run, read by :func:`flowsim.scenario.exercised.exercised_rules`
(its docstring maps each event to the rules it is evidence of).
``flowsim coverage`` (:func:`coverage`) prints both sides and warns about
claims no step exercised (``--strict``: an error).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

import click

from flowsim.scenario.terminal import echo


# The measurement itself lives in the scenario layer (flowsim/scenario/exercised.py).
from flowsim.scenario.exercised import all_ids, covers_of, exercised_rules, file_rules, ordered  # noqa: E402,F401


# ---------------------------------------------------------------- a corpus


@dataclass(slots=True)
class Measured:
    """One file: what it claims, what its run exercised, and whether the run passed."""

    path: str
    name: str
    claimed: list[str]
    exercised: set[str] = field(default_factory=set)
    failed: str = ""  # the failed step's summary, if the run failed

    @property
    def unexercised_claims(self) -> list[str]:
        return [r for r in self.claimed if r not in self.exercised]


def measure(scenario: Any, catalogue: Any = None) -> Measured:
    """Run a loaded scenario and read what it exercised (the steps up to a failure count)."""
    from flowsim.scenario import ScenarioRun

    run = ScenarioRun(scenario, catalogue=catalogue)
    results = run.run_all()
    failed = results[-1].summary if results and not results[-1].ok else ""
    return Measured(scenario.path, scenario.name, ordered(scenario.covers),
                    exercised_rules(run.sim.log, scenario, run.sim.users), failed)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--strict", is_flag=True, help="A claim in `covers:` that no step exercised is an error (exit 1).")
@click.option("-v", "--verbose", is_flag=True,
              help="Also a note per file that exercised rules its `covers:` does not claim (else only how many).")
def coverage(paths: tuple[str, ...], strict: bool, verbose: bool) -> None:
    """Rules R1-R30 and invariants I1-I5: which files exercised each (measured from the engine's log)
    beside which claim it in `covers:` (default: scenarios/).

    Exit 0; 1 if a rule is exercised by no file, or (--strict) a claim was not exercised; 2 if a file is invalid.
    """
    from flowsim.engine import INVARIANTS, RULE_IDS, RULES
    from flowsim.scenario import ScenarioFileError, load_scenario
    from flowsim.scenario.discovery import PathProblem, discover

    ALL = all_ids()
    problems: list[PathProblem] = []
    try:
        files = discover(paths or ("scenarios",), problems)
    except PathProblem as exc:
        echo(f"flowsim coverage: {exc}", err=True)
        sys.exit(2)
    for problem in problems:
        echo(f"flowsim coverage: {problem}", err=True)
    invalid = len(problems)
    measured: list[Measured] = []
    for path in files:
        try:
            measured.append(measure(load_scenario(path)))
        except ScenarioFileError as exc:
            invalid += 1
            echo(exc.report(), err=True)
    claimed_by: dict[str, list[str]] = {r: [] for r in ALL}
    exercised_by: dict[str, list[str]] = {r: [] for r in ALL}
    for m in measured:
        for r in m.claimed:
            claimed_by.setdefault(r, []).append(m.path)
        for r in m.exercised:
            exercised_by.setdefault(r, []).append(m.path)
    width = max(len(RULES.get(r) or INVARIANTS[r]) for r in ALL)
    echo(f"{'rule':<5} {'title':<{width}} {'claimed':>7} {'exercised':>9}  exercised by")
    for rule in ALL:
        by = exercised_by[rule]
        names = ", ".join(by[:3]) + (f" (+{len(by) - 3})" if len(by) > 3 else "")
        title = RULES.get(rule) or INVARIANTS[rule]
        echo(f"{rule:<5} {title:<{width}} {len(claimed_by[rule]):>7} {len(by):>9}  {names or 'UNEXERCISED'}")
    false_claims = unclaimed = 0
    for m in measured:
        if m.failed:
            echo(f"warning: {m.path}: the run failed ({m.failed}); its steps up to there are counted")
        for rule in m.unexercised_claims:
            false_claims += 1
            echo(f"{'error' if strict else 'warning'}: {m.path}: covers {rule} but no step exercised it")
        missing = ordered(m.exercised - set(m.claimed))
        if missing and m.claimed:
            unclaimed += 1
            if verbose:
                echo(f"note: {m.path}: exercised but not claimed: {', '.join(missing)}")
    if unclaimed and not verbose:
        # A file's covers: names what it is about; the rules every run passes through (R1, R16, I2 …)
        # are in most files' runs: a line each would bury the warnings above.
        echo(f"note: {unclaimed} file{'s' if unclaimed != 1 else ''} exercised rules {'they do' if unclaimed != 1 else 'it does'} "
             "not claim in covers: (--verbose lists them)")
    rules_exercised = [r for r in RULE_IDS if exercised_by[r]]
    unexercised = [r for r in RULE_IDS if not exercised_by[r]]
    echo(f"{len(rules_exercised)}/{len(RULE_IDS)} rules exercised, "
               f"{sum(1 for r in RULE_IDS if claimed_by[r])}/{len(RULE_IDS)} claimed"
               + (f"; unexercised: {', '.join(unexercised)}" if unexercised else "")
               + (f"; {false_claims} claim{'s' if false_claims != 1 else ''} not exercised" if false_claims else ""))
    sys.exit(2 if invalid else (1 if unexercised or (strict and false_claims) else 0))
