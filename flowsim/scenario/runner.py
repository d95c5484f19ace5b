"""Drive a :class:`flowsim.Simulation` through a scenario's steps and check its ``expect`` steps.

:class:`ScenarioRun` is shared by the CLI, the pytest plugin and the TUI
(which steps through it one step at a time), so it never prints: each step
gives a :class:`StepResult` that can summarise itself in one line or report
in full (expected against actual, and the transcript of the chats involved).

Decisions where the scenario format (``docs/scenarios.md``) is silent:

* ``line_chat``, ``chats`` and ``webhooks`` compare what is new since the
  previous check of the same chat / OA, and that "previous check" moves on
  even when the check fails, so that one surprise does not cascade into
  every later check.
* :meth:`ScenarioRun.run_all` stops at the first failed step (later steps
  would run on a state the author did not intend, and their failures would
  be noise); :meth:`ScenarioRun.step` lets the TUI go on regardless.
* An engine error while the world is set up (a start or a user the loader
  let through) is a :class:`ScenarioFileError` of the file, never an
  "internal error"; the loader's checks make it rare.
* An engine error (:class:`flowsim.engine.errors.FlowsimError`, e.g. an action not
  available on the current screen) fails the step with the engine's message.
* ``to: <user>`` is resolved when the step runs: the hash of the number the
  user has *then* (R20); a user without a number fails the step.
* Webhook ``text`` and ``data`` are compared exactly; chat ``text`` is a
  substring (a notification's text is long and partly generated).
* A notification's ``label: ""`` means "shown without a label" (an app
  below 15.9.0, R24); any other label is compared exactly.
* ``api: {message: …}`` is a substring of LINE's answer as a whole: its
  ``message`` and each detail written ``property: message`` (LINE's top
  message is often just "The request body has 1 error(s)").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from flowsim.engine import phone
from flowsim.engine import Catalogue
from flowsim.engine import wall_now
from flowsim.engine import Simulation
from flowsim.engine import FlowsimError
from flowsim.engine import LINE_CHAT, ChatMessage, SendResult, WebhookEvent

from .checks import classify_to
from .errors import ScenarioFileError
from .models import AdvanceStep, AdvanceToStep, DoStep, ExpectSpec, ExpectStep, Scenario, SendStep
from .types import ApiCheck, ChatItem, MessageCheck, PinOfSms, WebhookItem

#: Chat and webhook items shown per transcript (the newest).
TRANSCRIPT_ITEMS = 20


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One failed check of an ``expect`` step."""

    key: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        return f"{self.key}: expected {show_value(self.expected)}, actual {show_value(self.actual)}"


def show_value(value: Any) -> str:
    """An expected or actual value as reports print it (the CLI, the pytest plugin and the TUI's assertion panel)."""
    if isinstance(value, list):
        return "[" + ", ".join(show_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


@dataclass(slots=True)
class StepResult:
    """What one step did: ``ok``, or the mismatches / the error, with transcripts for a report."""

    index: int
    line: int
    kind: str
    ok: bool
    mismatches: list[Mismatch] = field(default_factory=list)
    error: str | None = None
    transcript: list[str] = field(default_factory=list)
    #: The step itself and the user it acted for (the one-line description is made from them on demand).
    step: Any = None
    user: str | None = None

    @property
    def description(self) -> str:
        """``do agree (hanako)``, ``send shop → hanako as parcel``, ``expect (hanako)`` …"""
        if self.step is None:
            return self.kind
        if self.kind == "expect":
            return f"expect ({self.user})" if self.user else "expect"
        return _describe(self.step, self.user)

    @property
    def number(self) -> int:
        """1-based step number, as people count."""
        return self.index + 1

    @property
    def where(self) -> str:
        return f"step {self.number} (line {self.line})" if self.line else f"step {self.number}"

    @property
    def summary(self) -> str:
        """One line: ``step 4 (line 13) do agree: ok`` or the first problem."""
        head = f"{self.where} {self.description or self.kind}"
        if self.ok:
            return f"{head}: ok"
        if self.error is not None:
            return f"{head}: {self.error}"
        more = f" (+{len(self.mismatches) - 1} more)" if len(self.mismatches) > 1 else ""
        return f"{head}: {self.mismatches[0]}{more}"

    def report(self) -> str:
        """Several lines: the step, expected against actual for every mismatch, transcripts."""
        lines = [f"{self.where}: {self.description or self.kind}"]
        if self.error is not None:
            lines.append(f"  error: {self.error}")
        for m in self.mismatches:
            lines.append(f"  {m.key}:")
            lines.append(f"    expected: {show_value(m.expected)}")
            lines.append(f"    actual:   {show_value(m.actual)}")
        if self.transcript:
            lines.append("  transcript:")
            lines.extend(f"    {t}" for t in self.transcript)
        return "\n".join(lines)


class StepFailed(Exception):
    """Raised inside a step for a problem that is not an engine error (e.g. no SMS for ``pin: last``)."""



class ScenarioRun:
    """A scenario being run: the simulation, the position in the steps, the results so far."""

    def __init__(self, scenario: Scenario, *, catalogue: Catalogue | None = None,
                 start: datetime | None = None, keep: int | None = None,
                 keep_lines: int | None = None) -> None:
        self.scenario = scenario
        start = start or scenario.start or wall_now()
        what = "the start"
        try:
            # keep=N: a long-running driver (the HTTP sandbox) keeps only the last N events and messages.
            self.sim = sim = Simulation(start=start, seed=scenario.seed, catalogue=catalogue, keep=keep,
                                        keep_lines=keep_lines)
            for oa_id, oa in scenario.official_accounts.items():
                what = f"official account {oa_id!r}"
                sim.add_official_account(oa_id, oa.name, oa.country, token=oa.token, secret=oa.secret,
                                         webhook=oa.webhook, templates=oa.templates)
            for user_id, u in scenario.users.items():
                what = f"user {user_id!r}"
                sim.add_user(
                    user_id, u._e164 or u.phone, region=u.region.upper(), consent=u.consent,
                    created_at=_at(u.created, start), sms_verified_at=_at(u.sms_verified, start),
                    phone_changed_at=_at(u.phone_changed, start), privacy_policy=u.privacy_policy,
                    language=u.language, app_version=u.app_version, blocked=u.blocked, friends=u.friends,
                )
        except (FlowsimError, OverflowError) as exc:
            raise ScenarioFileError(scenario.path, 1, 1, f"{what} cannot be set up: {exc}; expected a world "
                                    "the simulator accepts") from None
        self.steps = scenario.steps
        self.position = 0
        self.results: list[StepResult] = []
        self.last_send: SendResult | None = None
        #: ``as:`` name → what the API answered to that send.
        self.named: dict[str, SendResult] = {}
        self._line_seen: dict[str, int] = {}
        self._chat_seen: dict[tuple[str, str], int] = {}
        self._hook_seen: dict[str, int] = {}
        self._only_user = next(iter(scenario.users)) if len(scenario.users) == 1 else None

    @property
    def done(self) -> bool:
        return self.position >= len(self.steps)

    @property
    def ok(self) -> bool:
        """True while no step has failed."""
        return all(r.ok for r in self.results)

    def run_all(self) -> list[StepResult]:
        """Run the remaining steps, stopping after the first that fails; returns their results."""
        out = []
        steps, results, execute = self.steps, self.results, self._execute
        while self.position < len(steps):  # what step() does, without a call per step
            index = self.position
            self.position = index + 1
            result = execute(index, steps[index])
            results.append(result)
            out.append(result)
            if not result.ok:
                break
        return out

    def step(self) -> StepResult:
        """Execute the next step."""
        if self.done:
            raise IndexError("the scenario has no more steps")
        index = self.position
        self.position += 1
        result = self._execute(index, self.steps[index])
        self.results.append(result)
        return result

    def perform(self, step: Any) -> StepResult:
        """Execute a step that is not one of the file's, exactly as a file step would be.

        The TUI's explore mode sends through this, so what it records as a
        step is what ``flowsim run`` will do with the saved file.  The position
        and ``results`` are left alone; the result's ``index`` is -1.
        """
        return self._execute(-1, step)

    def _execute(self, index: int, step: Any) -> StepResult:
        if type(step) is ExpectStep:
            return self._expect(index, step)
        result = StepResult(index, step._line, step.kind, True, step=step)
        try:
            result.user = _HANDLERS[type(step)](self, step)
        except (FlowsimError, StepFailed) as exc:
            result.ok = False
            result.error = str(exc)
            result.transcript = self._transcript_for_step(step)
        return result

    # ------------------------------------------------------------------ actions

    def _user_of(self, step: DoStep | ExpectStep) -> str:
        user = step.user_id or getattr(step, "user", None) or (
            step.expect.user if isinstance(step, ExpectStep) else None) or self._only_user
        if user is None:
            raise StepFailed("the step names no user and the scenario has several")
        return user

    def _send(self, step: SendStep) -> None:
        spec = step.send
        to = self._destination(spec)
        sim = self.sim
        if spec.template is not None:
            result = sim.send_template(spec.from_, to, spec.template.key, spec.template.body, spec.tag)
        elif spec.messages is not None:
            # A FlexMessage is a plain dict at run time (its extra keys passed as written).
            result = sim.send_flexible(spec.from_, to, cast("list[dict[str, Any]]", spec.messages), spec.tag)
        else:
            result = sim.send_text(spec.from_, to, spec.text or "", spec.tag)
        self.last_send = result
        if step.as_ is not None:
            self.named[step.as_] = result
        return None

    def _destination(self, spec: Any) -> str:
        kind, value = spec._to or _classify_to(spec.to, self.sim)
        if kind == "hash":
            return value
        to = self.sim.hash_of(value)
        if to is None:
            raise StepFailed(f"user {value!r} has no phone number now (R5), so no hash to send to; "
                             "send to a phone number or a hash instead")
        return to

    def _do(self, step: DoStep) -> str:
        """Returns the user who acted (for the step's description)."""
        user = step._user or step.user or self._only_user  # _user: resolved by the loader's checks
        if user is None:
            raise StepFailed("the step names no user and the scenario has several")
        kwargs: dict[str, Any] = {}
        if step.pin is not None:
            kwargs["pin"] = self._pin(user, step.pin)
        if step.number is not None:
            kwargs["number"] = step.number
        if step.oa is not None:
            kwargs["oa"] = step.oa
        if step.text is not None:
            kwargs["text"] = step.text
        if step.value is not None:
            kwargs["value"] = step.value
        self.sim.do(user, step.do, **kwargs)
        return user

    def _pin(self, user: str, pin: str | PinOfSms) -> str:
        """Digits as they are; ``last``, ``previous`` and ``{sms: N}``: the PIN in that SMS of the user's inbox."""
        if isinstance(pin, PinOfSms):
            n = pin.sms
        elif pin in ("last", "previous"):
            n = -1 if pin == "last" else -2
        else:
            return pin
        inbox = self.sim.user(user).sms_inbox
        if not inbox:
            raise StepFailed(f"`pin: {pin}` but user {user!r} has received no SMS yet")
        if not -len(inbox) <= (n if n < 0 else n - 1) < len(inbox):
            raise StepFailed(f"`pin: {pin}` but user {user!r} has received {len(inbox)} SMS; expected an SMS "
                             f"the phone has: {{sms: -{len(inbox)}}} to {{sms: -1}} (the newest), or 1 to {len(inbox)}")
        return inbox[n if n < 0 else n - 1].pin

    def _advance(self, step: AdvanceStep) -> None:
        self.sim.advance(step.advance)

    def _advance_to(self, step: AdvanceToStep) -> None:
        self.sim.advance_to(step.advance_to)

    # ------------------------------------------------------------------ checks

    def _expect(self, index: int, step: ExpectStep) -> StepResult:
        spec = step.expect
        result = StepResult(index, step._line, "expect", True, step=step)
        mismatches = result.mismatches
        user_id = None
        try:
            user_id = self._user_of(step) if _needs_user(spec) else None
            result.user = user_id
            sim = self.sim
            user = sim.user(user_id) if user_id is not None else None
            if user_id is not None and user is not None:
                if spec.line_chat is not None:
                    self._check_chat(mismatches, "line_chat", user_id, LINE_CHAT, user.chats[LINE_CHAT],
                                     spec.line_chat)
                if spec.chats is not None:
                    for oa_id, items in spec.chats.items():
                        self._check_chat(mismatches, f"chats.{oa_id}", user_id, oa_id,
                                         user.chats.get(oa_id, ()), items)
                if spec.screen is not None and user.screen != spec.screen:
                    mismatches.append(Mismatch("screen", spec.screen, user.screen))
                if spec.consent is not None and user.consent != spec.consent:
                    mismatches.append(Mismatch("consent", spec.consent, user.consent))
                if spec.sms_required is not None:
                    required = sim.sms_required(user_id)
                    if required != spec.sms_required:
                        mismatches.append(Mismatch("sms_required", spec.sms_required, required))
                if spec.pending is not None:
                    actual = len(sim.pending_for(user_id))
                    if actual != spec.pending:
                        mismatches.append(Mismatch("pending", spec.pending, actual))
                if spec.sms_inbox is not None and len(user.sms_inbox) != spec.sms_inbox:
                    mismatches.append(Mismatch("sms_inbox", spec.sms_inbox, len(user.sms_inbox)))
            if spec.message is not None:
                for name, check in spec.message.items():
                    self._check_message(mismatches, name, check)
            if spec.webhooks is not None:
                for oa_id, hooks in spec.webhooks.items():
                    self._check_webhooks(mismatches, oa_id, hooks)
            if spec.sent_count is not None:
                for oa_id, counts in spec.sent_count.items():
                    sent = sim.sent_count(oa_id)
                    for kind in ("flexible", "template"):
                        want = getattr(counts, kind)
                        if want is not None and sent[kind] != want:
                            mismatches.append(Mismatch(f"sent_count.{oa_id}.{kind}", want, sent[kind]))
            if spec.api is not None:
                self._check_api(mismatches, spec.api)
        except (FlowsimError, StepFailed) as exc:
            result.error = str(exc)
        if mismatches or result.error is not None:
            result.ok = False
            result.transcript = self._transcript_for_expect(spec, user_id)
        return result

    def _check_chat(self, out: list[Mismatch], key: str, user_id: str, chat: str,
                    messages: Any, expected: list[ChatItem]) -> None:
        seen_key = (user_id, chat)
        seen = self._chat_seen.get(seen_key, 0)
        new = messages[seen:]
        self._chat_seen[seen_key] = len(messages)
        if len(new) == len(expected) and all(map(_chat_matches, expected, new)):
            return
        out.append(Mismatch(key, list(expected), _chat_actual(expected, new)))

    def _check_message(self, out: list[Mismatch], name: str, check: MessageCheck) -> None:
        sent = self.named.get(name)
        if sent is None:
            out.append(Mismatch(f"message.{name}", check, "no such send has run yet"))
            return
        if sent.message_id is None:
            out.append(Mismatch(f"message.{name}", check, f"no message: the API answered {sent.status} "
                                                          f"({sent.error})"))
            return
        msg = self.sim.message(sent.message_id)
        if msg.status != check.status or (check.reason is not None and msg.reason != check.reason):
            actual = MessageCheck(msg.status, msg.reason if check.reason is not None or msg.reason else None)
            out.append(Mismatch(f"message.{name}", check, f"{actual} — {self.sim.explain(msg.id)}"))

    def _check_webhooks(self, out: list[Mismatch], oa_id: str, expected: list[WebhookItem]) -> None:
        events = self.sim.webhooks.get(oa_id)
        if events is None:
            self.sim.official_account(oa_id)  # raises the engine's error
            return
        seen = self._hook_seen.get(oa_id, 0)
        new = events[seen:]
        self._hook_seen[oa_id] = len(events)
        if len(new) == len(expected) and all(map(_hook_matches, expected, new)):
            return
        out.append(Mismatch(f"webhooks.{oa_id}", list(expected), _hook_actual(expected, new)))

    def _check_api(self, out: list[Mismatch], check: ApiCheck) -> None:
        last = self.last_send
        if last is None:
            out.append(Mismatch("api", check, "no send yet"))
            return
        said = _api_text(last)
        if last.status != check.status or (check.message is not None and check.message not in said):
            actual = ApiCheck(last.status, said if (check.message is not None or last.error) else None)
            out.append(Mismatch("api", check, actual))

    # ------------------------------------------------------------------ transcripts

    def _transcript_for_expect(self, spec: ExpectSpec, user_id: str | None) -> list[str]:
        lines: list[str] = []
        if user_id is not None and user_id in self.sim.users:
            oas = list(spec.chats or ())
            if spec.message:
                for sent in self.named.values():
                    if sent.message_id and sent.message_id in self.sim.messages:
                        oa = self.sim.messages[sent.message_id].oa
                        if oa not in oas:
                            oas.append(oa)
            lines += self.transcript(user_id, oas)
        for oa_id in spec.webhooks or ():
            if oa_id in self.sim.webhooks:
                lines += self.webhook_transcript(oa_id)
        if spec.message:
            lines.append("messages:")
            for name, sent in self.named.items():
                what = self.sim.explain(sent.message_id) if sent.message_id else f"API {sent.status}: {sent.error}"
                lines.append(f"  {name}: {what}")
        return lines

    def _transcript_for_step(self, step: Any) -> list[str]:
        if isinstance(step, DoStep):
            user = step.user_id or step.user or self._only_user
            if user in self.sim.users:
                return self.transcript(user, [step.oa] if step.oa else [])
        return []

    def transcript(self, user_id: str, oas: list[str] | tuple[str, ...] = ()) -> list[str]:
        """The user's screen, LINE chat and the named OA chats, newest last."""
        user = self.sim.user(user_id)
        t0 = self.sim.now
        lines = [f"{user_id}: screen {user.screen}, consent {user.consent}, "
                 f"number {user.phone or 'none'}, now {t0.isoformat()}"
                 + (f", screen error: {user.screen_error}" if user.screen_error else "")]
        for chat in (LINE_CHAT, *oas):
            messages: Sequence[ChatMessage] = user.chats.get(chat) or ()
            seen = self._chat_seen.get((user_id, chat), 0)
            lines.append(f"{chat} chat of {user_id} ({len(messages)} message{'s' if len(messages) != 1 else ''}):")
            start = max(0, len(messages) - TRANSCRIPT_ITEMS)
            if start:
                lines.append(f"  … {start} earlier")
            for i, m in enumerate(messages[start:], start):
                mark = "  " if i < seen else "+ "
                lines.append(f"  {mark}{m.at.isoformat(timespec='minutes')} {_describe_chat(m)}")
        return lines

    def webhook_transcript(self, oa_id: str) -> list[str]:
        events: Sequence[WebhookEvent] = self.sim.webhooks.get(oa_id) or ()
        lines = [f"webhooks to {oa_id} ({len(events)}):"]
        start = max(0, len(events) - TRANSCRIPT_ITEMS)
        for e in events[start:]:
            lines.append(f"  {e.at.isoformat(timespec='minutes')} {_describe_hook(e)}")
        return lines


#: The method that runs each kind of step (``expect`` is checked by ``_expect``).  A table of
#: the class's functions, not of bound methods held by each run: those would make every
#: finished run a reference cycle, left for the garbage collector instead of being freed at once.
_HANDLERS: dict[type, Callable[[ScenarioRun, Any], str | None]] = {
    SendStep: ScenarioRun._send, DoStep: ScenarioRun._do, AdvanceStep: ScenarioRun._advance,
    AdvanceToStep: ScenarioRun._advance_to,
}


# ---------------------------------------------------------------------- helpers


def _at(value: datetime | timedelta | None, start: datetime) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return start + value


def _classify_to(to: str, sim: Simulation) -> tuple[str, str]:
    """For scenarios built in code without the loader's checks (an unknown ``to`` is read as a number)."""
    kind, value = classify_to(to, sim.users, sim.default_region)
    if kind == "unknown":
        return "hash", phone.hash_number(phone.normalise(to, sim.default_region))
    return kind, value


def _needs_user(spec: ExpectSpec) -> bool:
    return (spec.line_chat is not None or spec.chats is not None or spec.screen is not None
            or spec.consent is not None or spec.sms_required is not None or spec.pending is not None
            or spec.sms_inbox is not None or spec.user is not None)


def _describe(step: Any, user: str | None = None) -> str:
    if isinstance(step, DoStep):
        args = " ".join(f"{a}={getattr(step, a)}" for a in ("oa", "pin", "number", "text", "value")
                        if getattr(step, a) is not None)
        who = user or step.user_id or step.user
        return f"do {step.do}" + (f" ({who})" if who else "") + (f" {args}" if args else "")
    if isinstance(step, SendStep):
        return f"send {step.send.from_} → {step.send.to}" + (f" as {step.as_}" if step.as_ else "")
    if isinstance(step, AdvanceStep):
        return f"advance {_fmt_delta(step.advance)}"
    if isinstance(step, AdvanceToStep):
        return f"advance_to {step.advance_to.isoformat()}"
    kind: str = step.kind
    return kind


def _fmt_delta(delta: timedelta) -> str:
    from .timeparse import format_duration

    return format_duration(delta)


def _api_text(result: Any) -> str:
    """What ``api: {message: …}`` searches: LINE's error message and each detail's (property: message)."""
    parts = [result.error or ""]
    parts += [f"{d.get('property', '')}: {d.get('message', '')}".lstrip(": ") for d in result.details]
    return "; ".join(p for p in parts if p)


def _chat_matches(expected: ChatItem, actual: ChatMessage) -> bool:
    if expected.kind != actual.kind:
        return False
    if expected.text is not None and expected.text not in actual.text and not any(
            expected.text in str(m.get("text", "")) for m in actual.messages):
        return False
    if expected.template is not None and expected.template != actual.template:
        return False
    if expected.label is not None and expected.label != (actual.label or ""):  # "" = shown without a label
        return False
    if expected.sections is not None and tuple(expected.sections) != tuple(actual.sections):
        return False
    return True


def _chat_actual(expected: list[ChatItem], actual: Any) -> list[ChatItem]:
    """The actual messages, shown with the details the expectation at the same place asked for."""
    out = []
    for i, m in enumerate(actual):
        e = expected[i] if i < len(expected) else None
        if e is None or e == ChatItem(e.kind):
            out.append(ChatItem(m.kind))
        else:
            out.append(ChatItem(
                m.kind,
                text=m.text if e.text is not None else None,
                template=m.template if e.template is not None else None,
                label=m.label if e.label is not None else None,
                sections=tuple(m.sections) if e.sections is not None else None,
            ))
    return out


def _hook_matches(expected: WebhookItem, actual: WebhookEvent) -> bool:
    return (expected.type == actual.type
            and (expected.data is None or expected.data == actual.data)
            and (expected.text is None or expected.text == actual.text)
            and (expected.user is None or expected.user == actual.user))


def _hook_actual(expected: list[WebhookItem], actual: list[WebhookEvent]) -> list[WebhookItem]:
    out = []
    for i, w in enumerate(actual):
        e = expected[i] if i < len(expected) else None
        out.append(WebhookItem(
            w.type,
            data=w.data if (e is None or e.data is not None) and w.data is not None else None,
            text=w.text if (e is None or e.text is not None) and w.text is not None else None,
            user=w.user if e is not None and e.user is not None else None,
        ))
    return out


def _describe_chat(m: ChatMessage) -> str:
    text = m.text.replace("\n", " / ")
    extra = []
    if m.label:
        extra.append(f"label {m.label!r}")
    if m.template:
        extra.append(f"template {m.template}")
    if m.message_id:
        extra.append(m.message_id)
    return f"{m.kind}: {text}" + (f" [{', '.join(extra)}]" if extra else "")


def _describe_hook(e: WebhookEvent) -> str:
    parts: list[str] = [e.type]
    if e.data is not None:
        parts.append(f"data={e.data}")
    if e.text is not None:
        parts.append(f"text={e.text!r}")
    if e.user is not None:
        parts.append(f"user={e.user}")
    return " ".join(parts)
