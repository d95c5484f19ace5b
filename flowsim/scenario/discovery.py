"""Which files are scenario files: ``*.yaml`` / ``*.yml`` under the given paths, recursively, sorted.

Hidden directories and files (``.git``, editor temporaries such as the
writer's own ``.name.tmp``) are skipped.  A path that does not exist is an
error of the command line, not an empty run.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

SUFFIXES = (".yaml", ".yml")


class PathProblem(Exception):
    """A command-line path that cannot be used."""


def discover(paths: Iterable[str]) -> list[str]:
    """Scenario files under ``paths`` (files given directly are taken whatever their suffix)."""
    found: list[str] = []
    for path in paths:
        if os.path.isfile(path):
            found.append(path)
        elif os.path.isdir(path):
            batch = []
            for root, dirs, files in os.walk(path):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                batch.extend(os.path.join(root, f) for f in files
                             if f.endswith(SUFFIXES) and not f.startswith("."))
            found.extend(sorted(batch))
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
