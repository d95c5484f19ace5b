"""The inspector: the user's state, and every message with its status and deciding rule."""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

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


class Inspector(Static):
    """State of the phone's user and of all messages (``sim.explain``)."""

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self._signature = None

    def show(self, sim, user_id: str, log_length: int) -> None:
        signature = (id(sim), user_id, log_length, sim.now)
        if signature == self._signature:
            return
        self._signature = signature
        self.update(self.render_state(sim, user_id))

    @staticmethod
    def render_state(sim, user_id: str):
        user = sim.user(user_id)
        tz = sim.now.tzinfo
        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        table.add_row("user", Text(user.id, style="bold"))
        table.add_row("number", user.phone or "(none)")
        consent_style = {"agreed": "green", "rejected": "red"}.get(user.consent, "yellow")
        table.add_row("consent", Text(user.consent, style=consent_style))
        table.add_row("privacy", "agreed" if user.privacy_policy else Text("not agreed", style="red"))
        required = sim.sms_required(user_id)
        until = sim.sms_exempt_until(user_id)
        sms = Text("required now", style="yellow") if required else Text(
            f"valid, {countdown(until - sim.now)} left", style="green")
        table.add_row("SMS", sms)
        table.add_row("valid until", fmt_time(until, tz))
        table.add_row("verified", fmt_time(user.sms_verified_at, tz))
        table.add_row("created", fmt_time(user.created_at, tz))
        table.add_row("changed", fmt_time(user.phone_changed_at, tz))
        table.add_row("blocked", ", ".join(sorted(user.blocked)) or "—")
        table.add_row("friends", ", ".join(sorted(user.friends)) or "—")
        table.add_row("screen", user.screen + (f" ({user.screen_error})" if user.screen_error else ""))
        table.add_row("language", f"{user.language}, app {user.app_version}")
        parts = [table]
        if sim.messages:
            parts.append(Text("\nMessages", style="bold underline"))
            for msg in reversed(list(sim.messages.values())):
                line = Text()
                line.append(f"{msg.id} ", style="bold")
                line.append(msg.status, style=STATUS_STYLES.get(msg.status, ""))
                line.append(f" {msg.oa}→{msg.user or '?'}")
                if msg.status == "pending":
                    line.append(f" ⏳{countdown(sim.expires_at(msg.id) - sim.now)}", style="yellow")
                line.append(f"\n  {sim.explain(msg.id)}", style="dim")
                parts.append(line)
        return Group(*parts)
