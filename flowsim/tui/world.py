"""A new world for the TUI: the templates it can start from, and the world the new-world form describes.

Why: exploring a world of one's own (two users in a state QA wants to
try) used to mean writing a scenario file first, or pointing the TUI at an
empty folder for the built-in world.  The form (``screens/new_world.py``)
asks for what a person knows — users by id and phone number (and how old
the account is), official accounts by id and name — and a template brings
the rest (consent, SMS validity, the start).  The result is scenario data
without steps, opened as a session (``Session(data=…)``) and checked by the
scenario loader and the runner's set-up exactly as a file would be, so a
save writes a file ``flowsim run`` passes.
"""

from __future__ import annotations

import copy
from typing import Any

from flowsim.engine import JST, wall_now
from flowsim.scenario import ScenarioFileError, ScenarioRun, scenario_from_data

from .defaults import DEFAULT_WORLD

__all__ = ["WORLD_KEYS", "check_world", "templates", "world_from_rows"]

#: What a world is made of in scenario data (the rest of a file is its name and its steps).
WORLD_KEYS = ("start", "seed", "official_accounts", "users")

#: A scenario file needs a step; a new world has none yet.  It is checked with this one (which checks
#: nothing) and opened with none (``Session``).
PLACEHOLDER_STEP: dict[str, Any] = {"expect": {}}

#: The blank template: one account and one user to rename.
BLANK = {"official_accounts": {"shop": {"name": "Shop"}}, "users": {"user1": {"phone": "+818000000001"}}}


def _world_of(data: dict[str, Any]) -> dict[str, Any]:
    return {key: copy.deepcopy(data[key]) for key in WORLD_KEYS if key in data}


def templates(open_scenario: dict[str, Any] | None = None, open_name: str = "") -> dict[str, tuple[str, dict]]:
    """The worlds a new one can start from: key → (label, world as scenario data without steps)."""
    # The blank world starts now (to the minute, Japan time): a start with seconds reads as noise in a file.
    now = wall_now().astimezone(JST).replace(second=0, microsecond=0)
    out = {
        "blank": ("Blank: one account, one user", {"start": now.isoformat(), **copy.deepcopy(BLANK)}),
        "demo": ("Demo world: shop; hanako (Flow B), ken (Flow A), yui (Flow C)", _world_of(DEFAULT_WORLD)),
    }
    if open_scenario is not None and (open_scenario.get("users") or open_scenario.get("official_accounts")):
        out["open"] = (f"The open scenario's world ({open_name})", _world_of(open_scenario))
    return out


def world_from_rows(name: str, template: dict[str, Any], accounts: list[tuple[str, str]],
                    users: list[tuple[str, str, str]]) -> dict[str, Any]:
    """Scenario data (no steps) for the form's rows, on ``template``.

    ``accounts`` are ``(id, name)`` rows, ``users`` ``(id, phone, created)``
    rows (``created`` empty: the template's, else the loader's default); a
    row without an id is left out.  An id the template has keeps the
    template's other settings (a user's consent, SMS validity, …).
    """
    data: dict[str, Any] = {"name": name.strip() or "New world"}
    data.update({key: copy.deepcopy(template[key]) for key in ("start", "seed") if key in template})
    old_accounts = template.get("official_accounts") or {}
    data["official_accounts"] = {}
    for oa_id, oa_name in accounts:
        if oa_id.strip():
            spec = copy.deepcopy(old_accounts.get(oa_id.strip()) or {})
            if oa_name.strip():
                spec["name"] = oa_name.strip()
            data["official_accounts"][oa_id.strip()] = spec
    old_users = template.get("users") or {}
    data["users"] = {}
    for user_id, phone, created in users:
        if user_id.strip():
            spec = copy.deepcopy(old_users.get(user_id.strip()) or {})
            spec["phone"] = phone.strip() or None
            if created.strip():
                spec["created"] = created.strip()
            data["users"][user_id.strip()] = spec
    return data


def check_world(data: dict[str, Any]) -> str | None:
    """Why ``data`` is not a world the scenario loader and the simulator accept (None: it is)."""
    if not data.get("users") and not data.get("official_accounts"):
        return "a world needs a user or an official account"
    try:
        ScenarioRun(scenario_from_data({**copy.deepcopy(data), "steps": [PLACEHOLDER_STEP]}, "new world"))
    except ScenarioFileError as exc:
        return exc.message
    return None
