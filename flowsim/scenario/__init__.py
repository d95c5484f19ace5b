"""Scenario files: loader, runner, writer, CLI commands and pytest plugin (see docs/architecture.md).

The public names are imported lazily (PEP 562): the pytest plugin module
lives in this package and is loaded by every pytest run of the project, which
should not pay for pydantic models and the engine unless it meets a scenario.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flowsim._lazy import lazy_exports

_EXPORTS = {
    "load_scenario": "loader",
    "loads_scenario": "loader",
    "scenario_from_data": "loader",
    "step_from_data": "loader",
    "ScenarioFileError": "errors",
    "Scenario": "models",
    "ScenarioRun": "runner",
    "StepResult": "runner",
    "Mismatch": "runner",
    "save_scenario": "writer",
    "dump_scenario": "writer",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # pragma: no cover
    # ``X as X``: re-exported for the type checker (``__all__`` above is computed).
    from .errors import ScenarioFileError as ScenarioFileError
    from .loader import load_scenario as load_scenario
    from .loader import loads_scenario as loads_scenario
    from .loader import scenario_from_data as scenario_from_data
    from .loader import step_from_data as step_from_data
    from .models import Scenario as Scenario
    from .runner import Mismatch as Mismatch
    from .runner import ScenarioRun as ScenarioRun
    from .runner import StepResult as StepResult
    from .writer import dump_scenario as dump_scenario
    from .writer import save_scenario as save_scenario


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
