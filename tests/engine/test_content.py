"""Message content (R28-R30): flexible messages, template keys from the
catalogue, the delivery tag; refused sends answer 400 and change nothing."""

from __future__ import annotations

import pytest

from flowsim import Catalogue, Simulation
from flowsim.engine.catalogue import CatalogueError
from flowsim.engine.content import ContentError, check_delivery_tag, check_flexible, check_template
from flowsim.engine.events import ApiCalled

from .helpers import HANAKO, START, add_user, all_chat_messages, new_sim, notifications, sha

TEXT = {"type": "text", "text": "Your parcel ships today"}
STICKER = {"type": "sticker", "packageId": "446", "stickerId": "1988"}
BUBBLE = {"type": "bubble", "body": {"type": "box", "layout": "vertical",
                                     "contents": [{"type": "text", "text": "Delivered"}]}}
FLEX = {"type": "flex", "altText": "Delivered", "contents": BUBBLE}

#: LINE's public example, every JP key of the shipped catalogue.
SHIPMENT_BODY = {
    "emphasizedItem": {"itemKey": "date_002_ja", "content": "4月1日"},
    "items": [
        {"itemKey": "time_range_001_ja", "content": "9:00-12:00"},
        {"itemKey": "number_001_ja", "content": "1234-5678-9012"},
        {"itemKey": "price_001_ja", "content": "3,000円"},
        {"itemKey": "name_010_ja", "content": "りんご"},
    ],
    "buttons": [
        {"buttonKey": "check_delivery_status_ja", "url": "https://example.com/track"},
        {"buttonKey": "contact_ja", "url": "https://example.com/contact"},
    ],
}


def _flex_with(component: dict, carousel: bool = False) -> dict:
    bubble = {"type": "bubble", "hero": component, "body": BUBBLE["body"]}
    contents = {"type": "carousel", "contents": [BUBBLE, bubble]} if carousel else bubble
    return {"type": "flex", "altText": "x", "contents": contents}


@pytest.fixture
def world(sim):
    add_user(sim, "hanako", HANAKO, consent="agreed")
    return sim


def _assert_refused(sim, result, rule_text: str, prop: str | None = None):
    """400 with LINE's error body; no message, nothing visible, nothing counted, logged as a 400 call."""
    assert result.status == 400 and not result.ok and result.message_id is None
    body = result.body()
    assert body["message"] == result.error
    text = result.error + " ".join(d["message"] for d in result.details)
    assert rule_text in text, text
    if prop is not None:
        assert [d["property"] for d in body["details"]] == [prop]
    assert sim.messages == {}
    assert all_chat_messages(sim, "hanako") == []
    assert sim.webhooks["shop"] == []
    assert sim.sent_count("shop") == {"flexible": 0, "template": 0}
    [call] = sim.log.of_type(ApiCalled)
    assert call.status == 400 and call.error == result.error


# ---------------------------------------------------------------- R28


@pytest.mark.rules("R28")
@pytest.mark.parametrize("messages", [[TEXT], [STICKER], [FLEX], [TEXT, STICKER, FLEX, TEXT, TEXT]])
def test_R28_one_to_five_text_sticker_or_flex_objects_are_delivered(world, messages):
    """R28: text, sticker and flex, 1 to 5 of them, are accepted and delivered as one notification."""
    result = world.send_flexible("shop", sha(HANAKO), messages)
    assert result.status == 200 and result.body() == {}
    [note] = notifications(world, "hanako")
    assert list(note.messages) == messages


@pytest.mark.rules("R28")
@pytest.mark.parametrize("count", [0, 6])
def test_R28_zero_or_more_than_five_message_objects_are_refused(world, count):
    """R28: 1 to 5 message objects; 0 and 6 are a 400 naming ``messages``."""
    _assert_refused(world, world.send_flexible("shop", sha(HANAKO), [TEXT] * count), "between 1 and 5", "messages")


@pytest.mark.rules("R28")
@pytest.mark.parametrize("mtype", ["image", "video", "audio", "imagemap"])
def test_R28_media_message_types_are_refused(world, mtype):
    """R28: anything carrying an image, video or audio is refused with an error (400)."""
    media = {"type": mtype, "originalContentUrl": "https://example.com/x", "previewImageUrl": "https://example.com/p"}
    result = world.send_flexible("shop", sha(HANAKO), [TEXT, media])
    _assert_refused(world, result, "images, videos or audio", "messages[1].type")


@pytest.mark.rules("R28")
@pytest.mark.parametrize("component", [
    {"type": "image", "url": "https://example.com/a.png"},
    {"type": "video", "url": "https://example.com/a.mp4", "previewUrl": "https://example.com/a.png",
     "altContent": {"type": "text", "text": "x"}},
])
@pytest.mark.parametrize("carousel", [False, True])
def test_R28_flex_containers_with_image_or_video_components_are_refused(world, component, carousel):
    """R28: a flex bubble (or a bubble inside a carousel) with an image/video component is a 400."""
    result = world.send_flexible("shop", sha(HANAKO), [_flex_with(component, carousel)])
    _assert_refused(world, result, "images, videos or audio")
    assert result.details[0]["property"].endswith("hero.type")


@pytest.mark.rules("R28")
@pytest.mark.parametrize("bad, prop", [
    ({"type": "template", "altText": "x", "template": {}}, "messages[0].type"),
    ({"text": "no type"}, "messages[0].type"),
    ({"type": "text", "text": ""}, "messages[0].text"),
    ({"type": "sticker", "packageId": "446"}, "messages[0].stickerId"),
    ({"type": "flex", "contents": BUBBLE}, "messages[0].altText"),
    ({"type": "flex", "altText": "x", "contents": {"type": "box"}}, "messages[0].contents"),
])
def test_R28_other_types_and_malformed_objects_are_refused(world, bad, prop):
    """R28: only text, sticker and flex, each well formed; the 400 names the property."""
    _assert_refused(world, world.send_flexible("shop", sha(HANAKO), [bad]), "", prop)


@pytest.mark.rules("R28")
def test_R28_check_flexible_returns_a_content_error_citing_R28():
    """R28: the content checker returns ``ContentError`` (not an exception) with the rule id, or None."""
    assert check_flexible([TEXT]) is None
    error = check_flexible([{"type": "video"}])
    assert isinstance(error, ContentError) and error.rule == "R28"
    assert error.details == ({"message": "type 'video' is not allowed", "property": "messages[0].type"},)
    assert check_flexible("not a list").rule == "R28"


# ---------------------------------------------------------------- R29


@pytest.mark.rules("R29", "R12")
def test_R29_shipment_completed_ja_with_every_catalogue_item_and_button_is_delivered(world):
    """R29: LINE's example template with the catalogue's items and buttons: 202 (accepted), delivered (R12)."""
    result = world.send_template("shop", sha(HANAKO), "shipment_completed_ja", SHIPMENT_BODY)
    assert result.status == 202 and result.ok and result.body() == {}
    msg = world.message(result.message_id)
    assert (msg.kind, msg.status, msg.template.key, msg.template.body) == (
        "template", "delivered", "shipment_completed_ja", SHIPMENT_BODY)
    [note] = notifications(world, "hanako")
    assert note.template == "shipment_completed_ja"
    assert world.sent_count("shop") == {"flexible": 0, "template": 1}


@pytest.mark.rules("R29")
def test_R29_a_template_without_a_body_is_accepted(world):
    """R29: ``body`` is optional."""
    assert world.send_template("shop", sha(HANAKO), "shipment_completed_ja").status == 202


@pytest.mark.rules("R29")
def test_R29_the_shipped_catalogue_holds_the_documented_jp_keys():
    """R29: the sample catalogue's JP template, item and button keys."""
    catalogue = Catalogue.default()
    assert "shipment_completed_ja" in catalogue.keys("JP", "templates")
    assert {"date_002_ja", "time_range_001_ja", "number_001_ja", "price_001_ja", "name_010_ja"} <= set(
        catalogue.keys("JP", "items"))
    assert {"check_delivery_status_ja", "contact_ja"} <= set(catalogue.keys("JP", "buttons"))
    assert catalogue.label("JP", "items", "date_002_ja") == "お届け日"


@pytest.mark.rules("R29")
@pytest.mark.parametrize("key, body, detail, prop", [
    ("shipment_completed_xx", None, "unknown template key 'shipment_completed_xx'", "templateKey"),
    ("shipment_completed_ja", {"items": [{"itemKey": "date_999_ja", "content": "x"}]},
     "unknown item key 'date_999_ja'", "body.items[0].itemKey"),
    ("shipment_completed_ja", {"buttons": [{"buttonKey": "call_ja", "url": "https://example.com"}]},
     "unknown button key 'call_ja'", "body.buttons[0].buttonKey"),
    ("shipment_completed_ja", {"items": [{"itemKey": "price_001_ja", "content": "1"},
                                         {"itemKey": "price_001_ja", "content": "2"}]},
     "item key 'price_001_ja' appears more than once", "body.items[1].itemKey"),
    ("shipment_completed_ja", {"emphasizedItem": {"itemKey": "date_002_ja", "content": "4月1日"},
                               "items": [{"itemKey": "date_002_ja", "content": "4月2日"}]},
     "item key 'date_002_ja' appears more than once", "body.items[0].itemKey"),
    ("shipment_completed_ja", {"items": [{"itemKey": "name_010_ja", "content": ""}]},
     "1 to 300 characters", "body.items[0].content"),
])
def test_R29_unknown_keys_and_repeated_item_keys_are_a_400(world, key, body, detail, prop):
    """R29: unknown template/item/button keys and an item key used twice (also as emphasized item) are 400s."""
    _assert_refused(world, world.send_template("shop", sha(HANAKO), key, body), detail, prop)


@pytest.mark.rules("R29")
def test_R29_the_catalogue_depends_on_the_official_accounts_country():
    """R29: a Thai OA may not use a JP template key, and may use its own."""
    sim = new_sim()
    sim.add_official_account("thai", country="TH")
    add_user(sim, "hanako", HANAKO, consent="agreed")
    refused = sim.send_template("thai", sha(HANAKO), "shipment_completed_ja")
    assert refused.status == 400 and "for country TH" in refused.details[0]["message"]
    assert sim.send_template("thai", sha(HANAKO), "shipment_completed_th").status == 202
    assert sim.send_template("shop", sha(HANAKO), "shipment_completed_th").status == 400


@pytest.mark.rules("R29")
def test_R29_users_can_extend_the_catalogue():
    """R29: a user's catalogue file extends the shipped one (``Catalogue.extended``)."""
    extra = Catalogue.from_text('[JP.templates]\nmy_notice_ja = { label = "お知らせ" }\n'
                                '[JP.items]\nmy_item_ja = "項目"\n')
    sim = Simulation(start=START, catalogue=Catalogue.default().extended(extra))
    sim.add_official_account("shop")
    add_user(sim, "hanako", HANAKO, consent="agreed")
    body = {"items": [{"itemKey": "my_item_ja", "content": "x"}, {"itemKey": "date_002_ja", "content": "y"}]}
    assert sim.send_template("shop", sha(HANAKO), "my_notice_ja", body).status == 202
    assert sim.send_template("shop", sha(HANAKO), "shipment_completed_ja").status == 202
    assert new_sim().send_template("shop", sha(HANAKO), "my_notice_ja").status == 400


@pytest.mark.rules("R29")
@pytest.mark.parametrize("text, where", [
    ("[JP.templates\n", "not valid TOML"),
    ("[JP.colours]\nred = 1\n", "expected one of templates, items, buttons"),
    ("JP = 3\n", "must be a table"),
])
def test_R29_a_malformed_catalogue_is_a_catalogue_error(text, where):
    """R29: a catalogue file of the wrong shape raises CatalogueError naming the source."""
    with pytest.raises(CatalogueError) as caught:
        Catalogue.from_text(text, "mine.toml")
    assert str(caught.value).startswith("mine.toml") and where in str(caught.value)


@pytest.mark.rules("R29")
def test_R29_check_template_returns_a_content_error_citing_R29():
    """R29: ``check_template`` returns ``ContentError`` with rule R29, or None."""
    catalogue = Catalogue.default()
    assert check_template("shipment_completed_ja", SHIPMENT_BODY, "JP", catalogue) is None
    error = check_template("nope", None, "JP", catalogue)
    assert isinstance(error, ContentError) and error.rule == "R29"


# ---------------------------------------------------------------- R30


@pytest.mark.rules("R30")
@pytest.mark.parametrize("length, accepted", [(15, False), (16, True), (100, True), (101, False)])
@pytest.mark.parametrize("kind, status", [("flexible", 200), ("template", 202)])
def test_R30_delivery_tag_is_16_to_100_characters(world, length, accepted, kind, status):
    """R30: ``X-Line-Delivery-Tag`` of 15 or 101 characters is a 400; 16 and 100 are accepted (200 / 202)."""
    tag = "t" * length
    if kind == "flexible":
        result = world.send_flexible("shop", sha(HANAKO), [TEXT], delivery_tag=tag)
    else:
        result = world.send_template("shop", sha(HANAKO), "shipment_completed_ja", delivery_tag=tag)
    if not accepted:
        status = 400
    assert result.status == status
    if status == 400:
        _assert_refused(world, result, f"got {length}", "X-Line-Delivery-Tag")
        assert check_delivery_tag(tag).rule == "R30"
    else:
        assert world.message(result.message_id).delivery_tag == tag
        assert check_delivery_tag(tag) is None


@pytest.mark.rules("R30", "R28")
def test_R30_the_tag_is_checked_even_when_the_content_is_fine_and_no_tag_is_fine(world):
    """R30: no tag at all is fine; a bad tag refuses an otherwise valid message (R28 content)."""
    assert world.send_text("shop", sha(HANAKO), "no tag").status == 200
    assert world.send_text("shop", sha(HANAKO), "bad tag", delivery_tag="short").status == 400
    assert len(world.messages) == 1


@pytest.mark.rules("R29")
@pytest.mark.parametrize("length, status", [(15, 202), (16, 400)])
def test_R29_the_emphasized_item_holds_at_most_15_characters(world, length, status):
    """R29: LINE allows 15 characters in ``emphasizedItem.content`` (300 in other items)."""
    body = {"emphasizedItem": {"itemKey": "date_002_ja", "content": "x" * length}}
    result = world.send_template("shop", sha(HANAKO), "shipment_completed_ja", body)
    assert result.status == status
    if status == 400:
        assert result.details[0]["property"] == "body.emphasizedItem.content"
