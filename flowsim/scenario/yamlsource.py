"""Read a YAML file into plain Python values, remembering where each came from.

PyYAML's C parser composes the node tree (``yaml.compose(..., CSafeLoader)``:
safe, no object construction); this module converts the nodes itself so that
it can record the 1-based line and column of every value (and of every
mapping key) by its path, e.g. ``("steps", 3, "send", "to")``.  The loader
uses these positions to point every error at ``file:line:col``.

Decisions (a mature tool's reading where YAML is loose):

* **Guards before and during parsing**: a file over :data:`MAX_BYTES` is
  refused before it is read; NUL bytes (binary junk) and bytes that are not
  UTF-8 are refused with the position of the first bad byte; aliases may not
  expand to more than :data:`MAX_NODES` values (the "billion laughs" bomb
  costs nothing to compose but everything to expand; the values written out
  are bounded by the file's size, so only what aliases repeat is counted: a
  plain 1 MiB file of 65,000 steps is no bomb); nesting is limited to
  :data:`MAX_DEPTH`; recursive aliases are refused.
* **Mapping keys are text**: a key is the scalar as written (``no:`` is the
  key ``"no"``, not ``False``); duplicate keys are errors, not "last wins".
* **Timestamps stay text**: the loader parses times itself (requiring a UTC
  offset), so YAML's implicit timestamp resolution is not used.
* **Plain numbers remember their spelling**: ``pin: 012345`` or
  ``phone: +818000001234`` resolve to integers in YAML 1.1, losing zeros and
  ``+``.  They come back as :class:`RawInt` / :class:`RawFloat` (int/float
  subclasses with ``.raw``), so fields that want text get it as written.
* **Numbers that are not** (``!!int twelve``, ``!!bool maybe``, ``0x_``) are
  errors at the value, not tracebacks; so is an integer of more than
  :data:`MAX_INT_DIGITS` characters (Python will not convert 4300 digits,
  and sexagesimal or hex forms cost more the longer they are).
* Merge keys (``<<: *defaults``) are supported; explicit keys win.
"""

from __future__ import annotations

import os
import re
import stat
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]  # the other of the two loaders

from .errors import ScenarioFileError


class _Loader(_BaseLoader):
    """The C loader with a faster implicit-tag resolver (same results, no path resolvers).

    PyYAML's resolver is Python code that the C parser calls for every node;
    most scalars in a scenario file are plain words that no implicit resolver
    can match (their first character rules them out), so they skip the
    regular expressions.  Measured: composing a typical file takes about a
    third less time.
    """

    #: PyYAML's table (untyped in its stubs): first character -> [(tag, regexp)], None for any.
    yaml_implicit_resolvers: dict[str | None, list[tuple[str, re.Pattern[str]]]]

    _candidates = frozenset(k for k in _BaseLoader.yaml_implicit_resolvers if k is not None)

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        # ``value`` and ``implicit``: a scalar's text and (plain, quoted); None and a bool for a collection.
        if kind is ScalarNode:
            if implicit[0] and (value == "" or value[0] in self._candidates):
                for tag, regexp in self.yaml_implicit_resolvers.get(value[:1], ()):
                    if regexp.match(value):
                        return tag
            return _STR
        if kind is MappingNode:
            return _MAP
        return _SEQ

#: Files larger than this are refused before reading (a scenario is a few KiB).
MAX_BYTES = 1024 * 1024
#: Values that aliases may add to a document (each use of an alias counts what it repeats).
MAX_NODES = 100_000
#: Nesting depth of mappings and lists.
MAX_DEPTH = 64
#: Characters of an integer scalar (a scenario's numbers are seeds and counts; quote longer digits).
MAX_INT_DIGITS = 1000

Path = tuple[Any, ...]
Position = tuple[int, int]

_T = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = _T + "str", _T + "int", _T + "float", _T + "bool", _T + "null"
_TIMESTAMP, _MERGE, _MAP, _SEQ = _T + "timestamp", _T + "merge", _T + "map", _T + "seq"
_constructor = SafeConstructor()


class RawInt(int):
    """An integer that YAML resolved from a plain scalar; ``.raw`` is the text as written."""

    raw: str

    def __new__(cls, value: int, raw: str) -> RawInt:
        self = super().__new__(cls, value)
        self.raw = raw
        return self

    def __reduce__(self) -> tuple[type[int], tuple[int]]:
        return (int, (int(self),))


class RawFloat(float):
    """A float resolved from a plain scalar; ``.raw`` is the text as written."""

    raw: str

    def __new__(cls, value: float, raw: str) -> RawFloat:
        self = super().__new__(cls, value)
        self.raw = raw
        return self

    def __reduce__(self) -> tuple[type[float], tuple[float]]:
        return (float, (float(self),))


class Positions:
    """Where each value (``values``) and each mapping key (``keys``) starts, by path.

    Built lazily from the node tree: a valid file never needs more than its
    step lines, so the full walk (about as costly as the conversion itself)
    is done only when an error has to be pointed at.
    """

    __slots__ = ("_values", "_keys", "_root", "_name")

    def __init__(self, root: Any = None, name: str = "") -> None:
        self._values: dict[Path, Position] | None = None if root is not None else {}
        self._keys: dict[Path, Position] | None = None if root is not None else {}
        self._root = root
        self._name = name

    def _compute(self) -> None:
        converter = _Converter(self._name)
        try:
            converter.convert(self._root, (), 0)
        except ScenarioFileError:  # pragma: no cover - the fast conversion succeeded on the same tree
            pass
        self._values, self._keys = converter.values, converter.keys

    @property
    def values(self) -> dict[Path, Position]:
        if self._values is None:
            self._compute()
        return self._values  # type: ignore[return-value]

    @property
    def keys(self) -> dict[Path, Position]:
        if self._keys is None:
            self._compute()
        return self._keys  # type: ignore[return-value]

    def step_lines(self) -> list[int]:
        """1-based line of each item of the top-level ``steps`` list (cheap: no full walk)."""
        if self._values is not None:
            lines, i = [], 0
            while ("steps", i) in self._values:
                lines.append(self._values[("steps", i)][0])
                i += 1
            return lines
        root = self._root
        if type(root) is MappingNode:
            for key, value in root.value:
                if type(key) is ScalarNode and key.value == "steps" and type(value) is SequenceNode:
                    return [child.start_mark.line + 1 for child in value.value]
        return []

    def of_value(self, path: Path) -> Position:
        """The value at ``path``, or the nearest enclosing one we know."""
        values = self.values
        while path:
            pos = values.get(path)
            if pos is not None:
                return pos
            path = path[:-1]
        return values.get((), (1, 1))

    def of_key(self, path: Path) -> Position:
        """The key that introduces ``path`` (``send:``), else the value's position."""
        pos = self.keys.get(path)
        return pos if pos is not None else self.of_value(path)


def read_text(path: str | os.PathLike[str]) -> str:
    """The file's text, after the kind, size, binary and encoding guards."""
    name = os.fspath(path)
    return decode(read_file(name), name)


#: Opened without waiting: a FIFO (or a terminal) would block ``open()`` until a writer comes.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def read_file(name: str, what: str = "scenario file", limit: int = MAX_BYTES) -> bytes:
    """The bytes of the regular file ``name``: the one place flowsim opens a file it was given.

    A FIFO, socket or device is refused from its metadata and never read (reading one
    waits for ever, or for ever more bytes), and the open itself cannot wait.  A file
    larger than ``limit`` is refused before it is read.  Problems are
    :class:`ScenarioFileError` at 1:1 that say what was expected (``what``).
    """
    def refuse(message: str) -> ScenarioFileError:
        return ScenarioFileError(name, 1, 1, f"{message}; expected a {what}")

    try:
        fd = os.open(name, _OPEN_FLAGS)
    except OSError as exc:
        try:
            kind = _kind(os.stat(name).st_mode)
        except OSError:
            kind = None
        raise refuse(f"{kind}, not a regular file" if kind else f"cannot read the file ({exc.strerror or exc})") from None
    chunks: list[bytes] = []
    try:  # os.read on the descriptor: a file object would cost a third of a cached load
        st = os.fstat(fd)
        kind = _kind(st.st_mode)
        if kind is not None:
            raise refuse(f"{kind}, not a regular file")
        if st.st_size > limit:
            raise ScenarioFileError(name, 1, 1, f"file is {st.st_size / 1024 / 1024:.1f} MiB"
                                    f"{_too_big(what, limit)}")
        left = limit + 1
        try:
            while left > 0:
                chunk = os.read(fd, left)
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
        except OSError as exc:
            raise refuse(f"cannot read the file ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if len(data) > limit:  # it grew while we looked
        raise ScenarioFileError(name, 1, 1, f"file is larger than {limit / 1024 / 1024:g} MiB{_too_big(what, limit)}")
    return data


def _too_big(what: str, limit: int) -> str:
    return f"; expected a {what} of at most {limit / 1024 / 1024:g} MiB"


def _kind(mode: int) -> str | None:
    """What a file that is not a regular file is (``None`` for a regular file)."""
    return None if stat.S_ISREG(mode) else next((kind for test, kind in _KINDS if test(mode)), "not a file")


def decode(data: bytes, name: str, what: str = "UTF-8 YAML text file") -> str:
    """UTF-8 text (a BOM is allowed); binary junk is refused where it starts."""
    if len(data) > MAX_BYTES:
        raise ScenarioFileError(name, 1, 1, f"file is larger than {MAX_BYTES // 1024 // 1024} MiB; "
                                "expected a scenario file of at most 1 MiB")
    nul = data.find(b"\0")
    if nul >= 0:
        line, col = _line_col(data, nul)
        raise ScenarioFileError(name, line, col, f"binary data (a NUL byte); expected a {what}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = _line_col(data, exc.start)
        raise ScenarioFileError(name, line, col, f"byte 0x{data[exc.start]:02x} is not UTF-8; "
                                f"expected a {what}") from None


def _line_col(data: bytes, offset: int) -> Position:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, len(data[start:offset].decode("utf-8", "replace")) + 1


def parse(text: str, name: str) -> tuple[Any, Positions]:
    """Compose ``text`` safely and convert it; returns ``(value, positions)``."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except (yaml.YAMLError, RecursionError) as exc:
        # Whatever the installed PyYAML's own limits and words, a file nested
        # deeper than MAX_DEPTH gets flowsim's message (checked on failure only).
        too_deep = _depth_error(text, name, exc)
        if too_deep is not None:
            raise too_deep from None
        _raise_yaml_error(exc, name)
    if node is None:
        raise ScenarioFileError(name, 1, 1, "empty file; expected a mapping with at least `name:` and `steps:`")
    try:
        return _fast_convert(node), Positions(node, name)
    except _Unusual:
        pass
    converter = _Converter(name)
    value = converter.convert(node, (), 0)  # raises the precise error, if there is one
    positions = Positions()
    positions._values, positions._keys = converter.values, converter.keys
    return value, positions


def _depth_error(text: str, name: str, failure: BaseException) -> ScenarioFileError | None:
    """Flowsim's own depth error if ``text`` nests deeper than :data:`MAX_DEPTH` before ``failure``.

    libyaml (and newer pure-Python PyYAML releases) refuse deep nesting with a
    limit and wording of their own; so when composing fails, the file is read
    again as an event stream by PyYAML's pure-Python parser, which keeps its
    own stack (no recursion), up to the failure's position, stopping at the
    first collection deeper than the limit.  The cost is paid on broken
    files only and is bounded by the text before the failure.
    """
    mark = getattr(failure, "problem_mark", None) or getattr(failure, "context_mark", None)
    end = len(text) if mark is None or mark.index is None else min(len(text), mark.index + 1)
    text = text[:end]
    if not _may_nest_deeper_than(text, MAX_DEPTH):
        return None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    start = event.start_mark
                    assert start is not None  # the parser marks every event
                    return ScenarioFileError(name, start.line + 1, start.column + 1,
                                             f"nested too deeply; expected at most {MAX_DEPTH} levels")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except (yaml.YAMLError, RecursionError):
        pass
    return None


#: What starts a line before its content: indentation and the block indicators ``-`` and ``?``.
_LINE_PREFIX = re.compile(r"^[ \t?-]*", re.MULTILINE)


def _may_nest_deeper_than(text: str, limit: int) -> bool:
    """A cheap, sound upper bound on the nesting of ``text`` exceeds ``limit``.

    A flow collection opens with ``[`` or ``{``; block collections nest at
    most two levels per column of a line's prefix (a list may sit at its
    key's column, nothing else may).  So most broken files skip the slow
    pure-Python scan of :func:`_depth_error` (about 5 s for 1 MiB).
    """
    flow = text.count("[") + text.count("{")
    prefix = max(map(len, _LINE_PREFIX.findall(text)), default=0)
    return flow + 2 * (prefix + 1) > limit


def _raise_yaml_error(exc: BaseException, name: str) -> None:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        what = "; ".join(p for p in (exc.context, exc.problem) if p)
        start = exc.context_mark
        if start is not None and mark is not None and (start.line, start.column) != (mark.line, mark.column):
            what += f" (it starts at line {start.line + 1}, column {start.column + 1})"
        raise ScenarioFileError(name, line, col, f"invalid YAML: {what}; expected well-formed YAML "
                                "(check the indentation and quoting here)") from None
    if isinstance(exc, RecursionError):
        raise ScenarioFileError(name, 1, 1, f"YAML nested too deeply; expected at most {MAX_DEPTH} levels") from None
    raise ScenarioFileError(name, 1, 1, f"invalid YAML: {exc}; expected well-formed YAML") from None


#: What PyYAML's constructors raise for a scalar that its tag does not fit (``!!int twelve``,
#: ``!!bool maybe``, ``!!float ""``, ``0x_``).
_CONSTRUCTION_ERRORS = (ValueError, LookupError, TypeError, OverflowError)
_SCALAR_EXPECTED = {
    _INT: ("a whole number", "digits such as 42, -7, 0x2a or 0b101"),
    _FLOAT: ("a number", "e.g. 1.5, -2e3, .inf or .nan"),
    _BOOL: ("a boolean", "true or false"),
}


class _Unusual(Exception):
    """The fast conversion met something it leaves to the careful one (merge keys, limits, errors)."""


def _fast_convert(root: Any) -> Any:
    """Nodes → values without recording positions; raises :class:`_Unusual` for anything but plain data.

    About twice as fast as :class:`_Converter`, which reruns on anything
    unusual to give the precise error or handle merge keys.
    """
    count = 0  # values repeated by aliases: a collection met again counts its items again
    seen: set[int] = set()
    construct_int = _constructor.construct_yaml_int
    construct_float = _constructor.construct_yaml_float
    construct_bool = _constructor.construct_yaml_bool

    def convert(node: Any, depth: int) -> Any:
        nonlocal count
        cls = node.__class__
        if cls is ScalarNode:
            tag = node.tag
            if tag == _STR or tag == _TIMESTAMP:
                return node.value
            if tag == _INT:
                if len(node.value) > MAX_INT_DIGITS:
                    raise _Unusual
                return RawInt(construct_int(node), node.value)
            if tag == _NULL:
                return None
            if tag == _BOOL:
                return construct_bool(node)
            if tag == _FLOAT:
                return RawFloat(construct_float(node), node.value)
            raise _Unusual
        if depth >= MAX_DEPTH:
            raise _Unusual
        ident = id(node)
        if ident in seen:
            count += len(node.value)
            if count > MAX_NODES:
                raise _Unusual
        else:
            seen.add(ident)
        if cls is MappingNode:
            if node.tag != _MAP:
                raise _Unusual
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.__class__ is not ScalarNode or key_node.tag == _MERGE:
                    raise _Unusual
                key = key_node.value
                if key in out:
                    raise _Unusual
                out[key] = convert(value_node, depth + 1)
            return out
        if cls is SequenceNode and node.tag == _SEQ:
            return [convert(child, depth + 1) for child in node.value]
        raise _Unusual

    try:
        return convert(root, 0)
    except _CONSTRUCTION_ERRORS:
        raise _Unusual from None


class _Converter:
    """The careful conversion: positions of every value and key, precise errors."""

    __slots__ = ("name", "values", "keys", "count", "active", "seen")

    def __init__(self, name: str) -> None:
        self.name = name
        self.values: dict[Path, Position] = {}
        self.keys: dict[Path, Position] = {}
        self.count = 0  # values repeated by aliases, as in _fast_convert
        self.active: set[int] = set()
        self.seen: set[int] = set()

    def error(self, node: Any, message: str) -> ScenarioFileError:
        mark = node.start_mark
        return ScenarioFileError(self.name, mark.line + 1, mark.column + 1, message)

    def convert(self, node: Any, path: Path, depth: int) -> Any:
        mark = node.start_mark
        self.values[path] = (mark.line + 1, mark.column + 1)
        if type(node) is ScalarNode:
            return self.scalar(node)
        if depth >= MAX_DEPTH:
            raise self.error(node, f"nested too deeply; expected at most {MAX_DEPTH} levels")
        ident = id(node)
        if ident in self.active:
            raise self.error(node, "a recursive alias; expected a tree of plain values")
        if ident in self.seen:
            self.count += len(node.value)
            if self.count > MAX_NODES:
                raise self.error(node, f"aliases repeat more than {MAX_NODES:,} values (an alias bomb?); "
                                       "expected a plain scenario file")
        else:
            self.seen.add(ident)
        self.active.add(ident)
        try:
            if type(node) is MappingNode:
                return self.mapping(node, path, depth)
            if type(node) is SequenceNode:
                if node.tag != _SEQ:
                    raise self.error(node, f"unsupported tag {node.tag!r}; expected a plain YAML list")
                return [self.convert(child, (*path, i), depth + 1) for i, child in enumerate(node.value)]
        finally:
            self.active.discard(ident)
        raise self.error(node, "unsupported YAML node; expected mappings, lists and scalars")  # pragma: no cover

    def scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        if tag == _STR or tag == _TIMESTAMP:
            return node.value
        if tag == _NULL:
            return None
        if tag not in _SCALAR_EXPECTED:
            raise self.error(node, f"unsupported tag {tag!r}; expected a plain string, number, boolean or null")
        value = node.value
        if tag == _INT and len(value) > MAX_INT_DIGITS:
            raise self.error(node, f"an integer of {len(value):,} characters; expected at most "
                                   f"{MAX_INT_DIGITS:,} digits (quote it to make it text)")
        try:
            if tag == _INT:
                return RawInt(_constructor.construct_yaml_int(node), value)
            if tag == _FLOAT:
                return RawFloat(_constructor.construct_yaml_float(node), value)
            return _constructor.construct_yaml_bool(node)
        except _CONSTRUCTION_ERRORS:
            what, expected = _SCALAR_EXPECTED[tag]
            raise self.error(node, f"{describe_type(value)} is not {what} (YAML {tag.replace(_T, '!!')}); "
                                   f"expected {expected}, or quotes to make it text") from None

    def mapping(self, node: MappingNode, path: Path, depth: int) -> dict[str, Any]:
        if node.tag != _MAP:
            raise self.error(node, f"unsupported tag {node.tag!r}; expected a plain YAML mapping")
        out: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                sources = value_node.value if type(value_node) is SequenceNode else [value_node]
                for source in sources:
                    value = self.convert(source, (*path, "<<"), depth + 1)
                    if not isinstance(value, dict):
                        raise self.error(source, "a merge key (<<) needs a mapping; expected *alias of a mapping")
                    for k, v in value.items():
                        merged.setdefault(k, v)
                continue
            if type(key_node) is not ScalarNode:
                raise self.error(key_node, "a mapping key must be plain text; expected `key: value`")
            key = key_node.value
            if key in out:
                raise self.error(key_node, f"duplicate key {key!r}; expected each key once in a mapping")
            child = (*path, key)
            mark = key_node.start_mark
            self.keys[child] = (mark.line + 1, mark.column + 1)
            out[key] = self.convert(value_node, child, depth + 1)
        for k, v in merged.items():
            out.setdefault(k, v)
        return out


def describe_type(value: Any) -> str:
    """How an error names what it found: ``a list``, ``a mapping``, ``true``, ``42``, ``'text'``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (RawInt, RawFloat)):
        return value.raw
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    return repr(value)
