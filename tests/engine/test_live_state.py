"""User and NotificationMessage keep the model methods callers used (models.ModelFace, docs/engine.md "Speed")."""

from __future__ import annotations

import collections
import weakref
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from flowsim import Simulation, UnknownActionError
from flowsim.engine import NotificationMessage, User

AT = datetime(2026, 4, 1, 9, tzinfo=timezone(timedelta(hours=9)))
FIELDS: dict[str, Any] = dict(id="u1", line_user_id="U" + "0" * 32, phone="+818000000001", created_at=AT)


class UserAsModel(BaseModel):
    """The shape User had as a BaseModel, to compare str() with."""

    model_config = ConfigDict(extra="forbid")

    id: str
    line_user_id: str = Field(pattern=r"^U[0-9a-f]{32}$")
    phone: str | None


def test_str_reads_as_a_models():
    user = User(**FIELDS)
    assert str(user).startswith("id='u1' line_user_id='U000") and not str(user).startswith("User(")
    three = UserAsModel(id="u1", line_user_id="U" + "0" * 32, phone="+818000000001")
    assert str(user).startswith(str(three))
    assert repr(user).startswith("User(id='u1', ")


def test_validation_takes_pydantics_options_and_refuses_what_a_model_refused():
    user = User.model_validate(FIELDS, strict=False, context={"any": 1})
    assert user == User(**FIELDS)
    assert User.model_validate_json(user.model_dump_json(), strict=False) == user
    with pytest.raises(ValidationError):
        User.model_validate({**FIELDS, "id": 5}, strict=True)
    with pytest.raises(ValidationError):
        User.model_validate({**FIELDS, "bogus": 1})
    with pytest.raises(ValidationError):
        User.model_validate({**FIELDS, "line_user_id": "nope"})
    assert User.model_json_schema(True)["properties"]["line_user_id"]["pattern"] == r"^U[0-9a-f]{32}$"


def test_model_construct_weakrefs_and_dict():
    built = User.model_construct(**FIELDS)
    assert built == User(**FIELDS) and built.screen == "chats" and built.blocked == set()
    message = NotificationMessage.model_construct(id="m1", oa="shop", kind="flexible", to="a" * 64, requested_at=AT)
    assert weakref.ref(message)() is message and weakref.ref(built)() is built
    assert dict(built)["phone"] == "+818000000001" and list(dict(built)) == list(User.model_fields)


def test_an_action_is_a_str_as_before():
    """do() looks the action up inline; what spec_of refuses is still refused with the engine's error."""
    sim = Simulation(start=AT)
    sim.add_user("hanako", "+818000000001")

    class BadHash:
        def __hash__(self) -> int:
            raise RuntimeError("no hash")

    for odd in (collections.UserString("open_consent"), BadHash(), 5, ["open_consent"], None):
        with pytest.raises(UnknownActionError):
            sim.do("hanako", odd)  # type: ignore[arg-type]
    assert sim.user("hanako").screen == "chats"
