"""The TUI's model, without Textual: one open scenario, its run, and the explored steps.

A :class:`Session` wraps the scenario layer's runner (``flowsim.scenario.ScenarioRun``,
see ``docs/architecture.md``) and adds what the TUI needs on top:

* the raw YAML of the scenario (step labels, and the world to save);
* stepping helpers: run to the end, to the next failure, jump to a step;
* **explore mode**: every tap, clock move and send the person makes is done on
  the same :class:`~flowsim.Simulation` and recorded as a scenario step
  (``do``/``advance``/``send`` with ``user:``), so that :meth:`Session.save`
  writes a scenario file that ``flowsim run`` passes.

When the scenario layer cannot be imported (it is optional for the TUI's
world), a small built-in runner (:class:`MiniRun`) runs ``send``/``do``/
``advance`` steps on the engine directly and does not check ``expect``.
"""

from __future__ import annotations

import copy
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

from flowsim import Simulation, hash_number

from .defaults import DEFAULT_WORLD

#: The keys of a scenario file that describe the world (kept when saving).
WORLD_KEYS = ("start", "seed", "official_accounts", "users")

_DURATION = re.compile(r"^\s*([+-])?\s*(?:(\d+)y)?\s*(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?\s*$")


def parse_duration(text: str | int | float) -> timedelta:
    """``"-179d23h59m"`` → timedelta; units y d h m s (a year is 365 days)."""
    match = _DURATION.match(str(text))
    if not match or not any(match.groups()[1:]):
        raise ValueError(f"invalid duration {text!r}: expected e.g. 24h, 30d or 1d12h")
    y, d, h, m, s = (int(g or 0) for g in match.groups()[1:])
    delta = timedelta(days=365 * y + d, hours=h, minutes=m, seconds=s)
    return -delta if match.group(1) == "-" else delta


def format_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    parts = []
    for unit, factor in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= factor:
            parts.append(f"{seconds // factor}{unit}")
            seconds %= factor
    return sign + ("".join(parts) or "0s")


def parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        parsed = datetime.fromisoformat(str(value).strip().replace(" ", "T", 1) if "T" not in str(value) else str(value).strip())
    if parsed.tzinfo is None:
        raise ValueError(f"time {value!s} has no UTC offset; e.g. 2026-04-01T09:00:00+09:00")
    return parsed


def _when(value: Any, start: datetime) -> datetime | None:
    """A user's time field: ``null``, a duration relative to start, or an ISO time."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return parse_time(value)
    text = str(value)
    if _DURATION.match(text) and any(_DURATION.match(text).groups()[1:]):
        return start + parse_duration(text)
    return parse_time(text)


def build_simulation(world: dict[str, Any]) -> Simulation:
    """A :class:`Simulation` from a scenario file's world keys (used without the scenario layer)."""
    start = parse_time(world["start"]) if world.get("start") is not None else None
    sim = Simulation(start=start, seed=int(world.get("seed", 0)))
    for oa_id, oa in (world.get("official_accounts") or {}).items():
        oa = oa or {}
        sim.add_official_account(str(oa_id), oa.get("name"), oa.get("country", "JP"),
                                 token=oa.get("token"), secret=oa.get("secret"), webhook=oa.get("webhook"))
    now = sim.now
    for user_id, u in (world.get("users") or {}).items():
        u = u or {}
        sim.add_user(
            str(user_id), u.get("phone"), region=u.get("region"),
            consent=u.get("consent", "not_set"),
            created_at=_when(u.get("created", "-3y"), now),
            sms_verified_at=_when(u.get("sms_verified"), now),
            phone_changed_at=_when(u.get("phone_changed"), now),
            privacy_policy=u.get("privacy_policy", True),
            language=u.get("language", "en"),
            app_version=str(u.get("app_version", "15.9.0")),
            blocked=u.get("blocked") or (), friends=u.get("friends") or (),
        )
    return sim


# ---------------------------------------------------------------------- the runner


def scenario_layer():
    """The scenario layer's module, or ``None`` while it is not available."""
    try:
        import flowsim.scenario as layer
    except ImportError:  # pragma: no cover - depends on the checkout
        return None
    if not all(hasattr(layer, n) for n in ("load_scenario", "ScenarioRun", "save_scenario")):
        return None
    return layer


@dataclass
class MiniMismatch:
    key: str
    expected: Any
    actual: Any


@dataclass
class MiniResult:
    """Same shape as the scenario layer's ``StepResult``."""

    index: int
    line: int
    kind: str
    ok: bool
    mismatches: list[MiniMismatch] = field(default_factory=list)
    error: str | None = None
    summary: str = ""

    def report(self) -> str:
        return self.summary + (f"\n{self.error}" if self.error else "")


@dataclass
class MiniStep:
    raw: dict[str, Any]
    line: int = 0


def step_kind(raw: dict[str, Any]) -> str:
    for kind in ("send", "do", "advance_to", "advance", "expect"):
        if kind in raw:
            return kind
    return "?"


def _single_user(sim: Simulation, raw: dict[str, Any]) -> str:
    if raw.get("user"):
        return str(raw["user"])
    if len(sim.users) == 1:
        return next(iter(sim.users))
    raise ValueError("step needs user: (the scenario has several users)")


def resolve_to(sim: Simulation, to: Any) -> str:
    to = str(to)
    if to in sim.users:
        return sim.hash_of(to) or "0" * 64
    if re.fullmatch(r"[0-9a-f]{64}", to):
        return to
    from flowsim import normalise
    return hash_number(normalise(to, sim.default_region))


def apply_step(sim: Simulation, raw: dict[str, Any]):
    """Perform a send/do/advance/advance_to step on the engine; returns the SendResult of a send."""
    kind = step_kind(raw)
    if kind == "do":
        kwargs = {k: raw[k] for k in ("oa", "text", "number", "pin", "value") if k in raw}
        user = _single_user(sim, raw)
        if kwargs.get("pin") == "last":
            kwargs["pin"] = sim.last_pin(user) or ""
        sim.do(user, str(raw["do"]), **kwargs)
    elif kind == "advance":
        sim.advance(parse_duration(raw["advance"]))
    elif kind == "advance_to":
        sim.advance_to(parse_time(raw["advance_to"]))
    elif kind == "send":
        spec = raw["send"]
        to = resolve_to(sim, spec["to"])
        tag = spec.get("tag")
        if "template" in spec:
            t = spec["template"]
            return sim.send_template(spec["from"], to, t["key"], t.get("body"), tag)
        if "messages" in spec:
            return sim.send_flexible(spec["from"], to, spec["messages"], tag)
        return sim.send_text(spec["from"], to, str(spec.get("text", "")), tag)
    return None


class MiniRun:
    """A minimal stand-in for ``ScenarioRun``: runs actions, does not check ``expect``."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.sim = build_simulation(data)
        self.steps = [MiniStep(raw) for raw in data.get("steps") or []]
        self.position = 0
        self.results: list[MiniResult] = []

    @property
    def done(self) -> bool:
        return self.position >= len(self.steps)

    def step(self) -> MiniResult:
        index = self.position
        raw = self.steps[index].raw
        self.position += 1
        kind = step_kind(raw)
        try:
            if kind == "expect":
                result = MiniResult(index, 0, kind, True, summary="expect: not checked (scenario layer unavailable)")
            else:
                apply_step(self.sim, raw)
                result = MiniResult(index, 0, kind, True, summary=step_label(raw))
        except Exception as exc:  # noqa: BLE001 - shown to the person
            result = MiniResult(index, 0, kind, False, error=str(exc), summary=f"{step_label(raw)}: {exc}")
        self.results.append(result)
        return result


# ---------------------------------------------------------------------- labels


def step_label(raw: dict[str, Any]) -> str:
    """One line for a step, e.g. ``do agree (hanako)`` or ``send shop → hanako "text"``."""
    kind = step_kind(raw)
    who = f" ({raw['user']})" if raw.get("user") else ""
    if kind == "do":
        extra = " ".join(f"{k}={raw[k]}" for k in ("oa", "value", "number", "pin", "text") if k in raw)
        return f"do {raw['do']}{' ' + extra if extra else ''}{who}"
    if kind in ("advance", "advance_to"):
        return f"{kind} {raw[kind]}"
    if kind == "send":
        spec = raw.get("send") or {}
        if "template" in spec:
            what = f"[{(spec['template'] or {}).get('key')}]"
        elif "messages" in spec:
            what = f"{len(spec['messages'] or [])} message(s)"
        else:
            what = f'"{spec.get("text", "")}"'
        name = f" as {raw['as']}" if raw.get("as") else ""
        return f"send {spec.get('from')} → {spec.get('to')} {what}{name}"
    if kind == "expect":
        spec = raw.get("expect") or {}
        user = f" ({spec['user']})" if spec.get("user") else ""
        return f"expect {', '.join(k for k in spec if k != 'user')}{user}"
    return str(raw)


# ---------------------------------------------------------------------- the session


class ScenarioUnavailable(Exception):
    """The file could not be loaded (``.message`` says why)."""


class Session:
    """One open scenario (or the built-in default world) and its run."""

    def __init__(self, path: Path | None = None, data: dict[str, Any] | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self._scenario = None
        layer = scenario_layer()
        if data is None and self.path is not None and layer is not None:
            try:
                self._scenario = layer.load_scenario(self.path)
            except layer.ScenarioFileError as exc:
                raise ScenarioUnavailable(str(exc)) from exc
            # the loader's reading of the file, as plain data (labels, and the world to save)
            from flowsim.scenario.writer import scenario_data
            data = scenario_data(self._scenario, str(self.path))
        if data is None:
            data = self._read(self.path) if self.path is not None else copy.deepcopy(DEFAULT_WORLD)
        self.data = data
        self.name = str(data.get("name") or (self.path.stem if self.path else "default world"))
        self.restart()

    @staticmethod
    def _read(path: Path) -> dict[str, Any]:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ScenarioUnavailable(f"{path}: {exc}") from exc
        if not isinstance(data, dict):
            raise ScenarioUnavailable(f"{path}: not a scenario mapping")
        return data

    # ------------------------------------------------------------- run

    def _make_run(self):
        layer = scenario_layer()
        if layer is not None:
            if self._scenario is None:
                try:
                    self._scenario = _scenario_from_dict(layer, self.data)
                except layer.ScenarioFileError as exc:
                    raise ScenarioUnavailable(str(exc)) from exc
            return layer.ScenarioRun(self._scenario), True
        return MiniRun(self.data), False

    def restart(self) -> None:
        self.run, self.checked = self._make_run()
        self.sim: Simulation = self.run.sim
        self.start = self.sim.now
        raw_steps = list(self.data.get("steps") or [])
        self.raw_steps: list[dict[str, Any]] = raw_steps
        #: Steps executed so far, file steps and explored ones, in order (what "save" writes).
        self.executed: list[dict[str, Any]] = []
        #: Result of each file step by its index.
        self.results: dict[int, Any] = {}
        #: Explored steps made since the last restart.
        self.explored: list[dict[str, Any]] = []
        #: Names (``as:``) of sends executed so far → message id.
        self.named: dict[str, str] = {}
        self._explore_seq = 0

    @property
    def position(self) -> int:
        return self.run.position

    @property
    def done(self) -> bool:
        return self.run.done

    @property
    def steps(self) -> list[dict[str, Any]]:
        return self.raw_steps

    def step(self):
        """Run the next file step; returns its StepResult."""
        index = self.run.position
        raw = self.raw_steps[index] if index < len(self.raw_steps) else {}
        before = list(self.sim.messages)
        result = self.run.step()
        self.results[result.index] = result
        self.executed.append(copy.deepcopy(raw))
        if step_kind(raw) == "send" and raw.get("as"):
            new = [m for m in self.sim.messages if m not in set(before)]
            if new:
                self.named[str(raw["as"])] = new[-1]
        return result

    def run_to_end(self) -> list:
        out = []
        while not self.run.done:
            out.append(self.step())
        return out

    def run_to_failure(self):
        """Run until a step fails (returns it) or the end (returns ``None``)."""
        while not self.run.done:
            result = self.step()
            if not result.ok:
                return result
        return None

    def jump(self, index: int) -> None:
        """Make ``index`` the next step: run forward, or restart and run up to it."""
        index = max(0, min(index, len(self.raw_steps)))
        if index < self.run.position or self.explored:
            self.restart()
        while self.run.position < index and not self.run.done:
            self.step()

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results.values() if r.ok)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results.values() if not r.ok)

    def status(self) -> str:
        """``pass`` / ``fail`` / ``pending`` for the file as a whole, so far."""
        if self.failed:
            return "fail"
        return "pass" if self.run.done else "pending"

    # ------------------------------------------------------------- explore

    def _record(self, raw: dict[str, Any]) -> dict[str, Any]:
        self.executed.append(raw)
        self.explored.append(raw)
        return raw

    def act(self, user: str, action: str, **kwargs: Any) -> dict[str, Any]:
        """A tap in the app: done on the engine (errors propagate), then recorded as a ``do`` step."""
        record_pin = None
        if action == "enter_pin" and "pin" in kwargs:
            kwargs["pin"] = str(kwargs["pin"])
            record_pin = "last" if kwargs["pin"] == self.sim.last_pin(user) else kwargs["pin"]
        self.sim.do(user, action, **kwargs)
        raw: dict[str, Any] = {"user": user, "do": action}
        raw.update(kwargs)
        if record_pin is not None:
            raw["pin"] = record_pin
        return self._record(raw)

    def advance(self, delta: timedelta | str) -> dict[str, Any]:
        text = delta if isinstance(delta, str) else format_duration(delta)
        self.sim.advance(parse_duration(text))
        return self._record({"advance": text})

    def advance_to(self, when: datetime) -> dict[str, Any]:
        self.sim.advance_to(when)
        return self._record({"advance_to": when.isoformat()})

    def send(self, oa: str, to: str, *, text: str | None = None, template: str | None = None,
             tag: str | None = None):
        """An OA's send from the send form; returns ``(SendResult, step)``."""
        spec: dict[str, Any] = {"from": oa, "to": to}
        if template:
            spec["template"] = {"key": template}
        else:
            spec["text"] = text or ""
        if tag:
            spec["tag"] = tag
        self._explore_seq += 1
        name = f"explored{self._explore_seq}"
        while name in self.named:
            self._explore_seq += 1
            name = f"explored{self._explore_seq}"
        raw = {"send": spec, "as": name}
        result = apply_step(self.sim, raw)
        if result is not None and result.message_id:
            self.named[name] = result.message_id
        return result, self._record(raw)

    # ------------------------------------------------------------- save

    def expectations(self) -> list[dict[str, Any]]:
        """``expect`` steps capturing the state now (screen, consent, SMS, pending, statuses, counts)."""
        out = []
        for user_id, user in self.sim.users.items():
            out.append({"expect": {
                "user": user_id,
                "screen": user.screen,
                "consent": user.consent,
                "sms_required": self.sim.sms_required(user_id),
                "pending": len(self.sim.pending_for(user_id)),
                "sms_inbox": len(user.sms_inbox),
            }})
        overall: dict[str, Any] = {}
        statuses = {name: self.sim.message(mid).status for name, mid in self.named.items()
                    if mid in self.sim.messages}
        if statuses:
            overall["message"] = statuses
        overall["sent_count"] = {oa: self.sim.sent_count(oa) for oa in self.sim.official_accounts}
        out.append({"expect": overall})
        return out

    def scenario_dict(self, name: str | None = None, with_expect: bool = True) -> dict[str, Any]:
        """The world as it was at the start + the steps run so far + the explored ones."""
        data: dict[str, Any] = {
            "name": name or f"Explored: {self.name}",
            "description": f"Saved from flowsim tui ({len(self.explored)} explored step(s))",
            "tags": ["explored"],
        }
        if self.data.get("covers"):
            data["covers"] = list(self.data["covers"])
        data["start"] = self.start.isoformat()
        data["seed"] = int(self.data.get("seed", 0) or 0)
        for key in ("official_accounts", "users"):
            if key in self.data:
                data[key] = copy.deepcopy(self.data[key])
        steps = copy.deepcopy(self.executed)
        if with_expect:
            steps += self.expectations()
        data["steps"] = steps or [{"expect": {"sent_count": {oa: self.sim.sent_count(oa) for oa in self.sim.official_accounts}}}]
        return data

    def save(self, path: Path | str, name: str | None = None) -> Path:
        """Write the scenario atomically (the scenario layer's ``save_scenario`` when available)."""
        path = Path(path)
        data = self.scenario_dict(name)
        layer = scenario_layer()
        if layer is not None:
            layer.save_scenario(data, path)
            return path
        path.parent.mkdir(parents=True, exist_ok=True)  # pragma: no cover - fallback
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            yaml.safe_dump(_plain(data), fh, sort_keys=False, allow_unicode=True)
        os.replace(tmp, path)
        return path


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _scenario_from_dict(layer, data: dict[str, Any]):
    """A Scenario model from a dict, validated by the scenario layer's loader."""
    if hasattr(layer, "scenario_from_data"):
        return layer.scenario_from_data(_plain(data), "<default world>")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "default.yaml"
        path.write_text(yaml.safe_dump(_plain(data), sort_keys=False, allow_unicode=True), encoding="utf-8")
        return layer.load_scenario(path)


def find_scenarios(root: Path) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` under ``root`` (or ``root`` itself), sorted."""
    root = Path(root)
    if root.is_file():
        return [root]
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


UTC = timezone.utc
