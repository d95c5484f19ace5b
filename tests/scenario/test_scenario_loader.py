"""The loader: values as written, times and durations, positions, and the checks between parts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from flowsim import hash_number
from flowsim.scenario import ScenarioFileError, load_scenario, loads_scenario
from flowsim.scenario.timeparse import format_duration, parse_duration, parse_time
from flowsim.scenario.yamlsource import parse
from scenario_helpers import DATA, HEADER

JST = timezone(timedelta(hours=9))


def load(steps: str, header: str = HEADER):
    return loads_scenario(header + steps, "t.yaml")


def error(steps: str, header: str = HEADER) -> ScenarioFileError:
    with pytest.raises(ScenarioFileError) as info:
        load(steps, header)
    return info.value


@pytest.mark.parametrize("text, delta", [
    ("-30d", timedelta(days=-30)),
    ("-179d23h59m", -timedelta(days=179, hours=23, minutes=59)),
    ("-3y", timedelta(days=-3 * 365)),
    ("1d12h", timedelta(days=1, hours=12)),
    ("24h", timedelta(hours=24)),
    ("90s", timedelta(seconds=90)),
    ("1d 2h", timedelta(days=1, hours=2)),
    ("+5m", timedelta(minutes=5)),
    ("500ms", timedelta(milliseconds=500)),
    ("1s250us", timedelta(seconds=1, microseconds=250)),
    ("1m 5 ms", timedelta(minutes=1, milliseconds=5)),
])
def test_durations(text, delta):
    assert parse_duration(text) == delta


@pytest.mark.parametrize("text", ["", "d", "1x", "12", "1h1d", "1.5h", "-", "3 years", "1d1d", "1us1ms", "5m s", " " * 10_000 + "x",
                                  "1d" + " " * 10_000 + "x", "1s" * 10_000])
def test_bad_durations(text):
    """Refused, whatever the length (the parser reads part by part: no backtracking on spaces)."""
    with pytest.raises(ValueError, match="expected a number and unit") as info:
        parse_duration(text)
    assert len(str(info.value)) < 200


@pytest.mark.parametrize("text", ["9999999999d", "-99999999999y", "1" * 5000 + "s", "3652059d", "10006y"])
def test_durations_longer_than_the_calendar(text):
    with pytest.raises(ValueError, match="longer than the calendar"):
        parse_duration(text)
    assert parse_duration("3652058d23h59m59s") == timedelta(days=3652058, seconds=86399)


def test_format_duration_round_trips():
    """Exactly, to the microsecond (a TUI's half-second advance is saved as 500ms, never 0s)."""
    for delta in (timedelta(days=-400), timedelta(days=1, hours=12), timedelta(seconds=61), timedelta(0),
                  timedelta(milliseconds=500), timedelta(seconds=1, microseconds=250), -timedelta(microseconds=1),
                  timedelta(days=3652058, seconds=86399, microseconds=999999)):
        assert parse_duration(format_duration(delta)) == delta


@pytest.mark.parametrize("text", ["2026-04-01T09:00:00+09:00", "2026-04-01T00:00:00Z", "2026-04-01 09:00:00 +09:00",
                                  "2026-04-01 00:00:00Z", "2026-04-01T09:00+09:00"])
def test_times_with_offset(text):
    assert parse_time(text) == datetime(2026, 4, 1, 9, tzinfo=JST)


@pytest.mark.parametrize("text", ["2026-04-01T09:00:00", "2026-04-01", "tomorrow"])
def test_times_without_offset_are_refused(text):
    with pytest.raises(ValueError, match="offset"):
        parse_time(text)


def test_yaml_datetime_objects_are_accepted():
    assert parse_time(datetime(2026, 4, 1, tzinfo=timezone.utc)).tzinfo is timezone.utc


def test_user_defaults_and_relative_times_R11():
    s = load("  - advance: 1h\n", HEADER.replace("created: -3y", "sms_verified: -30d, phone_changed: 2026-01-01T00:00:00+09:00"))
    u = s.users["hanako"]
    assert u.created == timedelta(days=-3 * 365) and u.sms_verified == timedelta(days=-30)
    assert u.phone_changed == datetime(2026, 1, 1, tzinfo=JST)
    assert (u.consent, u.language, u.app_version, u.privacy_policy) == ("not_set", "en", "15.9.0", True)


def test_user_time_after_start_is_refused():
    e = error("  - advance: 1h\n", HEADER.replace("created: -3y", "created: 30d"))
    assert e.line == 6 and "expected a time before start" in e.message


def test_unquoted_numbers_keep_their_spelling_R3():
    """`phone: +818000001234` and `pin: 012345` are YAML integers; the loader keeps the text."""
    s = load("  - do: settings_change_number\n  - {do: enter_number, number: 08011112222}\n"
             "  - {do: enter_pin, pin: 012345}\n",
             HEADER.replace('"+818000001234"', "+818000001234"))
    assert s.users["hanako"]._e164 == "+818000001234"
    assert s.steps[1].number == "08011112222" and s.steps[2].pin == "012345"


def test_national_numbers_and_region_R3():
    header = HEADER.replace('{phone: "+818000001234", created: -3y}',
                            '{phone: "090-1234-5678"}\n  somchai: {phone: "081 234 5678", region: th}')
    s = load("  - {user: somchai, do: agree_privacy_policy}\n", header)
    assert s.users["hanako"]._e164 == "+819012345678"
    assert s.users["somchai"]._e164 == "+66812345678"


def test_same_number_twice_is_refused_R5():
    header = HEADER.replace('created: -3y}', 'created: -3y}\n  taro: {phone: "080-0000-1234"}')
    e = error("  - {user: taro, do: agree_privacy_policy}\n", header)
    assert (e.line, e.column) == (7, 17) and "R5" in e.message


def test_to_forms_R1():
    s = load("  - send: {from: shop, to: hanako, text: a}\n"
             "  - send: {from: shop, to: '+81 80 0000 1234', text: b}\n"
             f"  - send: {{from: shop, to: {'a' * 64}, text: c}}\n")
    assert [st.send._to for st in s.steps] == [
        ("user", "hanako"), ("hash", hash_number("+818000001234")), ("hash", "a" * 64)]


def test_step_lines_and_positions():
    s = load_scenario(DATA / "flow_b.yaml")
    assert [st.line for st in s.steps][:4] == [18, 19, 20, 26]
    assert s.path == str(DATA / "flow_b.yaml")


def test_positions_of_keys_and_values():
    data, pos = parse("a:\n  b: [1, {c: x}]\n", "p.yaml")
    assert data == {"a": {"b": [1, {"c": "x"}]}}
    assert pos.values[("a", "b", 1, "c")] == (2, 14)
    assert pos.keys[("a", "b")] == (2, 3)


def test_merge_keys_and_bom():
    text = "\ufeffdefaults: &d {phone: '+818000001234'}\n"
    data, _ = parse(text + "u: {<<: *d, consent: agreed}\n", "m.yaml")
    assert data["u"] == {"phone": "+818000001234", "consent": "agreed"}


def test_step_kinds_and_user_placement():
    s = load("  - {user: hanako, expect: {consent: not_set}}\n  - expect: {user: hanako, pending: 0}\n"
             "  - expect: {webhooks: {shop: []}}\n")
    assert [st.kind for st in s.steps] == ["expect"] * 3
    assert [st.user_id for st in s.steps] == ["hanako", "hanako", None]


def test_expect_user_conflict():
    header = HEADER.replace('created: -3y}', 'created: -3y}\n  taro: {phone: "+818000001235"}')
    e = error("  - {user: taro, expect: {user: hanako, pending: 0}}\n", header)
    assert "expected one user" in e.message


def test_expect_needs_user_with_several_users():
    header = HEADER.replace('created: -3y}', 'created: -3y}\n  taro: {phone: "+818000001235"}')
    e = error("  - expect: {pending: 0}\n", header)
    assert "`pending` is about one user's app and needs `user:`" in e.message
    assert load("  - expect: {sent_count: {shop: {flexible: 0}}}\n", header)  # whole-simulation checks need none


def test_message_name_defined_later():
    e = error("  - expect: {message: {m: pending}}\n  - send: {from: shop, to: hanako, text: a}\n    as: m\n")
    assert "given by a later step (line 9)" in e.message


def test_duplicate_as_name():
    e = error("  - send: {from: shop, to: hanako, text: a}\n    as: m\n"
              "  - send: {from: shop, to: hanako, text: b}\n    as: m\n")
    assert e.line == 11 and "already given at line 8" in e.message


def test_blocked_and_friends_must_be_official_accounts_R6():
    e = error("  - advance: 1h\n", HEADER.replace("created: -3y}", "created: -3y, blocked: [shp]}"))
    assert "did you mean 'shop'" in e.message


def test_content_rules_are_not_file_errors_R28_R30():
    """Content that breaks R28-R30 is the API's 400, checked with `expect: api:`, not a file error."""
    s = load("  - send: {from: shop, to: hanako, messages: [], tag: short}\n")
    assert s.steps[0].send.messages == []


def test_messages_are_plain_python():
    s = load("  - send: {from: shop, to: hanako, messages: [{type: sticker, packageId: 446, stickerId: '1988'}]}\n")
    value = s.steps[0].send.messages[0]["packageId"]
    assert value == 446 and type(value) is int


def test_errors_are_pickled_for_xdist():
    import pickle

    e = error("  - {do: agre}\n  - {do: agre}\n")
    again = pickle.loads(pickle.dumps(e))
    assert str(again) == str(e) and len(again.errors) == len(e.errors) == 2
