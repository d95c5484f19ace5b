"""The rules a run *exercised*, read off the engine's log (and the checks of its file).

The measurement behind ``flowsim coverage`` (:mod:`flowsim.model.coverage`,
which puts it beside what files *claim*), ``flowsim run --rule`` and the
reports, and the TUI's save; it lives in the scenario layer because all of
them read scenario runs.

A scenario's ``covers:`` is what its author says it shows; what it shows is
in the log of its run.  :func:`exercised_rules` reads the log: every event
that carries a rule id contributes it (``MessageDelivered.rule``,
``MessageDiscarded.rule``, ``MessagePending.rule``, ``ConsentChanged.rule``,
``ApiCalled.rule`` …), and the events that do not are mapped by what they
are evidence of:

=========================  ==================================================
event                      rules and invariants
=========================  ==================================================
``ApiCalled``              its rule; R1 when the hash matched a user; R20 when
                           a number was changed earlier in the run; R23 when
                           the clock moved earlier (R11 evaluated then); R29
                           for an accepted template
``ChatMessageAppeared``    ``received`` R16, ``notification`` R24,
                           ``phone_changed`` R19
``MessagePending``         its rule; R11 (the SMS requirement was evaluated);
                           R23 when the exemption ran out while it waited
``MessageDelivered``       its rule; I1, I2; R11 for R12 (exempt from SMS);
                           R22 when it waited and was delivered later;
                           R10 once a user whose consent changed has had
                           messages from two accounts; R4 for a TH or TW number
``MessageDiscarded``       its rule; I2; I5 for a block
``MessageExpired``         R22, R23 (a timer fired as the clock moved), I2
``MessageUnmatched``       R2, I2
``WebhookQueued``          ``delivery`` R25; ``follow``/``unfollow``/``message`` R27
``CountIncremented``       R26, I3
``UserActed``              the action's rule in the registry (``ACTIONS``)
``ConsentChanged``         its rule; I4 when it left ``not_set``
``SmsReceived``            R17 (``verify``) or R19 (``change``)
``SmsVerified``            R17;  ``PinRejected`` R18
``PhoneNumberChanged``     R19, R20;  ``PhoneNumberRemoved`` R5;
``NumberRefused``          R19, R3
=========================  ==================================================

Some rules are also read off the file, since what they promise can be an
absence the log cannot show (the ``expect`` steps that check it):

* R3 (numbers typed by people are normalised): a user's ``phone``, a send's
  ``to`` or an ``enter_number`` written in another form than E.164;
* R11: an ``expect`` of ``sms_required``; R26: of ``sent_count``;
* R25: an ``expect`` of ``webhooks`` listing a ``delivery`` or none at all;
  R27: listing a ``follow``, ``unfollow`` or ``message``;
* R16: an ``expect`` of ``line_chat`` listing a ``received`` or nothing.

:func:`covers_of` is what a front end that saves a run (the TUI) writes as
``covers:``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def all_ids() -> tuple[str, ...]:
    """Every id ``covers:`` may name, in the order reports list them (R1 … R30, I1 … I5)."""
    from flowsim.engine import INVARIANTS, RULE_IDS

    return (*RULE_IDS, *INVARIANTS)


_CHAT_RULES = {"received": "R16", "notification": "R24", "phone_changed": "R19"}
_OTHER_ALLOWED = ("+66", "+886")  # R4: the allowed countries besides Japan
_WEBHOOK_RULES = {"delivery": "R25", "follow": "R27", "unfollow": "R27", "message": "R27"}


def ordered(ids: Iterable[str]) -> list[str]:
    """``ids`` without repeats, in docs/rules.md's order (R1 … R30, I1 … I5)."""
    order = {rule: i for i, rule in enumerate(all_ids())}
    return sorted(set(ids), key=lambda r: order.get(r, len(order)))


def exercised_rules(events: Iterable[Any], scenario: Any = None, users: Any = None) -> set[str]:
    """The rule and invariant ids the events of a run give evidence of (the table above).

    ``scenario`` (a loaded :class:`~flowsim.scenario.Scenario`, optional) adds
    what the file itself exercises; ``users`` (the simulation's, optional)
    lets R4's allowed countries be seen.
    """
    from flowsim.engine import (  # here: `flowsim --help` must not import the engine
        ACTIONS,
        ApiCalled,
        ChatMessageAppeared,
        ClockAdvanced,
        ConsentChanged,
        CountIncremented,
        MessageDelivered,
        MessageDiscarded,
        MessageExpired,
        MessagePending,
        MessageUnmatched,
        NumberRefused,
        PhoneNumberChanged,
        PhoneNumberRemoved,
        PinRejected,
        SmsReceived,
        SmsVerified,
        UserActed,
        WebhookQueued,
    )

    out: set[str] = set()
    changed_consent: set[str] = set()
    consent_oas: dict[str, set[str]] = {}
    pending_since: dict[str, Any] = {}
    number_changed = clock_moved = False
    for e in events:
        rule = getattr(e, "rule", None)
        if rule:
            out.add(rule)
        t = type(e)
        if t is ApiCalled:
            if e.message_id is not None and e.rule not in (None, "R2"):
                out.add("R1")
                if clock_moved:
                    out.add("R23")
                if e.message_kind == "template" and e.status < 400:
                    out.add("R29")
            if number_changed:
                out.add("R20")
        elif t is ClockAdvanced:
            clock_moved = clock_moved or e.at > e.old
        elif t is ChatMessageAppeared:
            r = _CHAT_RULES.get(e.message.kind)
            if r:
                out.add(r)
        elif t is MessagePending:
            out.add("R11")
            pending_since.setdefault(e.message_id, e.at)
            if e.rule == "R11":  # the exemption ran out while it waited: R11 evaluated at the action
                out.add("R23")
        elif t is MessageDelivered:
            out.update(("I1", "I2"))
            since = pending_since.get(e.message_id)
            if since is not None and e.at > since:  # delivered later, inside its 24-hour window
                out.add("R22")
            if e.rule == "R12":
                out.add("R11")
            if users is not None and e.user in users and (users[e.user].phone or "").startswith(_OTHER_ALLOWED):
                out.add("R4")
            if e.user in changed_consent:
                oas = consent_oas.setdefault(e.user, set())
                oas.add(e.oa)
                if len(oas) >= 2:
                    out.add("R10")
        elif t is MessageDiscarded:
            out.add("I2")
            if e.reason == "blocked":
                out.add("I5")
        elif t is MessageExpired:
            out.update(("R22", "R23", "I2"))
        elif t is MessageUnmatched:
            out.update(("R2", "I2"))
        elif t is WebhookQueued:
            r = _WEBHOOK_RULES.get(e.event.type)
            if r:
                out.add(r)
        elif t is CountIncremented:
            out.update(("R26", "I3"))
        elif t is UserActed:
            spec = ACTIONS.get(e.action)
            if spec is not None:
                out.add(spec.rule)
        elif t is ConsentChanged:
            changed_consent.add(e.user)
            if e.old == "not_set":
                out.add("I4")
        elif t is SmsReceived:
            out.add("R17" if e.sms.purpose == "verify" else "R19")
        elif t is SmsVerified:
            out.add("R17")
        elif t is PinRejected:
            out.add("R18")
        elif t is PhoneNumberChanged:
            out.update(("R19", "R20"))
            number_changed = True
        elif t is PhoneNumberRemoved:
            out.add("R5")
        elif t is NumberRefused:
            out.update(("R19", "R3"))
    if scenario is not None:
        out |= file_rules(scenario)
    return out


def file_rules(scenario: Any) -> set[str]:
    """The rules a file's own text exercises (see the module's docstring)."""
    out = {"R3"} if _file_normalises(scenario) else set()
    for step in scenario.steps:
        spec = getattr(step, "expect", None)
        if spec is None:
            continue
        if spec.sms_required is not None:
            out.add("R11")
        if spec.sent_count is not None:
            out.add("R26")
        for items in (spec.webhooks or {}).values():
            kinds = {item.type for item in items}
            if not items or "delivery" in kinds:
                out.add("R25")
            if kinds & {"follow", "unfollow", "message"}:
                out.add("R27")
        if spec.line_chat is not None and (not spec.line_chat or any(i.kind == "received" for i in spec.line_chat)):
            out.add("R16")
    return out


def _file_normalises(scenario: Any) -> bool:
    """R3 read off the file: a number written in another form than E.164, which flowsim normalised."""
    from flowsim.engine import phone

    for user in scenario.users.values():
        if user.phone is not None and not phone.is_e164(user.phone):
            return True
    for step in scenario.steps:
        send = getattr(step, "send", None)
        if send is not None and send.to not in scenario.users and len(send.to) < 32 \
                and not phone.is_e164(send.to):
            return True
        if getattr(step, "do", None) == "enter_number" and step.number and not phone.is_e164(step.number):
            return True
    return False


def covers_of(run: Any) -> list[str]:
    """What ``covers:`` should say for a :class:`~flowsim.scenario.ScenarioRun` (or anything with ``sim``
    and ``scenario``) as it stands: the ids its log exercised, in order.  For the TUI's save."""
    return ordered(exercised_rules(run.sim.log, getattr(run, "scenario", None), run.sim.users))
