"""What the app shows in the user's language: the "Important notification"
label (R24) and the LINE chat's system texts (R12-R15, R19)."""

from __future__ import annotations

import pytest

from .helpers import HANAKO, TARO, add_user, agree_consent, change_number, notifications, sha

LABELS = {
    "en": "Important notification",
    "ja": "重要なお知らせ",
    "th": "การแจ้งเตือนสำคัญ",
    "zh": "重要通知",
}


@pytest.mark.rules("R24")
@pytest.mark.parametrize("language", list(LABELS))
def test_R24_the_label_follows_the_app_language(sim, language):
    """R24: ja 重要なお知らせ, th การแจ้งเตือนสำคัญ, zh 重要通知, otherwise "Important notification"."""
    add_user(sim, "u", HANAKO, consent="agreed", language=language)
    sim.send_text("shop", sha(HANAKO), "hello")
    [note] = notifications(sim, "u")
    assert note.label == LABELS[language]


@pytest.mark.rules("R24")
@pytest.mark.parametrize("version, shown", [
    ("15.8.9", False), ("15.9.0", True), ("15.10.0", True), ("16.0", True), ("9.20.0", False), ("14.99.99", False),
])
def test_R24_the_label_needs_app_version_15_9_0_or_later(sim, version, shown):
    """R24: the label appears from 15.9.0 (compared as numbers: 15.10.0 is later, 9.20.0 earlier)."""
    add_user(sim, "u", HANAKO, consent="agreed", language="ja", app_version=version)
    sim.send_text("shop", sha(HANAKO), "hello")
    [note] = notifications(sim, "u")
    assert note.label == ("重要なお知らせ" if shown else None)


@pytest.mark.rules("R24", "R13")
def test_R24_a_label_on_a_notification_delivered_after_waiting(sim):
    """R24: a notification delivered later (Flow A, R13) has the label too."""
    add_user(sim, "u", HANAKO, language="th")
    sim.send_text("shop", sha(HANAKO), "hello")
    agree_consent(sim, "u")
    assert [n.label for n in notifications(sim, "u")] == ["การแจ้งเตือนสำคัญ"]


@pytest.mark.rules("R13", "R14", "R19")
def test_R13_R14_R19_japanese_system_texts(sim):
    """R13/R14/R19: the spec's Japanese texts for received, setup, phone_auth section and phone_changed."""
    add_user(sim, "u", HANAKO, language="ja", sms=True)
    sim.send_text("shop", sha(HANAKO), "hello")
    change_number(sim, "u", TARO)
    texts = {m.kind: m.text for m in sim.user("u").line_chat}
    assert texts["received"] == "LINE通知メッセージが届きました"
    assert texts["setup"].startswith("LINE通知メッセージの受信設定")
    assert "電話番号認証" in texts["setup"]
    assert texts["phone_changed"] == "電話番号が変更されました"


@pytest.mark.rules("R15", "R13")
@pytest.mark.parametrize("language", ["en", "th", "zh"])
def test_R15_R13_english_system_texts_also_for_thai_and_chinese(sim, language):
    """R15/R13 texts in English; (flowsim decision) Thai and Chinese apps fall back to English."""
    add_user(sim, "u", HANAKO, consent="agreed", sms=True, language=language)
    add_user(sim, "v", TARO, language=language)
    sim.send_text("shop", sha(HANAKO), "hello")
    sim.send_text("shop", sha(TARO), "hello")
    assert [m.text for m in sim.user("u").line_chat] == [
        "LINE notification message received", "Phone number authentication"]
    setup = sim.user("v").line_chat[1].text
    assert setup.startswith("Set up to get LINE notification messages")
    assert "Settings for getting LINE notification messages" in setup
