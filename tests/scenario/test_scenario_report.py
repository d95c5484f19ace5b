"""`flowsim run --junit FILE` and `--html FILE`, read back with the standard library's XML and HTML parsers."""

from __future__ import annotations

import os
import stat
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from flowsim.cli import main
from flowsim.engine import INVARIANTS, RULE_IDS
from flowsim.scenario.report import clean
from scenario_helpers import FLOW_B_TO_PIN

ROOT = Path(__file__).resolve().parents[2]

#: Flow B to delivery, then a wrong label: the phone has a LINE chat, an OA chat with a label and an SMS.
FAILING = """\
name: "Flow B <b>then</b> a wrong label & more"
description: "made to fail \\x1b[31m"
tags: [flow-b, "<i>demo</i>"]
covers: [R14, R24]
start: 2026-04-01T09:00:00+09:00
official_accounts:
  shop: {name: "Shop <&> \\"quoted\\""}
users:
  hanako: {phone: "+818000001234", created: -400d}
steps:
  - send: {from: shop, to: hanako, text: "Parcel <script>alert(1)</script> ships"}
    as: parcel
""" + FLOW_B_TO_PIN + """\
  - expect: {chats: {shop: [{notification: {label: "重要なお知らせ"}}]}, message: {parcel: delivered}}
  - advance: 1h
"""
PASSING = """\
name: a passing one
start: 2026-04-01T09:00:00+09:00
users:
  taro: {phone: "+818000005678"}
steps:
  - advance: 1h
"""


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


class Page(HTMLParser):
    """The elements of a page (tag, attributes, the text directly inside) and every text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str], list[str]]] = []
        self.stack: list[tuple[str, dict[str, str], list[str]]] = []
        self.texts: list[str] = []

    VOID = {"meta", "br", "img", "link", "input", "hr"}

    def handle_starttag(self, tag, attrs):
        element = (tag, {k: v or "" for k, v in attrs}, [])
        self.elements.append(element)
        if tag not in self.VOID:
            self.stack.append(element)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1][0] == tag, f"</{tag}> closes {self.stack[-1][0] if self.stack else None}"
        self.stack.pop()

    def handle_data(self, data):
        self.texts.append(data)
        for element in self.stack:
            element[2].append(data)

    def having(self, cls: str, tag: str | None = None) -> list[tuple[str, dict[str, str], str]]:
        return [(t, a, "".join(text)) for t, a, text in self.elements
                if cls in a.get("class", "").split() and (tag is None or t == tag)]


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "failing.yaml").write_text(FAILING, encoding="utf-8")
    (folder / "passing.yaml").write_text(PASSING, encoding="utf-8")
    (folder / "broken.yaml").write_text("name: broken\nsteps: [{do: agre}]\n")
    return folder


@pytest.fixture
def page(run_dir: Path, tmp_path: Path) -> Page:
    out = tmp_path / "report.html"
    result = invoke("run", str(run_dir), "--html", str(out))
    assert result.exit_code == 2, result.output  # the broken file
    parser = Page()
    parser.feed(out.read_text(encoding="utf-8"))
    parser.close()
    assert parser.stack == [], "every element is closed"
    return parser


def test_the_page_is_self_contained_and_escapes_every_text(page, run_dir, tmp_path):
    text = (tmp_path / "report.html").read_text(encoding="utf-8")
    tags = {t for t, _, _ in page.elements}
    assert "style" in tags and not tags & {"script", "link", "img", "iframe", "object"}
    assert "http://" not in text and "https://" not in text and "url(" not in text
    assert not [a for _, a, _ in page.elements if any(k.startswith("on") or k == "src" for k in a)]
    alltext = "".join(page.texts)
    assert "Parcel <script>alert(1)</script> ships" in alltext  # as text, not as a tag
    assert 'Shop <&> "quoted"' in alltext and "Flow B <b>then</b> a wrong label & more" in alltext
    assert "made to fail \\x1b[31m" in alltext  # a control character is shown as an escape
    assert "<i>demo</i>" in [x for _, _, x in page.having("tag", "span")]


def test_failures_first_with_expected_against_actual(page):
    sections = page.having("scenario", "section")
    assert [a["class"].split()[1] for _, a, _ in sections] == ["error", "fail", "pass"]
    _, _, failing = sections[1]
    assert "✗" in failing and "step 8 (line 19): expect (hanako)" in failing
    cells = ["".join(x) for t, _, x in page.elements if t == "td"]
    assert cells[:3] == ["chats.shop", "[notification (label: '重要なお知らせ')]",
                         "[notification (label: 'Important notification')]"]
    assert "missing required key 'steps'" in sections[0][2] or "agre" in sections[0][2]
    opened = [a for t, a, _ in page.elements if t == "details" and "open" in a]
    assert len(opened) == 2  # the failing and the broken one; the passing one is closed


def test_steps_are_marked_run_failed_and_not_run(page):
    marks = [(a["class"], "".join(x)) for t, a, x in page.elements
             if t == "li" and a.get("class") in ("ok", "bad", "notrun")]
    failing = marks[:9]
    assert [c for c, _ in failing] == ["ok"] * 7 + ["bad", "notrun"]
    assert failing[0][1].startswith("✓send shop → hanako as parcel") and failing[-1][1].startswith("·advance 1h")
    assert marks[9:] == [("ok", "✓advance 1hline 6")]


def test_the_phone_shows_the_line_chat_the_oa_chat_with_its_label_and_the_sms(page):
    phones = page.having("phone", "div")
    assert len(phones) == 2  # hanako, taro
    hanako = phones[0][2]
    heads = [x for _, _, x in page.having("chat-head")]
    assert heads[:3] == ["LLINE", 'SShop <&> "quoted" shop', "✉Messages (SMS)"]
    assert [x for _, _, x in page.having("label-chip")] == ["Important notification"]
    assert "Set up to get LINE notification messages" in hanako and "Settings for getting" in hanako
    # Consent and phone sections, both completed by the end of the run: ✓ as the TUI's phone shows them.
    assert [x for _, _, x in page.having("set")] == ["✓", "✓"]
    sms = page.having("sms-item")
    assert len(sms) == 1 and "Your verification code is" in sms[0][2]
    pin = page.having("pin")[0][2]
    assert pin.isdigit() and len(pin) == 6


def test_a_setup_card_says_set_for_what_is_left_and_a_tick_for_what_is_done(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "half.yaml").write_text(
        "name: half done\nstart: 2026-04-01T09:00:00+09:00\nofficial_accounts: {shop: {name: Shop}}\n"
        "users: {hanako: {phone: '+818000001234', created: -400d}}\n"
        "steps:\n  - send: {from: shop, to: hanako, text: Parcel}\n  - do: open_consent\n  - do: agree\n",
        encoding="utf-8")
    out = tmp_path / "r.html"
    assert invoke("run", str(folder), "--html", str(out)).exit_code == 0
    parsed = Page()
    parsed.feed(out.read_text(encoding="utf-8"))
    # Consent agreed (R10), SMS still needed (R11): the consent row is done, the phone row is not.
    assert [(x, "done" in a["class"].split()) for _, a, x in parsed.having("set")] == [("✓", True), ("Set", False)]


def test_the_rules_each_exercised_and_the_runs_coverage(page):
    chips = [(a["class"], x) for _, a, x in page.having("chip")]
    assert ("chip logged", "R14") in chips and ("chip logged", "R24") in chips
    cells = page.having("rule", "div")
    assert [x.split()[0].rstrip("0123456789") for _, _, x in cells] and len(cells) == len(RULE_IDS) + len(INVARIANTS)
    by_id = {x[:3].rstrip(" abcdefghijklmnopqrstuvwxyz'"): a["class"].split()[1] for _, a, x in cells}
    assert by_id["R14"] == "logged" and by_id["R30"] == "none"


def test_junit_xml(run_dir, tmp_path):
    out = tmp_path / "junit.xml"
    result = invoke("run", str(run_dir), "--junit", str(out), "-k", "not broken")
    assert result.exit_code == 1, result.output
    root = ET.parse(out).getroot()
    assert root.tag == "testsuites" and root.get("tests") == "2" and root.get("failures") == "1"
    (suite,) = root
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"Flow B <b>then</b> a wrong label & more", "a passing one"}  # broken: deselected
    failing = cases["Flow B <b>then</b> a wrong label & more"]
    assert failing.get("file").endswith("scenarios/failing.yaml") and failing.get("line") == "19"
    assert failing.get("classname").endswith("scenarios.failing") and float(failing.get("time")) >= 0
    failure = failing.find("failure")
    assert failure.get("message").startswith("step 8 (line 19) expect (hanako): chats.shop: expected")
    assert "transcript:" in failure.text
    props = [(p.get("name"), p.get("value")) for p in failing.iter("property")]
    assert ("rule", "R14") in props and ("covers", "R24") in props and ("tag", "<i>demo</i>") in props
    assert cases["a passing one"].find("failure") is None
    mode = stat.S_IMODE(os.stat(out).st_mode)
    assert mode & 0o044 == 0o044 & ~_umask()  # a report is as readable as any file made here


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_junit_error_for_an_unreadable_file(run_dir, tmp_path):
    out = tmp_path / "junit.xml"
    invoke("run", str(run_dir / "broken.yaml"), "--junit", str(out))
    (case,) = ET.parse(out).getroot().iter("testcase")
    error = case.find("error")
    assert error is not None and error.get("type") == "ScenarioFileError" and case.get("line") == "2"
    assert "agre" in error.get("message")


def test_characters_xml_cannot_carry_are_escapes():
    assert clean("a\x00b\x1bc\ud800d\ufffee\tf") == "a\\x00b\\x1bc\\ud800d\\ufffee\tf"


@pytest.mark.parametrize("option, target, message", [
    ("--html", "missing/report.html", "the folder"),
    ("--junit", ".", "is a directory"),
    ("--junit", "", "an empty file name"),
])
def test_a_report_that_cannot_be_written_is_refused_first(run_dir, tmp_path, monkeypatch, option, target, message):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["run", str(run_dir), option, target])
    assert result.exit_code == 2 and message in result.output, result.output
    assert "PASS" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)


def test_a_fifo_as_report_is_refused(run_dir, tmp_path):
    fifo = tmp_path / "fifo.xml"
    os.mkfifo(fifo)
    result = invoke("run", str(run_dir), "--junit", str(fifo))
    assert result.exit_code == 2 and "not a regular file" in result.output


def test_the_shipped_corpus_reports(tmp_path):
    html_out, xml_out = tmp_path / "r.html", tmp_path / "r.xml"
    result = invoke("run", str(ROOT / "scenarios"), "--html", str(html_out), "--junit", str(xml_out))
    assert result.exit_code == 0, result.output
    n = len(list((ROOT / "scenarios").rglob("*.yaml")))
    assert ET.parse(xml_out).getroot().get("tests") == str(n)
    parser = Page()
    parser.feed(html_out.read_text(encoding="utf-8"))
    assert len(parser.having("scenario", "section")) == n and parser.stack == []
    assert len(parser.having("label-chip")) >= 10


def test_a_world_of_many_users_draws_a_few_phones_those_the_steps_are_about_first(tmp_path):
    users = "".join(f'  u{i}: {{phone: "+8180{i:08d}"}}\n' for i in range(20))
    (tmp_path / "many.yaml").write_text("name: many\nstart: 2026-04-01T09:00:00+09:00\nofficial_accounts:\n"
                                        "  shop: {name: Shop}\nusers:\n" + users +
                                        "steps:\n  - send: {from: shop, to: u17, text: hi}\n"
                                        "  - {user: u15, expect: {pending: 1}}\n")
    out = tmp_path / "r.html"
    assert invoke("run", str(tmp_path / "many.yaml"), "--html", str(out)).exit_code == 1
    parser = Page()
    parser.feed(out.read_text(encoding="utf-8"))
    names = [x for t, _, x in parser.elements if t == "b" and x and x[0].startswith("u")]
    assert ["".join(n) for n in names][:2] == ["u15", "u17"] and len(names) == 12
    assert [x for _, _, x in parser.having("more", "p")] == ["… and 8 more users, not drawn"]
