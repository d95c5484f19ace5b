"""A cache of validated scenario files: a second ``flowsim run`` of unchanged files skips YAML and validation.

Loading a file (:func:`flowsim.scenario.loader.load_scenario`) costs most of
what ``flowsim run`` spends on a short scenario: composing the YAML, recording
positions, validating with pydantic, the cross-checks.  A file that loaded
cleanly once gives the same :class:`~flowsim.scenario.models.Scenario` from the
same bytes, so ``flowsim run`` keeps the validated scenarios of its files and
reuses each while the file's bytes (and everything else loading depends on)
stay the same.

Decisions (like pytest's ``.pytest_cache``):

* **Where**: ``.flowsim_cache/`` in the current directory, made with a
  ``.gitignore`` of ``*``, a ``CACHEDIR.TAG`` and a ``README.md``.
  ``flowsim run --no-cache`` neither reads nor writes it; ``--cache-clear``
  empties it before the run (which then fills it again).  Nothing else uses
  it: ``flowsim validate``, the pytest plugin, the TUI and ``--watch`` always
  load files in full.
* **What**: one file per set of command-line paths
  (``.flowsim_cache/scenarios/<hash>.pickle``) holding, for each file of the
  last run over those paths that loaded cleanly, the blake2b digest of its
  bytes and its validated scenario.  A file without ``start:`` is not kept
  (its clock checks are made against the wall time); nor is one whose
  scenario holds a value the cache does not know (see below).  The cache is
  written once, at the end of a run, when something changed, as a whole (a
  temporary file renamed onto it); at most :data:`MAX_FILES` cache files are
  kept, the least recently written are removed.
* **Key**: the digest of the file's bytes, under a fingerprint of all else
  loading depends on: flowsim's version and the source of the scenario layer
  and of the engine (with its data: the catalogue, the rule ids), the
  versions of Python, pydantic, pydantic-core, PyYAML and phonenumbers (which
  normalises the numbers), and the template catalogue in use (``--catalogue``).
  Any change of the file, of the catalogue or of flowsim misses.
* **Errors are the full path's**: a file is read with the usual guards
  (:func:`~flowsim.scenario.yamlsource.read_file`: size, FIFOs and devices);
  if its digest is not in the cache it is loaded in full, so every error is
  reported exactly as without a cache, with its file, line and column, and
  an invalid file is never kept.
* **A cache never fails a run**: a cache file that cannot be read, is
  truncated or corrupt, has another fingerprint or holds anything but the
  scenario models is ignored (and replaced when the run writes); one that
  cannot be written is skipped, in silence.  Reading it accepts only the
  classes of the scenario models and the ``datetime`` types (a restricted
  unpickler), so a cache file planted in a project cannot run code; and it is
  signed (HMAC-SHA256) with a key kept in the user's own cache folder
  (``~/.cache/flowsim/scenario-cache.key``, made on first use), so a cache
  file that comes with a checkout, or was changed, is not trusted: it
  cannot make a run pass a file that fails.  Where no key can be kept, no
  cache is written.
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import io
import json
import os
import pickle
import sys
import tempfile
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from . import models, types
from .errors import ScenarioFileError
from .loader import loads_scenario
from .models import Scenario, annotate
from .yamlsource import decode, read_file

#: The cache folder, relative to the current directory.
DEFAULT_DIR = ".flowsim_cache"
#: Cache files kept (one per set of command-line paths); the least recently written go first.
MAX_FILES = 32
#: The first line of a cache file; a file that starts otherwise is ignored.
MAGIC = b"flowsim scenario cache 1\n"

_PACKAGE = Path(__file__).resolve().parent.parent
#: What the fingerprint reads of flowsim itself: the code and data loading runs on.
_SOURCES = ("scenario", "engine")
_DATACLASSES: tuple[type, ...] = (types.ChatItem, types.WebhookItem, types.MessageCheck, types.ApiCheck,
                                  types.PinOfSms)
_PLAIN = (datetime, timedelta, timezone)

_new = object.__new__
_set = object.__setattr__


def _model(cls: type[BaseModel], values: dict[str, Any], fields_set: set[str]) -> BaseModel:
    """A validated model back from its ``__dict__`` (what pydantic's own ``__setstate__`` does, fewer steps)."""
    model = _new(cls)
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", fields_set)
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


def _dataclass(cls: Any, values: tuple[Any, ...]) -> Any:
    """One of the check values (``ChatItem`` …: frozen, slotted dataclasses) back from its fields."""
    item: Any = _new(cls)
    for name, value in zip(cls.__slots__, values):
        _set(item, name, value)
    return item


class _Uncacheable(Exception):
    """A scenario holds a value the cache's reader would refuse: it is not kept."""


class _Pickler(pickle.Pickler):
    """Writes models and check values as calls of :func:`_model` / :func:`_dataclass`; refuses anything else."""

    def reducer_override(self, obj: Any) -> Any:
        # Called for every object but the builtin containers and scalars.
        if isinstance(obj, models._Model):
            if obj.__pydantic_extra__ is not None or obj.__pydantic_private__ is not None:
                raise _Uncacheable(type(obj).__name__)
            return _model, (type(obj), obj.__dict__, obj.__pydantic_fields_set__)
        cls = type(obj)
        if cls in _DATACLASSES:
            return _dataclass, (cls, tuple(getattr(obj, name) for name in cls.__slots__))
        if cls in _PLAIN:
            return NotImplemented
        if (getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)) in _Unpickler.globals():
            return NotImplemented  # a class or function the reader accepts, written by name
        raise _Uncacheable(cls.__name__)


def _allowed_globals() -> dict[tuple[str, str], Any]:
    allowed: dict[tuple[str, str], Any] = {
        (__name__, "_model"): _model, (__name__, "_dataclass"): _dataclass,
    }
    for cls in (*_DATACLASSES, *_PLAIN):
        allowed[(cls.__module__, cls.__qualname__)] = cls
    for value in vars(models).values():
        if isinstance(value, type) and issubclass(value, models._Model):
            allowed[(value.__module__, value.__qualname__)] = value
    return allowed


class _Unpickler(pickle.Unpickler):
    """Reads only what :class:`_Pickler` writes: the scenario models, the check values, datetimes."""

    _allowed: dict[tuple[str, str], Any] = {}

    @classmethod
    def globals(cls) -> dict[tuple[str, str], Any]:
        if not cls._allowed:
            cls._allowed = _allowed_globals()
        return cls._allowed

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self.globals()[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a scenario cache") from None


def _sources() -> Iterator[Path]:
    for part in _SOURCES:
        for path in sorted((_PACKAGE / part).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                yield path


def fingerprint(catalogue: Any = None) -> str:
    """What loading depends on besides the file: flowsim's code and data, the libraries, the catalogue."""
    import phonenumbers  # normalises the numbers the checks keep (any run with users imports it)
    import pydantic
    import pydantic_core
    import yaml

    import flowsim

    h = hashlib.blake2b(digest_size=20)
    for part in (sys.version, flowsim.__version__, pydantic.VERSION, pydantic_core.__version__, yaml.__version__,
                 phonenumbers.__version__):
        h.update(str(part).encode() + b"\0")
    for path in _sources():
        h.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
        try:
            h.update(path.read_bytes())
        except OSError:
            h.update(b"unreadable")
        h.update(b"\0")
    # What an extension can change at run time without touching a file (actions.register adds an action
    # the schema then accepts), so a cached model never hides it.
    from flowsim.engine import ACTION_ARGS, INVARIANTS, RULE_IDS

    h.update(json.dumps([sorted((k, list(v)) for k, v in ACTION_ARGS.items()), list(RULE_IDS), list(INVARIANTS)],
                        default=str).encode() + b"\0")
    entries = getattr(catalogue, "entries", None)
    h.update(b"catalogue " + (json.dumps(entries, sort_keys=True).encode() if entries is not None else b"default"))
    return h.hexdigest()


def digest(data: bytes) -> bytes:
    """The key of a file's bytes."""
    return hashlib.blake2b(data, digest_size=20).digest()


class ScenarioCache:
    """The cache of one run: :meth:`load` instead of ``load_scenario``, :meth:`save` at the end.

    ``paths`` are the run's command-line paths (they name its cache file);
    ``catalogue`` the template catalogue in use (part of the key).
    """

    def __init__(self, paths: Sequence[str], *, catalogue: Any = None,
                 directory: str | os.PathLike[str] = DEFAULT_DIR) -> None:
        self.directory = Path(directory)
        names = "\0".join(os.path.abspath(p) for p in paths)
        self.file = self.directory / "scenarios" / (hashlib.blake2b(names.encode(), digest_size=16).hexdigest()
                                                    + ".pickle")
        self.header = MAGIC + fingerprint(catalogue).encode() + b"\n"
        self._old: dict[str, tuple[bytes, Scenario]] | None = None
        self._new: dict[str, tuple[bytes, Scenario]] = {}
        self._frozen = False
        #: Files loaded from the cache and in full (for tests and the benchmark).
        self.hits = self.misses = 0

    @staticmethod
    def clear(directory: str | os.PathLike[str] = DEFAULT_DIR) -> None:
        """Remove the cache files (``--cache-clear``); a folder that is not there is fine."""
        folder = Path(directory) / "scenarios"
        try:
            names = os.listdir(folder)
        except OSError:
            return
        for name in names:
            if name.endswith((".pickle", ".tmp")):
                try:
                    os.unlink(folder / name)
                except OSError:
                    pass

    def _entries(self) -> dict[str, tuple[bytes, Scenario]]:
        if self._old is None:
            self._old = self._read()
        return self._old

    def _read(self) -> dict[str, tuple[bytes, Scenario]]:
        try:
            with open(self.file, "rb") as fh:
                if fh.read(len(self.header)) != self.header:
                    return {}
                signature = fh.read(_SIGNATURE_BYTES)
                blob = fh.read()
        except OSError:
            return {}
        key = signing_key()
        if key is None or not hmac.compare_digest(signature, _sign(key, self.header, blob)):
            return {}  # written on another machine, or by another user, or changed since: not trusted
        # Thousands of small models, none of them garbage, that live until the run ends.  Made
        # with the collector on, or left to it afterwards, they would be walked by every
        # collection of the run (the first one alone, of all of them at once, costs as much as
        # reading them).  So they are made with it off and frozen before it is on again: it
        # skips them (they are freed by reference counting as usual: they hold no cycles) until
        # :meth:`close` unfreezes them, unless something else had frozen objects before (then
        # what it froze, and these, stay frozen).
        enabled = gc.isenabled()
        gc.disable()
        try:
            entries = _Unpickler(io.BytesIO(blob)).load()
            valid = isinstance(entries, dict) and all(
                isinstance(k, str) and isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], bytes)
                and isinstance(v[1], Scenario) for k, v in entries.items())
            if valid:
                self._frozen = gc.get_freeze_count() == 0
                gc.freeze()
        except Exception:  # noqa: BLE001 - a corrupt or foreign cache is ignored, whatever it raises
            return {}
        finally:
            if enabled:
                gc.enable()
        return entries if valid else {}

    def load(self, path: str) -> Scenario:
        """What :func:`~flowsim.scenario.loader.load_scenario` gives, from the cache when the bytes are known."""
        data = read_file(path)
        key = digest(data)
        entry = self._entries().get(path)
        if entry is not None and entry[0] == key:
            scenario = entry[1]
            self.hits += 1
        else:
            self.misses += 1
            scenario = loads_scenario(decode(data, path), path)  # raises, with the file's positions
        annotate(scenario, "_path", path)
        if scenario.start is not None:
            self._new[path] = (key, scenario)
        return scenario

    def close(self) -> None:
        """The run is over: the collector sees the scenarios again (:meth:`save` calls it; calling it twice is fine)."""
        if self._frozen:
            gc.unfreeze()
            self._frozen = False

    def save(self) -> None:
        """Write the cache if this run changed it: a file loaded in full, changed, or no longer run."""
        self.close()
        old = self._old if self._old is not None else {}
        if old.keys() == self._new.keys() and all(old[p][0] == e[0] for p, e in self._new.items()):
            return
        try:
            try:
                blob = self._dump(self._new)
            except Exception:  # noqa: BLE001 - _Uncacheable, or a value pickle cannot write: find which
                blob = self._dump({path: entry for path, entry in self._new.items() if self._dumps(entry)})
            self._write(blob)
        except Exception:  # noqa: BLE001 - a cache that cannot be written is no error of the run
            pass

    @classmethod
    def _dumps(cls, entry: tuple[bytes, Scenario]) -> bool:
        try:
            cls._dump({"": entry})
        except Exception:  # noqa: BLE001
            return False
        return True

    @staticmethod
    def _dump(entries: dict[str, tuple[bytes, Scenario]]) -> bytes:
        out = io.BytesIO()
        _Pickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(entries)
        return out.getvalue()

    def _write(self, blob: bytes) -> None:
        key = signing_key()
        if key is None:
            return  # nothing to sign with: a cache no run could trust
        folder = self.file.parent
        if not self.directory.is_dir():
            self.directory.mkdir(parents=True, exist_ok=True)
            (self.directory / ".gitignore").write_text("# Made by flowsim run (its cache); safe to delete.\n*\n")
            (self.directory / "CACHEDIR.TAG").write_text(
                "Signature: 8a477f597d28d172789f06886806bc55\n"
                "# This file is a cache directory tag made by flowsim run.\n")
            (self.directory / "README.md").write_text(
                "# flowsim cache\n\nValidated scenario files, kept by `flowsim run` so that a second run of "
                "unchanged files skips reading their YAML again.\nSafe to delete; `flowsim run --cache-clear` "
                "empties it, `--no-cache` does not use it.\nSee flowsim/scenario/cache.py.\n")
        folder.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(self.header)
                fh.write(_sign(key, self.header, blob))
                fh.write(blob)
            os.replace(tmp, self.file)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        _prune(folder, keep=MAX_FILES)


#: An HMAC-SHA256 of the header and the pickle, after the header.
_SIGNATURE_BYTES = 32


def _sign(key: bytes, header: bytes, blob: bytes) -> bytes:
    return hmac.new(key, header + blob, hashlib.sha256).digest()


def key_path() -> Path:
    """Where the signing key lives: the user's cache folder (``$XDG_CACHE_HOME``, else ``~/.cache``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "flowsim" / "scenario-cache.key"


def signing_key() -> bytes | None:
    """This user's secret that signs cache files, made on first use (None if it cannot be kept).

    A cache file is a project's file: it could come with a checkout (committed
    by mistake, or on purpose to make ``flowsim run`` pass files that fail).
    Signed with a key that never leaves the user's own cache folder, a cache
    file is trusted only where it was written.
    """
    path = key_path()
    try:
        key = path.read_bytes()
        if len(key) == _SIGNATURE_BYTES:
            return key
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")  # mode 0600
        with os.fdopen(fd, "wb") as fh:
            fh.write(os.urandom(_SIGNATURE_BYTES))
        os.replace(tmp, path)  # two runs making one at once: the last wins, the other's cache is redone
        key = path.read_bytes()
    except OSError:
        return None
    return key if len(key) == _SIGNATURE_BYTES else None


def _prune(folder: Path, keep: int) -> None:
    """At most ``keep`` cache files: the least recently written go."""
    try:
        files = [(entry.stat().st_mtime_ns, entry.path) for entry in os.scandir(folder)
                 if entry.name.endswith(".pickle")]
    except OSError:
        return
    for _, path in sorted(files, reverse=True)[keep:]:
        try:
            os.unlink(path)
        except OSError:
            pass
