"""The reports of ``flowsim run --junit FILE`` and ``--html FILE``.

* **JUnit XML** is the common shape CI systems read (Jenkins, GitLab, GitHub
  annotators): one ``testsuite`` of one ``testcase`` per scenario, named
  after its ``name:``, with its file, line and seconds; a failed scenario has
  a ``failure`` (its first mismatch as the message, the report as the text),
  a file that cannot be read an ``error``; the rules a scenario exercised and
  its tags are ``property`` elements.  Deselected scenarios are left out, as
  pytest leaves them out.
* **HTML** is one self-contained page (inline CSS, no script, no network):
  the run's counts, its rule coverage, and per scenario its steps with ✓/✗,
  expected against actual for the failed step, the rules it exercised and
  what each user's phone shows at the end: the "LINE" account's chat, each
  official account's chat with its "Important notification" label, and the
  SMS inbox.  Every text that comes from a file or the simulation is
  escaped.

Both are written to a temporary file beside the target and renamed onto it,
so a CI step or a browser never reads half a report (``--watch`` rewrites
them after every round).  Characters XML cannot carry (control characters,
lone surrogates) are written as ``\\xNN`` / ``\\udNNN`` escapes in both.
"""

from __future__ import annotations

import html
import os
import re
import socket
import stat
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from pathlib import PurePath
from typing import Any

from .select import rules_exercised

KINDS = ("junit", "html")

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class ReportProblem(Exception):
    """A report file that cannot be written; ``str()`` says why and what was expected."""


def clean(text: object) -> str:
    """``text`` with each character XML cannot carry written as a Python escape (``\\x1b``, ``\\ud800``)."""
    return _NOT_XML.sub(lambda m: ascii(m.group())[1:-1], str(text))


def check_report_path(kind: str, path: str) -> None:
    """Refuse, before anything runs, a report file that could not be written."""
    option = f"--{kind}"
    if not path:
        raise ReportProblem(f"{option}: an empty file name; expected a file to write, e.g. report.{_suffix(kind)}")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise ReportProblem(f"{option} {path}: the folder {parent} does not exist; expected a file in an "
                            "existing folder")
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ReportProblem(f"{option} {path}: {exc.strerror or exc}; expected a file that can be written") from None
    if not stat.S_ISREG(mode):
        what = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a FIFO, socket or device)"
        raise ReportProblem(f"{option} {path}: {what}; expected a file to write")


def _suffix(kind: str) -> str:
    return "xml" if kind == "junit" else "html"


def write_reports(reports: Iterable[tuple[str, str]], outcomes: Sequence[Any],
                  echo: Callable[[str], None]) -> bool:
    """Write each ``(kind, path)``; a failure is echoed (``flowsim run: …``) and makes it False."""
    ok = True
    for kind, path in reports:
        text = junit_xml(outcomes) if kind == "junit" else html_report(outcomes)
        try:
            _write_atomically(path, text)
        except OSError as exc:
            echo(f"flowsim run: --{kind} {path}: cannot write the report ({exc.strerror or exc}); "
                 "expected a file that can be written")
            ok = False
    return ok


def _write_atomically(path: str, text: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    try:
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError:  # a new file: what the umask leaves of rw-rw-rw- (mkstemp's is rw-------)
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temporary, mode)
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace", newline="\n") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _shown(outcomes: Sequence[Any]) -> list[Any]:
    from .commands import DESELECTED

    return [o for o in outcomes if o.status != DESELECTED]


def _failed_result(o: Any) -> Any:
    run = o.run
    if run is not None and run.results and not run.results[-1].ok:
        return run.results[-1]
    return None


def _line_of(o: Any) -> int | None:
    result = _failed_result(o)
    if result is not None and result.line:
        return int(result.line)
    match = re.match(r".*?:(\d+):(?:\d+:)? ", o.report.splitlines()[0]) if o.report else None
    return int(match.group(1)) if match else None


# ---------------------------------------------------------------------- JUnit XML


def junit_xml(outcomes: Sequence[Any], *, suite: str = "flowsim") -> str:
    """The JUnit XML document of a run (see the module's docstring)."""
    from .commands import FAIL, INVALID

    shown = _shown(outcomes)
    failures = sum(o.status == FAIL for o in shown)
    errors = sum(o.status == INVALID for o in shown)
    total = sum(o.seconds for o in shown)
    root = ET.Element("testsuites", name=suite, tests=str(len(shown)), failures=str(failures),
                      errors=str(errors), skipped="0", time=f"{total:.3f}")
    ts = ET.SubElement(root, "testsuite", name=suite, tests=str(len(shown)), failures=str(failures),
                       errors=str(errors), skipped="0", time=f"{total:.3f}",
                       timestamp=datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
                       hostname=clean(socket.gethostname()))
    for o in shown:
        attrs = {"classname": clean(PurePath(o.path).with_suffix("").as_posix().replace("/", ".")),
                 "name": clean(o.name), "file": clean(PurePath(o.path).as_posix()), "time": f"{o.seconds:.3f}"}
        line = _line_of(o)
        if line:
            attrs["line"] = str(line)
        case = ET.SubElement(ts, "testcase", attrs)
        props = [("rule", r) for r in (rules_exercised(o.run.sim, o.scenario) if o.run is not None else ())]
        if o.scenario is not None:
            props += [("covers", r) for r in o.scenario.covers] + [("tag", t) for t in o.scenario.tags]
        if props:
            holder = ET.SubElement(case, "properties")
            for name, value in props:
                ET.SubElement(holder, "property", name=name, value=clean(value))
        if o.status == FAIL:
            result = _failed_result(o)
            message = result.summary if result is not None else o.report.splitlines()[0]
            failure = ET.SubElement(case, "failure", message=clean(message), type="ScenarioFailure")
            failure.text = clean(o.report)
        elif o.status == INVALID:
            error = ET.SubElement(case, "error", message=clean(o.report.splitlines()[0]), type="ScenarioFileError")
            error.text = clean(o.report)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# ---------------------------------------------------------------------- HTML


def _e(text: object) -> str:
    return html.escape(clean(text), quote=True)


def html_report(outcomes: Sequence[Any], *, title: str = "flowsim run") -> str:
    """The HTML page of a run (see the module's docstring)."""
    from flowsim.engine import INVARIANTS, RULE_IDS, RULES

    from .commands import FAIL, INVALID, PASS

    shown = _shown(outcomes)
    passed = sum(o.status == PASS for o in shown)
    failed = sum(o.status == FAIL for o in shown)
    invalid = sum(o.status == INVALID for o in shown)
    logged: dict[str, list[int]] = {}
    claimed: dict[str, list[int]] = {}
    per: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    for i, o in enumerate(shown):
        rules = rules_exercised(o.run.sim, o.scenario) if o.run is not None else ()
        covers = tuple(dict.fromkeys(o.scenario.covers)) if o.scenario is not None else ()
        per.append((rules, covers))
        for r in rules:
            logged.setdefault(r, []).append(i)
        for r in covers:
            claimed.setdefault(r, []).append(i)
    # Failures first: they are what a person opens the report for.
    order = sorted(range(len(shown)), key=lambda i: shown[i].status == PASS)
    generated = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", " UTC")
    head = f"{passed} passed, {failed} failed" + (f", {invalid} invalid" if invalid else "")
    out = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}: {_e(head)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
        '<header class="top">', f"<h1>{_e(title)}</h1>", '<div class="counts">',
        f'<span class="pill pass">{passed} passed</span>',
        f'<span class="pill {"fail" if failed else "zero"}">{failed} failed</span>',
    ]
    if invalid:
        out.append(f'<span class="pill error">{invalid} invalid</span>')
    out += [f'<span class="meta">{len(shown)} scenario{"s" if len(shown) != 1 else ""} · '
            f"{sum(o.seconds for o in shown):.2f} s · {_e(generated)}</span>", "</div>", "</header>"]

    # The whole run's rule coverage.
    ids = (*RULE_IDS, *INVARIANTS)
    n_logged = sum(1 for r in ids if r in logged)
    n_claimed = sum(1 for r in ids if r in claimed and r not in logged)
    out += ['<section class="coverage">', "<h2>Rule coverage</h2>",
            f'<p class="legend"><span class="key logged"></span> exercised: named by the engine\'s events '
            f"({n_logged}) <span class=\"key claimed\"></span> only claimed by <code>covers:</code> ({n_claimed}) "
            f'<span class="key none"></span> neither ({len(ids) - n_logged - n_claimed})</p>', '<div class="grid">']
    for r in ids:
        kind = "logged" if r in logged else "claimed" if r in claimed else "none"
        title_text = RULES.get(r) or INVARIANTS.get(r, "")
        n_l, n_c = len(logged.get(r, ())), len(claimed.get(r, ()))
        counts = f"{n_l} exercised · {n_c} claimed" if (n_l or n_c) else "no scenario"
        out.append(f'<div class="rule {kind}" title="{_e(r)}: {_e(title_text)}"><b>{_e(r)}</b>'
                   f"<span>{_e(title_text)}</span><small>{counts}</small></div>")
    out += ["</div>", "</section>"]

    # The list of scenarios.
    out += ['<nav class="toc">', "<h2>Scenarios</h2>", "<ol>"]
    for i in order:
        o = shown[i]
        out.append(f'<li class="{_status_class(o.status)}"><a href="#s{i}"><span class="mark">'
                   f"{_mark(o.status)}</span> {_e(o.name)}</a></li>")
    out += ["</ol>", "</nav>", "<main>"]
    for i in order:
        out += _scenario_html(i, shown[i], *per[i])
    out += ["</main>", "</body>", "</html>", ""]
    return "\n".join(out)


def _status_class(status: str) -> str:
    return {"PASS": "pass", "FAIL": "fail"}.get(status, "error")


def _mark(status: str) -> str:
    return "✓" if status == "PASS" else "✗"


def _chips(ids: Iterable[str], cls: str) -> str:
    from flowsim.engine import describe

    return "".join(f'<span class="chip {cls}" title="{_e(describe(r))}">{_e(r)}</span>' for r in ids)


def _scenario_html(i: int, o: Any, rules: tuple[str, ...], covers: tuple[str, ...]) -> list[str]:
    from .runner import StepResult, show_value

    cls = _status_class(o.status)
    ms = f"{o.seconds * 1000:.0f} ms"
    out = [f'<section class="scenario {cls}" id="s{i}">', f'<details{"" if o.status == "PASS" else " open"}>',
           f'<summary><span class="mark">{_mark(o.status)}</span> <span class="name">{_e(o.name)}</span>'
           f' <code class="path">{_e(o.path)}</code> <span class="time">{ms}</span></summary>']
    scenario = o.scenario
    facts = []
    if scenario is not None and scenario.description:
        facts.append(f'<p class="description">{_e(scenario.description)}</p>')
    if scenario is not None and scenario.tags:
        facts.append('<p class="tags">' + "".join(f'<span class="tag">{_e(t)}</span>' for t in scenario.tags) + "</p>")
    unlogged = [r for r in covers if r not in rules]
    if rules or covers:
        line = '<p class="rules"><span class="label">rules exercised</span> '
        line += _chips(rules, "logged") if rules else '<span class="none">none logged</span>'
        if unlogged:
            line += ' <span class="label">claimed by covers:, not logged</span> ' + _chips(unlogged, "claimed")
        facts.append(line + "</p>")
    out += facts

    run = o.run
    failed = _failed_result(o)
    if o.status != "PASS":
        out.append('<div class="failure">')
        if failed is not None:
            out.append(f"<h3>✗ {_e(failed.where)}: {_e(failed.description)}</h3>")
            if failed.error is not None:
                out.append(f'<p class="error">{_e(failed.error)}</p>')
            if failed.mismatches:
                out.append('<table class="mismatch"><tr><th>check</th><th>expected</th><th>actual</th></tr>')
                for m in failed.mismatches:
                    out.append(f"<tr><td><code>{_e(m.key)}</code></td><td class=\"expected\">"
                               f"{_e(show_value(m.expected))}</td><td class=\"actual\">{_e(show_value(m.actual))}</td></tr>")
                out.append("</table>")
            if failed.transcript:
                out.append("<details><summary>transcript</summary><pre>" + _e("\n".join(failed.transcript))
                           + "</pre></details>")
        else:
            out.append(f"<pre>{_e(o.report)}</pre>")
        out.append("</div>")

    if run is None:
        out += ["</details>", "</section>"]
        return out
    out.append('<div class="body">')
    out.append('<ol class="steps">')
    done = len(run.results)
    for n, step in enumerate(run.steps):
        if n < done:
            r = run.results[n]
            mark, kind = ("✓", "ok") if r.ok else ("✗", "bad")
            text = r.description
        else:
            mark, kind = "·", "notrun"
            text = StepResult(n, step.line, step.kind, True, step=step).description
        line = f"line {step.line}" if step.line else ""
        out.append(f'<li class="{kind}"><span class="mark">{mark}</span><span class="text">{_e(text)}</span>'
                   f'<span class="where">{_e(line)}</span></li>')
    out.append("</ol>")
    out.append('<div class="phones">')
    acted = {r.user for r in run.results if r.user} | {r.step.send.to for r in run.results if r.kind == "send"}
    users = sorted(run.sim.users, key=lambda u: u not in acted)  # who the steps are about first
    for user_id in users[:PHONES]:
        out += _phone_html(run.sim, user_id)
    if len(users) > PHONES:
        out.append(f'<p class="more">… and {len(users) - PHONES:,} more users, not drawn</p>')
    out.append("</div>")
    out.append("</div>")
    hooks = {oa: events for oa, events in run.sim.webhooks.items() if events}
    if hooks:
        out.append('<div class="webhooks"><span class="label">webhooks</span>')
        for oa, events in hooks.items():
            items = ", ".join(_e(_hook_text(e)) for e in events[-20:])
            more = f"… {len(events) - 20} earlier, " if len(events) > 20 else ""
            out.append(f"<p><b>{_e(oa)}</b>: {more}{items}</p>")
        out.append("</div>")
    out += ["</details>", "</section>"]
    return out


def _hook_text(e: Any) -> str:
    extra = e.data or e.text or e.user
    return f"{e.type} {extra}" if extra else e.type


#: Chat messages drawn per chat (the newest); a long chat says how many are left out.
CHAT_ITEMS = 30
#: Phones drawn per scenario (the users its steps are about first).
PHONES = 12


def _phone_html(sim: Any, user_id: str) -> list[str]:
    from flowsim.engine import LINE_CHAT

    user = sim.users[user_id]
    number = user.phone or "no number"
    out = ['<div class="phone">', '<div class="notch"></div>',
           f'<div class="status"><b>{_e(user_id)}</b><span>{_e(number)}</span></div>',
           f'<div class="state">screen <code>{_e(user.screen)}</code> · consent <code>{_e(user.consent)}</code>'
           f' · <span title="app language and version">{_e(user.language)} {_e(user.app_version)}</span></div>']
    if user.screen_error:
        out.append(f'<div class="screen-error">{_e(user.screen_error)}</div>')
    chats = {LINE_CHAT: user.chats[LINE_CHAT], **{oa: user.chats.get(oa, []) for oa in sim.official_accounts}}
    for chat, messages in {**chats, **user.chats}.items():
        is_line = chat == LINE_CHAT
        name = "LINE" if is_line else sim.official_accounts[chat].name if chat in sim.official_accounts else chat
        out.append(f'<div class="chat{" line" if is_line else ""}">')
        out.append(f'<div class="chat-head"><span class="avatar{" line" if is_line else ""}">'
                   f"{_e(name[:1].upper() or '?')}</span>{_e(name)}"
                   + ("" if is_line else f' <span class="oa-id">{_e(chat)}</span>') + "</div>")
        out.append('<div class="msgs">')
        if not messages:
            out.append('<p class="empty">no messages yet</p>')
        if len(messages) > CHAT_ITEMS:
            out.append(f'<p class="empty">… {len(messages) - CHAT_ITEMS} earlier</p>')
        done = sim.sections_done(user_id)
        for m in messages[-CHAT_ITEMS:]:
            out += _bubble_html(m, name, user.language, done)
        out.append("</div></div>")
    out.append('<div class="chat sms"><div class="chat-head"><span class="avatar sms">✉</span>Messages (SMS)</div>'
               '<div class="msgs">')
    if not user.sms_inbox:
        out.append('<p class="empty">no SMS</p>')
    for sms in user.sms_inbox[-CHAT_ITEMS:]:
        text = _e(sms.text).replace(_e(sms.pin), f"<b class=\"pin\">{_e(sms.pin)}</b>", 1)
        out.append(f'<div class="sms-item"><div class="meta">to {_e(sms.number)} · {sms.at:%m-%d %H:%M}'
                   f" · {_e(sms.purpose)}</div><div class=\"bubble grey\">{text}</div></div>")
    out += ["</div></div>", "</div>"]
    return out


def _bubble_html(m: Any, oa_name: str, language: str, done: frozenset[str] = frozenset()) -> list[str]:
    """One chat line as the phone draws it; a setup card's finished sections (``done``) show ✓, not Set."""
    when = f"{m.at:%m-%d %H:%M}"
    if m.kind in ("setup", "phone_auth"):
        title = m.text.split("\n", 1)[0]
        rows = "".join(f'<div class="section"><span>{_e(text)}</span>'
                       + ('<span class="set done">✓</span>' if s in done else '<span class="set">Set</span>')
                       + "</div>" for s, text in m.set_rows(language))
        return [f'<div class="item"><div class="bubble card"><div class="card-title">{_e(title)}</div>{rows}</div>'
                f'<span class="when">{when}</span></div>']
    if m.kind == "notification":
        label = f'<span class="label-chip">{_e(m.label)}</span>' if m.label else ""
        parts = []
        if m.template:
            parts.append(f'<div class="template">template <code>{_e(m.template)}</code></div>'
                         f"<div>{_e(m.text)}</div>")
        elif m.messages:
            for obj in m.messages:
                parts.append(f"<div>{_e(_object_text(obj))}</div>")
        else:
            parts.append(f"<div>{_e(m.text)}</div>")
        return [f'<div class="item"><div class="bubble notification"><div class="from">{_e(oa_name)}{label}</div>'
                + "".join(parts) + f'</div><span class="when">{when}</span></div>']
    return [f'<div class="item"><div class="bubble system kind-{_e(m.kind)}">{_e(m.text)}</div>'
            f'<span class="when">{when}</span></div>']


def _object_text(obj: Any) -> str:
    if not isinstance(obj, dict):
        return str(obj)
    kind = obj.get("type")
    if kind == "text":
        return str(obj.get("text", ""))
    if kind == "sticker":
        return f"[sticker {obj.get('packageId', '?')}/{obj.get('stickerId', '?')}]"
    if kind == "flex":
        return f"[flex] {obj.get('altText', '')}".rstrip()
    return f"[{kind}]"


_CSS = """
:root{--green:#06c755;--red:#d93025;--amber:#e8a500;--ink:#1f2328;--muted:#656d76;--line:#d8dee4;
--bg:#f6f8fa;--chat:#9bb4d8}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 -apple-system,"Segoe UI","Hiragino Sans","Noto Sans CJK JP","Noto Sans","Noto Sans Thai",
"Leelawadee UI",Thonburi,Helvetica,Arial,sans-serif;
color:var(--ink);background:var(--bg)}
header.top{background:#fff;border-bottom:1px solid var(--line);padding:14px 28px;display:flex;align-items:center;gap:24px}
h1{font-size:20px;margin:0}
h2{font-size:15px;margin:0 0 8px}
.counts{display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.pill{border-radius:999px;padding:2px 12px;font-weight:600;color:#fff}
.pill.pass{background:var(--green)}.pill.fail{background:var(--red)}.pill.error{background:#8250df}
.pill.zero{background:#afb8c1}
.meta{color:var(--muted);font-size:12px}
section.coverage,nav.toc{background:#fff;margin:16px 28px;padding:14px 18px;border:1px solid var(--line);border-radius:10px}
.legend{margin:0 0 10px;color:var(--muted);font-size:12px}
.key{display:inline-block;width:12px;height:12px;border-radius:3px;vertical-align:-2px;margin-left:10px}
.key.logged,.rule.logged b{background:var(--green)}.key.claimed,.rule.claimed b{background:var(--amber)}
.key.none,.rule.none b{background:#afb8c1}
.grid{display:grid;grid-template-columns:repeat(7,1fr);gap:6px}
.rule{border:1px solid var(--line);border-radius:6px;padding:4px 6px;font-size:11px;line-height:1.3;min-height:58px}
.rule b{color:#fff;border-radius:4px;padding:0 5px;margin-right:4px;font-size:11px}
.rule span{color:var(--ink)}.rule small{display:block;color:var(--muted);margin-top:2px}
.rule.none{opacity:.7}
nav.toc ol{columns:3;margin:0;padding-left:0;list-style:none;font-size:13px}
nav.toc li{break-inside:avoid;padding:1px 0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
nav.toc a{color:var(--ink);text-decoration:none}nav.toc a:hover{text-decoration:underline}
.mark{font-weight:700}.pass .mark{color:var(--green)}.fail .mark,.error .mark{color:var(--red)}
ol.steps li.ok .mark{color:var(--green)}ol.steps li.bad .mark{color:var(--red)}ol.steps li.notrun .mark{color:#8c959f}
main{margin:0 28px 40px}
section.scenario{background:#fff;border:1px solid var(--line);border-left:6px solid var(--green);border-radius:10px;
margin:12px 0;padding:0}
section.scenario.fail{border-left-color:var(--red)}section.scenario.error{border-left-color:#8250df}
section.scenario>details>summary{cursor:pointer;padding:10px 16px;font-size:15px;list-style-position:outside}
.name{font-weight:600}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#eff1f3;border-radius:4px;padding:0 4px}
.path{color:var(--muted)}.time{color:var(--muted);font-size:12px;float:right}
section.scenario>details>*:not(summary){margin-left:16px;margin-right:16px}
.description{margin:0 0 6px;color:var(--muted)}
.tags,.rules{margin:4px 0}
.tag{display:inline-block;background:#ddf4ff;color:#0969da;border-radius:999px;padding:0 8px;margin-right:4px;font-size:12px}
.label{color:var(--muted);font-size:12px;margin-right:4px}
.chip{display:inline-block;border-radius:4px;padding:0 6px;margin-right:3px;font-size:12px;font-weight:600}
.chip.logged{background:#dafbe1;color:#116329;border:1px solid #4ac26b}
.chip.claimed{background:#fff8c5;color:#7d4e00;border:1px dashed var(--amber)}
.rules .none{color:var(--muted);font-size:12px}
.failure{border:1px solid #ffcecb;background:#ffebe9;border-radius:8px;padding:8px 12px;margin:8px 0}
.failure h3{margin:0 0 6px;font-size:14px;color:#82071e}
.failure pre{white-space:pre-wrap;margin:6px 0;font-size:12px}
.failure .error{margin:0}
table.mismatch{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
table.mismatch th,table.mismatch td{border:1px solid #ffcecb;padding:4px 8px;text-align:left;vertical-align:top}
table.mismatch th{background:#fff5f5;font-weight:600}
td.expected{color:#116329}td.actual{color:#82071e}
.body{display:flex;gap:18px;align-items:flex-start;padding:8px 0 14px}
ol.steps{list-style:none;padding:0;margin:0;flex:0 0 340px;font-size:13px}
ol.steps li{display:flex;gap:6px;padding:2px 6px;border-radius:4px}
ol.steps li.bad{background:#ffebe9}ol.steps li.notrun{color:#8c959f}
ol.steps .mark{width:14px;flex:none}ol.steps .text{flex:1}ol.steps .where{color:#8c959f;font-size:11px}
.phones{display:flex;flex-wrap:wrap;gap:16px;flex:1;align-items:flex-start}
.phone{width:290px;background:#111;border-radius:30px;padding:12px 9px 14px;box-shadow:0 2px 6px rgba(0,0,0,.25)}
.notch{width:90px;height:6px;border-radius:3px;background:#333;margin:0 auto 8px}
.phone .status{display:flex;justify-content:space-between;color:#fff;font-size:12px;padding:0 10px 2px}
.phone .state{color:#9ea7b3;font-size:10.5px;padding:0 10px 6px}
.phone .state code{background:#2d333b;color:#cdd9e5;font-size:10.5px}
.screen-error{background:#ffebe9;color:#82071e;font-size:11px;border-radius:6px;margin:0 4px 6px;padding:3px 6px}
.chat{background:var(--chat);border-radius:12px;margin:0 0 8px;overflow:hidden}
.chat.sms{background:#fff}
.chat-head{background:#fff;color:var(--ink);font-weight:600;font-size:13px;padding:6px 10px;display:flex;
align-items:center;gap:6px;border-bottom:1px solid var(--line)}
.oa-id{color:var(--muted);font-weight:400;font-size:11px}
.avatar{width:22px;height:22px;border-radius:50%;background:#8c959f;color:#fff;display:inline-flex;align-items:center;
justify-content:center;font-size:11px;font-weight:700;flex:none}
.avatar.line{background:var(--green)}.avatar.sms{background:#34c759}
.msgs{padding:8px}
.item{display:flex;align-items:flex-end;gap:4px;margin:0 0 6px}
.when{color:#eef2f8;font-size:10px;white-space:nowrap}
.chat.sms .when,.sms-item .meta{color:var(--muted);font-size:10px}
.bubble{background:#fff;border-radius:14px;padding:6px 10px;max-width:215px;font-size:12.5px;word-wrap:break-word;
overflow-wrap:anywhere}
.bubble.card{padding:8px 10px}
.card-title{font-weight:700;margin-bottom:4px}
.section{display:flex;justify-content:space-between;align-items:center;gap:8px;border-top:1px solid #eaeef2;padding:5px 0 2px}
.set{background:var(--green);color:#fff;border-radius:6px;padding:1px 10px;font-weight:600;font-size:12px;flex:none}
.set.done{background:none;color:var(--green);font-size:15px;padding:0 8px}
.from{font-weight:700;font-size:12px;margin-bottom:2px;display:flex;flex-wrap:wrap;gap:4px;align-items:center}
.label-chip{background:#e6f8ed;color:#05873f;border:1px solid #9be0b8;border-radius:4px;padding:0 4px;font-size:10.5px;
font-weight:600}
.template{color:var(--muted);font-size:11px}
.bubble.grey{background:#e9e9eb;max-width:250px}
.pin{font-size:14px;letter-spacing:1px}
.sms-item{margin-bottom:6px}
.empty{color:#eef2f8;font-size:11px;margin:0}.chat.sms .empty{color:var(--muted)}
.more{color:var(--muted);font-size:12px;align-self:center}
.webhooks{font-size:12px;color:var(--muted);padding:0 0 12px}.webhooks p{margin:2px 0}
@media (max-width:900px){.body{flex-direction:column}ol.steps{flex:none;width:100%}.grid{grid-template-columns:repeat(3,1fr)}
nav.toc ol{columns:1}}
"""
