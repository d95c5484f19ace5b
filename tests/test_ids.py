"""flowsim.engine.ids.ulid agrees with python-ulid (the library it replaces at run time)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ulid import ULID

from flowsim.engine.ids import ulid


@given(st.integers(0, (1 << 48) - 1), st.integers(0, (1 << 80) - 1))
def test_ulid_matches_python_ulid(millis, randomness):
    expected = str(ULID.from_bytes(millis.to_bytes(6, "big") + randomness.to_bytes(10, "big")))
    assert ulid(millis, randomness) == expected


@pytest.mark.parametrize("millis, randomness", [(-1, 0), (1 << 48, 0), (0, 1 << 80)])
def test_ulid_refuses_out_of_range_parts(millis, randomness):
    with pytest.raises(ValueError, match="48-bit timestamp and 80 random bits"):
        ulid(millis, randomness)



@given(st.integers(0, (1 << 48) - 1), st.lists(st.integers(0, (1 << 80) - 1), min_size=2, max_size=4))
def test_ulids_of_one_millisecond_share_its_time_characters_and_each_matches(millis, randomness):
    """The engine writes several events in one simulated millisecond: the cached time part stays right."""
    made = [ulid(millis, r) for r in randomness]
    assert made == [str(ULID.from_bytes(millis.to_bytes(6, "big") + r.to_bytes(10, "big"))) for r in randomness]
    assert len({m[:10] for m in made}) == 1


def test_ulid_refuses_a_timestamp_that_is_not_an_int_also_after_its_millisecond_was_written():
    ulid(5, 1)  # the time characters of millisecond 5 are kept
    for millis, randomness in ((5.0, 2), (5, 2.0), (True, 2)):
        with pytest.raises((ValueError, TypeError)):
            ulid(millis, randomness)
