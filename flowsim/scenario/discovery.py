"""Which files are scenario files: ``*.yaml`` / ``*.yml`` under the given paths, recursively, sorted.

Hidden directories and files (``.git``, editor temporaries such as the
writer's own ``.name.tmp``) are skipped.  A path that does not exist is an
error of the command line, not an empty run.

Discovery only lists names; it never opens a file.  A FIFO, socket or device
named ``*.yaml`` is listed like any file, and the reader
(:func:`flowsim.scenario.yamlsource.read_file`) refuses it without waiting,
so it is reported with the other invalid files.  A directory below a path
that cannot be listed is a :class:`PathProblem`, reported, never skipped in
silence.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

SUFFIXES = (".yaml", ".yml")


class PathProblem(Exception):
    """A command-line path that cannot be used."""


def discover(paths: Iterable[str], problems: list[PathProblem] | None = None) -> list[str]:
    """Scenario files under ``paths`` (files given directly are taken whatever their suffix and kind).

    A directory that cannot be read is appended to ``problems`` and the rest
    goes on; without a list it is raised.
    """
    found: list[str] = []

    def unreadable(exc: OSError) -> None:
        problem = PathProblem(f"{exc.filename or path}: cannot read the directory ({exc.strerror or exc}); "
                              "expected a readable directory of scenario files")
        if problems is None:
            raise problem
        problems.append(problem)

    for path in paths:
        if os.path.isdir(path):
            batch: list[str] = []
            for root, dirs, files in os.walk(path, onerror=unreadable):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                batch.extend(os.path.join(root, f) for f in files
                             if f.endswith(SUFFIXES) and not f.startswith("."))
            found.extend(sorted(batch))
        elif os.path.lexists(path):
            found.append(path)  # a file, a FIFO, a broken link: the reader says what it is
        else:
            raise PathProblem(f"{path}: no such file or directory; expected a scenario file or a directory of them")
    seen: set[str] = set()
    unique = []
    for f in found:
        key = os.path.normpath(os.path.abspath(f))
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique
