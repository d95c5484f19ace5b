"""The simulated phone: one user's LINE app (chats, system cards, screens, SMS inbox, settings).

Everything the phone offers is derived from ``sim.available_actions(user)``:
a button the current screen does not allow is not shown.  A tap posts
:class:`PhoneAction`; the app performs it through the session (which records
it as an explored step), and the engine's batch of events repaints the app,
which calls :meth:`Phone.update_view`.

Updates are incremental: the chat only mounts bubbles that appeared since the
last update, and each other part is rebuilt only when what it shows changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from flowsim.engine import ACTIONS, LINE_CHAT, ChatMessage, User

if TYPE_CHECKING:
    from textual._arrange import DockArrangeResult


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

    #: The setup section a chat card's Set button is for (``consent``, ``phone_auth``); None on other buttons.
    section: str | None = None

    def __init__(self, action: str, label: str | None = None, *, kwargs: dict[str, Any] | None = None,
                 **options: Any) -> None:
        super().__init__(label or ACTIONS[action].label, compact=True, **options)
        self.action_name = action
        self.action_kwargs = kwargs or {}


class BuiltOnFirstShow:
    """A view hidden when a scenario opens, which creates its widgets the first time it is shown.

    The app screens, the settings and an official account's bar are hidden
    on the first screen; composing them then put 45 of its 106 widgets
    through mounting and CSS for nothing (measured with ``bench/tui.py``).
    ``mount`` puts widgets in the DOM at once (the mount itself completes
    later), so :meth:`ensure_built` is called at the top of ``show``, which
    then queries and updates them in the same call.
    """

    _built = False

    def build(self) -> None:
        """Mount the view's widgets (``mount``, never ``compose``)."""
        raise NotImplementedError

    def ensure_built(self) -> None:
        if not self._built:
            self._built = True
            self.build()


def mount_row(parent: Widget, row: Widget, children: list[Widget]) -> None:
    """Mount ``row`` into ``parent`` and ``children`` into ``row``, all queryable at once.

    (Children given to a container's constructor would only join the DOM
    when the container composes, after this call.)
    """
    parent.mount(row)
    row.mount_all(children)


# ---------------------------------------------------------------------- bubbles


class Bubble(Static):
    """A plain chat bubble (``received``, ``phone_changed``, a notification)."""


class SystemCard(Vertical):
    """A ``setup`` or ``phone_auth`` message with its **Set** button(s).

    Its parts are mounted by :meth:`build` right after the card itself (see
    :meth:`ChatView.show`), not composed: they join the DOM in the same call,
    so the app's hold on a step's frame (``_hold_frames_until_mounted``)
    waits for one round of mounts, not one per level of composition.
    """

    def __init__(self, message: ChatMessage, language: str) -> None:
        super().__init__(classes="bubble card")
        self.message = message
        self.language = language

    def build(self) -> None:
        m = self.message
        title = m.text.split("\n", 1)[0]
        self.mount_all([
            Static(Text.assemble(("LINE  ", "bold"), (m.at.strftime("%m-%d %H:%M"), "dim")), classes="meta"),
            Static(Text(title, style="bold"), classes="card-title"),
        ])
        for section, text in m.set_rows(self.language):
            action = "open_consent" if section == "consent" else "open_phone_auth"
            button = ActionButton(action, classes=f"set-button set-{section}")
            button.section = section
            done = Static("✓", classes=f"section-done done-{section}")
            done.display = False
            mount_row(self, Horizontal(classes="section"), [Static(text, classes="section-text"), button, done])


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
    """One chat's bubbles; mounts only the new ones, and follows the newest.

    Following uses Textual's anchor: the layout that places new bubbles also
    scrolls to them, so the step's frame shows them (``scroll_end`` waits for
    that frame and scrolls in the next).  Textual's anchor scrolls a
    container by its content's height even when the content is shorter than
    the view, which would push a short chat to the bottom: the chat is
    anchored only while its bubbles overflow it, decided in :meth:`arrange`,
    which the compositor calls just before it reads the anchor.  A person
    who scrolls releases the anchor (Textual); new bubbles take it back.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._key: tuple[str, str] | None = None
        self._count = 0
        self._buttons_for: tuple | None = None

    def compose(self) -> ComposeResult:
        yield Static("No messages yet.", classes="empty")

    def arrange(self, size: Size, optimal: bool = False) -> DockArrangeResult:
        arrangement = super().arrange(size, optimal)
        self._anchored = arrangement.spatial_map.total_region.bottom > size.height
        return arrangement

    def show(self, user: User, chat: str, oa_name: str, available: set[str],
             done: frozenset[str] = frozenset()) -> None:
        """``done``: the setup sections already complete (consent agreed, SMS valid): ✓ instead of Set."""
        messages: Sequence[ChatMessage] = user.chats.get(chat) or ()
        key = (user.id, chat)
        if key != self._key:
            self._key = key
            self._count = 0
            self._buttons_for = None
            self.query(".bubble").remove()
            self.scroll_to(y=0, animate=False, immediate=True)
        new = messages[self._count:]
        if new:
            bubbles = [make_bubble(m, user, oa_name) for m in new]
            self.mount_all(bubbles)
            for bubble in bubbles:
                if isinstance(bubble, SystemCard):
                    bubble.build()
            self._count = len(messages)
            # Follow the new bubbles even if the person had scrolled (Textual then releases the anchor).
            self._anchor_released = False
        self.query_one(".empty").display = not messages
        signature = (key, self._count, frozenset(available), done)
        if signature == self._buttons_for:
            return  # the cards' buttons and marks are as they should be
        self._buttons_for = signature
        for button in self.query(".set-button").results(ActionButton):
            button.display = button.action_name in available and button.section not in done
        for mark in self.query(".section-done").results(Static):
            mark.display = any(mark.has_class(f"done-{section}") for section in done)


class OaBar(BuiltOnFirstShow, Horizontal):
    """Under an official account's chat: say something, add friend, block, unblock (R27)."""

    def build(self) -> None:
        self.mount_all([
            Input(placeholder="Message…", id="say-input", compact=True),
            ActionButton("say", id="oa-say"),
            ActionButton("add_friend", "+Friend", id="oa-add_friend"),
            ActionButton("block", id="oa-block"),
            ActionButton("unblock", id="oa-unblock"),
        ])

    def show(self, oa: str, available_here: set[str]) -> None:
        """``available_here``: ``sim.available_actions(user, oa)``, the actions in this account's chat."""
        self.ensure_built()
        for action in ("say", "add_friend", "block", "unblock"):
            button = self.query_one(f"#oa-{action}", ActionButton)
            button.display = action in available_here
            button.action_kwargs = {"oa": oa}
        self.query_one("#say-input").display = "say" in available_here


# ---------------------------------------------------------------------- app screens

SCREEN_TITLES = {
    "consent": "LINE notification messages",
    "phone_auth": "Phone number authentication",
    "sms_confirm": "Send SMS?",
    "pin_entry": "Enter verification code",
    "number_entry": "Change phone number",
}


#: Buttons of the app screens (actions no chat offers), in the registry's order, which is the app's.
SCREEN_BUTTONS = tuple(name for name, spec in ACTIONS.items() if spec.screens and "chats" not in spec.screens)


class ScreenView(BuiltOnFirstShow, Vertical):
    """The app screen over the chats: consent, phone auth, SMS dialog, PIN entry, number entry.

    Its widgets are created once, when a screen first opens; a change of
    screen only updates texts and shows the buttons that ``available_actions``
    allows.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._signature: tuple | None = None

    def build(self) -> None:
        self.mount_all([
            Static("", classes="screen-title", id="screen-title"),
            Static("", classes="screen-text", id="screen-text"),
            Static("", classes="sms-banner", id="sms-banner"),
            Input(placeholder="6-digit code", id="pin-input", max_length=6, restrict=r"[0-9]*", compact=True),
            Input(placeholder="+81 80 1111 2222", id="number-input", compact=True),
            Static("", classes="screen-error", id="screen-error"),
        ])
        mount_row(self, Horizontal(classes="screen-buttons"),
                  [ActionButton(action, id=f"btn-{action}") for action in SCREEN_BUTTONS])

    def show(self, user: User, available: set[str]) -> None:
        self.ensure_built()
        challenge = user.pin_challenge
        signature = (user.id, user.screen, user.screen_error, user.phone, tuple(sorted(available)),
                     challenge.number if challenge else None, len(user.sms_inbox))
        if signature == self._signature:
            return
        self._signature = signature
        screen = user.screen
        text = ""
        if screen == "consent":
            text = ("Official accounts can send you important notifications as LINE messages to your "
                    "phone number. Do you agree to receive LINE notification messages?")
        elif screen == "phone_auth":
            text = f"Registered number\n{user.phone or '(none)'}"
        elif screen == "sms_confirm":
            text = f"Send an SMS to {user.phone or '(no number)'}?"
        elif screen == "pin_entry":
            number = challenge.number if challenge else user.phone
            text = f"Enter the 6-digit code sent to {number}."
        elif screen == "number_entry":
            text = "Enter your new phone number. We will send it an SMS with a code."
        self.query_one("#screen-title", Static).update(SCREEN_TITLES.get(screen, screen))
        body = self.query_one("#screen-text", Static)
        body.update(text)
        body.set_class(screen == "sms_confirm", "dialog")
        banner = self.query_one("#sms-banner", Static)
        banner.display = screen == "pin_entry" and bool(user.sms_inbox)
        if banner.display:
            banner.update(Text.assemble(("SMS ", "bold"), user.sms_inbox[-1].text))
        pin = self.query_one("#pin-input", Input)
        number_input = self.query_one("#number-input", Input)
        pin.display = screen == "pin_entry"
        number_input.display = screen == "number_entry"
        pin.value = ""
        error = self.query_one("#screen-error", Static)
        error.display = bool(user.screen_error)
        error.update(Text(user.screen_error or "", style="bold"))
        wanted = {"consent": ("agree", "reject", "cancel"), "phone_auth": ("send_sms", "cancel"),
                  "sms_confirm": ("confirm_sms", "cancel", "change_number"),
                  "pin_entry": ("enter_pin", "resend_sms", "cancel"),
                  "number_entry": ("enter_number", "cancel")}.get(screen, ())
        for button in self.query(ActionButton).results(ActionButton):
            button.display = button.action_name in wanted and button.action_name in available


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


class SettingsView(BuiltOnFirstShow, VerticalScroll):
    """Settings: consent switch (R21), phone number (R19), privacy policy (R8), per-OA block/friend (R27).

    Built when first shown, its per-account rows again when the accounts
    change (:meth:`set_oas`); otherwise updates only texts and button visibility.
    """

    def __init__(self, oas: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._signature: tuple | None = None
        self._oas: dict[str, str] = dict(oas or {})

    @staticmethod
    def _mount_oa_rows(box: Widget, oas: dict[str, str]) -> None:
        for index, (oa, name) in enumerate(oas.items()):
            box.mount(Static(name, classes="setting oa-state", name=oa))
            mount_row(box, Horizontal(classes="setting-buttons"),
                      [ActionButton(a, kwargs={"oa": oa}, id=f"set-{a}-{index}")
                       for a in ("add_friend", "block", "unblock")])

    def build(self) -> None:
        self.mount(Static("", classes="setting", id="setting-consent"))
        mount_row(self, Horizontal(classes="setting-buttons"), [
            ActionButton("settings_consent", "Turn on", kwargs={"value": "agreed"}, id="set-consent-agreed"),
            ActionButton("settings_consent", "Turn off", kwargs={"value": "rejected"}, id="set-consent-rejected"),
        ])
        self.mount(Static("", classes="setting", id="setting-phone"))
        mount_row(self, Horizontal(classes="setting-buttons"), [ActionButton("settings_change_number",
                                                                             id="set-change-number")])
        self.mount(Static("", classes="setting", id="setting-privacy"))
        mount_row(self, Horizontal(classes="setting-buttons"), [ActionButton("agree_privacy_policy",
                                                                             id="set-privacy")])
        box = Vertical(id="setting-oas")
        self.mount(box)
        self._mount_oa_rows(box, self._oas)

    async def set_oas(self, oas: dict[str, str]) -> None:
        if oas == self._oas:
            return
        self._oas = dict(oas)
        self._signature = None
        if not self._built:
            return
        box = self.query_one("#setting-oas")
        await box.remove_children()
        self._mount_oa_rows(box, oas)

    def show(self, user: User, available: set[str], per_oa: dict[str, set[str]]) -> None:
        """``per_oa``: each official account → ``sim.available_actions(user, oa)`` (its rows' buttons)."""
        self.ensure_built()
        signature = (user.id, user.consent, user.privacy_policy, user.phone, frozenset(user.blocked),
                     frozenset(user.friends), tuple(sorted(available)))
        if signature == self._signature:
            return
        self._signature = signature
        self.query_one("#setting-consent", Static).update(Text.assemble(
            ("Privacy › Provide usage data › LINE notification messages\n", "dim"),
            "Consent: ", (user.consent, "bold")))
        self.query_one("#setting-phone", Static).update(Text.assemble(
            ("Profile › Phone number\n", "dim"), (user.phone or "(none)", "bold")))
        self.query_one("#setting-privacy", Static).update(Text.assemble(
            ("Privacy policy (March 2022): ", "dim"), ("agreed" if user.privacy_policy else "not agreed", "bold")))
        can_switch = "settings_consent" in available
        self.query_one("#set-consent-agreed").display = can_switch and user.consent != "agreed"
        self.query_one("#set-consent-rejected").display = can_switch and user.consent != "rejected"
        self.query_one("#set-change-number").display = "settings_change_number" in available
        self.query_one("#set-privacy").display = "agree_privacy_policy" in available
        for label in self.query(".oa-state").results(Static):
            oa = label.name or ""
            state = "blocked" if oa in user.blocked else "friend" if oa in user.friends else "not a friend"
            label.update(Text.assemble((self._oas.get(oa, oa), "bold"), f"  {state}"))
        for button in self.query("#setting-oas ActionButton").results(ActionButton):
            button.display = button.action_name in per_oa.get(button.action_kwargs.get("oa", ""), ())


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

    _shown: tuple | None = None

    def show(self, user_id: str, position: str, phone: str | None) -> None:
        if (user_id, position, phone) == self._shown:
            return
        self._shown = (user_id, position, phone)
        bar = Text.assemble(("◀ ", "dim"), (user_id, "bold"), (f" ▶ {position}  ", "dim"), phone or "no number")
        self.update(bar, layout=False)  # one line, fixed height: no reflow

    async def on_click(self) -> None:
        await self.app.run_action("next_user")  # a coroutine: not awaited, the click did nothing


class Phone(Vertical):
    """One user's LINE app.

    The first world (``session``) is composed with the phone: its chips and
    per-account settings rows are part of the first layout instead of being
    mounted afterwards (one of the changes that took the first screen from
    about 0.9 s to 0.6 s, bench/tui.py).
    """

    def __init__(self, session=None, user_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tab = LINE_CHAT
        self._flow_session = session
        self._user_id = user_id
        self._oa_ids: list[str] = list(session.sim.official_accounts) if session is not None else []
        self._titles: tuple[str, str] | None = None
        #: The simulation last shown: a new one (a restart, by any driver) redraws every view.
        self._sim: Any = None
        self._chips_fitted: tuple[int, tuple[str, ...]] | None = None

    def compose(self) -> ComposeResult:
        oas = self._flow_session.sim.official_accounts if self._flow_session is not None else {}
        yield UserBar("", id="user-bar")
        yield Horizontal(*self._chips(self._oa_ids), id="chips")
        yield ChatView(id="chat")
        yield OaBar(id="oa-bar")
        yield ScreenView(id="app-screen")
        yield SmsView(id="sms")
        yield SettingsView({oa: account.name for oa, account in oas.items()}, id="settings")

    @staticmethod
    def _chips(oa_ids: list[str]) -> list[Chip]:
        return [
            Chip("LINE", LINE_CHAT, id="chip-line", classes="chip"),
            *(Chip(oa, oa, id=f"chip-oa-{index}", classes="chip") for index, oa in enumerate(oa_ids)),
            Chip("SMS", SMS_TAB, id="chip-sms", classes="chip"),
            Chip("Settings", SETTINGS_TAB, id="chip-settings", classes="chip"),
        ]

    async def set_world(self, session, user_id: str) -> None:
        """A (new) simulation: rebuild the chips if its accounts differ, keep the tab if it still exists."""
        self._flow_session = session
        self._user_id = user_id
        sim = session.sim
        oa_ids = list(sim.official_accounts)
        if oa_ids != self._oa_ids:
            self._oa_ids = oa_ids
            chips = self.query_one("#chips")
            await chips.remove_children()
            await chips.mount_all(self._chips(oa_ids))
        await self.query_one(SettingsView).set_oas({oa: sim.official_accounts[oa].name for oa in oa_ids})
        if self.tab not in (LINE_CHAT, SMS_TAB, SETTINGS_TAB, *oa_ids):
            self.tab = LINE_CHAT
        self._sim = None

    def select_tab(self, tab: str) -> None:
        self.tab = tab
        self.update_view()

    def next_tab(self) -> None:
        tabs = [LINE_CHAT, *self._oa_ids, SMS_TAB, SETTINGS_TAB]
        self.select_tab(tabs[(tabs.index(self.tab) + 1) % len(tabs)] if self.tab in tabs else LINE_CHAT)

    def show_user(self, user_id: str | None) -> None:
        self._user_id = user_id
        self.update_view()

    def update_view(self) -> None:
        if self._flow_session is None or self._user_id is None:
            return
        sim = self._flow_session.sim
        if sim is not self._sim:  # a new world: nothing shown so far belongs to it
            self._sim = sim
            self.query_one(ChatView)._key = None
            for view in (*self.query(ScreenView), *self.query(SmsView), *self.query(SettingsView)):
                view._signature = None
        user = sim.user(self._user_id)
        available = set(sim.available_actions(user.id))
        users = list(sim.users)
        position = f"{users.index(user.id) + 1}/{len(users)}"
        self.query_one(UserBar).show(user.id, position, user.phone)
        # Setting a border title repaints the whole phone: only when it changes.
        title, subtitle = f"📱 {user.id}", f"screen: {user.screen}"
        if (title, subtitle) != self._titles:
            self._titles = (title, subtitle)
            self.border_title, self.border_subtitle = title, subtitle
        for chip in self.query(Chip).results(Chip):
            label = chip.label.split(" ·")[0]
            if chip.tab not in (SMS_TAB, SETTINGS_TAB):
                n = len(user.chats.get(chip.tab, []))
                chip.set_label(f"{label} ·{n}" if n else label)
            elif chip.tab == SMS_TAB:
                n = len(user.sms_inbox)
                chip.set_label(f"{label} ·{n}" if n else label)
            chip.set_class(chip.tab == self.tab, "-active")
        self._fit_chips()
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
            chat.show(user, self.tab, name, available, sim.sections_done(user.id))
            if self.tab != LINE_CHAT:
                oa_bar.show(self.tab, set(sim.available_actions(user.id, self.tab)))
        elif self.tab == SMS_TAB:
            sms.show(user)
        else:
            settings.show(user, available, {oa: set(sim.available_actions(user.id, oa)) for oa in self._oa_ids})

    def _fit_chips(self) -> None:
        """Chips that do not fit the phone's width lose their padding (``-tight``), so none is cut off."""
        width = self.content_size.width
        if not width:
            return
        row = self.query_one("#chips")
        labels = tuple(chip.label for chip in row.children if isinstance(chip, Chip))
        if (width, labels) == self._chips_fitted:
            return  # a step rarely changes them; the query and restyle cost 3-4 ms (bench/tui.py)
        self._chips_fitted = (width, labels)
        row.set_class(sum(cell_len(label) + 2 for label in labels) > width, "-tight")

    def on_resize(self) -> None:
        self._fit_chips()

    def focus_screen(self, fallback: bool = True) -> None:
        """After a tap, put the keyboard on the app screen that opened: its field, else its first button.

        So that Enter walks a flow (Set → Agree → Set → Send SMS → OK → PIN)
        the way a thumb would; back on the chats, the keys go to the next Set
        button of the newest card, and with none left back to the steps
        (``fallback``; without it the focus stays where it is).
        """
        view = self.query_one(ScreenView)
        if view.display:
            for widget in view.query("Input, ActionButton"):
                if widget.display:
                    self.screen.set_focus(widget)
                    return
        chat = self.query_one(ChatView)
        if chat.display:  # back on the chats: the next Set of the newest card that still has one
            for card in reversed(list(chat.query(SystemCard).results(SystemCard))):
                buttons = [b for b in card.query(".set-button").results(ActionButton) if b.display]
                if buttons:
                    self.screen.set_focus(buttons[0])  # now: the app's check of the focus comes next
                    buttons[0].scroll_visible(animate=False)
                    return
        settings = self.query_one(SettingsView)
        if settings.display:  # Settings: its first button (Turn on/off, Change number, …)
            for button in settings.query(ActionButton).results(ActionButton):
                if button.display:
                    self.screen.set_focus(button)
                    return
        steps = self.screen.query_one("#steps")
        if fallback and steps.display:
            steps.focus()

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
