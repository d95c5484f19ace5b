"""save_scenario: atomic, loads back, keeps the notation people write."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest

from flowsim.scenario import ScenarioFileError, ScenarioRun, dump_scenario, load_scenario, save_scenario
from scenario_helpers import DATA


@pytest.mark.parametrize("name", ["flow_b.yaml", "two_users.yaml"])
def test_round_trip_of_a_loaded_file(tmp_path, name):
    original = load_scenario(DATA / name)
    target = tmp_path / "copy.yaml"
    save_scenario(original, target)
    again = load_scenario(target)
    assert again.model_dump() == original.model_dump()
    assert ScenarioRun(again).run_all()[-1].ok
    save_scenario(again, target)
    assert load_scenario(target).model_dump() == original.model_dump()


def test_plain_data_with_python_times(tmp_path):
    """What the TUI builds: datetimes and timedeltas become ISO times and durations."""
    jst = timezone(timedelta(hours=9))
    data = {
        "name": "explored in the TUI",
        "start": datetime(2026, 4, 1, 9, tzinfo=jst),
        "official_accounts": {"shop": {"name": "Example Shop"}},
        "users": {"hanako": {"phone": "+818000001234", "created": timedelta(days=-400),
                             "sms_verified": datetime(2026, 1, 1, tzinfo=jst)}},
        "steps": [
            {"send": {"from": "shop", "to": "hanako", "text": "hi"}, "as": "m"},
            {"advance": timedelta(days=1, hours=12)},
            {"do": "open_consent"},
            {"expect": {"message": {"m": "expired"}}},
        ],
    }
    path = tmp_path / "explored.yaml"
    save_scenario(data, path)
    text = path.read_text()
    assert "created: -400d" in text and "advance: 1d12h" in text
    assert "'2026-04-01T09:00:00+09:00'" in text and "'+818000001234'" in text
    assert "from: shop" in text and "as: m" in text
    scenario = load_scenario(path)
    assert scenario.steps[1].advance == timedelta(days=1, hours=12)


def test_pin_keeps_leading_zero(tmp_path):
    data = {"name": "pins", "users": {"u": {"phone": "+818000001234"}},
            "steps": [{"do": "settings_change_number"}, {"do": "enter_number", "number": "+818011112222"},
                      {"do": "enter_pin", "pin": "012345"}]}
    text = dump_scenario(data)
    assert "pin: '012345'" in text
    assert load_scenario_text(text).steps[2].pin == "012345"


def load_scenario_text(text):
    from flowsim.scenario import loads_scenario

    return loads_scenario(text)


def test_invalid_scenario_is_not_written(tmp_path):
    path = tmp_path / "keep.yaml"
    path.write_text("precious\n")
    with pytest.raises(ScenarioFileError) as info:
        save_scenario({"name": "x", "steps": [{"do": "agre"}]}, path)
    assert "did you mean 'agree'" in str(info.value) and str(path) in str(info.value)
    assert path.read_text() == "precious\n"
    assert os.listdir(tmp_path) == ["keep.yaml"]  # no temporary file left behind


def test_write_is_atomic_replace(tmp_path, monkeypatch):
    path = tmp_path / "s.yaml"
    save_scenario(load_scenario(DATA / "flow_b.yaml"), path)
    before = path.read_text()
    calls = []
    real_replace = os.replace

    def failing_replace(src, dst):
        calls.append((src, dst))
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        save_scenario(load_scenario(DATA / "two_users.yaml"), path)
    monkeypatch.setattr(os, "replace", real_replace)
    assert path.read_text() == before
    assert calls and os.path.dirname(calls[0][0]) == str(tmp_path)
    assert os.listdir(tmp_path) == ["s.yaml"]


def test_saved_file_gets_the_usual_mode_not_mkstemps_0600(tmp_path):
    """A new file is created as open() would (0666 & ~umask); a replaced file keeps its mode."""
    import stat

    old = os.umask(0o022)
    try:
        new = tmp_path / "new.yaml"
        save_scenario(load_scenario(DATA / "flow_b.yaml"), new)
        assert stat.S_IMODE(new.stat().st_mode) == 0o644
        shared = tmp_path / "shared.yaml"
        shared.write_text("x\n")
        shared.chmod(0o664)
        save_scenario(load_scenario(DATA / "flow_b.yaml"), shared)
        assert stat.S_IMODE(shared.stat().st_mode) == 0o664
    finally:
        os.umask(old)


def test_sub_second_durations_are_saved_exactly(tmp_path):
    path = tmp_path / "fast.yaml"
    save_scenario({"name": "fast", "steps": [{"advance": timedelta(milliseconds=500)},
                                             {"advance": timedelta(seconds=1, microseconds=250)}]}, path)
    assert "advance: 500ms" in path.read_text() and "advance: 1s250us" in path.read_text()
    assert [s.advance for s in load_scenario(path).steps] == [timedelta(milliseconds=500),
                                                              timedelta(seconds=1, microseconds=250)]


def test_saving_over_a_symlink_writes_its_target(tmp_path):
    real = tmp_path / "shared" / "real.yaml"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    save_scenario(load_scenario(DATA / "flow_b.yaml"), link)
    assert link.is_symlink() and load_scenario(real).name == load_scenario(DATA / "flow_b.yaml").name
    assert sorted(os.listdir(real.parent)) == ["real.yaml"] and sorted(os.listdir(tmp_path)) == ["link.yaml", "shared"]


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()],
                         ids=["disk-full", "interrupted"])
def test_a_failed_save_names_the_file_and_leaves_no_temporary(tmp_path, monkeypatch, failure):
    path = tmp_path / "s.yaml"

    def fsync(fd):
        raise failure

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(type(failure)) as info:
        save_scenario(load_scenario(DATA / "flow_b.yaml"), path)
    if isinstance(failure, OSError):
        assert str(info.value) == f"[Errno 28] cannot save the scenario (No space left on device): '{path}'"
        assert ".tmp" not in str(info.value)
    assert os.listdir(tmp_path) == []
