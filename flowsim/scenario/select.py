"""Which scenarios a run selects: ``-k EXPR``, ``--tag TAG``, ``--rule ID`` (``flowsim run``), and tags as pytest markers.

Decisions (``docs/scenarios.md``, "Selecting"):

* ``-k`` is pytest's keyword expression (``and``, ``or``, ``not``, parentheses;
  each word matches as a case-insensitive substring), evaluated by pytest's own
  matcher (``_pytest.mark.expression.Expression``) when it can be imported, by
  :class:`_Parser` (the same grammar without call arguments) when not.  A word
  is looked for in the scenario's ``name:``, its file's name, the folders of
  its path as given, the path itself (``flow_b/flow_b_reject``), and its tags,
  as written and as marker names: what pytest's ``-k`` looks in for the same
  item, plus the path.
* ``--tag`` takes a tag as written or as its marker name (``flow-b`` and
  ``flow_b`` are the same tag); several ``--tag`` select a scenario with any
  of them.
* ``--rule`` selects the scenarios that *exercise* a rule, measured on the
  run as ``flowsim coverage`` measures it (:func:`rules_exercised`: the
  ``rule`` of each event of the engine's log — MessagePending,
  MessageDelivered, MessageDiscarded, MessageExpired, MessageUnmatched,
  ConsentChanged, ApiCalled — and what the other events and the file's
  checks are evidence of), together with the ids its ``covers:`` claims: a
  scenario that fails early never reaches the events it is about, and its
  author still wants it in the run.  So a ``--rule`` run runs every scenario
  the other filters let through, and shows only the selected ones.  Several
  ``--rule`` select a scenario with any of them.
* Filters of different kinds must all hold.  A file that cannot be read has
  no name, tags or events: only ``-k`` can match it, by its path.
* A tag becomes a pytest marker named :func:`marker_name` (``flow-b`` →
  ``flow_b``), registered by the plugin, so ``pytest -m flow_b`` selects it.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

#: The longest ``-k`` expression taken (a command line is shorter; a longer one is a mistake).
MAX_EXPRESSION = 10_000
#: The deepest nesting of parentheses the fallback parser takes.
MAX_DEPTH = 100

_RULE_ID = re.compile(r"\b[RI][0-9]+\b")


class SelectionError(ValueError):
    """A ``-k``, ``--tag`` or ``--rule`` that cannot be used; ``str()`` says why and what was expected."""


def marker_name(tag: str) -> str:
    """The pytest marker of a tag: every character that is not a letter, digit or ``_`` becomes ``_``.

    A result that is not a Python identifier or is a keyword (``400``, ``not``)
    is prefixed with ``tag_``, so that every marker can be written after ``-m``.
    """
    name = re.sub(r"\W", "_", tag, flags=re.ASCII)
    if not name.isidentifier() or keyword.iskeyword(name) or name in ("True", "False", "None"):
        name = f"tag_{name}"
    return name


def rules_exercised(sim: Any, scenario: Any = None) -> tuple[str, ...]:
    """The rule and invariant ids a run exercised, in the order of docs/rules.md.

    Measured as ``flowsim coverage`` measures it (:func:`flowsim.scenario.exercised.exercised_rules`:
    the ``rule`` of each event of the log, what the other events are evidence of, and what
    the file's checks show).
    """
    from .exercised import all_ids, exercised_rules

    seen = exercised_rules(sim.log, scenario, sim.users)
    return tuple(r for r in all_ids() if r in seen)


def keywords(path: str, scenario: Any = None) -> set[str]:
    """What a ``-k`` word is looked for in (see the module's docstring)."""
    p = PurePath(path)
    names = {str(part) for part in p.parts if part not in ("/", "\\", ".", "..")}
    names.add(p.as_posix())
    names.add(p.with_suffix("").as_posix())
    if scenario is not None:
        names.add(scenario.name)
        for tag in scenario.tags:
            names.add(tag)
            names.add(marker_name(tag))
    return names


def compile_keyword(expression: str) -> Callable[[set[str]], bool]:
    """A predicate over a scenario's :func:`keywords`, from a pytest ``-k`` expression."""
    if len(expression) > MAX_EXPRESSION:
        raise SelectionError(f"-k: an expression of {len(expression):,} characters; expected at most "
                             f"{MAX_EXPRESSION:,}")
    try:
        from _pytest.mark.expression import Expression, ParseError
    except ImportError:  # pragma: no cover - pytest is a dependency; the fallback is tested directly
        return _Parser(expression).compile()
    _no_arguments(expression)
    try:
        compiled = Expression.compile(expression)
    except ParseError as exc:
        raise SelectionError(f"-k {expression!r}: column {exc.column}: {exc.message} (pytest's syntax: "
                             "words joined by and, or, not and parentheses)") from None
    except (RecursionError, MemoryError, SyntaxError, ValueError):
        raise SelectionError(f"-k: the expression is nested too deeply; expected at most {MAX_DEPTH} "
                             "levels of parentheses") from None

    def matches(names: set[str]) -> bool:
        lowered = [n.lower() for n in names]

        def matcher(word: str, /, **kwargs: Any) -> bool:
            word = word.lower()
            return any(word in n for n in lowered)

        return bool(compiled.evaluate(matcher))

    return matches


def _no_arguments(expression: str) -> None:
    """Refuse ``word(name=value)``: pytest's grammar has it for ``-m``, a scenario has nothing to match it."""
    tokens = [m.group(m.lastindex or 0) for m in _Parser._TOKEN.finditer(expression)]
    for word, following in zip(tokens, tokens[1:]):
        if following == "(" and word not in ("(", ")", "and", "or", "not"):
            raise SelectionError(f"-k {expression!r}: {word}(...) has arguments; expected plain words "
                                 "(pytest's syntax: words joined by and, or, not and parentheses)")


class _Parser:
    """pytest's ``-k`` grammar without call arguments, for when ``_pytest`` cannot be imported.

    ``expr: and ('or' and)*``, ``and: not ('and' not)*``, ``not: 'not' not |
    '(' expr ')' | word``; a word is letters, digits and ``_ : + - . [ ] \\ /``.
    The empty expression selects nothing, as pytest's.
    """

    _TOKEN = re.compile(r"\s*(?:(\()|(\))|([\w:+\-.\[\]\\/]+)|(\S))")

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, int]] = []
        for m in self._TOKEN.finditer(text):
            if m.group(4):
                self._fail(m.start(4), f"unexpected character {m.group(4)!r}")
            self.tokens.append((m.group(1) or m.group(2) or m.group(3), m.start() + 1))
        self.at = 0

    def _fail(self, column: int, message: str) -> None:
        raise SelectionError(f"-k {self.text!r}: column {column + 1}: {message} (pytest's syntax: "
                             "words joined by and, or, not and parentheses)")

    def _peek(self) -> str | None:
        return self.tokens[self.at][0] if self.at < len(self.tokens) else None

    def _take(self) -> str:
        token = self.tokens[self.at][0]
        self.at += 1
        return token

    def compile(self) -> Callable[[set[str]], bool]:
        if not self.tokens:
            return lambda names: False
        tree = self._or(0)
        if self.at < len(self.tokens):
            self._fail(self.tokens[self.at][1] - 1, f"unexpected {self.tokens[self.at][0]!r}")

        def matches(names: set[str]) -> bool:
            lowered = [n.lower() for n in names]
            return _evaluate(tree, lambda word: any(word.lower() in n for n in lowered))

        return matches

    def _or(self, depth: int) -> Any:
        parts = [self._and(depth)]
        while self._peek() == "or":
            self._take()
            parts.append(self._and(depth))
        return ("or", parts) if len(parts) > 1 else parts[0]

    def _and(self, depth: int) -> Any:
        parts = [self._not(depth)]
        while self._peek() == "and":
            self._take()
            parts.append(self._not(depth))
        return ("and", parts) if len(parts) > 1 else parts[0]

    def _not(self, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise SelectionError(f"-k: the expression is nested too deeply; expected at most {MAX_DEPTH} "
                                 "levels of parentheses")
        token = self._peek()
        column = self.tokens[self.at][1] - 1 if token is not None else len(self.text)
        if token is None:
            self._fail(column, "the expression ends too soon")
        if token == "not":
            self._take()
            return ("not", self._not(depth + 1))
        if token == "(":
            self._take()
            inner = self._or(depth + 1)
            if self._peek() != ")":
                self._fail(len(self.text) if self._peek() is None else self.tokens[self.at][1] - 1,
                           "a parenthesis is not closed")
            self._take()
            return inner
        if token in (")", "and", "or"):
            self._fail(column, f"unexpected {token!r}")
        return ("word", self._take())


def _evaluate(tree: Any, word: Callable[[str], bool]) -> bool:
    kind, value = tree
    if kind == "word":
        return word(value)
    if kind == "not":
        return not _evaluate(value, word)
    if kind == "and":
        return all(_evaluate(v, word) for v in value)
    return any(_evaluate(v, word) for v in value)


@dataclass(slots=True)
class Selection:
    """The filters of one ``flowsim run``; an empty selection selects everything."""

    keyword: str | None = None
    tags: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    _match: Callable[[set[str]], bool] | None = field(default=None, repr=False)
    #: The marker names of the tags asked for, and those some scenario had (for "no scenario has …").
    _wanted: frozenset[str] = frozenset()
    _seen_tags: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, keyword: str | None = None, tags: Sequence[str] = (), rules: Sequence[str] = ()) -> Selection:
        """Check the filters; a bad one is a :class:`SelectionError`."""
        from flowsim.engine import INVARIANTS, RULE_IDS

        from .hints import did_you_mean

        match = compile_keyword(keyword) if keyword is not None and keyword.strip() else None
        known = (*RULE_IDS, *INVARIANTS)
        ids = []
        for rule in rules:
            rule_id = rule.strip().upper()
            if rule_id not in known:
                raise SelectionError(f"--rule {rule!r}: not a rule or invariant id{did_you_mean(rule_id, known)}; "
                                     f"expected one of R1-R{len(RULE_IDS)}, I1-I{len(INVARIANTS)} (docs/rules.md)")
            ids.append(rule_id)
        for tag in tags:
            if not tag.strip():
                raise SelectionError("--tag '': an empty tag; expected a tag of the scenario files, e.g. flow-b")
        return cls(keyword if match else None, tuple(tags), tuple(dict.fromkeys(ids)), match,
                   frozenset(marker_name(t) for t in tags))

    def __bool__(self) -> bool:
        return bool(self._match or self.tags or self.rules)

    @property
    def needs_run(self) -> bool:
        """Whether a scenario must run before it is known to be selected (``--rule``)."""
        return bool(self.rules)

    def before_run(self, path: str, scenario: Any = None) -> bool:
        """``-k`` and ``--tag``: whether the file (``scenario`` None: it could not be read) is selected."""
        if scenario is not None:
            for tag in scenario.tags:
                self._seen_tags.setdefault(marker_name(tag), tag)
        if self._match is not None and not self._match(keywords(path, scenario)):
            return False
        if self.tags:
            return scenario is not None and any(marker_name(t) in self._wanted for t in scenario.tags)
        if self.rules:
            return scenario is not None
        return True

    def after_run(self, scenario: Any, exercised: Iterable[str]) -> bool:
        """``--rule``: whether a scenario that ran is selected (a rule it exercised, or one it covers)."""
        if not self.rules:
            return True
        return any(r in self.rules for r in (*exercised, *scenario.covers))

    def describe(self) -> str:
        """The filters as given on the command line."""
        parts = [f"-k {self.keyword!r}"] if self.keyword else []
        parts += [f"--tag {t}" for t in self.tags]
        parts += [f"--rule {r}" for r in self.rules]
        return " ".join(parts)

    def unknown_tags(self) -> list[str]:
        """The tags asked for that no scenario seen so far has, each with a "did you mean"."""
        from .hints import did_you_mean

        out = []
        for tag in self.tags:
            if marker_name(tag) not in self._seen_tags:
                out.append(f"{tag!r}{did_you_mean(tag, sorted(self._seen_tags.values()))}")
        return out
