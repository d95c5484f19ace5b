"""Forms: send a message (as an official account), a one-field prompt (date, file name), a yes/no question."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static


class SendForm(ModalScreen[dict[str, Any] | None]):
    """An official account sends a notification message: OA, recipient, text or template, tag."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    AUTO_FOCUS = "#send-text"

    def __init__(self, oas: dict[str, str], users: list[str], user: str | None) -> None:
        super().__init__()
        self.oas = oas
        self.users = users
        self.user = user

    def compose(self) -> ComposeResult:
        with Vertical(id="send-form", classes="form"):
            yield Static("Send a LINE notification message", classes="form-title")
            yield from send_fields(self.oas, {"to": self.user})
            with Horizontal(classes="form-buttons"):
                yield Button("Send", id="send-ok", variant="primary", compact=True)
                yield Button("Cancel", id="send-cancel", compact=True)

    def _result(self) -> dict[str, Any]:
        return send_values(self)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(self._result() if event.button.id == "send-ok" else None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(self._result())


def send_fields(oas: dict[str, str], values: dict[str, Any]) -> ComposeResult:
    """The fields of a send (official account, recipient, text, template key, tag), filled from ``values``.

    Shared by the send form and the form that edits an explored send, so both
    ask the same questions in the same words.
    """
    yield Label("Official account")
    oa = values.get("oa") if values.get("oa") in oas else next(iter(oas))
    yield Select([(name, oa_id) for oa_id, name in oas.items()], value=oa, allow_blank=False, id="send-oa",
                 compact=True)
    yield Label("Recipient (user, or a phone number)")
    yield Input(values.get("to") or "", id="send-to", compact=True)
    yield Label("Text (flexible message)")
    yield Input(values.get("text", "Your parcel ships today") or "", id="send-text", compact=True)
    yield Label("…or a template key (e.g. shipment_completed_ja)")
    yield Input(values.get("template") or "", id="send-template", compact=True)
    yield Label("Delivery tag (optional, 16-100 characters)")
    yield Input(values.get("tag") or "", id="send-tag", compact=True)


def send_values(screen: ModalScreen[Any]) -> dict[str, Any]:
    """What :func:`send_fields` hold now: ``oa``, ``to``, ``text``, ``template``, ``tag`` (empty ones None)."""
    value = lambda i: screen.query_one(f"#{i}", Input).value.strip()  # noqa: E731
    return {"oa": screen.query_one("#send-oa", Select).value, "to": value("send-to"),
            "text": value("send-text"), "template": value("send-template") or None,
            "tag": value("send-tag") or None}


def refused(error: Static, problem: str | None) -> bool:
    """Show ``problem`` (a form's check refused what it holds) on the form's error line; False if none.

    The form stays open, with everything typed in it.
    """
    if not problem:
        return False
    error.update(problem)
    error.display = True
    error.call_after_refresh(error.scroll_visible)
    return True


class Prompt(ModalScreen[str | None]):
    """One text field; Enter submits, Escape cancels."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    AUTO_FOCUS = "#prompt-input"

    def __init__(self, title: str, value: str = "", placeholder: str = "", note: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="form prompt"):
            yield Static(self.title_text, classes="form-title")
            if self.note:
                yield Static(self.note, id="prompt-note", classes="form-note")
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input", compact=True)
            with Horizontal(classes="form-buttons"):
                yield Button("OK", id="prompt-ok", variant="primary", compact=True)
                yield Button("Cancel", id="prompt-cancel", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(self.query_one(Input).value if event.button.id == "prompt-ok" else None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)


class Confirm(ModalScreen[bool]):
    """A question that loses work if answered yes: the safe answer (Cancel) has the focus.

    ``y`` or the confirm button says yes; ``n``, Escape or Cancel says no.
    """

    BINDINGS = [Binding("escape,n", "dismiss(False)", "Cancel"), Binding("y", "dismiss(True)", "Yes")]
    AUTO_FOCUS = "#confirm-cancel"

    def __init__(self, title: str, text: str, yes: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="form confirm"):
            yield Static(self.title_text, classes="form-title")
            yield Static(self.text, id="confirm-text")
            with Horizontal(classes="form-buttons"):
                yield Button(self.yes, id="confirm-yes", variant="warning", compact=True)
                yield Button("Cancel", id="confirm-cancel", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")
