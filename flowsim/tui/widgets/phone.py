"""The simulated phone: one user's LINE app (chats, system cards, screens, SMS inbox, settings).

Everything the phone offers is derived from ``sim.available_actions(user)``:
a button the current screen does not allow is not shown.  A tap posts
:class:`PhoneAction`; the app performs it through the session (which records
it as an explored step) and then calls :meth:`Phone.update_view`.

Updates are incremental: the chat only mounts bubbles that appeared since the
last update, and each other part is rebuilt only when what it shows changed.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from flowsim.models import LINE_CHAT, ChatMessage, User
from flowsim.texts import section_text

#: Button labels of the app's actions.
ACTION_LABELS = {
    "open_consent": "Set", "open_phone_auth": "Set", "agree": "Agree", "reject": "Reject",
    "send_sms": "Send SMS", "confirm_sms": "OK", "change_number": "Change", "cancel": "Cancel",
    "enter_pin": "OK", "resend_sms": "Resend", "enter_number": "Next",
    "settings_change_number": "Change phone number", "agree_privacy_policy": "Agree to privacy policy",
    "block": "Block", "unblock": "Unblock", "add_friend": "Add friend", "say": "Send",
}

SMS_TAB = "sms"
SETTINGS_TAB = "settings"


class PhoneAction(Message):
    """The person tapped something in the phone."""

    def __init__(self, action: str, **kwargs: Any) -> None:
        super().__init__()
        self.action = action
        self.kwargs = kwargs


class ActionButton(Button):
    """A button that performs one app action (with fixed arguments)."""

    def __init__(self, action: str, label: str | None = None, *, kwargs: dict[str, Any] | None = None,
                 **options: Any) -> None:
        super().__init__(label or ACTION_LABELS.get(action, action), compact=True, **options)
        self.action_name = action
        self.action_kwargs = kwargs or {}


def oa_allows(user: User, available: set[str], action: str, oa: str) -> bool:
    """Per-OA availability of block/unblock/add_friend/say (the engine's list is per user)."""
    if action not in available:
        return False
    if action == "block":
        return oa not in user.blocked
    if action == "unblock":
        return oa in user.blocked
    if action == "add_friend":
        return oa not in user.friends and oa not in user.blocked
    if action == "say":
        return oa not in user.blocked
    return True


# ---------------------------------------------------------------------- bubbles


class Bubble(Static):
    """A plain chat bubble (``received``, ``phone_changed``, a notification)."""


class SystemCard(Vertical):
    """A ``setup`` or ``phone_auth`` message with its **Set** button(s)."""

    def __init__(self, message: ChatMessage, language: str) -> None:
        super().__init__(classes="bubble card")
        self.message = message
        self.language = language

    def compose(self) -> ComposeResult:
        m = self.message
        yield Static(Text.assemble(("LINE  ", "bold"), (m.at.strftime("%m-%d %H:%M"), "dim")), classes="meta")
        title = m.text.split("\n", 1)[0]
        yield Static(Text(title, style="bold"), classes="card-title")
        sections = m.sections if m.kind == "setup" else ("phone_auth",)
        for section in sections:
            action = "open_consent" if section == "consent" else "open_phone_auth"
            with Horizontal(classes="section"):
                yield Static(section_text(section, self.language), classes="section-text")
                yield ActionButton(action, classes=f"set-button set-{section}")


def make_bubble(message: ChatMessage, user: User, oa_name: str) -> Widget:
    if message.has_set_button:
        return SystemCard(message, user.language)
    when = message.at.strftime("%m-%d %H:%M")
    if message.kind == "notification":
        head = Text.assemble((oa_name, "bold"), "  ")
        if message.label:
            head.append(f" {message.label} ", style="bold reverse")
        head.append(f"  {when}", style="dim")
        body = Text(message.text)
        if message.template:
            body = Text.assemble((f"template {message.template}\n", "italic"), message.text)
        return Bubble(Text.assemble(head, "\n", body), classes="bubble notification")
    return Bubble(Text.assemble(("LINE  ", "bold"), (when, "dim"), "\n", message.text),
                  classes=f"bubble system kind-{message.kind}")


class ChatView(VerticalScroll):
    """One chat's bubbles; mounts only the new ones."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._key: tuple[str, str] | None = None
        self._count = 0

    def compose(self) -> ComposeResult:
        yield Static("No messages yet.", classes="empty")

    def show(self, user: User, chat: str, oa_name: str, available: set[str]) -> None:
        messages = user.chats.get(chat, [])
        key = (user.id, chat)
        if key != self._key:
            self._key = key
            self._count = 0
            self.query(".bubble").remove()
        new = messages[self._count:]
        if new:
            self.mount_all([make_bubble(m, user, oa_name) for m in new])
            self._count = len(messages)
            self.scroll_end(animate=False)
        self.query_one(".empty").display = not messages
        for button in self.query(".set-button").results(ActionButton):
            button.display = button.action_name in available


class OaBar(Horizontal):
    """Under an official account's chat: say something, add friend, block, unblock (R27)."""

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Message…", id="say-input", compact=True)
        yield ActionButton("say", id="oa-say")
        yield ActionButton("add_friend", "+Friend", id="oa-add_friend")
        yield ActionButton("block", id="oa-block")
        yield ActionButton("unblock", id="oa-unblock")

    def show(self, user: User, oa: str, available: set[str]) -> None:
        for action in ("say", "add_friend", "block", "unblock"):
            button = self.query_one(f"#oa-{action}", ActionButton)
            button.display = oa_allows(user, available, action, oa)
            button.action_kwargs = {"oa": oa}
        self.query_one("#say-input").display = oa_allows(user, available, "say", oa)


# ---------------------------------------------------------------------- app screens

SCREEN_TITLES = {
    "consent": "LINE notification messages",
    "phone_auth": "Phone number authentication",
    "sms_confirm": "Send SMS?",
    "pin_entry": "Enter verification code",
    "number_entry": "Change phone number",
}


class ScreenView(Vertical):
    """The app screen over the chats: consent, phone auth, SMS dialog, PIN entry, number entry."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._signature: tuple | None = None

    def show(self, user: User, available: set[str]) -> None:
        challenge = user.pin_challenge
        last_sms = user.sms_inbox[-1] if user.sms_inbox else None
        signature = (user.id, user.screen, user.screen_error, user.phone, tuple(sorted(available)),
                     challenge.number if challenge else None, last_sms)
        if signature == self._signature:
            return
        self._signature = signature
        self.remove_children()
        self.mount_all(list(self._build(user, available)))
        field = self.query("Input")
        if field:
            field.first().focus()

    def _build(self, user: User, available: set[str]):
        screen = user.screen
        yield Static(SCREEN_TITLES.get(screen, screen), classes="screen-title")
        buttons: list[str] = []
        if screen == "consent":
            yield Static("Official accounts can send you important notifications as LINE messages "
                         "to your phone number. Do you agree to receive LINE notification messages?",
                         classes="screen-text")
            buttons = ["agree", "reject", "cancel"]
        elif screen == "phone_auth":
            yield Static(f"Registered number\n{user.phone or '(none)'}", classes="screen-text")
            buttons = ["send_sms", "cancel"]
        elif screen == "sms_confirm":
            yield Static(f"Send an SMS to {user.phone or '(no number)'}?", classes="screen-text dialog")
            buttons = ["confirm_sms", "cancel", "change_number"]
        elif screen == "pin_entry":
            number = user.pin_challenge.number if user.pin_challenge else user.phone
            yield Static(f"Enter the 6-digit code sent to {number}.", classes="screen-text")
            if user.sms_inbox:
                yield Static(Text.assemble(("SMS ", "bold"), user.sms_inbox[-1].text), classes="sms-banner")
            yield Input(placeholder="6-digit code", id="pin-input", max_length=6, restrict=r"[0-9]*", compact=True)
            buttons = ["enter_pin", "resend_sms", "cancel"]
        elif screen == "number_entry":
            yield Static("Enter your new phone number. We will send it an SMS with a code.", classes="screen-text")
            yield Input(placeholder="+81 80 1111 2222", id="number-input", compact=True)
            buttons = ["enter_number", "cancel"]
        if user.screen_error:
            yield Static(Text(user.screen_error, style="bold"), classes="screen-error", id="screen-error")
        row = [ActionButton(a, id=f"btn-{a}") for a in buttons if a in available]
        yield Horizontal(*row, classes="screen-buttons")


class SmsView(VerticalScroll):
    """The phone's SMS inbox (R17, R19): every SMS with its PIN."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._signature: tuple | None = None
        self._text = Static("", id="sms-list")

    def compose(self) -> ComposeResult:
        yield self._text

    def show(self, user: User) -> None:
        signature = (user.id, len(user.sms_inbox))
        if signature == self._signature:
            return
        self._signature = signature
        if not user.sms_inbox:
            self._text.update("No SMS.")
            return
        text = Text()
        for sms in reversed(user.sms_inbox):
            text.append(f"{sms.at:%m-%d %H:%M}  to {sms.number}\n", style="dim")
            text.append(sms.text + "\n")
            text.append("PIN ", style="bold")
            text.append(sms.pin + "\n\n", style="bold reverse")
        self._text.update(text)


class SettingsView(VerticalScroll):
    """Settings: consent switch (R21), phone number (R19), privacy policy (R8), per-OA block/friend (R27)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._signature: tuple | None = None

    def show(self, user: User, available: set[str], oas: dict[str, str]) -> None:
        signature = (user.id, user.consent, user.privacy_policy, user.phone, frozenset(user.blocked),
                     frozenset(user.friends), tuple(sorted(available)))
        if signature == self._signature:
            return
        self._signature = signature
        self.remove_children()
        self.mount_all(list(self._build(user, available, oas)))

    def _build(self, user: User, available: set[str], oas: dict[str, str]):
        yield Static(Text.assemble(("Privacy › Provide usage data › LINE notification messages\n", "dim"),
                                   "Consent: ", (user.consent, "bold")), classes="setting")
        row = []
        if "settings_consent" in available:
            if user.consent != "agreed":
                row.append(ActionButton("settings_consent", "Turn on", kwargs={"value": "agreed"},
                                        id="set-consent-agreed"))
            if user.consent != "rejected":
                row.append(ActionButton("settings_consent", "Turn off", kwargs={"value": "rejected"},
                                        id="set-consent-rejected"))
        yield Horizontal(*row, classes="setting-buttons")
        yield Static(Text.assemble(("Profile › Phone number\n", "dim"), (user.phone or "(none)", "bold")),
                     classes="setting")
        row = []
        if "settings_change_number" in available:
            row.append(ActionButton("settings_change_number", id="set-change-number"))
        yield Horizontal(*row, classes="setting-buttons")
        yield Static(Text.assemble(("Privacy policy (March 2022): ", "dim"),
                                   ("agreed" if user.privacy_policy else "not agreed", "bold")), classes="setting")
        if "agree_privacy_policy" in available:
            yield Horizontal(ActionButton("agree_privacy_policy", id="set-privacy"), classes="setting-buttons")
        for index, (oa, name) in enumerate(oas.items()):
            state = "blocked" if oa in user.blocked else "friend" if oa in user.friends else "not a friend"
            yield Static(Text.assemble((name, "bold"), f"  {state}"), classes="setting")
            row = [ActionButton(a, kwargs={"oa": oa}, id=f"set-{a}-{index}")
                   for a in ("add_friend", "block", "unblock") if oa_allows(user, available, a, oa)]
            yield Horizontal(*row, classes="setting-buttons")


# ---------------------------------------------------------------------- the phone


class Chip(Static):
    """A one-line clickable tab of the phone (a chat, SMS, Settings)."""

    def __init__(self, label: str, tab: str, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.tab = tab
        self.label = label

    def on_click(self) -> None:
        self.screen.query_one(Phone).select_tab(self.tab)

    def set_label(self, label: str) -> None:
        if label != self.label:
            self.label = label
            self.update(label)


class UserBar(Static):
    """Whose phone this is; click to switch to the next user."""

    def on_click(self) -> None:
        self.app.run_action("next_user")


class Phone(Vertical):
    """One user's LINE app."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tab = LINE_CHAT
        self._flow_session = None
        self._user_id: str | None = None
        self._oa_ids: list[str] = []

    def compose(self) -> ComposeResult:
        yield UserBar("", id="user-bar")
        yield Horizontal(id="chips")
        yield ChatView(id="chat")
        yield OaBar(id="oa-bar")
        yield ScreenView(id="app-screen")
        yield SmsView(id="sms")
        yield SettingsView(id="settings")

    def set_world(self, session, user_id: str) -> None:
        """A (new) simulation: rebuild the chips, keep the tab if it still exists."""
        self._flow_session = session
        self._user_id = user_id
        sim = session.sim
        oa_ids = list(sim.official_accounts)
        if oa_ids != self._oa_ids:
            self._oa_ids = oa_ids
            chips = self.query_one("#chips")
            chips.remove_children()
            chips.mount(Chip("LINE", LINE_CHAT, id="chip-line", classes="chip"))
            for index, oa in enumerate(oa_ids):
                chips.mount(Chip(sim.official_accounts[oa].name, oa, id=f"chip-oa-{index}", classes="chip"))
            chips.mount(Chip("SMS", SMS_TAB, id="chip-sms", classes="chip"))
            chips.mount(Chip("Settings", SETTINGS_TAB, id="chip-settings", classes="chip"))
        if self.tab not in (LINE_CHAT, SMS_TAB, SETTINGS_TAB, *oa_ids):
            self.tab = LINE_CHAT
        self.query_one(ChatView)._key = None

    def select_tab(self, tab: str) -> None:
        self.tab = tab
        self.update_view()

    def next_tab(self) -> None:
        tabs = [LINE_CHAT, *self._oa_ids, SMS_TAB, SETTINGS_TAB]
        self.select_tab(tabs[(tabs.index(self.tab) + 1) % len(tabs)] if self.tab in tabs else LINE_CHAT)

    def show_user(self, user_id: str) -> None:
        self._user_id = user_id
        self.update_view()

    def update_view(self) -> None:
        if self._flow_session is None or self._user_id is None:
            return
        sim = self._flow_session.sim
        user = sim.user(self._user_id)
        available = set(sim.available_actions(user.id))
        users = list(sim.users)
        position = f"{users.index(user.id) + 1}/{len(users)}"
        bar = Text.assemble(("◀ ", "dim"), (user.id, "bold"), (f" ▶ {position}  ", "dim"),
                            user.phone or "no number")
        self.query_one(UserBar).update(bar)
        self.border_title = f"📱 {user.id}"
        self.border_subtitle = f"screen: {user.screen}"
        for chip in self.query(Chip).results(Chip):
            label = chip.label.split(" ·")[0]
            if chip.tab not in (SMS_TAB, SETTINGS_TAB):
                n = len(user.chats.get(chip.tab, []))
                chip.set_label(f"{label} ·{n}" if n else label)
            elif chip.tab == SMS_TAB:
                n = len(user.sms_inbox)
                chip.set_label(f"{label} ·{n}" if n else label)
            chip.set_class(chip.tab == self.tab, "-active")
        on_screen = user.screen != "chats"
        chat = self.query_one(ChatView)
        oa_bar = self.query_one(OaBar)
        app_screen = self.query_one(ScreenView)
        sms = self.query_one(SmsView)
        settings = self.query_one(SettingsView)
        is_chat = self.tab not in (SMS_TAB, SETTINGS_TAB)
        chat.display = is_chat and not on_screen
        oa_bar.display = is_chat and not on_screen and self.tab != LINE_CHAT
        app_screen.display = on_screen
        sms.display = self.tab == SMS_TAB and not on_screen
        settings.display = self.tab == SETTINGS_TAB and not on_screen
        if on_screen:
            app_screen.show(user, available)
        elif is_chat:
            name = sim.official_accounts[self.tab].name if self.tab in sim.official_accounts else "LINE"
            chat.show(user, self.tab, name, available)
            if self.tab != LINE_CHAT:
                oa_bar.show(user, self.tab, available)
        elif self.tab == SMS_TAB:
            sms.show(user)
        else:
            settings.show(user, available, {oa: sim.official_accounts[oa].name for oa in self._oa_ids})

    # ------------------------------------------------------------ taps

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button
        if not isinstance(button, ActionButton):
            return
        event.stop()
        self._tap(button.action_name, dict(button.action_kwargs))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        action = {"pin-input": "enter_pin", "number-input": "enter_number", "say-input": "say"}.get(event.input.id or "")
        if action:
            event.stop()
            kwargs = {"oa": self.tab} if action == "say" else {}
            self._tap(action, kwargs)

    def _tap(self, action: str, kwargs: dict[str, Any]) -> None:
        if action == "enter_pin":
            kwargs["pin"] = self.query_one("#pin-input", Input).value.strip()
        elif action == "enter_number":
            kwargs["number"] = self.query_one("#number-input", Input).value.strip()
        elif action == "say":
            field = self.query_one("#say-input", Input)
            kwargs["text"] = field.value or "Hello"
            field.value = ""
        self.post_message(PhoneAction(action, **kwargs))
