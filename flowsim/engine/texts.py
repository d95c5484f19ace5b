"""What the LINE app shows, in the user's language (R12-R15, R19, R24)."""

from __future__ import annotations

from functools import lru_cache

from . import decisions

LANGUAGES = ("en", "ja", "th", "zh")

#: Texts of the "LINE" system account's messages, by kind id and language.
SYSTEM_TEXTS: dict[str, dict[str, str]] = {
    "received": {"en": "LINE notification message received", "ja": "LINE通知メッセージが届きました"},
    "setup": {"en": "Set up to get LINE notification messages", "ja": "LINE通知メッセージの受信設定"},
    "phone_auth": {"en": "Phone number authentication", "ja": "電話番号認証"},
    "phone_changed": {"en": "Your phone number has been changed", "ja": "電話番号が変更されました"},
}

#: Section titles inside a ``setup`` message, each with a **Set** button.
SECTION_TEXTS: dict[str, dict[str, str]] = {
    "consent": {
        "en": "Settings for getting LINE notification messages",
        "ja": "LINE通知メッセージの受信設定",
    },
    "phone_auth": {"en": "Phone number authentication", "ja": "電話番号認証"},
}

#: R24: the label shown to the right of the OA's name on a notification.
IMPORTANT_LABEL: dict[str, str] = {
    "en": "Important notification",
    "ja": "重要なお知らせ",
    "th": "การแจ้งเตือนสำคัญ",
    "zh": "重要通知",
}

SYSTEM_ACCOUNT_NAME = "LINE"


def system_text(kind: str, language: str) -> str:
    texts = SYSTEM_TEXTS[kind]
    return texts.get(language) or texts[decisions.SYSTEM_TEXT_FALLBACK_LANGUAGE]


def section_text(section: str, language: str) -> str:
    texts = SECTION_TEXTS[section]
    return texts.get(language) or texts[decisions.SYSTEM_TEXT_FALLBACK_LANGUAGE]


def chat_text(kind: str, language: str, sections: tuple[str, ...] = ()) -> str:
    """The text of a "LINE" system message: its title, and a line per setup section with its **Set**."""
    return _chat_text(kind, language, sections, decisions.SYSTEM_TEXT_FALLBACK_LANGUAGE)


@lru_cache(maxsize=256)  # a few kinds, sections and languages; the fallback is part of the key (a decision)
def _chat_text(kind: str, language: str, sections: tuple[str, ...], _fallback: str) -> str:
    text = system_text(kind, language)
    return text + "".join(f"\n• {section_text(s, language)} [Set]" for s in sections)


@lru_cache(maxsize=256)  # asked at every delivery (R24), of a few versions
def parse_version(version: str) -> tuple[int, ...]:
    """``"15.9.0"`` → ``(15, 9, 0)``; missing parts count as 0, junk as 0."""
    parts = []
    for piece in version.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    while len(parts) < 3:
        parts.append(0)
    return tuple(parts)


def important_label(language: str, app_version: str) -> str | None:
    """R24: the label for this app, or ``None`` before app version 15.9.0."""
    if parse_version(app_version) < decisions.LABEL_MIN_APP_VERSION:
        return None
    return IMPORTANT_LABEL.get(language, IMPORTANT_LABEL["en"])
