"""The one exception of the scenario layer: a file that cannot be used, and where.

Every problem with a scenario file (unreadable bytes, broken YAML, a key of
the wrong type, an unknown user id ...) becomes a :class:`ScenarioFileError`
that points at ``file:line:column`` (1-based, like compilers and editors
expect) and says what was expected.  A file can have several problems;
loading reports all of them (``.errors``), the first one being the
exception itself, so that QA fixes a file in one round instead of many.
"""

from __future__ import annotations

from collections.abc import Sequence


class ScenarioFileError(ValueError):
    """A scenario file that is not valid.  ``str()`` is ``path:line:col: message``."""

    def __init__(self, path: str, line: int, column: int, message: str,
                 others: Sequence[ScenarioFileError] = ()) -> None:
        self.path = str(path)
        self.line = line
        self.column = column
        self.message = message
        #: Further problems found in the same file (the first one is ``self``).
        self.others: list[ScenarioFileError] = list(others)
        super().__init__(f"{self.path}:{line}:{column}: {message}")

    @property
    def errors(self) -> list[ScenarioFileError]:
        """Every problem found in the file, in file order."""
        return [self, *self.others]

    @classmethod
    def collect(cls, problems: Sequence[ScenarioFileError]) -> ScenarioFileError:
        """One exception for several problems: sorted by position, duplicates dropped."""
        seen: set[tuple[int, int, str]] = set()
        unique = []
        for p in sorted(problems, key=lambda p: (p.line, p.column)):
            key = (p.line, p.column, p.message)
            if key not in seen:
                seen.add(key)
                unique.append(p)
        first, *rest = unique
        return cls(first.path, first.line, first.column, first.message, rest)

    def report(self) -> str:
        """Every problem, one per line."""
        return "\n".join(str(e) for e in self.errors)

    def __reduce__(self):  # picklable across pytest-xdist workers
        return (type(self), (self.path, self.line, self.column, self.message, self.others))
