"""Write a scenario file: what the TUI uses to save an exploration.

:func:`save_scenario` takes a :class:`~flowsim.scenario.models.Scenario` or
plain data of the same shape (times may be ``datetime``/``timedelta``
objects), validates it, renders YAML in the notation people write (durations
like ``-30d``, ISO times, block style, keys in the documented order), checks
that the text loads back with the loader, and only then replaces the file
atomically (a temporary file in the same directory, ``fsync``, then
``os.replace``), so a crash never leaves half a scenario behind and an
invalid scenario never overwrites a good one.

* Durations keep their precision: ``500ms``, ``1s250us`` (never ``0s``).
* Saving over a symbolic link writes the file it points to; the link stays.
* The temporary file is removed whatever happens (``finally``), and an error
  names the file being saved, never the hidden temporary one.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from typing import Any

import yaml

try:
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]

from .loader import loads_scenario, scenario_from_data
from .models import Scenario


def scenario_data(scenario: Scenario | dict[str, Any], name: str = "<data>") -> dict[str, Any]:
    """Plain YAML-ready data for ``scenario`` (validated; raises ScenarioFileError)."""
    model = scenario if isinstance(scenario, Scenario) else scenario_from_data(scenario, name)
    return model.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_unset=True)


def dump_scenario(scenario: Scenario | dict[str, Any], name: str = "<data>") -> str:
    """The YAML text of a scenario (loads back with :func:`~flowsim.scenario.load_scenario`)."""
    data = scenario_data(scenario, name)
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                     width=100, indent=2)
    loads_scenario(text, name)  # never write what we could not read back
    return text


def save_scenario(scenario: Scenario | dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Atomically write ``scenario`` to ``path`` as a valid scenario file (through a symbolic link).

    Raises :class:`ScenarioFileError` for an invalid scenario and :class:`OSError` naming ``path``
    when it cannot be written.
    """
    target = os.fspath(path)
    text = dump_scenario(scenario, target)
    real = os.path.realpath(target)  # a link is written through, not replaced
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(real), prefix=f".{os.path.basename(real)}.", suffix=".tmp")
        with open(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _file_mode(real))
        os.replace(tmp, real)
        tmp = None
    except OSError as exc:
        if exc.errno is None:
            raise OSError(f"{target}: cannot save the scenario ({exc})") from None
        raise OSError(exc.errno, f"cannot save the scenario ({exc.strerror or exc})", target) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _file_mode(target: str) -> int:
    """The mode the file should end with: the replaced file's, else what ``open()`` would give.

    ``mkstemp`` creates its file 0600; renamed as is, a saved scenario would be
    unreadable to the rest of the team sharing the folder.
    """
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
