"""Checks that relate parts of a scenario file to each other, with positions.

Run after the models accepted the file's shape.  Every reference is resolved
here once, so that the runner never meets an unknown id:

* users: phone numbers normalise (R3) in their region; no two users share a
  number (R5); ``blocked``/``friends`` name official accounts;
* steps: ``send.from``, ``do.oa`` and the OA keys of ``chats``, ``webhooks``
  and ``sent_count`` are official accounts; ``user:`` is a user (and may be
  left out only when there is exactly one user); ``send.to`` is a user id, a
  phone number or a 64-hex hash; an action gets exactly the arguments it
  takes; ``pin`` is ``last`` or digits; ``message:`` names were given by an
  ``as:`` of an *earlier* step; ``as:`` names are unique; a send has exactly
  one of ``text``, ``messages``, ``template``.

Each problem is a :class:`ScenarioFileError` at the offending key or value;
all problems of a file are reported together.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable
from typing import Any

from flowsim import phone
from flowsim.errors import InvalidPhoneNumberError
from flowsim.machines import ACTION_ARGS
from flowsim.models import LINE_CHAT

from .errors import ScenarioFileError
from .models import DoStep, ExpectStep, Scenario, SendStep, annotate
from .yamlsource import Positions


ARG_KEYS = ("pin", "number", "oa", "text", "value")

#: phonenumbers' parser costs ~0.1 ms a number; suites reuse the same few numbers.
_normalise = functools.lru_cache(maxsize=4096)(phone.normalise)
_PHONEISH = re.compile(r"[+0-9][0-9 ()\-.+]*")
_PIN = re.compile(r"[0-9]+")
_SEND_CONTENT = ("text", "messages", "template")


def did_you_mean(value: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(value), list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _known(kind: str, known: Iterable[str]) -> str:
    known = sorted(known)
    return f"expected one of the {kind}: {', '.join(known)}" if known else f"no {kind} are defined"


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

    def oa(self, where: tuple[Any, ...], oa_id: str, what: str = "official account", key: bool = False) -> bool:
        if oa_id in self.oas:
            return True
        self.fail(where, f"unknown {what} {oa_id!r}{did_you_mean(oa_id, self.oas)}; "
                         f"{_known('official accounts', self.oas)}", key=key)
        return False

    def user(self, where: tuple[Any, ...], user_id: str) -> bool:
        if user_id in self.users:
            return True
        self.fail(where, f"unknown user {user_id!r}{did_you_mean(user_id, self.users)}; "
                         f"{_known('users', self.users)}")
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
        if phone.is_hash(to):
            annotate(spec, "_to", ("hash", to))
        elif to in self.users:
            annotate(spec, "_to", ("user", to))
        elif _PHONEISH.fullmatch(to):
            try:
                annotate(spec, "_to", ("hash", phone.hash_number(_normalise(to, "JP"))))
            except InvalidPhoneNumberError as exc:
                self.fail((*w, "to"), f"{exc} (R3); expected a user id, a phone number or a 64-hex hash")
        else:
            hint = did_you_mean(to, self.users)
            self.fail((*w, "to"), f"unknown user {to!r}{hint}; expected a user id "
                      f"({', '.join(sorted(self.users)) or 'none defined'}), a phone number or a 64-hex hash")

    def resolve_user(self, where: tuple[Any, ...], given: str | None, what: str) -> str | None:
        if given is not None:
            return given if self.user((*where, "user"), given) else None
        if len(self.users) == 1:
            return next(iter(self.users))
        self.fail(where, f"{what} needs `user:` when the scenario has "
                  f"{'no users' if not self.users else 'several users'}; "
                  f"{_known('users', self.users)}", key=True)
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
        if step.pin is not None and step.pin != "last" and not _PIN.fullmatch(step.pin):
            self.fail((*where, "pin"), f"pin {step.pin!r}; expected `last` (the PIN in the newest SMS) "
                      "or digits (quote them: \"012345\")")

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
                          f"{_known('users', self.users)}", key=True)
            else:
                annotate(step, "_user", self.resolve_user(user_where, given_user, "expect"))
        for field in ("chats", "webhooks", "sent_count"):
            for oa_id in getattr(spec, field) or {}:
                self.oa((*w, field, oa_id), oa_id, key=True)
        for name in spec.message or {}:
            if name not in names:
                later = next((s.line for s in self.s.steps if isinstance(s, SendStep) and s.as_ == name), None)
                why = (f"it is given by a later step (line {later})" if later
                       else f"no send has `as: {name}`{did_you_mean(name, names)}")
                self.fail((*w, "message", name), f"unknown message name {name!r}: {why}; "
                          f"expected a name from an earlier send's `as:` ({', '.join(names) or 'none yet'})",
                          key=True)


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
    return checker.problems
