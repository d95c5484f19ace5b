"""Expected against actual for the selected step (from its StepResult)."""

from __future__ import annotations

from typing import Any

import yaml
from rich.text import Text

from flowsim.scenario.runner import show_value

from ..session import step_kind, step_label
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

    def show_step(self, session, index: int | None) -> None:
        if index is None:
            signature = None
        else:
            result = session.results.get(index)
            signature = (id(session), index, id(result))
        if signature == self._signature:
            return
        self._signature = signature
        self.show_renderable(self.render_step(session, index))

    @staticmethod
    def render_step(session, index: int | None):
        if index is None or index >= len(session.steps) + len(session.explored):
            return Text("No step selected.", style="dim")
        if index >= len(session.steps):
            raw = session.explored[index - len(session.steps)]
            return Text.assemble(("✎ explored step\n", "cyan"), yaml.safe_dump(raw, sort_keys=False).strip())
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
