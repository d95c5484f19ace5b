"""Chats, SMS inboxes and webhook queues keep records (``flowsim.engine.records``) and read as lists of models.

What the engine keeps of the past is tuples of field values (untracked by
the garbage collector); what every reader gets is the pydantic models, as
before: equal models, the same dumps, copies and pickles.
"""

from __future__ import annotations

import copy
import gc
import pickle
from datetime import datetime, timedelta, timezone

import pytest

from flowsim import Simulation, hash_number
from flowsim.engine.models import (
    ChatLines,
    ChatMessage,
    Sms,
    SmsInbox,
    User,
    WebhookEvent,
    WebhookQueue,
    chat_record,
    sms_record,
    webhook_record,
)
from flowsim.engine.records import RecordList, rebuild, record_maker, values_of

AT = datetime(2026, 4, 1, 9, tzinfo=timezone(timedelta(hours=9)))
LINE = ChatMessage(kind="received", chat="LINE", at=AT, text="LINE notification message received", message_id="m1")
SETUP = ChatMessage(kind="setup", chat="LINE", at=AT, text="Set up", sections=("consent",), message_id="m1")


def _flow_b() -> Simulation:
    """One user, Flow B to delivery: four chat lines, an SMS, a webhook."""
    sim = Simulation(start=AT, seed=1)
    sim.add_official_account("shop", "Example Shop")
    sim.add_user("u0", "+818000000001", created_at=AT - timedelta(days=400))
    sim.send_text("shop", hash_number("+818000000001"), "Your parcel ships today")
    for action in ("open_consent", "agree", "open_phone_auth", "send_sms", "confirm_sms"):
        sim.do("u0", action)
    sim.do("u0", "enter_pin", pin=sim.last_pin("u0"))
    return sim


@pytest.mark.parametrize(("cls", "values"), [
    (ChatMessage, dict(kind="received", chat="LINE", at=AT, text="x", message_id="m1")),
    (ChatMessage, dict(kind="notification", chat="shop", at=AT, text="hi", message_id="m1", label="Important",
                       template=None, messages=({"type": "text", "text": "hi"},))),
    (Sms, dict(at=AT, number="+818000000001", pin="123456", purpose="verify")),
    (WebhookEvent, dict(type="delivery", oa="shop", at=AT, webhook_event_id="0" * 26, data="x" * 16)),
    (WebhookEvent, dict(type="follow", oa="shop", at=AT, webhook_event_id="1" * 26, user="u0",
                        source_user_id="U" + "0" * 32, reply_token="r", unblocked=True)),
])
def test_a_record_rebuilds_the_model_validation_gives(cls, values):
    maker = {ChatMessage: chat_record, Sms: sms_record, WebhookEvent: webhook_record}[cls]
    record = maker(**values)
    validated = cls(**values)
    assert record == values_of(validated) == record_maker(cls)(**values)
    assert rebuild(cls, record) == validated
    assert rebuild(cls, record).model_dump_json() == validated.model_dump_json()


def test_record_maker_refuses_what_it_cannot_make_and_needs_the_required_fields():
    with pytest.raises(TypeError, match="frozen"):
        record_maker(User)
    with pytest.raises(TypeError):
        chat_record(kind="received", chat="LINE", at=AT)  # no text


def test_a_flow_b_world_keeps_records_the_collector_does_not_track():
    sim = _flow_b()
    user = sim.users["u0"]
    kept = [*user.chats["LINE"].records(), *user.chats["shop"].records(), *user.sms_inbox.records(),
            *sim.webhooks["shop"].records()]
    assert len(kept) == 6 and all(type(r) is tuple for r in kept)
    gc.collect()
    # Atoms only: untracked.  The notification's line keeps its content (a tuple of dicts) packed, as bytes.
    assert [r for r in kept if gc.is_tracked(r)] == []
    assert any(type(value) is bytes for value in next(user.chats["shop"].records()))
    # So does its record in the log, which the collector does not track either.
    [appeared] = [r for r in sim.log._events if r[0] == "chat_message" and r[3] == "notification"]
    assert not gc.is_tracked(appeared)


def test_a_packed_content_reads_back_exactly_and_compares_by_value():
    """A notification's ``messages`` come back as given (tuples and lists apart, key order kept); records
    compare as models, so ``in``/``index``/``count``/``remove``/``==`` hold for equal content packed apart."""
    content = ({"type": "flex", "altText": "a", "contents": {"type": "bubble", "body": [1, (2, 3)], "x": 1.5}},)
    line = ChatMessage(kind="notification", chat="shop", at=AT, text="a", message_id="m1", messages=content)
    lines = ChatLines([line])
    [record] = lines.records()
    assert type(record[-1]) is bytes
    assert lines[0] == line and lines[0].messages == content
    assert type(lines[0].messages[0]["contents"]["body"][1]) is tuple
    # Equal content built otherwise (other key order, so other bytes) still compares equal.
    again = line.model_copy(update={"messages": ({"contents": content[0]["contents"], "type": "flex",
                                                  "altText": "a"},)})
    assert values_of(again) != record and again == line
    assert again in lines and lines.index(again) == 0 and lines.count(again) == 1
    assert lines == ChatLines([again]) and lines == [again]
    other = line.model_copy(update={"messages": ({"type": "text", "text": "b"},)})
    assert other not in lines and lines.count(other) == 0 and lines != ChatLines([other])
    lines.remove(again)
    assert lines == []


def test_a_content_marshal_cannot_write_is_kept_as_it_is():
    import enum

    class Size(enum.IntEnum):
        BIG = 2

    content = ({"type": "text", "text": "a", "size": Size.BIG},)
    lines = ChatLines([ChatMessage(kind="notification", chat="shop", at=AT, text="a", messages=content)])
    kept = next(lines.records())[-1]
    assert type(kept) is tuple and kept == content
    assert lines[0].messages[0]["size"] is Size.BIG


def test_reading_gives_models_indexing_slicing_iterating_and_reversed():
    sim = _flow_b()
    line = sim.users["u0"].chats["LINE"]
    assert isinstance(line, ChatLines) and isinstance(line, list)
    assert [m.kind for m in line] == ["received", "setup", "received"]
    assert all(isinstance(m, ChatMessage) for m in line)
    assert line[0].kind == "received" and line[-1].message_id == "m1" and line[1].sections == ("consent", "phone_auth")
    assert [m.kind for m in line[1:]] == ["setup", "received"]
    assert [m.kind for m in reversed(line)] == ["received", "setup", "received"][::-1]
    assert line[1] in line and line.index(line[1]) == 1 and line.count(line[0]) == 2
    assert "setup" not in line and line.count("received") == 0
    assert line[0] == line[0] and line[0] is not line[0]  # equal models, built per read
    assert sim.last_pin("u0") == sim.users["u0"].sms_inbox[-1].pin
    assert [w.type for w in sim.webhooks["shop"]] == ["delivery"]


def test_a_record_list_equals_the_list_of_its_models_and_copies_as_one():
    sim = _flow_b()
    line = sim.users["u0"].chats["LINE"]
    models = list(line)
    assert line == models and models == line and not (line != models)
    assert line != models[:-1] and line != [*models[:-1], models[1]]
    assert line.copy() == models and type(line.copy()) is list
    assert line + [LINE] == [*models, LINE] and line * 2 == models * 2
    for twin in (copy.copy(line), copy.deepcopy(line), pickle.loads(pickle.dumps(line))):
        assert type(twin) is ChatLines and twin == line and list(twin.records()) == list(line.records())
    assert repr(line) == repr(models)


def test_models_given_to_a_record_list_are_kept_as_records():
    lines = ChatLines([LINE])
    lines.append(SETUP)
    lines.extend([LINE])
    lines.insert(0, SETUP)
    lines[1] = SETUP
    assert [m.kind for m in lines] == ["setup", "setup", "setup", "received"]
    assert all(type(r) is tuple for r in lines.records())
    assert lines.pop() == LINE and len(lines) == 3
    lines.remove(SETUP)
    assert len(lines) == 2
    with pytest.raises(TypeError, match="ChatMessage"):
        lines.append(Sms(at=AT, number="+818000000001", pin="1", purpose="verify"))
    with pytest.raises(TypeError):
        SmsInbox(["not an sms"])


def test_a_user_given_lists_of_models_keeps_them_as_records_and_dumps_as_before():
    user = User(id="u", line_user_id="U" + "0" * 32, phone=None, created_at=AT,
                chats={"LINE": [LINE, SETUP]}, sms_inbox=[Sms(at=AT, number="+818000000001", pin="1", purpose="verify")])
    assert type(user.chats["LINE"]) is ChatLines and type(user.sms_inbox) is SmsInbox
    dumped = user.model_dump()
    assert dumped["chats"] == {"LINE": [LINE.model_dump(), SETUP.model_dump()]}
    assert dumped["sms_inbox"] == [user.sms_inbox[0].model_dump()]
    json_dump = user.model_dump(mode="json")
    assert json_dump["chats"]["LINE"][1]["sections"] == ["consent"]
    assert User.model_validate_json(user.model_dump_json()) == user
    deep = user.model_copy(deep=True)
    assert deep == user and deep.chats["LINE"] is not user.chats["LINE"] and type(deep.chats["LINE"]) is ChatLines
    assert has_setup(user)


def has_setup(user: User) -> bool:
    return user.has_setup_message() and user.has_phone_setup() is False and user.has_chat_kind("setup")


def test_the_world_keeps_every_webhook_queue_as_records():
    sim = _flow_b()
    assert type(sim.webhooks["shop"]) is WebhookQueue
    assert isinstance(sim.webhooks["shop"], RecordList)
    state = {oa: [w.model_dump(mode="json") for w in hooks] for oa, hooks in sim.webhooks.items()}
    assert state["shop"][0]["type"] == "delivery" and state["shop"][0]["data"] == hash_number("+818000000001")


def test_a_plain_list_on_the_left_and_ordering_give_models_not_records():
    line = _flow_b().users["u0"].chats["LINE"]
    models = list(line)
    joined = [models[0]] + line  # RecordList.__radd__, tried before list.__add__ (a subclass)
    assert joined == [models[0], *models] and all(isinstance(m, ChatMessage) for m in joined)
    assert not line < models and line <= models and line >= models and not line > models
    assert line < [*models, models[0]] and [*models, models[0]] > line


def test_extending_a_record_list_with_itself_doubles_it_once():
    inbox = _flow_b().users["u0"].sms_inbox
    once = list(inbox)
    inbox.extend(inbox)
    assert list(inbox) == once * 2
    inbox += inbox
    assert list(inbox) == once * 4


def test_a_record_list_given_back_to_validation_is_read_as_its_models():
    """pydantic-core reads a list subclass's raw items; the field's schema reads the models first."""
    from pydantic import TypeAdapter

    sim = _flow_b()
    user = sim.users["u0"]
    again = User(id="u9", line_user_id="U" + "9" * 32, phone=None, created_at=AT,
                 chats=user.chats, sms_inbox=user.sms_inbox)
    assert again.chats == user.chats and again.sms_inbox == user.sms_inbox
    assert isinstance(again.sms_inbox, SmsInbox) and again.sms_inbox is not user.sms_inbox
    assert User.model_validate(dict(user)) == user
    assert TypeAdapter(SmsInbox).validate_python(user.sms_inbox) == user.sms_inbox


def test_dumping_a_record_list_field_applies_include_and_exclude_to_its_items():
    user = _flow_b().users["u0"]
    pin = user.sms_inbox[0].pin
    assert user.model_dump(include={"sms_inbox": {0: {"pin"}}})["sms_inbox"] == [{"pin": pin}]
    dumped = user.model_dump(exclude={"sms_inbox": {"__all__": {"pin"}}})["sms_inbox"]
    assert dumped and all("pin" not in sms and "number" in sms for sms in dumped)


def test_only_a_list_is_added_to_a_record_list():
    inbox = _flow_b().users["u0"].sms_inbox
    for other in ("ab", (1,), {"k": 1}, range(2)):
        with pytest.raises(TypeError):
            inbox + other  # type: ignore[operator]
        with pytest.raises(TypeError):
            other + inbox  # type: ignore[operator]
