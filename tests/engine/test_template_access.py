"""An official account LINE has not granted the template endpoint (``templates: not_allowed``): 403, nothing sent.

LINE's API reference (Messaging API status codes and error messages): 403 and
``Access to this API is not available for your account`` when a channel calls
an API it has no permission for.  The check comes before the body's content
(docs/rules.md, "What the API answers").
"""

from __future__ import annotations

import pytest

from flowsim import InvalidValueError, UnknownOfficialAccountError
from flowsim.engine import FORBIDDEN, FORBIDDEN_MESSAGE
from flowsim.engine.events import ApiCalled

from .helpers import HANAKO, add_user, sha

BODY = {"emphasizedItem": {"itemKey": "date_002_ja", "content": "4月2日"},
        "items": [{"itemKey": "number_001_ja", "content": "1234-5678"}]}


@pytest.fixture
def world(sim):
    add_user(sim, "hanako", HANAKO, consent="agreed", sms=True)
    sim.set_templates("shop", "not_allowed")
    return sim


def test_a_template_send_is_403_and_nothing_happens(world):
    before = len(world.messages)
    result = world.send_template("shop", sha(HANAKO), "shipment_completed_ja", BODY)
    assert (result.status, result.body(), result.message_id) == (403, {"message": FORBIDDEN_MESSAGE}, None)
    assert (FORBIDDEN, result.ok) == (403, False)
    assert len(world.messages) == before and world.webhooks["shop"] == [] and world.sent_count("shop")["template"] == 0
    (called,) = [e for e in world.log if type(e) is ApiCalled]
    assert (called.status, called.error, called.message_kind) == (403, FORBIDDEN_MESSAGE, "template")


def test_the_permission_is_checked_before_the_content_and_flexible_is_untouched(world):
    assert world.send_template("shop", "not a hash", "no_such_key").status == 403
    assert world.send_flexible("shop", sha(HANAKO), [{"type": "text", "text": "x"}]).status == 200
    world.set_templates("shop", "allowed")
    assert world.send_template("shop", sha(HANAKO), "shipment_completed_ja", BODY).status == 202


def test_the_setting_is_validated(sim):
    assert sim.official_account("shop").templates == "allowed"
    with pytest.raises(InvalidValueError, match="expected one of: allowed, not_allowed"):
        sim.set_templates("shop", "no")
    with pytest.raises(UnknownOfficialAccountError):
        sim.set_templates("nope", "allowed")
    with pytest.raises(InvalidValueError, match="templates"):
        sim.add_official_account("bank", templates="never")
    assert sim.add_official_account("bank", templates="not_allowed").templates == "not_allowed"
