"""`pin:` names an earlier PIN: `last`, `previous`, `{sms: N}` (R17, R18, R19), and refuses what is not one."""

from __future__ import annotations

import json

import jsonschema
import pytest

from flowsim.scenario import ScenarioFileError, ScenarioRun, dump_scenario, loads_scenario
from flowsim.scenario.commands import json_schema
from flowsim.scenario.types import PinOfSms
from scenario_helpers import HEADER

OLD_USER = HEADER.replace('created: -3y', 'created: -400d')  # SMS authentication needed (R11)
TO_PIN = """\
  - send: {from: shop, to: hanako, text: hi}
    as: m
  - do: open_consent
  - do: agree
  - do: open_phone_auth
  - do: send_sms
  - do: confirm_sms
  - do: resend_sms
"""


def run(steps: str, header: str = OLD_USER) -> ScenarioRun:
    scenario_run = ScenarioRun(loads_scenario(header + steps, "t.yaml"))
    scenario_run.run_all()
    return scenario_run


def pins(r: ScenarioRun) -> list[str]:
    return [sms.pin for sms in r.sim.user("hanako").sms_inbox]


@pytest.mark.rules("R18")
@pytest.mark.parametrize("earlier", ["previous", "{sms: -2}", "{sms: 1}"])
def test_the_pin_before_a_resend_no_longer_works(earlier):
    r = run(TO_PIN + f"""\
  - {{do: enter_pin, pin: {earlier}}}
  - expect: {{screen: pin_entry, message: {{m: pending}}}}
  - {{do: enter_pin, pin: last}}
  - expect: {{screen: chats, message: {{m: delivered}}}}
""")
    assert r.ok and r.done, [x.report() for x in r.results if not x.ok]
    first, second = pins(r)
    assert first != second
    assert r.results[7].description == f"do enter_pin (hanako) pin={earlier}"


@pytest.mark.rules("R17")
@pytest.mark.parametrize("newest", ["last", "{sms: -1}", "{sms: 2}"])
def test_the_newest_pin_by_every_name(newest):
    r = run(TO_PIN + f"  - {{do: enter_pin, pin: {newest}}}\n  - expect: {{message: {{m: delivered}}}}\n")
    assert r.ok and r.done, [x.report() for x in r.results if not x.ok]


def test_an_sms_the_phone_does_not_have_fails_the_step_with_what_it_has():
    r = run(TO_PIN + "  - {do: enter_pin, pin: {sms: -3}}\n")
    (failed,) = [x for x in r.results if not x.ok]
    assert failed.error == ("`pin: {sms: -3}` but user 'hanako' has received 2 SMS; expected an SMS the phone "
                            "has: {sms: -2} to {sms: -1} (the newest), or 1 to 2")
    r = run(TO_PIN.replace("  - do: resend_sms\n", "") + "  - {do: enter_pin, pin: previous}\n")
    assert "`pin: previous` but user 'hanako' has received 1 SMS" in r.results[-1].error
    r = run("  - {do: enter_pin, pin: previous}\n")
    assert r.results[-1].error == "`pin: previous` but user 'hanako' has received no SMS yet"
    r = run("  - {do: enter_pin, pin: last}\n")
    assert r.results[-1].error == "`pin: last` but user 'hanako' has received no SMS yet"


@pytest.mark.parametrize("pin, message", [
    ("prevous", "pin 'prevous' (did you mean 'previous'?); expected `last` (the PIN in the newest SMS), `previous`"),
    ("{sms: 0}", "pin {sms: N} with 0; expected N a whole number other than 0"),
    ("{sms: true}", "pin {sms: N} with true"),
    ('{sms: "-2"}', "pin {sms: N} with '-2'"),
    ("{sms: 1.5}", "pin {sms: N} with 1.5"),
    ("{smss: 1}", "unknown key 'smss' in pin (did you mean 'sms'?); expected sms"),
    ("{}", "pin {sms: N} with no `sms:`"),
    ("[1]", "pin: found a list; expected"),
    ("12a", "pin '12a'; expected"),
])
def test_what_is_not_a_pin_is_an_error_at_the_value(pin, message):
    with pytest.raises(ScenarioFileError) as caught:
        loads_scenario(OLD_USER + f"  - {{do: enter_pin, pin: {pin}}}\n", "t.yaml")
    assert caught.value.report().startswith(f"t.yaml:8:26: steps[0].pin: {message}"), caught.value.report()


def test_the_schema_takes_every_form_and_the_writer_saves_them_back():
    validator = jsonschema.Draft202012Validator(json_schema())

    def ok(pin: object) -> bool:
        data = {"name": "x", "users": {"h": {"phone": None}}, "steps": [{"do": "enter_pin", "pin": pin}]}
        return validator.is_valid(json.loads(json.dumps(data)))

    assert all(ok(p) for p in ("last", "previous", "012345", {"sms": -2}, {"sms": 1}))
    assert not any(ok(p) for p in ({"sms": 0}, {"sms": "1"}, {"sms": -1, "x": 1}, {}, "prevous", [1]))
    scenario = loads_scenario(OLD_USER + "  - {do: enter_pin, pin: {sms: -2}}\n  - {do: enter_pin, pin: previous}\n",
                              "t.yaml")
    assert scenario.steps[0].pin == PinOfSms(-2)
    again = loads_scenario(dump_scenario(scenario), "again.yaml")
    assert [s.pin for s in again.steps] == [PinOfSms(-2), "previous"]
