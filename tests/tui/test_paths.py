"""Paths on screen do not depend on where the project is checked out (the snapshots depend on it)."""

from pathlib import Path

from flowsim.tui.app import display_path


def test_paths_under_the_working_directory_are_relative(tmp_path, monkeypatch):
    (tmp_path / "scenarios" / "flow_b").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert display_path(tmp_path / "scenarios" / "flow_b") == "scenarios/flow_b"
    assert display_path(Path("scenarios")) == "scenarios"
    assert display_path(tmp_path) == "."


def test_paths_under_home_use_a_tilde(tmp_path, monkeypatch):
    home, elsewhere = tmp_path / "home", tmp_path / "work"
    (home / "qa").mkdir(parents=True)
    elsewhere.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(elsewhere)
    assert display_path(home / "qa") == "~/qa"
    assert display_path(home) == "~"
    assert display_path(tmp_path) == str(tmp_path.resolve())
