"""The one exception of the scenario layer: a file that cannot be used, and where.

Every problem with a scenario file (unreadable bytes, broken YAML, a key of
the wrong type, an unknown user id ...) becomes a :class:`ScenarioFileError`
that points at ``file:line:column`` (1-based, like compilers and editors
expect) and says what was expected.  A file can have several problems;
loading reports them together (``.errors``), the first one being the
exception itself, so that QA fixes a file in one round instead of many.
At most :data:`MAX_REPORTED` are kept, the first in file order; the rest are
counted (``… and 9,990 more problems``), so a file with ten thousand bad
steps gives a screenful, not a gigabyte.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Problems of one file that are reported in full.
MAX_REPORTED = 10


class ScenarioFileError(ValueError):
    """A scenario file that is not valid.  ``str()`` is ``path:line:col: message``."""

    def __init__(self, path: str, line: int, column: int, message: str,
                 others: Sequence[ScenarioFileError] = (), omitted: int = 0) -> None:
        self.path = str(path)
        self.line = line
        self.column = column
        self.message = message
        #: Further problems found in the same file (the first one is ``self``).
        self.others: list[ScenarioFileError] = list(others)
        #: Problems found after the first :data:`MAX_REPORTED`, counted but not kept.
        self.omitted = omitted
        super().__init__(f"{self.path}:{line}:{column}: {message}")

    @property
    def errors(self) -> list[ScenarioFileError]:
        """Every problem found in the file, in file order."""
        return [self, *self.others]

    @classmethod
    def collect(cls, problems: Sequence[ScenarioFileError]) -> ScenarioFileError:
        """One exception for several problems: sorted by position, duplicates dropped, the first
        :data:`MAX_REPORTED` kept."""
        seen: set[tuple[int, int, str]] = set()
        unique = []
        for p in sorted(problems, key=lambda p: (p.line, p.column)):
            key = (p.line, p.column, p.message)
            if key not in seen:
                seen.add(key)
                unique.append(p)
        omitted = sum(p.omitted for p in unique) + max(0, len(unique) - MAX_REPORTED)
        first, *rest = unique[:MAX_REPORTED]
        return cls(first.path, first.line, first.column, first.message, rest, omitted)

    def report(self) -> str:
        """Every problem kept, one per line, and how many more there are."""
        lines = [str(e) for e in self.errors]
        if self.omitted:
            lines.append(f"… and {self.omitted:,} more problem{'s' if self.omitted != 1 else ''} in this file")
        return "\n".join(lines)

    def __reduce__(self) -> tuple[type[ScenarioFileError], tuple[object, ...]]:  # picklable across pytest-xdist workers
        return (type(self), (self.path, self.line, self.column, self.message, self.others, self.omitted))
