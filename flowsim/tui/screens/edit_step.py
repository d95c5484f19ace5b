"""The form that edits (or deletes) one explored step before it is saved.

Why a form per kind of step rather than the step's YAML in a text area: a
person fixes an argument (another PIN, another duration, another text), and
the form asks for exactly the arguments the step takes — for a ``do``, the
ones the engine's action registry (``ACTIONS``) lists for the chosen action,
so the form follows the registry rather than a copy of it.

The form checks what it returns with ``check`` (the scenario loader's
reading of the step, and whether it still runs where it ran) and stays open
with the reason when that fails, so nothing typed is lost; the app replays
the run with the result (``Session.plan_edit``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from flowsim.engine import ACTION_ARGS, ACTIONS

from ..session import send_step, step_kind, step_label
from .forms import refused, send_fields, send_values

#: What the form returns for "delete this step".
DELETE = "delete"

#: The label of each argument an action may take (the arguments themselves come from ``ACTION_ARGS``).
ARG_LABELS = {"pin": "PIN (digits, or last / previous)", "number": "New phone number",
              "oa": "Official account", "text": "Text", "value": "Consent setting (agreed / rejected)"}


def action_args() -> list[str]:
    """Every argument some action takes, in the registry's order, each once."""
    return list(dict.fromkeys(arg for args in ACTION_ARGS.values() for arg in args))


class EditStepForm(ModalScreen[dict[str, Any] | str | None]):
    """Edit an explored step's arguments: Save returns the new step, Delete :data:`DELETE`, Escape None."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, title: str, raw: dict[str, Any], users: list[str], oas: dict[str, str],
                 check: Callable[[dict[str, Any]], str | None]) -> None:
        super().__init__()
        self.title_text = title
        self.raw = raw
        self.kind = step_kind(raw)
        self.users = users
        self.oas = oas
        self.check = check

    def compose(self) -> ComposeResult:
        raw = self.raw
        with Vertical(id="edit-form", classes="form"):
            yield Static(self.title_text, classes="form-title")
            yield Static(step_label(raw), classes="form-note")
            if self.kind == "do":
                yield Label("User")
                users = [(user, user) for user in self.users]
                yield Select(users, value=raw.get("user") if raw.get("user") in self.users else Select.BLANK,
                             id="edit-user", compact=True, allow_blank=not users)
                yield Label("Action")
                yield Select([(f"{name} · {spec.help or spec.label}", name) for name, spec in ACTIONS.items()],
                             value=raw["do"], allow_blank=False, id="edit-do", compact=True)
                for arg in action_args():
                    yield Label(ARG_LABELS.get(arg, arg), id=f"edit-label-{arg}")
                    yield Input(str(raw.get(arg, "")), id=f"edit-arg-{arg}", compact=True)
            elif self.kind == "send":
                spec = raw.get("send") or {}
                yield from send_fields(self.oas, {"oa": spec.get("from"), "to": spec.get("to"),
                                                  "text": spec.get("text", ""),
                                                  "template": (spec.get("template") or {}).get("key"),
                                                  "tag": spec.get("tag")})
            else:
                label = "Move the clock by (e.g. 1h, 2d, 180d)" if self.kind == "advance" else \
                    "Move the clock to (ISO 8601 with offset)"
                yield Label(label)
                yield Input(str(raw.get(self.kind, "")), id="edit-value", compact=True)
            yield Static("", id="edit-error")
            with Horizontal(classes="form-buttons"):
                yield Button("Save", id="edit-ok", variant="primary", compact=True)
                yield Button("Delete step", id="edit-delete", variant="warning", compact=True)
                yield Button("Cancel", id="edit-cancel", compact=True)

    def on_mount(self) -> None:
        self._show_args()
        first = self.query("#edit-value, #send-text, #edit-do").first()
        first.focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "edit-do":
            self._show_args()

    def _show_args(self) -> None:
        """Only the arguments the chosen action takes (from the registry) are shown."""
        if self.kind != "do":
            return
        wanted = ACTION_ARGS.get(str(self.query_one("#edit-do", Select).value), ())
        for arg in action_args():
            for widget in self.query(f"#edit-label-{arg}, #edit-arg-{arg}"):
                widget.display = arg in wanted

    def step(self) -> dict[str, Any]:
        """The step the fields describe now."""
        if self.kind == "send":
            values = send_values(self)
            return send_step(values["oa"], values["to"] or None, text=values["text"], template=values["template"],
                             tag=values["tag"], name=self.raw.get("as"))
        if self.kind == "do":
            action = str(self.query_one("#edit-do", Select).value)
            user = self.query_one("#edit-user", Select).value
            raw: dict[str, Any] = {"user": user} if isinstance(user, str) else {}
            raw["do"] = action
            for arg in ACTION_ARGS.get(action, ()):
                value = self.query_one(f"#edit-arg-{arg}", Input).value.strip()
                if value:
                    raw[arg] = value
            return raw
        return {self.kind: self.query_one("#edit-value", Input).value.strip()}

    def _save(self) -> None:
        raw = self.step()
        if not refused(self.query_one("#edit-error", Static), self.check(raw)):
            self.dismiss(raw)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "edit-ok":
            self._save()
        else:
            self.dismiss(DELETE if event.button.id == "edit-delete" else None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._save()
