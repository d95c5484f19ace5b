"""A hypothesis state machine: 2-3 users and 2 official accounts under random
sends, user actions (allowed and refused), PINs, number changes and clock
jumps, with invariants I1-I5 of docs/rules.md checked after every step.

Each invariant is one helper (``check_I1`` … ``check_I5``, in flowsim/model/invariants.py,
shared with ``flowsim explore``).  They read
the simulation's state plus what a log listener recorded at the moment of
each delivery, and judge it with the spec's own definitions (SHA-256 of the
E.164 number, "less than 180 days", the allowed calling codes) rather than
with the engine's helpers.

Examples per run: ``FLOWSIM_HYPOTHESIS_EXAMPLES`` (default 200, the CI
setting); 50 steps each.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from flowsim import ActionNotAllowedError, Simulation
from flowsim.engine.events import ApiCalled, MessageExpired
from flowsim.engine import ACTIONS
from flowsim.model.invariants import (
    Arrival, DeliveryFacts, Record, allowed_country, check_I1, check_I2, check_I3, check_I4, check_I5, sms_required,
)

from .helpers import DAYS_180, HOURS_24, JST, SECOND, START, sha

EXAMPLES = int(os.environ.get("FLOWSIM_HYPOTHESIS_EXAMPLES", "200"))

#: Official accounts and their countries (R29's catalogue depends on it).
OAS = {"shop": "JP", "bank": "TW"}
#: Numbers users start with: three Japanese, one Thai, one Taiwanese, one US (R4).
NUMBERS = ["+818000000001", "+818000000002", "+818000000003", "+66812345678", "+886912345678", "+14155550123"]
#: What users type as a new number (R19): E.164, national forms, a stranger's, and junk (refused).
TYPED_NUMBERS = ["080-0000-0004", "+81 80 0000 0005", "+819099990000", *NUMBERS, "abc", "12"]
#: Destinations nobody holds (R2).
STRANGERS = ["+818099999999", "08000000001"]  # the second is a non-E.164 form: never matches (R3)
LABELS = {"en": "Important notification", "ja": "重要なお知らせ", "th": "การแจ้งเตือนสำคัญ", "zh": "重要通知"}

FLEXIBLE = [
    [{"type": "text", "text": "Your parcel ships today"}],
    [{"type": "sticker", "packageId": "446", "stickerId": "1988"}, {"type": "text", "text": "Thanks"}],
    [{"type": "flex", "altText": "Delivered", "contents": {
        "type": "bubble", "body": {"type": "box", "layout": "vertical",
                                   "contents": [{"type": "text", "text": "Delivered"}]}}}],
]
TEMPLATES = {
    "JP": ("shipment_completed_ja", {
        "emphasizedItem": {"itemKey": "date_002_ja", "content": "4月1日"},
        "items": [{"itemKey": "number_001_ja", "content": "1234"}],
        "buttons": [{"buttonKey": "contact_ja", "url": "https://example.com"}]}),
    "TW": ("shipment_completed_zh", {"items": [{"itemKey": "date_001_zh", "content": "4/1"}]}),
}


# ---------------------------------------------------------------- the spec's definitions, independently
# (sms_required, allowed_country and the I1-I5 checkers are flowsim/model/invariants.py's, shared with
# `flowsim explore`)


def expected_arrival(user, oa: str, now: datetime) -> tuple:
    """What R2, R4, R6, R8, R9 and R12-R15 say happens to a message arriving for ``user`` now."""
    if user is None:
        return ("unmatched", None)
    if not allowed_country(user.phone):
        return ("discarded", "country")
    if oa in user.blocked:
        return ("discarded", "blocked")
    if not user.privacy_policy:
        return ("discarded", "privacy_policy")
    if user.consent == "rejected":
        return ("discarded", "consent_rejected")
    needs = {"consent"} if user.consent == "not_set" else set()
    if sms_required(user, now):
        needs.add("sms")
    return ("pending", needs) if needs else ("delivered", None)


def check_numbers(sim: Simulation) -> None:
    """R5/R20: one account per number, and each number's hash (R1) reaches its holder."""
    phones = [u.phone for u in sim.users.values() if u.phone is not None]
    assert len(phones) == len(set(phones))
    for uid, user in sim.users.items():
        if user.phone is not None:
            assert sim.user_for_hash(sha(user.phone)) == uid


def check_no_stuck_message(sim: Simulation) -> None:
    """R17/R19/R21: a pending message still waits for something (consent not set or SMS required)."""
    for uid, user in sim.users.items():
        for msg in sim.pending_for(uid):
            assert user.consent == "not_set" or sms_required(user, sim.now), (msg.id, user.consent)


def check_labels(sim: Simulation) -> None:
    """R24: every notification's label follows the app language, from app version 15.9.0."""
    for user in sim.users.values():
        old_app = tuple(int(p) for p in user.app_version.split(".")) < (15, 9, 0)
        for oa in OAS:
            for m in user.chats.get(oa, []):
                assert m.label == (None if old_app else LABELS[user.language])


# ---------------------------------------------------------------- the machine


DELTAS = st.one_of(
    st.integers(1, 59).map(lambda s: timedelta(seconds=s)),
    st.integers(1, 59).map(lambda m: timedelta(minutes=m)),
    st.integers(1, 47).map(lambda h: timedelta(hours=h)),
    st.integers(1, 200).map(lambda d: timedelta(days=d)),
    st.sampled_from([HOURS_24, HOURS_24 - SECOND, DAYS_180, DAYS_180 - SECOND, timedelta(0)]),
)
AGES = [timedelta(days=1), timedelta(hours=23), DAYS_180 - SECOND, DAYS_180, timedelta(days=1000)]
USER_CONFIG = st.fixed_dictionaries({
    "consent": st.sampled_from(["not_set", "not_set", "agreed", "agreed", "rejected"]),
    "created_ago": st.sampled_from(AGES),
    "verified_ago": st.sampled_from([None, *AGES]),
    "changed_ago": st.sampled_from([None, None, *AGES]),
    "privacy_policy": st.sampled_from([True] * 7 + [False]),
    "language": st.sampled_from(list(LABELS)),
    "app_version": st.sampled_from(["15.9.0", "15.8.9", "15.10.0"]),
    "blocked": st.sets(st.sampled_from(sorted(OAS)), max_size=1),
})


@settings(max_examples=EXAMPLES, stateful_step_count=50, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
class FlowMachine(RuleBasedStateMachine):
    """Random traffic through the engine, checked against docs/rules.md."""

    @initialize(data=st.data())
    def world(self, data):
        self.sim = Simulation(start=START, seed=data.draw(st.integers(0, 3), label="seed"))
        for oa, country in OAS.items():
            self.sim.add_official_account(oa, oa.title(), country=country)
        count = data.draw(st.integers(2, 3), label="users")
        numbers = data.draw(st.permutations(NUMBERS), label="numbers")[:count]
        for i, number in enumerate(numbers):
            cfg = data.draw(USER_CONFIG, label=f"user{i}")
            now = self.sim.now
            self.sim.add_user(
                f"u{i}", number, consent=cfg["consent"], created_at=now - cfg["created_ago"],
                sms_verified_at=cfg["verified_ago"] and now - cfg["verified_ago"],
                phone_changed_at=cfg["changed_ago"] and now - cfg["changed_ago"],
                privacy_policy=cfg["privacy_policy"], language=cfg["language"], app_version=cfg["app_version"],
                blocked=cfg["blocked"],
            )
        self.users = sorted(self.sim.users)
        self.record = Record()
        self.record.listen(self.sim, arrivals=False)
        self.tags = 0

    # ------------------------------------------------------------ sends

    @rule(data=st.data(), count=st.integers(1, 3))
    def send(self, data, count):
        """One to three sends: R1/R2 matching, then the arrival oracle (R4, R6, R8, R9, R12-R15, R16);
        now and then a malformed ``to`` (R1), which must raise and log nothing."""
        for _ in range(count):
            if data.draw(st.sampled_from([False] * 7 + [True]), label="malformed"):
                self._send_malformed(data)
            else:
                self._send_one(data)

    def _send_one(self, data):
        sim = self.sim
        oa = data.draw(st.sampled_from(sorted(OAS)), label="oa")
        target = data.draw(st.sampled_from([*self.users, *self.users, "stranger"]), label="to")
        number = sim.users[target].phone if target in sim.users else data.draw(st.sampled_from(STRANGERS))
        if number is None:  # the user lost the number (R5): send to a stranger instead
            number = STRANGERS[0]
        to = sha(number)
        holders = [uid for uid, u in sim.users.items() if u.phone is not None and sha(u.phone) == to]
        assert len(holders) <= 1
        matched = holders[0] if holders else None
        user = sim.users[matched] if matched else None
        expected = expected_arrival(user, oa, sim.now)
        chat_before = {uid: sum(len(c) for c in u.chats.values()) for uid, u in sim.users.items()}

        kind = data.draw(st.sampled_from(["text", "flexible", "template"]), label="kind")
        tag = None
        if data.draw(st.booleans(), label="tagged"):
            self.tags += 1
            tag = f"flowsim-tag-{self.tags:06d}"
        if kind == "text":
            result = sim.send_text(oa, to, "Your parcel ships today", delivery_tag=tag)
        elif kind == "flexible":
            result = sim.send_flexible(oa, to, data.draw(st.sampled_from(FLEXIBLE)), delivery_tag=tag)
        else:
            key, body = TEMPLATES[OAS[oa]]
            result = sim.send_template(oa, to, key, data.draw(st.sampled_from([None, body])), delivery_tag=tag)

        status, detail = expected
        # What the API answers: 422 when nobody can get it (R2, R4, R8, R9), else 200 / 202 by kind.
        refused = status == "unmatched" or (status == "discarded" and detail != "blocked")
        assert result.status == (422 if refused else 202 if kind == "template" else 200), result.body()
        msg = sim.message(result.message_id)
        self.record.arrivals[msg.id] = Arrival(matched, bool(user and oa in user.blocked))
        assert msg.user == matched
        event(f"arrival: {status} {sorted(detail) if status == 'pending' else detail or ''}".rstrip())
        if status == "pending":
            assert (msg.status, msg.missing) == ("pending", detail)
        else:
            assert (msg.status, msg.reason) == (status, detail), (msg.status, msg.reason, expected)
        added = {uid: sum(len(c) for c in u.chats.values()) - chat_before[uid] for uid, u in sim.users.items()}
        # R16: 'received' + setup/phone_auth when waiting, 'received' + notification when delivered, else nothing
        assert added == {uid: (2 if uid == matched and status in ("pending", "delivered") else 0) for uid in added}

    def _send_malformed(self, data):
        to = sha(NUMBERS[0])
        bad = data.draw(st.sampled_from([to.upper(), to[:-1], "z" + to[1:], NUMBERS[0]]), label="bad to")
        before, messages = len(self.sim.log), len(self.sim.messages)
        result = self.sim.send_text("shop", bad, "hi")
        assert (result.status, result.details[0]["property"]) == (400, "to")
        assert len(self.sim.messages) == messages
        assert [type(e) for e in self.sim.log.since(before)] == [ApiCalled]

    # ------------------------------------------------------------ user actions

    def _oa_for(self, user, action, data):
        options = {
            "block": [o for o in OAS if o not in user.blocked],
            "unblock": [o for o in OAS if o in user.blocked],
            "add_friend": [o for o in OAS if o not in user.friends and o not in user.blocked],
            "say": [o for o in OAS if o not in user.blocked],
        }[action]
        return data.draw(st.sampled_from(sorted(options)), label="oa")

    def _pin(self, uid, data):
        user = self.sim.users[uid]
        right = user.pin_challenge.pin if user.pin_challenge else "000000"
        old = [s.pin for s in user.sms_inbox if s.pin != right]
        choices = [right, f"{(int(right) + 1) % 1_000_000:06d}", *old[-1:]]
        return data.draw(st.sampled_from(choices), label="pin")

    @rule(data=st.data())
    def act(self, data):
        """Any action the app offers now (``available_actions``), with arguments it accepts."""
        sim = self.sim
        uid = data.draw(st.sampled_from(self.users), label="user")
        user = sim.users[uid]
        action = data.draw(st.sampled_from(sim.available_actions(uid)), label="action")
        kwargs = {}
        if action in ("block", "unblock", "add_friend", "say"):
            kwargs["oa"] = self._oa_for(user, action, data)
        if action == "say":
            kwargs["text"] = data.draw(st.sampled_from(["hi", "いつ届きますか"]), label="text")
        if action == "settings_consent":
            kwargs["value"] = data.draw(st.sampled_from(["agreed", "agreed", "rejected"]), label="value")
        if action == "enter_number":
            kwargs["number"] = data.draw(st.sampled_from(TYPED_NUMBERS), label="number")
        if action == "enter_pin":
            kwargs["pin"] = self._pin(uid, data)
        challenge = user.pin_challenge
        before = (user.phone, user.sms_verified_at, user.phone_changed_at)
        sim.do(uid, action, **kwargs)
        event(f"action: {action}")
        self._check_effect(uid, action, kwargs, challenge, before)

    def _check_effect(self, uid, action, kwargs, challenge, before):
        """The action's own rule: R17/R18 PINs, R19 changes, R21 consent, R7 blocks, R27 webhooks."""
        sim, user = self.sim, self.sim.users[uid]
        if action == "enter_pin":
            if challenge is not None and kwargs["pin"] == challenge.pin:
                assert user.screen == "chats" and user.pin_challenge is None
                if challenge.purpose == "verify":
                    assert user.sms_verified_at == sim.now
                else:
                    assert (user.phone, user.phone_changed_at) == (challenge.number, sim.now)
                    assert any(m.kind == "phone_changed" and m.at == sim.now for m in user.line_chat)
            else:  # R18: wrong PIN stays, nothing changes
                assert user.screen == "pin_entry"
                assert (user.phone, user.sms_verified_at, user.phone_changed_at) == before
        elif action in ("agree", "reject", "settings_consent"):
            value = {"agree": "agreed", "reject": "rejected"}.get(action) or kwargs["value"]
            assert user.consent == value
            if value == "rejected":
                assert sim.pending_for(uid) == []
            else:
                assert all("consent" not in m.missing for m in sim.pending_for(uid))
        elif action == "block":
            assert kwargs["oa"] in user.blocked
            assert all(m.oa != kwargs["oa"] for m in sim.pending_for(uid))
            assert sim.webhooks[kwargs["oa"]][-1].type == "unfollow"
        elif action in ("unblock", "add_friend"):
            assert kwargs["oa"] in user.friends and kwargs["oa"] not in user.blocked
            assert sim.webhooks[kwargs["oa"]][-1].type == "follow"
        elif action == "say":
            assert sim.webhooks[kwargs["oa"]][-1].text == kwargs["text"]
        elif action == "cancel":
            assert user.screen == "chats" and user.pin_challenge is None

    @rule(data=st.data())
    def try_a_refused_action(self, data):
        """An action the app does not offer now raises ActionNotAllowedError naming the screen; nothing happens."""
        sim = self.sim
        uid = data.draw(st.sampled_from(self.users), label="user")
        user = sim.users[uid]
        offered = sim.available_actions(uid)
        refused = [(a, None) for a in ACTIONS if a not in offered]
        refused += [("block", o) for o in user.blocked] + [("unblock", o) for o in OAS if o not in user.blocked]
        refused += [("add_friend", o) for o in OAS if o in user.friends or o in user.blocked]
        refused += [("say", o) for o in user.blocked]
        action, oa = data.draw(st.sampled_from(refused), label="refused")
        args = {"oa": oa or "shop", "text": "hi", "value": "agreed", "number": NUMBERS[0], "pin": "000000"}
        needed = {"enter_number": ["number"], "enter_pin": ["pin"], "settings_consent": ["value"],
                  "block": ["oa"], "unblock": ["oa"], "add_friend": ["oa"], "say": ["oa", "text"]}
        kwargs = {k: args[k] for k in needed.get(action, [])}
        before = len(sim.log)
        with pytest.raises(ActionNotAllowedError) as caught:
            sim.do(uid, action, **kwargs)
        error = caught.value
        assert error.screen == user.screen and f"on screen {user.screen!r}" in str(error)
        assert error.allowed == offered
        assert len(sim.log) == before

    def _to_chats(self, uid):
        if self.sim.users[uid].screen != "chats":
            self.sim.cancel(uid)

    @rule(data=st.data(), agree=st.sampled_from([True, True, True, False]))
    def answer_the_consent_screen(self, data, agree):
        """R13/R14/R21: Set on the consent section, then Agree or Reject, when the LINE chat offers it."""
        sim = self.sim
        uid = data.draw(st.sampled_from(self.users), label="user")
        self._to_chats(uid)
        if "open_consent" not in sim.available_actions(uid):
            return
        delivered = len(self.record.deliveries)
        sim.open_consent(uid)
        sim.do(uid, "agree" if agree else "reject")
        assert sim.users[uid].consent == ("agreed" if agree else "rejected")
        if len(self.record.deliveries) > delivered:
            event("delivered after consent")

    @rule(data=st.data())
    def verify_by_sms(self, data):
        """R17: the whole SMS authentication, when the LINE chat offers it."""
        sim = self.sim
        uid = data.draw(st.sampled_from(self.users), label="user")
        user = sim.users[uid]
        self._to_chats(uid)
        if "open_phone_auth" not in sim.available_actions(uid) or user.phone is None:
            return
        for action in ("open_phone_auth", "send_sms", "confirm_sms"):
            sim.do(uid, action)
        delivered = len(self.record.deliveries)
        sim.enter_pin(uid, sim.last_pin(uid))
        assert user.sms_verified_at == sim.now and not sms_required(user, sim.now)
        if len(self.record.deliveries) > delivered:
            event("delivered after SMS")
        assert all(m.missing == {"consent"} for m in sim.pending_for(uid))

    @rule(data=st.data())
    def change_number(self, data):
        """R19 from Settings, to a number that may be someone else's (R5) or invalid (refused)."""
        sim = self.sim
        uid = data.draw(st.sampled_from(self.users), label="user")
        typed = data.draw(st.sampled_from(TYPED_NUMBERS), label="number")
        self._to_chats(uid)
        user = sim.users[uid]
        sim.settings_change_number(uid)
        sim.enter_number(uid, typed)
        if user.screen == "number_entry":  # refused (R19 decision)
            assert user.screen_error
            sim.cancel(uid)
            return
        new = user.pin_challenge.number
        holder = next((o for o, u in sim.users.items() if u.phone == new and o != uid), None)
        sim.enter_pin(uid, sim.last_pin(uid))
        assert (user.phone, user.phone_changed_at) == (new, sim.now)
        if holder is not None:
            event("number taken from another account (R5)")
            assert sim.users[holder].phone is None and sim.pending_for(holder) == []

    # ------------------------------------------------------------ the clock

    def _advance(self, move, target):
        sim = self.sim
        before, start = len(sim.log), sim.now
        move()
        assert sim.now == target
        expired = sim.log.of_type(MessageExpired, before)
        if expired:
            event(f"expiries in one advance: {min(len(expired), 3)}{'+' if len(expired) >= 3 else ''}")
        assert [e.at for e in expired] == sorted(e.at for e in expired)  # R23: in time order
        for e in expired:  # R22: each at its own due time, inside the jump
            assert e.at == sim.messages[e.message_id].requested_at + HOURS_24
            assert start < e.at <= target

    @rule(delta=DELTAS)
    def advance(self, delta):
        """R22/R23: seconds to 200 days, including exactly 24 hours and 180 days."""
        self._advance(lambda: self.sim.advance(delta), self.sim.now + delta)

    @rule(data=st.data(), boundary=st.sampled_from(["expiry", "exemption"]),
          offset=st.sampled_from([-SECOND, timedelta(0), SECOND]))
    def advance_to_a_boundary(self, data, boundary, offset):
        """R22: to the next expiry, or R11: to a user's 180-day boundary; one second before, exactly
        at, or one second after it."""
        sim = self.sim
        if boundary == "expiry":
            dues = [sim.expires_at(m.id) for u in self.users for m in sim.pending_for(u)]
            uid, due = None, min(dues, default=None)
        else:
            uid = data.draw(st.sampled_from(self.users), label="user")
            due = sim.sms_exempt_until(uid)
        if due is None or due + offset < sim.now:
            return
        target = due + offset
        self._advance(lambda: sim.advance_to(target), target)
        if uid is not None:
            required = offset >= timedelta(0)
            assert sms_required(sim.users[uid], sim.now) == required == sim.sms_required(uid)

    # ------------------------------------------------------------ after every step

    def teardown(self):
        if hasattr(self, "record"):
            n = len(self.record.deliveries)
            event(f"deliveries in the run: {'0' if n == 0 else '1-4' if n < 5 else '5+'}")

    @invariant()
    def invariants_hold(self):
        check_I1(self.sim, self.record)
        check_I2(self.sim, self.record)
        check_I3(self.sim)
        check_I4(self.sim, self.record)
        check_I5(self.sim, self.record)
        check_numbers(self.sim)
        check_no_stuck_message(self.sim)
        check_labels(self.sim)


@pytest.mark.rules("I1", "I2", "I3", "I4", "I5", "R1", "R2", "R11", "R16", "R18", "R19", "R22", "R23")
class TestRandomFlows(FlowMachine.TestCase):
    """I1, I2, I3, I4 and I5 after every step of random traffic, with R1/R2 matching, the R16
    arrival oracle, R18 PINs, R19 number changes, and R11/R22/R23 clock jumps checked on the way."""


# ---------------------------------------------------------------- the checkers can fail


def _small_world():
    sim = Simulation(start=START)
    for oa, country in OAS.items():
        sim.add_official_account(oa, country=country)
    recent = sim.now - timedelta(days=30)  # no SMS needed (R11)
    sim.add_user("u0", NUMBERS[0], consent="agreed", created_at=recent)
    sim.add_user("u1", NUMBERS[1], blocked=["bank"], created_at=recent)
    record = Record()
    record.listen(sim, arrivals=False)
    for uid, oa in (("u0", "shop"), ("u1", "bank"), ("u1", "shop")):
        msg = sim.message(sim.send_text(oa, sha(sim.users[uid].phone), "hi").message_id)
        record.arrivals[msg.id] = Arrival(uid, oa in sim.users[uid].blocked)
    return sim, record


def _all_pass(sim, record):
    check_I1(sim, record)
    check_I2(sim, record)
    check_I3(sim)
    check_I4(sim, record)
    check_I5(sim, record)


@pytest.mark.rules("I1", "I2", "I3", "I4", "I5")
def test_I1_I2_I3_I4_I5_checkers_pass_on_a_valid_run_and_catch_each_violation():
    """Each of check_I1 … check_I5 passes on a real run and fails when its invariant is broken."""
    sim, record = _small_world()
    _all_pass(sim, record)
    delivered, blocked = "m1", "m2"
    assert sim.message(delivered).status == "delivered" and record.arrivals[blocked].blocked

    breakages = {
        "I1": lambda s, r: r.deliveries.__setitem__(0, DeliveryFacts(
            delivered, "u0", "shop", s.now, NUMBERS[0], True, "not_set", False, False)),
        "I2": lambda s, r: r.outcomes.update({delivered: 1}),
        "I3": lambda s, r: s.counts.update({("shop", "flexible", s.now.astimezone(JST).date()): 2}),
        "I4": lambda s, r: setattr(s.users["u0"], "consent", "not_set"),
        "I5": lambda s, r: s.users["u1"].chats.setdefault("bank", []).append(
            s.users["u0"].chats["shop"][0].model_copy(update={"message_id": blocked})),
    }
    checks = {"I1": lambda s, r: check_I1(s, r), "I2": lambda s, r: check_I2(s, r), "I3": lambda s, r: check_I3(s),
              "I4": lambda s, r: check_I4(s, r), "I5": lambda s, r: check_I5(s, r)}
    for name, break_it in breakages.items():
        sim, record = _small_world()
        check_I4(sim, record)  # remember who has left not_set
        break_it(sim, record)
        with pytest.raises(AssertionError):
            checks[name](sim, record)


@pytest.mark.rules("I2", "R22")
def test_I2_a_pending_message_is_never_older_than_24_hours():
    """I2/R22: pending < 24h; check_I2 would flag a message pending at 24h if the timer had not fired."""
    sim, record = _small_world()
    pending = sim.message("m3")
    assert pending.status == "pending"
    pending.requested_at -= HOURS_24  # as if its timer had not fired
    with pytest.raises(AssertionError):
        check_I2(sim, record)
    pending.requested_at += HOURS_24
    sim.advance(HOURS_24)
    check_I2(sim, record)
    assert pending.status == "expired"
    assert record.outcomes["m3"] == 1 and len(sim.log.of_type(ApiCalled)) == 3
