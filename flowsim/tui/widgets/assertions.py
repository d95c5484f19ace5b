"""Expected against actual for the selected step (from its StepResult)."""

from __future__ import annotations

from typing import Any

import yaml
from rich.text import Text

from flowsim.scenario.runner import show_value

from ..session import step_kind, step_label
from ..trail import EXPLORED
from .document import Document


def _fmt(value: Any) -> str:
    """A value of the step as written in the file (plain YAML data), in flow style."""
    if isinstance(value, str):
        return value
    text = yaml.safe_dump(value, default_flow_style=True, sort_keys=False, allow_unicode=True).strip()
    # A lone scalar (``1``, ``true``) is dumped as a document with its end marker, ``1\n...``.
    return text.removesuffix("\n...").strip()


class AssertionPanel(Document):
    """Shows one step: its result, and for an ``expect`` every check, mismatches first."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._signature: tuple[object, ...] | None = None

    def show_step(self, session, entry: tuple[str, int] | None) -> None:
        """Show ``entry``: ``(FILE, index)`` a file step, ``(EXPLORED, n)`` the n-th explored step (``StepList``)."""
        if entry is None:
            signature = None
        elif entry[0] == EXPLORED:
            explored = session.explored
            signature = (id(session), entry, id(explored[entry[1]]) if entry[1] < len(explored) else None)
        else:
            signature = (id(session), entry, id(session.results.get(entry[1])))
        if signature == self._signature:
            return
        self._signature = signature
        self.show_renderable(self.render_step(session, entry))

    @staticmethod
    def render_step(session, entry: tuple[str, int] | None):
        if entry is not None and entry[0] == EXPLORED:
            if entry[1] >= len(session.explored):
                return Text("No step selected.", style="dim")
            raw = session.explored[entry[1]]
            return Text.assemble((f"✎ explored step e{entry[1] + 1} (E: edit)\n",
                                  "cyan"), yaml.safe_dump(raw, sort_keys=False, allow_unicode=True).strip())
        index = entry[1] if entry is not None else None
        if index is None or index >= len(session.steps):
            return Text("No step selected.", style="dim")
        raw = session.steps[index]
        result = session.results.get(index)
        head = Text(f"Step {index + 1}: {step_label(raw)}\n", style="bold")
        if result is None:
            head.append("not run yet", style="dim")
            return head
        if result.ok:
            head.append("✓ passed", style="green")
        else:
            head.append("✗ failed", style="bold red")
        if result.error:
            head.append(f"\n{result.error}", style="red")
        mismatches = list(getattr(result, "mismatches", []) or [])
        if step_kind(raw) != "expect":
            if result.summary:
                head.append(f"\n{result.summary}", style="dim")
            return head
        body = Text()
        failed_keys = set()
        for m in mismatches:
            failed_keys.add(str(m.key).split(".")[0].split("[")[0].split(" ")[0])
            body.append(f"\n✗ {m.key}\n", style="bold red")
            body.append("  expected ", style="dim")
            body.append(show_value(m.expected) + "\n")  # as `flowsim run` prints it
            body.append("  actual   ", style="dim")
            body.append(show_value(m.actual), style="red")
        spec = raw.get("expect") or {}
        for key, value in spec.items():
            if key == "user" or key in failed_keys:
                continue
            body.append(f"\n✓ {key}", style="green")
            body.append(f"  {_fmt(value)}")
        from rich.console import Group
        return Group(head, body)
