"""Checks that relate parts of a scenario file to each other, with positions.

Run after the models accepted the file's shape.  Every reference is resolved
here once, so that the runner never meets an unknown id:

* users: phone numbers normalise (R3) in their region; no two users share a
  number (R5); ``blocked``/``friends`` name official accounts;
* steps: ``send.from``, ``do.oa`` and the OA keys of ``chats``, ``webhooks``
  and ``sent_count`` are official accounts; ``user:`` is a user (and may be
  left out only when there is exactly one user); ``send.to`` is a user id, a
  phone number or a 64-hex hash; an action gets exactly the arguments it
  takes (the forms of ``pin`` are checked by its type, ``types.Pin``);
  ``message:`` names were given by an ``as:`` of an *earlier* step;
  ``as:`` names are unique; a send has exactly one of ``text``,
  ``messages``, ``template``;
* the clock: ``start`` (or now), each user's times and the clock after every
  ``advance`` / ``advance_to`` stay in the simulated clock's range (1970-01-01
  to 9999-01-01 UTC), so a scenario that would leave it is refused at the
  value that does, not half-way through its run.

Each problem is a :class:`ScenarioFileError` at the offending key or value;
all problems of a file are reported together.  Whatever the file's size, an
error lists a few ids ("… (15,000 in all)"), "did you mean" compares with a
bounded pool of ids, and only the first problems (those reported in full)
get either: a file of 15,000 users and 10,000 bad steps is refused at once.
"""

from __future__ import annotations

import functools
import heapq
import re
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from typing import Any

from flowsim.engine import ACTION_ARGS, EARLIEST, LATEST, LINE_CHAT, InvalidPhoneNumberError, decisions, phone, wall_now

from .errors import MAX_REPORTED, ScenarioFileError
from .hints import did_you_mean
from .models import AdvanceStep, AdvanceToStep, DoStep, ExpectStep, Scenario, SendStep, annotate
from .yamlsource import Positions, describe_type


ARG_KEYS = ("pin", "number", "oa", "text", "value")

#: phonenumbers' parser costs ~0.1 ms a number; suites reuse the same few numbers.
_normalise = functools.lru_cache(maxsize=4096)(phone.normalise)
_PHONEISH = re.compile(r"[+0-9][0-9 ()\-.+]*")
#: A ``to`` meant as a hash (hex digits, at least half a SHA-256 long) but maybe malformed.
_HASHLIKE = re.compile(r"[0-9A-Fa-f]{32,}")
_SEND_CONTENT = ("text", "messages", "template")
#: Ids an error lists: the first in sorted order, then how many there are.
LISTED_IDS = 5
#: Problems of a file that get the costly parts of a message ("did you mean", the ids expected):
#: only the first MAX_REPORTED are shown, the rest only counted.
DETAILED_PROBLEMS = 2 * MAX_REPORTED


def _listing(known: Iterable[str]) -> str:
    """``a, b, c`` or, for many, the first :data:`LISTED_IDS` and how many (``""`` for none)."""
    known = list(known)
    first = ", ".join(describe_type(k)[1:-1] for k in heapq.nsmallest(LISTED_IDS, known))
    return first + (f", … ({len(known):,} in all)" if len(known) > LISTED_IDS else "")


def classify_to(to: str, users: Any, region: str) -> tuple[str, str]:
    """What a send's ``to:`` names: ``("user", id)``, ``("hash", hex)`` or ``("unknown", to)``.

    A known user id wins; then a well-formed hash; then a string of hex digits
    at least 32 long, taken as a hash as written so that the API answers it
    (400, property ``to``, when it is not 64 lowercase hex: an upper-case or
    truncated hash is a send LINE refuses, not a typo in the file); then a
    phone number, normalised in ``region`` and hashed (raises
    :class:`InvalidPhoneNumberError`).  Anything else is unknown.
    """
    if phone.is_hash(to):
        return "hash", to
    if to in users:
        return "user", to
    if _HASHLIKE.fullmatch(to):
        return "hash", to
    if _PHONEISH.fullmatch(to):
        return "hash", phone.hash_number(_normalise(to, region))
    return "unknown", to


class _Checker:
    def __init__(self, scenario: Scenario, positions: Positions, path: str) -> None:
        self.s = scenario
        self.pos = positions
        self.path = path
        self.problems: list[ScenarioFileError] = []
        self.oas = set(scenario.official_accounts)
        self.users = set(scenario.users)

    def fail(self, where: tuple[Any, ...], message: str, *, key: bool = False) -> None:
        line, col = self.pos.of_key(where) if key else self.pos.of_value(where)
        self.problems.append(ScenarioFileError(self.path, line, col, message))

    def hint(self, value: str, known: Collection[str]) -> str:
        """"Did you mean", for the first :data:`DETAILED_PROBLEMS` problems."""
        return did_you_mean(value, known) if len(self.problems) < DETAILED_PROBLEMS else ""

    def listing(self, known: Collection[str]) -> str:
        """The ids expected (a few), for the first problems; how many, for the rest."""
        return _listing(known) if len(self.problems) < DETAILED_PROBLEMS else f"{len(known):,} of them"

    def expected(self, kind: str, known: Collection[str]) -> str:
        listing = self.listing(known)
        return f"expected one of the {kind}: {listing}" if listing else f"no {kind} are defined"

    def oa(self, where: tuple[Any, ...], oa_id: str, what: str = "official account", key: bool = False) -> bool:
        if oa_id in self.oas:
            return True
        self.fail(where, f"unknown {what} {describe_type(oa_id)}{self.hint(oa_id, self.oas)}; "
                         f"{self.expected('official accounts', self.oas)}", key=key)
        return False

    def user(self, where: tuple[Any, ...], user_id: str) -> bool:
        if user_id in self.users:
            return True
        self.fail(where, f"unknown user {describe_type(user_id)}{self.hint(user_id, self.users)}; "
                         f"{self.expected('users', self.users)}")
        return False

    # ------------------------------------------------------------ world

    def world(self) -> None:
        for oa_id in self.s.official_accounts:
            if oa_id == LINE_CHAT:
                self.fail(("official_accounts", oa_id), f"{LINE_CHAT!r} is the LINE system account; "
                          "expected another official account id", key=True)
        holders: dict[str, str] = {}
        for user_id, spec in self.s.users.items():
            where = ("users", user_id)
            if spec.region.upper() not in _regions():
                self.fail((*where, "region"), f"unknown region {spec.region!r}; expected an ISO 3166 "
                          "region code such as JP, TH, TW")
                continue
            if spec.phone is not None:
                try:
                    e164 = _normalise(spec.phone, spec.region.upper())
                except InvalidPhoneNumberError as exc:
                    self.fail((*where, "phone"), f"{exc} (R3); expected a phone number such as "
                              "\"+818000001234\" or one written in the user's region")
                    continue
                if e164 in holders:
                    self.fail((*where, "phone"), f"{e164} is already the number of user {holders[e164]!r}; "
                              "expected one account per number (R5)")
                holders[e164] = user_id
                annotate(spec, "_e164", e164)
            for field in ("blocked", "friends"):
                for i, oa_id in enumerate(getattr(spec, field)):
                    self.oa((*where, field, i), oa_id)

    # ------------------------------------------------------------ steps

    def steps(self) -> None:
        names: dict[str, int] = {}
        for i, step in enumerate(self.s.steps):
            where = ("steps", i)
            if isinstance(step, SendStep):
                self.send(where, step)
                if step.as_ is not None:
                    if step.as_ in names:
                        self.fail((*where, "as"), f"the name {step.as_!r} is already given at line "
                                  f"{names[step.as_]}; expected a new name")
                    else:
                        names[step.as_] = step.line
            elif isinstance(step, DoStep):
                self.do(where, step)
            elif isinstance(step, ExpectStep):
                self.expect(where, step, names)

    def send(self, where: tuple[Any, ...], step: SendStep) -> None:
        spec = step.send
        w = (*where, "send")
        self.oa((*w, "from"), spec.from_)
        given = [k for k in _SEND_CONTENT if getattr(spec, k) is not None]
        if len(given) > 1:
            self.fail((*w, given[1]), f"`{given[0]}` and `{given[1]}` are mutually exclusive; expected "
                      "exactly one of text, messages, template", key=True)
        elif not given:
            self.fail(w, "a send needs its content; expected one of text, messages, template", key=True)
        to = spec.to
        try:
            kind, value = classify_to(to, self.users, decisions.DEFAULT_REGION)
        except InvalidPhoneNumberError as exc:
            self.fail((*w, "to"), f"{exc} (R3); expected a user id, a phone number or a 64-hex hash")
            return
        if kind != "unknown":
            annotate(spec, "_to", (kind, value))
        else:
            hint = self.hint(to, self.users)
            self.fail((*w, "to"), f"unknown user {describe_type(to)}{hint}; expected a user id "
                      f"({self.listing(self.users) or 'none defined'}), a phone number or a 64-hex hash")

    def resolve_user(self, where: tuple[Any, ...], given: str | None, what: str) -> str | None:
        if given is not None:
            return given if self.user((*where, "user"), given) else None
        if len(self.users) == 1:
            return next(iter(self.users))
        self.fail(where, f"{what} needs `user:` when the scenario has "
                  f"{'no users' if not self.users else 'several users'}; "
                  f"{self.expected('users', self.users)}", key=True)
        return None

    def do(self, where: tuple[Any, ...], step: DoStep) -> None:
        annotate(step, "_user", self.resolve_user(where, step.user, f"action {step.do!r}"))
        takes = ACTION_ARGS.get(step.do, ())
        for arg in ARG_KEYS:
            value = getattr(step, arg)
            if value is not None and arg not in takes:
                takes_text = ", ".join(takes) if takes else "no arguments"
                self.fail((*where, arg), f"action {step.do!r} takes {takes_text}, not `{arg}`; expected only "
                          f"{', '.join(('do', 'user') + takes)}", key=True)
        for arg in takes:
            if getattr(step, arg) is None:
                self.fail((*where, "do"), f"action {step.do!r} needs `{arg}:`; expected "
                          f"{{do: {step.do}, {arg}: ...}}")
        if step.oa is not None:
            self.oa((*where, "oa"), step.oa)

    @functools.cached_property
    def sends_named(self) -> dict[str, int]:
        """Every ``as:`` name of the file and the line of its first send (built when first needed)."""
        named: dict[str, int] = {}
        for s in self.s.steps:
            if isinstance(s, SendStep) and s.as_ is not None:
                named.setdefault(s.as_, s.line)
        return named

    def expect(self, where: tuple[Any, ...], step: ExpectStep, names: dict[str, int]) -> None:
        spec = step.expect
        w = (*where, "expect")
        if step.user is not None and spec.user is not None and step.user != spec.user:
            self.fail((*w, "user"), f"user {spec.user!r} here but {step.user!r} on the step; expected one user")
        given_user = spec.user if spec.user is not None else step.user
        user_where = w if spec.user is not None or step.user is None else where
        needs_user = [k for k in spec.USER_KEYS if getattr(spec, k) is not None]
        if needs_user or given_user is not None:
            if given_user is None and len(self.users) != 1:
                self.fail(w, f"`{needs_user[0]}` is about one user's app and needs `user:`; "
                          f"{self.expected('users', self.users)}", key=True)
            else:
                annotate(step, "_user", self.resolve_user(user_where, given_user, "expect"))
        for field in ("chats", "webhooks", "sent_count"):
            for oa_id in getattr(spec, field) or {}:
                self.oa((*w, field, oa_id), oa_id, key=True)
        for name in spec.message or {}:
            if name not in names:
                later = self.sends_named.get(name)
                why = (f"it is given by a later step (line {later})" if later
                       else f"no send has `as: {name}`{self.hint(name, names)}")
                self.fail((*w, "message", name), f"unknown message name {describe_type(name)}: {why}; "
                          f"expected a name from an earlier send's `as:` ({self.listing(names) or 'none yet'})",
                          key=True)


    # ------------------------------------------------------------ the clock

    def clock(self) -> None:
        start = self.s.start or wall_now()
        if not EARLIEST <= start <= LATEST:
            self.fail(("start",), f"start {start.isoformat()} is outside {_CLOCK_RANGE}; expected a time in it")
            return
        for user_id, spec in self.s.users.items():
            for field in ("created", "sms_verified", "phone_changed"):
                value = getattr(spec, field)
                at = _plus(start, value) if isinstance(value, timedelta) else value
                if value is not None and (at is None or at > LATEST):
                    when = f"{at.isoformat()}, after the end of {_CLOCK_RANGE}" if at else "before the year 1"
                    self.fail(("users", user_id, field), f"{field} would be {when}; expected a time "
                              "between the year 1 and 9999-01-01 UTC")
        now = start
        for i, step in enumerate(self.s.steps):
            if isinstance(step, AdvanceStep):
                target, where = _plus(now, step.advance), ("steps", i, "advance")
            elif isinstance(step, AdvanceToStep):
                target, where = step.advance_to, ("steps", i, "advance_to")
            else:
                continue
            if target is None or target > LATEST:
                reach = f"reach {target.isoformat()}" if target is not None else "pass the year 9999"
                self.fail(where, f"the clock would {reach} here, after the end of {_CLOCK_RANGE}; "
                          "expected a scenario whose clock stays before 9999-01-01 UTC")
                return
            now = max(now, target)


_CLOCK_RANGE = "the simulated clock's range, 1970-01-01 to 9999-01-01 UTC"


def _plus(time: datetime, delta: timedelta) -> datetime | None:
    """``time + delta``, or None past the calendar (year 1 to 9999)."""
    try:
        return time + delta
    except OverflowError:
        return None


_REGIONS: frozenset[str] | None = None


def _regions() -> frozenset[str]:
    global _REGIONS
    if _REGIONS is None:
        import phonenumbers

        _REGIONS = frozenset(phonenumbers.SUPPORTED_REGIONS)
    return _REGIONS


def check(scenario: Scenario, positions: Positions, path: str) -> list[ScenarioFileError]:
    """Every cross-reference problem of ``scenario`` (empty when it is consistent)."""
    checker = _Checker(scenario, positions, path)
    checker.world()
    checker.steps()
    checker.clock()
    return checker.problems
