"""Junk arguments to the public API: only flowsim.engine.errors types come out (or a normal return),
a refused call leaves the world exactly as it was, and the world still works afterwards.

The public methods are found by introspection (``public_members``: every callable and
property setter of :class:`Simulation` not starting with ``_``, and the constructor), so a
new method is covered without touching this file.  Each is called with junk in its
arguments: ``None``, booleans, integers (64-bit edges and integers too long for ``str``),
floats (NaN, infinities), bytes, lists, tuples, dicts, sets, self-containing and deeply
nested lists, naive and aware datetimes (``datetime.max``/``min`` in UTC and at extreme
offsets, just outside the clock's range), dates, ``timedelta.max``/``min`` and negative
durations, strings with NUL, control characters, lone surrogates, other scripts' digits,
a very long string, and plain objects; mixed with valid values, so that a call also gets
past its first check.

* ``test_every_public_method_with_each_junk_value``: each parameter of each member with
  each value of ``JUNK_VALUES``, the other arguments valid (deterministic, every run).
* ``test_junk_calls_in_any_order``: hypothesis, a few calls an example, any argument junk
  or valid.  Examples per run: ``FLOWSIM_HYPOTHESIS_EXAMPLES`` (default 200), as in
  test_stateful.py.

After every call the world is dumped to JSON (users, official accounts, messages,
webhooks, counts, the log, the timers): that is how "unchanged" is compared, and it also
proves that nothing unserialisable (a lone surrogate, a huge integer) got stored.  Then
``sim.now`` is read, the clock advanced by zero, and a well-formed send must be answered
(not 400, with a message id).  Below, one plain test per case the fuzzing found; each
failed before the arguments were checked.
"""

from __future__ import annotations

import inspect
import json
import math
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from flowsim import (
    Catalogue, FlowsimError, InvalidPhoneNumberError, InvalidValueError, NaiveDatetimeError, SimClock,
    Simulation, UnknownActionError, hash_number, normalise,
)
from flowsim.engine.catalogue import CatalogueError
from flowsim.engine.clock import EARLIEST, LATEST
from flowsim.engine import ACTIONS

from .helpers import DAY, HANAKO, JST, NOBODY, START, TARO, add_user, sha

EXAMPLES = int(os.environ.get("FLOWSIM_HYPOTHESIS_EXAMPLES", "200"))
UTC = timezone.utc
MICRO = timedelta(microseconds=1)
OMIT = object()  # an optional argument left out

# ---------------------------------------------------------------- the world


TEXT = {"type": "text", "text": "hi"}
FLEX = {"type": "flex", "altText": "Delivered", "contents": {
    "type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": [{"type": "text", "text": "ok"}]}}}
TEMPLATE_BODY = {"emphasizedItem": {"itemKey": "date_002_ja", "content": "4月1日"},
                 "items": [{"itemKey": "number_001_ja", "content": "1234"}]}


def world() -> Simulation:
    """Two OAs, three users, pending, delivered and unmatched messages, a PIN on its way."""
    sim = Simulation(start=START, seed=3)
    sim.add_official_account("shop", "Shop")
    sim.add_official_account("bank", "Bank", "TW")
    add_user(sim, "hanako", HANAKO, sms=True)  # Flow B: pending for consent and SMS
    add_user(sim, "taro", TARO, consent="agreed")  # Flow D: delivered at once
    add_user(sim, "kenji", "+818000004321", consent="agreed", sms=True, friends=["bank"])  # Flow C
    sim.send_text("shop", sha(HANAKO), "m1 pending")
    sim.send_text("shop", sha(TARO), "m2 delivered")
    sim.send_text("bank", sha(NOBODY), "m3 unmatched")
    sim.send_template("shop", sha("+818000004321"), "shipment_completed_ja", TEMPLATE_BODY)
    sim.open_phone_auth("kenji")
    sim.send_sms("kenji")
    sim.confirm_sms("kenji")  # kenji is on the PIN screen
    return sim


def fingerprint(sim: Simulation) -> tuple[int, str]:
    """The world: the log's length (the log only grows) and everything else as JSON (which also
    shows that all of it can be written out)."""
    state = {
        "now": sim.now.isoformat(),
        "users": {k: u.model_dump(mode="json") for k, u in sim.users.items()},
        "oas": {k: o.model_dump(mode="json") for k, o in sim.official_accounts.items()},
        "messages": {k: m.model_dump(mode="json") for k, m in sim.messages.items()},
        "webhooks": {k: [w.model_dump(mode="json") for w in hooks] for k, hooks in sim.webhooks.items()},
        "counts": sorted(f"{oa}/{kind}/{day.isoformat()}={n}" for (oa, kind, day), n in sim.counts.items()),
        "timers": [(t.due.isoformat(), t.label) for t in sim.clock.pending_timers()],
    }
    return len(sim.log), writable(state)


def writable(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    text.encode("utf-8")  # a lone surrogate anywhere would fail here
    return text


def still_works(sim: Simulation) -> None:
    """The world answers after whatever happened: the clock, a lookup, a well-formed send."""
    assert isinstance(sim.now, datetime)
    sim.advance(timedelta(0))
    sim.available_actions("taro")
    answer = sim.send_text("shop", sha(TARO), "still works")
    assert answer.status != 400 and answer.message_id is not None, answer


# ---------------------------------------------------------------- the public members


@dataclass(frozen=True)
class Member:
    name: str
    kind: str  # "new" (the constructor), "call" (a method), "set" (a property setter)
    signature: inspect.Signature

    def __str__(self) -> str:
        return {"new": "Simulation(...)", "call": f"sim.{self.name}(...)", "set": f"sim.{self.name} = ..."}[self.kind]


def public_members(cls: type = Simulation) -> list[Member]:
    members = [Member(cls.__name__, "new", inspect.signature(cls))]
    for name, member in inspect.getmembers(cls):
        if name.startswith("_"):
            continue
        if isinstance(member, property):
            if member.fset is not None:
                members.append(Member(name, "set", inspect.signature(member.fset)))
        elif callable(member):
            members.append(Member(name, "call", inspect.signature(member)))
    return members


MEMBERS = public_members()


def parameters(member: Member) -> list[inspect.Parameter]:
    return [p for p in member.signature.parameters.values() if p.name != "self"]


#: Keyword arguments tried where a member takes ``**kwargs`` (``do``): the actions' arguments
#: (flowsim.engine.machines.ACTION_ARGS) and one no action takes.
EXTRA_KWARGS = ("pin", "number", "oa", "text", "value", "bogus")

#: Valid values by parameter name (the first is used when another argument is under test).
VALID: dict[str, list[Any]] = {
    "user_id": ["taro", "hanako", "kenji", "mei"],
    "oa_id": ["shop", "bank", "mall"], "oa": ["shop", "bank"],
    "message_id": ["m1", "m2", "m3", "m4"],
    "to": [sha(TARO), sha(HANAKO), sha(NOBODY)],
    "action": ["agree", *ACTIONS],
    "messages": [[TEXT], [FLEX, TEXT]], "text": ["hello"],
    "template_key": ["shipment_completed_ja"], "body": [None, TEMPLATE_BODY],
    "delivery_tag": [None, "t" * 16],
    "delta": [timedelta(hours=1), timedelta(0), timedelta(days=2)],
    "target": [START + timedelta(hours=25), LATEST], "at": [None, START + DAY],
    "start": [START], "seed": [0, "seed"], "catalogue": [None],
    "default_region": ["JP"], "region": [None, "JP", "XX"],
    "name": [None, "Mall"], "country": ["JP", "TW"],
    "token": [None, "token"], "secret": [None, "secret"], "webhook": [None, "https://example.com/hook"],
    "phone_number": ["+818000007777", "080-0000-7777", None, HANAKO],
    "consent": ["not_set", "agreed", "rejected"],
    "created_at": [None, START - timedelta(days=400)],
    "sms_verified_at": [None, START - DAY], "phone_changed_at": [None, START - DAY],
    "privacy_policy": [True, False], "language": ["en", "ja"], "app_version": ["15.9.0", "15.8.9"],
    "blocked": [(), ["shop"], "bank"], "friends": [(), ["bank"]],
    "kind": ["flexible", "template"], "day": [START.date()],
    "number": ["+818000007777", "abc"], "pin": ["123456"], "value": ["agreed", "rejected"],
}


class BadZone(tzinfo):
    """A tzinfo that answers an offset Python refuses (more than 24 hours).  Not in the junk
    for every parameter: such a datetime cannot even be hashed, so a lookup by it fails in
    ``dict`` itself."""

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(hours=30)


def _self_containing() -> list:
    value: list = []
    value.append(value)
    return value


def _deep(levels: int = 200) -> list:
    value: list = []
    for _ in range(levels):
        value = [value]
    return value


#: One of each kind of junk; the sweep tries every one in every parameter.
JUNK_VALUES: list[Any] = [
    None, True, 0, -1, 2**63, -(2**63) - 1, 10**5000, -(10**5000),
    math.nan, math.inf, -math.inf, -0.0, 1e308, complex(1, 2),
    b"", b"taro", bytearray(b"shop"),
    "", " ", "\x00", "taro\x00", "shop\n", "\x1b[2J", "\u202e", "\ud800", "ta\udfffro", "x" * 100_000,
    "١٢٣٤٥٦", "15.9.0²", "０９０１２３４５６７８", "LINE", "+81 80 0000 5678\x00",
    [], [[]], ["shop", ["bank"]], {}, {"type": "text"}, {1: 2}, {None: "x"}, set(), frozenset({"shop"}), ("shop",),
    _self_containing(), _deep(),
    datetime.max, datetime.min, datetime(2026, 4, 2, 9),  # naive
    datetime.max.replace(tzinfo=UTC), datetime.min.replace(tzinfo=UTC),
    datetime.max.replace(tzinfo=timezone(timedelta(hours=-23, minutes=-59))),
    datetime.min.replace(tzinfo=timezone(timedelta(hours=23, minutes=59))),
    datetime(9999, 12, 31, 22, tzinfo=UTC), LATEST + MICRO, EARLIEST - MICRO, datetime(1969, 12, 31, tzinfo=JST),
    timedelta.max, timedelta.min, -MICRO, timedelta(days=-1), timedelta(days=999_999_999),
    date.max, date.min, date(2026, 4, 1),
    object(), Ellipsis, print, int,
]

#: Hypothesis writes its examples with repr(), which Python refuses for integers past 4300
#: digits; those stay in the sweep only.
_REPRESENTABLE_JUNK = [v for v in JUNK_VALUES if not (isinstance(v, int) and v.bit_length() > 14_000)]
_any_char = st.characters(exclude_categories=())  # surrogates and control characters included
_scalars = st.one_of(
    st.sampled_from(_REPRESENTABLE_JUNK),
    st.integers(), st.integers(min_value=2**62, max_value=2**70), st.floats(),
    st.text(_any_char, max_size=12), st.binary(max_size=8),
    st.datetimes(), st.datetimes(timezones=st.timezones()), st.timedeltas(), st.dates(),
)
JUNK = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.tuples(inner, inner),
        st.dictionaries(st.one_of(st.text(_any_char, max_size=6), st.integers(), st.none()), inner, max_size=3),
        st.frozensets(st.integers(), max_size=3),
    ),
    max_leaves=6,
)


def value_for(name: str) -> st.SearchStrategy[Any]:
    valid = VALID.get(name)
    return st.one_of(st.sampled_from(valid), JUNK) if valid else JUNK


def arguments_for(member: Member) -> st.SearchStrategy[dict[str, Any]]:
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for p in parameters(member):
        if p.kind is p.VAR_KEYWORD:
            fields["**"] = st.fixed_dictionaries({}, optional={k: value_for(k) for k in EXTRA_KWARGS})
        elif p.kind is not p.VAR_POSITIONAL:
            strategy = value_for(p.name)
            fields[p.name] = strategy if p.default is p.empty else st.one_of(st.just(OMIT), strategy)
    return st.fixed_dictionaries(fields)


def call(sim: Simulation, member: Member, args: dict[str, Any]) -> Callable[[], Any]:
    """The call of ``member`` with ``args`` (names as in its signature; ``**`` holds ``**kwargs``)."""
    positional, keywords = [], {}
    for p in parameters(member):
        value = args.get("**" if p.kind is p.VAR_KEYWORD else p.name, OMIT)
        if value is OMIT:
            continue
        if p.kind is p.VAR_KEYWORD:
            keywords.update(value)
        elif p.kind is p.POSITIONAL_ONLY:
            positional.append(value)
        else:
            keywords[p.name] = value
    if member.kind == "new":
        return lambda: still_works_new(Simulation(*positional, **keywords))
    if member.kind == "set":
        return lambda: setattr(sim, member.name, *positional, *keywords.values())
    return lambda: getattr(sim, member.name)(*positional, **keywords)


def still_works_new(sim: Simulation) -> None:
    sim.add_official_account("shop")
    sim.add_user("taro", TARO, consent="agreed")
    still_works(sim)


def judge(sim: Simulation, member: Member, args: dict[str, Any]) -> str:
    """One call: a normal return or a FlowsimError that changed nothing; then the world works.
    Returns what came out, for hypothesis's statistics."""
    before = fingerprint(sim)
    outcome = "returned"
    try:
        call(sim, member, args)()
    except FlowsimError as error:
        assert fingerprint(sim) == before, f"{member} raised but changed the world"
        outcome = type(error).__name__
    except Exception as exc:  # noqa: BLE001 - the point of the test
        raise AssertionError(f"{member} with {_show(args)} raised {type(exc).__name__}: {exc}") from exc
    try:
        writable([e.to_dict() for e in sim.log.since(before[0])])
        fingerprint(sim)
    except ValueError as exc:  # UnicodeEncodeError, or an integer too long for str()
        raise AssertionError(f"after {member} with {_show(args)} the world cannot be written out: {exc}") from exc
    still_works(sim)
    return outcome


def _show(args: dict[str, Any]) -> str:
    from flowsim.engine.errors import shown

    return ", ".join(f"{k}={shown(v)}" for k, v in args.items())


def _valid_args(member: Member) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p in parameters(member):
        if p.kind is p.VAR_KEYWORD:
            out["**"] = {}
        elif p.default is p.empty:
            out[p.name] = VALID.get(p.name, [None])[0]
    return out


# ---------------------------------------------------------------- the sweep and the fuzz


def test_the_introspection_finds_the_public_api():
    """Sanity: the constructor, methods of every kind, properties without setters left out."""
    names = {m.name for m in MEMBERS}
    assert {"Simulation", "add_user", "send_flexible", "do", "advance", "daily_count", "say"} <= names
    assert "now" not in names and "catalogue" not in names and not any(n.startswith("_") for n in names)


@pytest.mark.parametrize("member", MEMBERS, ids=str)
def test_every_public_method_with_each_junk_value(member):
    """Each parameter of each public member with each kind of junk, the others valid."""
    for p in parameters(member):
        for i, junk in enumerate(JUNK_VALUES):
            if i % 8 == 0:
                sim = world()  # afresh now and then: each call's still_works() makes the world grow
            args = _valid_args(member)
            if p.kind is p.VAR_KEYWORD:
                for name in EXTRA_KWARGS:
                    judge(sim, member, {**args, "**": {name: junk}})
            else:
                judge(sim, member, {**args, p.name: junk})


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.sampled_from(MEMBERS).flatmap(lambda m: st.tuples(st.just(m), arguments_for(m))),
                min_size=1, max_size=4))
def test_junk_calls_in_any_order(calls):
    """Hypothesis: a few calls of any public members with junk or valid arguments, in turn."""
    sim = world()
    for member, args in calls:
        event(judge(sim, member, args))


# ---------------------------------------------------------------- the cases found, one by one


@pytest.fixture
def sim():
    return world()


def _refused(exc_type, call, *parts):
    with pytest.raises(exc_type) as caught:
        call()
    for part in parts:
        assert part in str(caught.value), (part, str(caught.value))
    return caught.value


@pytest.mark.parametrize("lookup", [
    lambda s: s.user(["taro"]), lambda s: s.official_account({"shop": 1}), lambda s: s.message({"m1"}),
    lambda s: s.agree(["hanako"]), lambda s: s.pending_for({}), lambda s: s.sent_count([]),
    lambda s: s.add_user(["x"], "+818000007777"), lambda s: s.add_official_account({}),
    lambda s: s.add_user("x", "+818000007777", blocked=[["shop"]]),
])
def test_unhashable_ids_are_invalid_value_errors(sim, lookup):
    """An id that is a list, dict or set (unhashable): InvalidValueError saying a string is expected."""
    before = fingerprint(sim)
    _refused(InvalidValueError, lambda: lookup(sim), "expected")
    assert fingerprint(sim) == before


def test_an_id_too_long_to_print_is_shown_shortened(sim):
    """An integer past 4300 digits (Python's str() refuses it) as an id: the message describes it."""
    error = _refused(InvalidValueError, lambda: sim.user(10**5000), "user id <an integer of about 5000 digits>")
    assert len(str(error)) < 200
    _refused(InvalidValueError, lambda: sim.do("hanako", "enter_pin", pin=10**5000), "enter_pin pin")


def test_new_ids_must_be_printable_text(sim):
    """A new user or OA id with a lone surrogate, a NUL or a newline, or an empty one, is refused."""
    for bad in ("a\ud800", "ta\x00ro", "mall\n", ""):
        _refused(InvalidValueError, lambda: sim.add_user(bad, "+818000007777"), "user id")
        _refused(InvalidValueError, lambda: sim.add_official_account(bad), "official account id")
    assert set(sim.users) == {"hanako", "taro", "kenji"}


@pytest.mark.rules("R3")
def test_R3_add_user_region_must_be_a_region_code_string(sim):
    """R3: ``region=5`` is an InvalidValueError naming it (it was an AttributeError in phonenumbers' call)."""
    _refused(InvalidValueError, lambda: sim.add_user("x", "090-0000-7777", region=5), "region 5")
    _refused(InvalidValueError, lambda: sim.add_user("x", None, region=["JP"]), "region ['JP']")
    _refused(InvalidValueError, lambda: normalise("090-0000-7777", region=b"JP"), "region b'JP'")
    assert "x" not in sim.users


@pytest.mark.rules("R3", "R1")
def test_R3_R1_the_phone_helpers_refuse_what_is_not_text():
    """R1/R3: hash_number(5) and hash_number of a lone surrogate are InvalidPhoneNumberErrors."""
    for bad in (5, None, b"+818000001234", "+81\ud800"):
        _refused(InvalidPhoneNumberError, lambda: hash_number(bad), "invalid phone number")
    _refused(InvalidPhoneNumberError, lambda: normalise("+81800000\ud8001234"), "invalid phone number")


@pytest.mark.rules("R24")
def test_R24_app_version_must_be_dotted_numbers(sim):
    """R24 compares app versions as numbers: ``15.9.0²`` (a superscript digit) is an InvalidValueError
    when the user is added, not a ValueError at the first delivery."""
    for bad in ("15.9.0²", "١٥.٩.٠", "15.9.0-beta", "", "1" * 5000):
        _refused(InvalidValueError, lambda: sim.add_user("x", "+818000007777", app_version=bad), "app_version")
    assert "x" not in sim.users


@pytest.mark.rules("R11")
def test_R11_sms_required_at_a_naive_or_junk_time_is_refused(sim):
    """R11 evaluated at a naive datetime: NaiveDatetimeError (it was a TypeError comparing times)."""
    _refused(NaiveDatetimeError, lambda: sim.sms_required("hanako", datetime(2026, 4, 2)), "no UTC offset")
    _refused(InvalidValueError, lambda: sim.sms_required("hanako", "tomorrow"), "expected an aware datetime")
    _refused(InvalidValueError, lambda: sim.sms_required("hanako", datetime.max.replace(tzinfo=UTC)),
             "representable range")


@pytest.mark.rules("R23")
def test_R23_advance_by_timedelta_max_is_refused_and_nothing_moves(sim):
    """R23: advance(timedelta.max) would overflow ``datetime``: InvalidValueError, clock unchanged."""
    before = fingerprint(sim)
    _refused(InvalidValueError, lambda: sim.advance(timedelta.max), "representable range", "1970-01-01",
             "9999-01-01")
    _refused(InvalidValueError, lambda: sim.advance_to(datetime.max.replace(tzinfo=UTC)), "representable range")
    assert fingerprint(sim) == before


@pytest.mark.rules("R23", "R22")
def test_R23_R22_the_clock_stops_at_the_end_of_its_range_and_sends_still_work_there():
    """R23: near year 9999 the clock refuses to move past 9999-01-01 UTC (it was an OverflowError);
    R22: a send there still gets its 24-hour expiry."""
    _refused(InvalidValueError, lambda: Simulation(start=datetime(9999, 12, 31, 22, tzinfo=UTC)), "representable range")
    sim = Simulation(start=LATEST - timedelta(hours=1))
    sim.add_official_account("shop")
    add_user(sim, "hanako", HANAKO, sms=True)
    before = fingerprint(sim)
    _refused(InvalidValueError, lambda: sim.advance(timedelta(hours=3)), "would leave")
    assert fingerprint(sim) == before
    sent = sim.send_text("shop", sha(HANAKO), "hello")
    assert sent.ok and sim.expires_at(sent.message_id) == LATEST + timedelta(hours=23)
    sim.advance(timedelta(hours=1))
    assert sim.now == LATEST and sim.message(sent.message_id).status == "pending"


@pytest.mark.rules("R25")
def test_R25_a_start_before_the_unix_epoch_is_refused():
    """R25's webhook timestamps and ids count milliseconds from 1970: an earlier start is an
    InvalidValueError (it was a ValueError at the first webhook, half-way through a delivery)."""
    _refused(InvalidValueError, lambda: Simulation(start=datetime(1969, 12, 31, 23, tzinfo=UTC)), "1970-01-01")
    sim = Simulation(start=EARLIEST)
    sim.add_official_account("shop")
    add_user(sim, "taro", TARO, consent="agreed")
    assert sim.send_text("shop", sha(TARO), "hello").ok
    assert sim.webhooks["shop"][-1].payload()["timestamp"] == 0


@pytest.mark.rules("R22")
def test_R22_add_user_times_outside_the_range_are_refused(sim):
    """R11/R22 add 180 days or 24 hours to these times: one near ``datetime.max`` is refused up front."""
    for name in ("created_at", "sms_verified_at", "phone_changed_at"):
        _refused(InvalidValueError, lambda: sim.add_user("x", "+818000007777", **{name: datetime.max.replace(tzinfo=UTC)}),
                 name, "representable range")
    assert "x" not in sim.users


def test_a_tzinfo_that_answers_junk_is_an_invalid_value_error(sim):
    """A tzinfo whose utcoffset() Python refuses: InvalidValueError, not ValueError."""
    _refused(InvalidValueError, lambda: sim.advance_to(datetime(2026, 4, 2, tzinfo=BadZone())), "UTC offset")


@pytest.mark.rules("R28")
def test_R28_a_flex_component_type_that_is_a_list_is_a_400_naming_the_property(sim):
    """R28: ``"type": ["image"]`` inside a bubble is LINE's 400 naming that property (it was a TypeError)."""
    flex = {"type": "flex", "altText": "x", "contents": {"type": "bubble", "body": {
        "type": "box", "layout": "vertical", "contents": [{"type": ["image"], "url": "https://x"}]}}}
    result = sim.send_flexible("shop", sha(TARO), [flex])
    assert result.status == 400 and result.message_id is None
    assert result.body() == {"message": "The request body has 1 error(s)", "details": [
        {"message": "must be a string", "property": "messages[0].contents.body.contents[0].type"}]}


@pytest.mark.rules("R28")
@pytest.mark.parametrize("content, prop, words", [
    ({"type": "text", "text": "hi", "x": math.nan}, "messages[0].x", "finite number"),
    ({"type": "text", "text": "hi\ud800"}, "messages[0].text", "lone surrogate"),
    ({"type": "text", "text": "hi", 1: "one"}, "messages[0]", "property name that is not a string: 1"),
    ({"type": "text", "text": b"hi"}, "messages[0].text", "not bytes"),
    ({"type": "text", "text": "hi", "x": {"a"}}, "messages[0].x", "not set"),
    ({"type": "text", "text": "hi", "x": 10**5000}, "messages[0].x", "64-bit"),
    ({"type": "text", "text": "hi", "x": _self_containing()}, "messages[0].x[0][0][0]", "nested more than 100"),
])
def test_R28_content_that_json_cannot_carry_is_a_400_naming_the_property(sim, content, prop, words):
    """R28: a value a JSON body cannot hold is LINE's 400 naming its property, not a Python error
    (it was a ValidationError, or a message stored that could not be written out)."""
    before = len(sim.messages)
    result = sim.send_flexible("shop", sha(TARO), [content])
    assert result.status == 400 and result.body()["message"] == "The request body has 1 error(s)"
    [detail] = result.body()["details"]
    assert detail["property"].startswith(prop) and words in detail["message"], detail
    assert len(sim.messages) == before


@pytest.mark.rules("R29")
def test_R29_a_template_body_with_a_key_that_is_not_a_string_is_a_400(sim):
    """R29: ``{1: ..., "x": ...}`` as the body is a 400 (it was a TypeError sorting the unknown keys)."""
    result = sim.send_template("shop", sha(TARO), "shipment_completed_ja", {1: "a", "x": 2})
    assert result.status == 400 and result.details[0]["property"] == "body"
    result = sim.send_template("shop", sha(TARO), 10**5000)
    assert result.status == 400 and "<an integer of about 5000 digits>" in result.details[0]["message"]


@pytest.mark.rules("R30")
@pytest.mark.parametrize("tag", ["tag-with-newline\n-in-it", "tag\x00with-a-nul-in-it", "tag-with-a-lone-\ud800"])
def test_R30_a_delivery_tag_that_cannot_be_a_header_is_a_400(sim, tag):
    """R30: ``X-Line-Delivery-Tag`` is an HTTP header: control characters or a lone surrogate are a 400."""
    result = sim.send_text("shop", sha(TARO), "hello", delivery_tag=tag)
    assert result.status == 400
    assert result.details[0] == {"message": "must not contain control characters", "property": "X-Line-Delivery-Tag"}


@pytest.mark.rules("R26")
def test_R26_daily_count_takes_a_date_not_a_datetime(sim):
    """R26 counts per UTC+9 calendar day: a datetime (or junk) as the day is refused, not a silent 0."""
    _refused(InvalidValueError, lambda: sim.daily_count("shop", "flexible", sim.now), "expected a date")
    _refused(InvalidValueError, lambda: sim.daily_count("shop", "flexible", [START.date()]), "expected a date")
    assert sim.daily_count("shop", "flexible", START.date()) == 1


def test_blocked_and_friends_must_be_ids(sim):
    """``blocked=5`` or a list holding a non-id: InvalidValueError (it was a TypeError from set())."""
    for bad in (5, [5], [b"shop"], b"shop", [None]):
        _refused(InvalidValueError, lambda: sim.add_user("x", "+818000007777", blocked=bad), "blocked")
        _refused(InvalidValueError, lambda: sim.add_user("x", "+818000007777", friends=bad), "friends")
    assert "x" not in sim.users


def test_an_action_that_is_not_a_string_is_an_unknown_action(sim):
    """``do(user, ["agree"])``: UnknownActionError listing the actions (it was a TypeError)."""
    _refused(UnknownActionError, lambda: sim.do("hanako", ["agree"]), "unknown action ['agree']", "enter_pin")


@pytest.mark.rules("R19", "R18")
@pytest.mark.parametrize("action, kwargs", [
    ("enter_pin", {"pin": [1, 2]}), ("enter_pin", {"pin": 1.5}), ("enter_pin", {"pin": True}),
    ("enter_number", {"number": 819012345678}), ("say", {"oa": "shop", "text": b"hi"}),
    ("settings_consent", {"value": ["agreed"]}),
])
def test_R19_R18_action_arguments_of_the_wrong_type_are_refused(sim, action, kwargs):
    """R18's PIN, R19's number, a chat text: a string is expected (an int PIN is read as its digits)."""
    before = fingerprint(sim)
    _refused(InvalidValueError, lambda: sim.do("kenji", action, **kwargs), action)
    assert fingerprint(sim) == before


def test_simulation_arguments_are_checked():
    """seed, catalogue, default_region: InvalidValueError up front (a junk catalogue was an
    AttributeError at the first template send, a huge seed a ValueError)."""
    _refused(InvalidValueError, lambda: Simulation(start=START, seed=10**5000), "seed")
    _refused(InvalidValueError, lambda: Simulation(start=START, seed=math.nan), "seed")
    _refused(InvalidValueError, lambda: Simulation(start=START, catalogue={"JP": {}}), "catalogue")
    _refused(InvalidValueError, lambda: Simulation(start=START, default_region=81), "default_region")


def test_sim_clock_refuses_junk_timers_and_times():
    """SimClock: a naive due time or a non-callable is refused when scheduled, not when the heap compares."""
    clock = SimClock(START)
    _refused(NaiveDatetimeError, lambda: clock.call_at(datetime(2026, 4, 2), lambda: None))
    _refused(InvalidValueError, lambda: clock.call_at(START, "not callable"), "not callable")
    _refused(InvalidValueError, lambda: clock.advance(timedelta.max), "representable range")
    _refused(InvalidValueError, lambda: SimClock(datetime.min.replace(tzinfo=UTC)), "representable range")
    _refused(InvalidValueError, lambda: clock.call_at(START, print, "label", args=["not", "a tuple"]), "tuple")
    clock.advance(timedelta(hours=1))
    assert clock.now == START + timedelta(hours=1)


def test_sim_clock_now_is_read_only_only_advance_moves_it():
    """Writing ``now`` would skip the range checks, the due timers (R22) and the ``ClockAdvanced`` event."""
    sim = Simulation(start=START, seed=1)
    with pytest.raises(AttributeError):
        sim.clock.now = START + DAY  # type: ignore[misc]
    assert sim.clock.now == sim.now == START


def test_sim_clock_calls_a_timer_with_its_arguments_at_its_time():
    clock = SimClock(START)
    fired: list[tuple[object, ...]] = []
    clock.call_at(START + timedelta(hours=2), lambda *a: fired.append((clock.now, *a)), "two", args=("m2", 2))
    clock.call_at(START + timedelta(hours=1), lambda *a: fired.append((clock.now, *a)), "one", args=("m1",))
    clock.call_at(START + timedelta(hours=1), lambda: fired.append((clock.now,)))  # no arguments
    clock.advance(timedelta(hours=3))
    assert fired == [(START + timedelta(hours=1), "m1"), (START + timedelta(hours=1),),
                     (START + timedelta(hours=2), "m2", 2)]


def test_catalogue_refuses_junk(tmp_path):
    """Catalogue: junk entries, text, paths and keys are InvalidValueErrors; an unreadable path a CatalogueError."""
    _refused(InvalidValueError, lambda: Catalogue(entries=5), "catalogue entries")
    _refused(InvalidValueError, lambda: Catalogue(entries={"JP": {"templates": {"k": 5}}}), "catalogue entries")
    _refused(InvalidValueError, lambda: Catalogue.from_text(b"[JP]"), "catalogue text")
    _refused(InvalidValueError, lambda: Catalogue.from_file(5), "catalogue path")
    _refused(CatalogueError, lambda: Catalogue.from_file("no\x00such"), "cannot read")
    _refused(CatalogueError, lambda: Catalogue.from_text("a = " + "[" * 5000 + "]" * 5000), "not valid TOML")
    _refused(InvalidValueError, lambda: Catalogue.default().keys(["JP"], "items"), "expected strings")
    _refused(InvalidValueError, lambda: Catalogue.default().label("JP", "items", {}), "expected a string")
    _refused(InvalidValueError, lambda: Catalogue.default().extended({"JP": {}}), "expected a Catalogue")
    assert isinstance(CatalogueError("x"), FlowsimError)
