"""The inspector: the user's state, and every message with its status and deciding rule."""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.text import Text

from .document import Document

STATUS_STYLES = {"delivered": "green", "pending": "yellow", "discarded": "red", "expired": "red",
                 "unmatched": "dim", "requested": "dim"}


def countdown(delta: timedelta) -> str:
    """``1d02h03m`` style; ``0m`` or negative reads as ``due``."""
    seconds = int(delta.total_seconds())
    if seconds <= 0:
        return "due"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d{hours:02d}h"
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"


def fmt_time(value: datetime | None, tz) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else "—"


class Inspector(Document):
    """State of the phone's user and of all messages (``sim.explain``)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._signature: tuple[object, ...] | None = None

    def show(self, sim, user_id: str | None, log_length: int, names: dict[str, str] | None = None) -> None:
        """Show ``user_id`` and the messages; ``names`` maps a message id to the scenario's ``as:`` name."""
        names = names or {}
        signature = (id(sim), user_id, log_length, sim.now, tuple(names.items()))
        if signature == self._signature:
            return
        self._signature = signature
        self.show_renderable(self.render_state(sim, user_id, names))

    @staticmethod
    def render_state(sim, user_id: str | None, names: dict[str, str] | None = None) -> Text:
        """One ``Text`` (not a Rich ``Table``: rendering a table cost more than the rest of a step)."""
        names = names or {}
        if user_id is None:  # a world of only unmatched sends (R2) has no user
            text = Text()
            text.append("No user in this world.\n", style="dim")
            Inspector._append_messages(sim, text, names)
            text.rstrip()
            return text
        user = sim.user(user_id)
        tz = sim.now.tzinfo
        text = Text()

        def row(label: str, value: str | Text) -> None:
            text.append(f"{label:<12}", style="bold")
            text.append(value)
            text.append("\n")

        row("user", Text(user.id, style="bold"))
        row("number", user.phone or "(none)")
        consent_style = {"agreed": "green", "rejected": "red"}.get(user.consent, "yellow")
        row("consent", Text(user.consent, style=consent_style))
        row("privacy", "agreed" if user.privacy_policy else Text("not agreed", style="red"))
        until = sim.sms_exempt_until(user_id)
        if sim.sms_required(user_id):
            row("SMS", Text("required now", style="yellow"))
        else:
            row("SMS", Text(f"valid, {countdown(until - sim.now)} left", style="green"))
        row("valid until", fmt_time(until, tz))
        row("verified", fmt_time(user.sms_verified_at, tz))
        row("created", fmt_time(user.created_at, tz))
        row("changed", fmt_time(user.phone_changed_at, tz))
        row("blocked", ", ".join(sorted(user.blocked)) or "—")
        row("friends", ", ".join(sorted(user.friends)) or "—")
        row("screen", user.screen + (f" ({user.screen_error})" if user.screen_error else ""))
        row("language", f"{user.language}, app {user.app_version}")
        Inspector._append_messages(sim, text, names)
        text.rstrip()
        return text

    @staticmethod
    def _append_messages(sim, text: Text, names: dict[str, str]) -> None:
        """Newest first, each under the scenario's name for it (``parcel (m1)``), else the engine's id.

        The file and its ``expect: message:`` checks speak of ``parcel``; the
        id stays beside it because the event log speaks of ``m1``.
        """
        if sim.messages:
            text.append("\nMessages\n", style="bold underline")
            for msg in reversed(list(sim.messages.values())):
                if msg.id in names:
                    text.append(f"{names[msg.id]} ", style="bold")
                    text.append(f"({msg.id}) ", style="dim")
                else:
                    text.append(f"{msg.id} ", style="bold")
                text.append(msg.status, style=STATUS_STYLES.get(msg.status, ""))
                text.append(f" {msg.oa}→{msg.user or '?'}")
                if msg.status == "pending":
                    text.append(f" ⏳{countdown(sim.expires_at(msg.id) - sim.now)}", style="yellow")
                text.append(f"\n  {sim.explain(msg.id)}\n", style="dim")
