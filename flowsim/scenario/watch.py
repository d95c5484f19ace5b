"""``flowsim run --watch``: run the files, then run again what changes, on every save, until Ctrl-C.

The file system is watched with ``watchfiles`` (inotify, FSEvents or
ReadDirectoryChangesW under it; no polling loop of ours).  Decisions:

* What is watched: the folders given (recursively) and the folder of each
  file given and of ``--catalogue`` (an editor that saves by writing a new
  file and renaming it over the old one would leave a watch on the file
  itself behind).  What counts: scenario files (``*.yaml``, ``*.yml``, not
  hidden) under the folders given, the files given, and the catalogue.
* A changed or new scenario file runs again, and so does every file of a
  new folder (its files may be made before the folder is watched); a
  deleted one is dropped; a
  change of the catalogue reads it again and runs everything (any file may
  send a template); a catalogue that cannot be used is reported and the
  previous one kept.  Saves that come together (an editor writes, then
  renames) are one round.
* Each round prints the files' ``PASS``/``FAIL``/``ERROR`` lines and one
  summary line: ``[12:03:04] 1 changed: 0 passed, 1 failed · all 48: 47
  passed, 1 failed``; ``--junit`` and ``--html`` are written again after
  every round, for all the files.
* ``-k``, ``--tag`` and ``--rule`` apply to every round.
* Ctrl-C (or ``stop_event``, for tests) ends the watch cleanly: exit 0.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import click

from .discovery import SUFFIXES, PathProblem, discover

#: How long the watcher waits before it says it is ready (and between wake-ups to look at ``stop_event``).
WAKE_MS = 300


def _key(path: str) -> str:
    return os.path.normcase(os.path.realpath(path))


def watch_paths(paths: Sequence[str], *, catalogue_path: str | None = None, catalogue: Any = None,
                select: Any = None, reports: Sequence[tuple[str, str]] = (),
                echo: Callable[[str], None] = click.echo, stop_event: threading.Event | None = None,
                debounce_ms: int = 400) -> int:
    """Run ``paths``, then watch them; returns the exit code (0 when stopped, 2 for a bad path)."""
    try:
        from watchfiles import watch
    except ImportError:  # a dependency of flowsim; an environment made before it was one may lack it
        echo("flowsim run: --watch needs the watchfiles package; expected it installed "
             "(pip install 'watchfiles>=1.0', or pip install -e . again)")
        return 2

    from .commands import DESELECTED, CatalogueProblem, load_catalogue, run_file, show_outcome, summarise

    problems: list[PathProblem] = []
    try:
        discover(paths, problems)
    except PathProblem as exc:
        echo(f"flowsim run: {exc}")
        return 2
    folders = [_key(p) for p in paths if os.path.isdir(p)]
    files = {_key(p) for p in paths if not os.path.isdir(p)}
    cat_key = _key(catalogue_path) if catalogue_path else None
    roots = set(folders) | {os.path.dirname(f) for f in files} | ({os.path.dirname(cat_key)} if cat_key else set())

    def relevant(_change: Any, path: str) -> bool:
        key = _key(path)
        if key == cat_key or key in files:
            return True
        name = os.path.basename(path)
        if name.startswith(".") or not (name.endswith(SUFFIXES) or os.path.isdir(path)):
            return False
        for folder in folders:
            if key.startswith(folder + os.sep):
                rest = key[len(folder) + 1:].split(os.sep)
                return not any(part.startswith(".") for part in rest)
        return False

    outcomes: dict[str, Any] = {}
    keep = bool(reports)

    def run_round(targets: list[str], label: str | None) -> None:
        ran = []
        for path in targets:
            o = run_file(path, catalogue, select=select, keep=keep)
            outcomes[_key(path)] = o
            ran.append(o)
            show_outcome(o, echo)
        every = list(outcomes.values())
        if reports:  # before the summary line: once it is out, the reports are the round's
            from .report import write_reports

            write_reports(reports, every, echo)
        if label is None:
            summarise(every, echo, select=select, problems=bool(problems))
        else:
            now = datetime.now().strftime("%H:%M:%S")
            this = [o for o in ran if o.status != DESELECTED]
            shown = [o for o in every if o.status != DESELECTED]
            echo(f"[{now}] {label}: {_counts(this)} · all {len(shown)}: {_counts(shown)}")

    stop = stop_event or threading.Event()
    changes_seen = watch(*sorted(roots), watch_filter=relevant, stop_event=stop, yield_on_timeout=True,
                         rust_timeout=WAKE_MS, debounce=debounce_ms, raise_interrupt=True)
    try:
        early = next(changes_seen, set())  # the watcher is set up once it has waited once
        for problem in problems:
            echo(f"flowsim run: {problem}")
        run_round(discover(paths), None)
        echo(f"watching {len(roots)} folder{'s' if len(roots) != 1 else ''} for changes (Ctrl-C to stop)")
        pending = {path for _, path in early}
        for batch in changes_seen:
            pending |= {path for _, path in batch}
            if not pending or stop.is_set():
                continue
            changed, pending = {_key(p) for p in pending}, set()
            if cat_key in changed:
                try:
                    catalogue = load_catalogue(catalogue_path)
                except CatalogueProblem as exc:
                    echo(f"flowsim run: {exc} (the previous catalogue is kept)")
                    continue
                targets, label = _discover_quietly(paths, echo), "catalogue changed, all run"
            else:
                # A new folder: its files, which inotify may have seen being made before it watched it.
                folders_changed = tuple(k + os.sep for k in changed if os.path.isdir(k))
                found = _discover_quietly(paths, echo)
                targets = [p for p in found if _key(p) in changed or _key(p).startswith(folders_changed)]
                label = f"{len(targets)} changed"
            gone = [k for k in list(outcomes) if not os.path.lexists(k)]
            for key in gone:
                echo(f"removed {outcomes.pop(key).path}")
            if targets or gone:
                run_round(targets, label if targets else f"{len(gone)} removed")
    except KeyboardInterrupt:
        pass
    finally:
        changes_seen.close()
    echo("stopped watching")
    return 0


def _discover_quietly(paths: Sequence[str], echo: Callable[[str], None]) -> list[str]:
    """The files now under ``paths``; a path gone or a folder unreadable is said, not fatal."""
    found: list[str] = []
    for path in paths:
        problems: list[PathProblem] = []
        try:
            found += discover([path], problems)
        except PathProblem as exc:
            echo(f"flowsim run: {exc}")
        for problem in problems:
            echo(f"flowsim run: {problem}")
    return found


def _counts(outcomes: Sequence[Any]) -> str:
    from .commands import PASS

    passed = sum(o.status == PASS for o in outcomes)
    return f"{passed} passed, {len(outcomes) - passed} failed"
