"""The runner: every step kind, every expect key, and how mismatches are reported."""

from __future__ import annotations

import textwrap

import pytest
from freezegun import freeze_time

from flowsim.scenario import ScenarioRun, load_scenario, loads_scenario

from scenario_helpers import DATA, HEADER


def run_steps(steps: str, header: str = HEADER) -> ScenarioRun:
    run = ScenarioRun(loads_scenario(header + textwrap.dedent(steps), "t.yaml"))
    run.run_all()
    return run


def failure(run: ScenarioRun):
    bad = [r for r in run.results if not r.ok]
    assert bad, "expected a failed step"
    return bad[0]


@pytest.mark.parametrize("name", ["flow_b.yaml", "two_users.yaml"])
def test_data_scenarios_pass(name):
    run = ScenarioRun(load_scenario(DATA / name))
    results = run.run_all()
    assert run.done and all(r.ok for r in results), "\n".join(r.report() for r in results if not r.ok)


def test_api_of_scenariorun():
    """docs/architecture.md: steps, position, done, step(), run_all(), results."""
    run = ScenarioRun(load_scenario(DATA / "flow_b.yaml"))
    assert run.position == 0 and not run.done and run.steps[0].line == 18
    first = run.step()
    assert (first.index, first.line, first.kind, first.ok) == (0, 18, "advance", True)
    assert first.summary.startswith("step 1 (line 18) advance 1m: ok")
    assert run.position == 1
    rest = run.run_all()
    assert run.done and len(run.results) == len(run.steps) == 1 + len(rest)
    with pytest.raises(IndexError):
        run.step()


def test_flow_a_line_chat_since_last_check_R13_R16():
    run = run_steps("""\
      - send: {from: shop, to: hanako, text: hi}
      - expect: {line_chat: [received, setup]}
      - expect: {line_chat: []}
      - do: open_consent
      - expect: {screen: consent}
      - do: agree
      - expect: {line_chat: [received], chats: {shop: [notification]}}
    """, HEADER.replace("created: -3y", "created: -30d"))
    assert run.ok and run.done


def test_every_mismatch_of_a_step_is_reported():
    run = run_steps("""\
      - send: {from: shop, to: hanako, text: hi}
        as: m
      - expect:
          line_chat: [received]
          screen: consent
          consent: agreed
          sms_required: false
          pending: 0
          sms_inbox: 2
          message: {m: delivered}
          webhooks: {shop: [{type: delivery}]}
          sent_count: {shop: {flexible: 1}}
          api: {status: 400}
    """)
    result = failure(run)
    keys = [m.key for m in result.mismatches]
    assert keys == ["line_chat", "screen", "consent", "sms_required", "pending", "sms_inbox",
                    "message.m", "webhooks.shop", "sent_count.shop.flexible", "api"]
    report = result.report()
    assert "step 2 (line 10)" in report
    assert "expected: [received]" in report and "actual:   [received, setup]" in report
    assert "LINE chat of hanako" in report and "webhooks to shop" in report
    assert "m1 is pending" in report  # the message's explanation (R14)



def test_chat_detail_mismatch_shows_actual_detail_R24():
    run = run_steps("""\
      - send: {from: shop, to: hanako, text: Your parcel ships today}
      - do: open_consent
      - do: agree
      - do: open_phone_auth
      - do: send_sms
      - do: confirm_sms
      - {do: enter_pin, pin: last}
      - expect:
          chats: {shop: [{notification: {text: "not there", label: 重要なお知らせ}}]}
    """)
    m = failure(run).mismatches[0]
    assert m.key == "chats.shop"
    assert "Important notification" in str(m.actual[0]) and "Your parcel" in str(m.actual[0])


def test_engine_error_fails_the_step_with_its_message():
    """An action not available on the screen names the screen and the actions there."""
    run = run_steps("""\
      - do: agree
    """)
    result = failure(run)
    assert result.kind == "do" and not result.mismatches
    assert "not available" in result.error and "'chats'" in result.error
    assert "settings_consent" in result.error
    assert "screen chats" in result.report()


def test_pin_last_without_sms_fails_cleanly_R18():
    run = run_steps("""\
      - do: settings_change_number
      - {do: enter_pin, pin: last}
    """)
    assert "no SMS" in failure(run).error


def test_wrong_pin_stays_then_resend_R18():
    run = run_steps("""\
      - send: {from: shop, to: hanako, text: hi}
      - do: open_phone_auth
      - do: send_sms
      - do: confirm_sms
      - {do: enter_pin, pin: "000000"}
      - expect: {screen: pin_entry, sms_inbox: 1}
      - do: resend_sms
      - expect: {sms_inbox: 2}
      - {do: enter_pin, pin: last}
      - expect: {screen: chats, sms_required: false}
    """)
    assert run.ok, failure(run).report()


def test_to_phone_number_and_hash_R1_R3():
    run = run_steps("""\
      - send: {from: shop, to: "080-0000-1234", text: a}
        as: a
      - send: {from: shop, to: a4e2c08bd1ca30ea4b7bb5ae0ea5e2d2a2b6f6ad6bd75a7a3e0f4c1b6a0b8a6e, text: b}
        as: b
      - expect: {message: {b: unmatched}, pending: 1}
    """)
    assert run.ok, failure(run).report()
    assert run.named["a"].message_id == "m1"


def test_to_user_uses_the_number_now_R19_R20():
    run = run_steps("""\
      - do: settings_change_number
      - {do: enter_number, number: "+818099998888"}
      - {do: enter_pin, pin: last}
      - expect: {line_chat: [phone_changed]}
      - send: {from: shop, to: hanako, text: new number}
        as: new
      - send: {from: shop, to: "+818000001234", text: old number}
        as: old
      - expect: {message: {old: unmatched, new: pending}}
    """)
    assert run.ok, failure(run).report()


def test_advance_fires_expiry_R22_R23_and_backwards_is_an_error():
    run = run_steps("""\
      - send: {from: shop, to: hanako, text: hi}
        as: m
      - advance: 23h59m
      - expect: {message: {m: pending}}
      - advance: 1m
      - expect: {message: {m: expired}, pending: 0}
      - advance_to: 2026-04-01T00:00:00+09:00
    """)
    result = failure(run)
    assert result.kind == "advance_to" and "back" in result.error


def test_webhooks_follow_unfollow_message_R27():
    run = run_steps("""\
      - {do: add_friend, oa: shop}
      - {do: say, oa: shop, text: hello}
      - {do: block, oa: shop}
      - expect: {webhooks: {shop: [{type: follow}, {type: message, text: hello}, {type: unfollow, user: hanako}]}}
      - expect: {webhooks: {shop: []}}
    """)
    assert run.ok, failure(run).report()


def test_webhook_mismatch_reports_new_events():
    run = run_steps("""\
      - {do: add_friend, oa: shop}
      - expect: {webhooks: {shop: [{type: unfollow}]}}
    """)
    m = failure(run).mismatches[0]
    assert [str(x) for x in m.actual] == ["{type: follow}"]


def test_message_discarded_reason_R9():
    run = run_steps("""\
      - {do: settings_consent, value: rejected}
      - send: {from: shop, to: hanako, text: hi}
        as: m
      - expect: {message: {m: {status: discarded, reason: consent_rejected}}, line_chat: []}
      - expect: {message: {m: {status: discarded, reason: blocked}}}
    """)
    result = failure(run)
    assert result.index == 3
    assert "consent_rejected" in str(result.mismatches[0].actual)


def test_api_400_and_named_message_of_a_refused_send_R28():
    run = run_steps("""\
      - send: {from: shop, to: hanako, messages: [{type: image, originalContentUrl: "https://x"}]}
        as: pic
      - expect: {api: {status: 400, message: images}}
      - expect: {message: {pic: delivered}}
    """)
    result = failure(run)
    assert result.index == 2 and "API answered 400" in str(result.mismatches[0].actual)


def test_api_before_any_send():
    run = run_steps("""\
      - expect: {api: 200}
    """)
    assert failure(run).mismatches[0].actual == "no send yet"


@freeze_time("2026-05-05T12:00:00+00:00")
def test_start_defaults_to_frozen_wall_time():
    run = ScenarioRun(loads_scenario(HEADER.replace("start: 2026-04-01T09:00:00+09:00\n", "")
                                     + "  - advance: 1h\n", "t.yaml"))
    assert run.sim.now.isoformat() == "2026-05-05T12:00:00+00:00"
    assert run.sim.user("hanako").created_at.year == 2023


def test_user_times_relative_to_start_R11():
    run = run_steps("""\
      - expect: {sms_required: false}
      - advance: 1m
      - expect: {sms_required: true}
    """, HEADER.replace("created: -3y", "created: -179d23h59m"))
    assert run.ok, failure(run).report()


def test_several_users_need_user_key():
    header = HEADER.replace('  hanako: {phone: "+818000001234", created: -3y}\n',
                            '  hanako: {phone: "+818000001234"}\n  taro: {phone: "+818000001235"}\n')
    run = run_steps("""\
      - {user: taro, do: settings_consent, value: agreed}
      - {user: taro, expect: {consent: agreed}}
      - expect: {user: hanako, consent: not_set}
    """, header)
    assert run.ok, failure(run).report()


def test_api_message_matches_the_error_details_too_R29():
    """`api: {message: …}` searches LINE's message and each detail ("property: message")."""
    run = run_steps("""\
      - send: {from: shop, to: hanako, template: {key: no_such_template}}
      - expect: {api: {status: 400, message: "unknown template key 'no_such_template'"}}
      - expect: {api: {status: 400, message: "templateKey: unknown"}}
      - expect: {api: {status: 400, message: "not in the answer"}}
    """)
    result = failure(run)
    assert result.index == 3, "the first two expectations match the details"
    actual = result.mismatches[0].actual
    assert "The request body has 1 error(s)" in str(actual) and "templateKey: unknown template key" in str(actual)


def test_label_empty_means_shown_without_a_label_R24():
    """`label: ""` asserts the notification has no label (app below 15.9.0)."""
    header = HEADER.replace("created: -3y}", "created: -3y, consent: agreed, sms_verified: -1d, app_version: 15.8.9}")
    header = header.replace("users:\n", "users:\n  taro: {phone: \"+818000005678\", created: -3y, consent: agreed, "
                                        "sms_verified: -1d}\n")
    run = run_steps("""\
      - send: {from: shop, to: hanako, text: Notice}
      - send: {from: shop, to: taro, text: Notice}
      - expect: {user: hanako, chats: {shop: [{notification: {text: Notice, label: ""}}]}}
      - expect: {user: taro, chats: {shop: [{notification: {text: Notice, label: ""}}]}}
    """, header)
    result = failure(run)
    assert result.index == 3, "hanako's old app shows no label; taro's shows one, so his check fails"
    assert "Important notification" in str(result.mismatches[0].actual)


def test_perform_runs_a_step_from_outside_the_file_like_a_file_step():
    """The TUI's explored sends: step_from_data + perform, position and results untouched (R14 pending)."""
    from flowsim.scenario import ScenarioFileError, step_from_data

    run = run_steps("  - advance: 1m\n")
    step = step_from_data({"send": {"from": "shop", "to": "hanako", "text": "Hi"}, "as": "extra"})
    result = run.perform(step)
    assert result.ok and result.index == -1
    assert run.position == 1 and len(run.results) == 1
    message_id = run.named["extra"].message_id
    assert run.sim.message(message_id).status == "pending"
    bad = run.perform(step_from_data({"send": {"from": "nobody", "to": "hanako", "text": "Hi"}}))
    assert not bad.ok and "nobody" in bad.error
    with pytest.raises(ScenarioFileError, match="did you mean 'text'"):
        step_from_data({"send": {"from": "shop", "to": "hanako", "txt": "Hi"}}, "form")


@pytest.mark.rules("R1", "R2")
def test_api_sees_400_for_a_malformed_hash_and_422_for_an_unmatched_one_R1_R2():
    """A ``to`` of hex digits that is not 64 lowercase hex is sent as written: LINE's 400 naming ``to``, no file error."""
    run = run_steps("""\
      - send: {from: shop, to: 3D06A39D40790F11761295E053029378AE28C4B4F6F301693005E079F3D4CA64, text: hi}
      - expect: {api: {status: 400, message: "to: The value must be a valid SHA-256 digest."}}
      - send: {from: shop, to: c2dfe7f62d024dd78ce795b7d36d7490023bdb4d505e857ecac156789eb7dc44, text: hi}
        as: nobody
      - expect: {api: {status: 422, message: Failed to send messages}, message: {nobody: unmatched}}
      - send: {from: shop, to: hanako, template: {key: shipment_completed_ja}}
      - expect: {api: 202}
      - expect: {api: 200}
    """)
    result = failure(run)
    assert result.index == 6 and result.mismatches[0].actual.status == 202


def test_a_run_for_a_long_lived_driver_keeps_only_the_last_events():
    """``ScenarioRun(keep=N)`` (the HTTP sandbox): the simulation keeps the last N events and messages."""
    sends = "".join("      - send: {from: shop, to: hanako, text: hi}\n" for _ in range(30))
    run = run_steps(sends + "      - advance: 25h\n")  # every message waits, then expires (R22)
    bounded = ScenarioRun(run.scenario, keep=5)
    assert all(r.ok for r in bounded.run_all())
    assert len(bounded.sim.log) == len(run.sim.log) and len(list(bounded.sim.log)) < 10
    assert len(bounded.sim.messages) <= 6 and len(run.sim.messages) == 30
    assert {m.status for m in bounded.sim.messages.values()} == {"expired"}


def test_an_account_not_allowed_templates_gets_403_from_a_template_send():
    """`templates: not_allowed` in official_accounts: the engine answers 403 (docs/rules.md, "What the API answers")."""
    header = HEADER.replace("shop: {name: Example Shop}", "shop: {name: Example Shop, templates: not_allowed}")
    run = run_steps("""\
      - send:
          from: shop
          to: hanako
          template: {key: shipment_completed_ja}
      - expect:
          api: {status: 403, message: not available for your account}
          sent_count: {shop: {flexible: 0, template: 0}}
      - {send: {from: shop, to: hanako, text: still fine}}
      - expect: {api: 200}
    """, header)
    assert all(r.ok for r in run.results), "\n".join(r.report() for r in run.results if not r.ok)
    assert run.sim.official_account("shop").templates == "not_allowed"


def test_templates_takes_only_allowed_or_not_allowed():
    from flowsim.scenario import ScenarioFileError

    with pytest.raises(ScenarioFileError, match="templates"):
        loads_scenario(HEADER.replace("{name: Example Shop}", "{name: Example Shop, templates: never}")
                       + "  - {advance: 1m}\n", "t.yaml")
