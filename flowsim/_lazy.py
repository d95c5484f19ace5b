"""Module attributes imported on first use (PEP 562), for a package's ``__init__``.

Why: a package's names should be importable from the package itself, but
importing each module eagerly makes every ``import flowsim.x`` pay for the
whole package (the engine pulls in pydantic and phonenumbers; the scenario
runner the YAML loader), which the command line and ``flowsim tui`` do not
need before they know what they will run.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, exports: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, whose name ``n`` lives in ``package.exports[n]``."""
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *exports})

    return __getattr__, __dir__
