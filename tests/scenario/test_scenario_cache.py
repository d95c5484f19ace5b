"""The cache of validated files (flowsim/scenario/cache.py): used, invalidated, never an error.

No timings here (bench/scenarios.py measures them): what is checked is that a
second run reads its files from the cache, that any change of a file, of the
catalogue or of flowsim loads in full, that errors are the full path's, and
that a damaged, foreign or unwritable cache is ignored.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest
from click.testing import CliRunner

import flowsim
from flowsim.cli import main
from flowsim.engine import Catalogue
from flowsim.scenario import cache as cache_module
from flowsim.scenario.cache import MAGIC, ScenarioCache
from flowsim.scenario.commands import run_paths
from flowsim.scenario.errors import ScenarioFileError
from flowsim.scenario.loader import load_scenario
from scenario_helpers import DATA, FLOW_B_TO_PIN, HEADER

FLOW_B = HEADER.replace("created: -3y", "created: -400d") + """\
  - send: {from: shop, to: hanako, text: Your parcel ships today, tag: order-0001-shipped-ok}
    as: parcel
  - expect: {line_chat: [received, setup], message: {parcel: pending}, pending: 1}
""" + FLOW_B_TO_PIN + """\
  - expect:
      chats: {shop: [{notification: {text: parcel}}]}
      message: {parcel: delivered}
      webhooks: {shop: [{type: delivery, data: order-0001-shipped-ok}]}
      sent_count: {shop: {flexible: 1, template: 0}}
      api: 200
  - advance: 24h
"""


@pytest.fixture(autouse=True)
def own_key_folder(tmp_path_factory, monkeypatch):
    """The signing key in a folder of the test's, not the user's ~/.cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg")))


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "flow_b.yaml").write_text(FLOW_B)
    (folder / "wait.yaml").write_text(HEADER.replace("name: test", "name: wait") + "  - advance: 1h\n")
    return folder


def run(corpus: Path, cache_dir: Path, catalogue: Catalogue | None = None) -> tuple[int, list[str], ScenarioCache]:
    cache = ScenarioCache([str(corpus)], catalogue=catalogue, directory=cache_dir)
    lines: list[str] = []
    code = run_paths([str(corpus)], echo=lines.append, cache=cache, catalogue=catalogue)
    return code, lines, cache


def test_a_second_run_reads_the_cache_and_gives_the_same_output(corpus, tmp_path):
    cache_dir = tmp_path / "cache"
    code, first, cache = run(corpus, cache_dir)
    assert (code, cache.hits, cache.misses) == (0, 0, 2)
    assert (cache_dir / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (cache_dir / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    code, second, cache = run(corpus, cache_dir)
    assert (code, cache.hits, cache.misses) == (0, 2, 0)
    assert second == first == [f"PASS test ({corpus / 'flow_b.yaml'})", f"PASS wait ({corpus / 'wait.yaml'})",
                               "2 passed, 0 failed"]


def test_a_cached_scenario_is_the_scenario_the_loader_gives(corpus, tmp_path):
    run(corpus, tmp_path / "cache")
    cache = ScenarioCache([str(corpus)], directory=tmp_path / "cache")
    path = str(corpus / "flow_b.yaml")
    cached, loaded = cache.load(path), load_scenario(path)
    cache.close()
    assert cache.hits == 1
    assert cached == loaded and cached is not loaded
    assert cached.path == loaded.path == path
    assert [s.line for s in cached.steps] == [s.line for s in loaded.steps]
    assert [s.user_id for s in cached.steps] == [s.user_id for s in loaded.steps]
    assert [vars(s) for s in cached.steps] == [vars(s) for s in loaded.steps]  # _to, _user, _line ...
    assert vars(cached.users["hanako"]) == vars(loaded.users["hanako"])  # _e164
    assert cached.model_fields_set == loaded.model_fields_set
    assert cached.model_dump() == loaded.model_dump()


def test_a_changed_file_loads_in_full_and_its_error_is_the_loaders(corpus, tmp_path):
    cache_dir = tmp_path / "cache"
    run(corpus, cache_dir)
    (corpus / "wait.yaml").write_text(HEADER + "  - advance: 1h\n")  # another name: other bytes
    code, lines, cache = run(corpus, cache_dir)
    assert (code, cache.hits, cache.misses) == (0, 1, 1)
    assert f"PASS test ({corpus / 'wait.yaml'})" in lines
    (corpus / "wait.yaml").write_text(HEADER + "  - advance: 1 hour\n")
    with pytest.raises(ScenarioFileError) as full:
        load_scenario(corpus / "wait.yaml")
    for _ in range(2):  # an invalid file is never kept: the same error every time
        code, lines, cache = run(corpus, cache_dir)
        assert (code, cache.hits, cache.misses) == (2, 1, 1)
        assert f"ERROR {full.value}" in lines
    assert str(full.value).startswith(f"{corpus / 'wait.yaml'}:8:14: steps[0].advance: invalid duration '1 hour'")


def test_a_change_of_the_catalogue_or_of_flowsim_loads_in_full(corpus, tmp_path, monkeypatch):
    cache_dir = tmp_path / "cache"
    run(corpus, cache_dir)
    extra = Catalogue.default().extended(Catalogue.from_text('[JP.templates]\nmy_key_ja = "Mine"\n'))
    code, _, cache = run(corpus, cache_dir, catalogue=extra)
    assert (code, cache.hits, cache.misses) == (0, 0, 2)
    assert run(corpus, cache_dir, catalogue=extra)[2].hits == 2
    monkeypatch.setattr(flowsim, "__version__", flowsim.__version__ + ".dev1")
    assert run(corpus, cache_dir, catalogue=extra)[2].misses == 2


def test_the_fingerprint_covers_the_code_and_data_loading_runs_on(tmp_path, monkeypatch):
    sources = {p.relative_to(cache_module._PACKAGE).as_posix() for p in cache_module._sources()}
    assert {"scenario/models.py", "scenario/loader.py", "scenario/checks.py", "scenario/types.py",
            "engine/vocabulary.py", "engine/actions.py", "engine/data/catalogue.toml"} <= sources
    before = cache_module.fingerprint()
    (tmp_path / "engine").mkdir()
    (tmp_path / "engine" / "rules.py").write_text("# another rule\n")
    monkeypatch.setattr(cache_module, "_PACKAGE", tmp_path)
    assert cache_module.fingerprint() != before


def test_a_file_without_start_is_not_kept(corpus, tmp_path):
    (corpus / "now.yaml").write_text(HEADER.replace("start: 2026-04-01T09:00:00+09:00\n", "")
                                     .replace("name: test", "name: now") + "  - advance: 1h\n")
    run(corpus, tmp_path / "cache")
    code, _, cache = run(corpus, tmp_path / "cache")
    assert (code, cache.hits, cache.misses) == (0, 2, 1)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "header only", "signed foreign pickle", "other header",
                                    "signed, not a dict", "another key", "changed after signing"])
def test_a_damaged_or_foreign_cache_is_ignored_and_replaced(corpus, tmp_path, damage):
    cache_dir = tmp_path / "cache"
    _, expected, cache = run(corpus, cache_dir)
    good = cache.file.read_bytes()
    header = cache.header
    blob = good[len(header) + 32:]
    planted = tmp_path / "planted"
    key = cache_module.signing_key()
    assert key is not None

    def signed(content: bytes, with_key: bytes = key) -> bytes:
        return header + cache_module._sign(with_key, header, content) + content

    assert signed(blob) == good
    damaged = {
        "garbage": header + os.urandom(200),
        "truncated": good[: len(good) // 2],
        "header only": header,
        # Even signed with the right key, a pickle that would run a command is refused: the
        # cache's reader accepts only the scenario models.
        "signed foreign pickle": signed(pickle.dumps({str(corpus / "wait.yaml"): (b"x", _Evil(str(planted)))})),
        "other header": MAGIC + b"0" * 40 + good[len(header):],
        "signed, not a dict": signed(pickle.dumps([1, 2, 3])),
        # A cache made elsewhere (committed with a checkout) is not trusted here.
        "another key": signed(blob, os.urandom(32)),
        "changed after signing": good[:-1] + bytes([good[-1] ^ 1]),
    }[damage]
    cache.file.write_bytes(damaged)
    code, lines, cache = run(corpus, cache_dir)
    assert (code, lines, cache.hits, cache.misses) == (0, expected, 0, 2)
    assert not planted.exists()
    assert cache.file.read_bytes().startswith(header) and run(corpus, cache_dir)[2].hits == 2


class _Evil:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def test_the_key_is_the_users_own_and_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    key = cache_module.signing_key()
    path = tmp_path / "xdg" / "flowsim" / "scenario-cache.key"
    assert key is not None and len(key) == 32 and path.read_bytes() == key
    assert path.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert cache_module.signing_key() == key


def test_without_a_key_no_cache_is_written_and_the_run_is_the_same(corpus, tmp_path, monkeypatch):
    blocker = tmp_path / "not a folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    code, lines, cache = run(corpus, tmp_path / "cache")
    assert code == 0 and lines[-1] == "2 passed, 0 failed" and not cache.file.exists()


def test_an_unwritable_cache_is_no_error(corpus, tmp_path):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder would be")
    code, lines, cache = run(corpus, blocker)
    assert code == 0 and lines[-1] == "2 passed, 0 failed"
    assert blocker.read_text() == "a file where the cache folder would be"


def test_flowsim_run_uses_the_cache_in_the_current_folder_and_its_flags(corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    first = runner.invoke(main, ["run", "--no-cache", "scenarios"], catch_exceptions=False)
    assert first.exit_code == 0 and not (tmp_path / ".flowsim_cache").exists()
    second = runner.invoke(main, ["run", "scenarios"], catch_exceptions=False)
    assert second.output == first.output
    kept = list((tmp_path / ".flowsim_cache" / "scenarios").glob("*.pickle"))
    assert len(kept) == 1
    assert ScenarioCache(["scenarios"]).file.resolve() == kept[0].resolve()
    cache = ScenarioCache(["scenarios"])
    cache.load(os.path.join("scenarios", "wait.yaml"))
    cache.close()
    assert cache.hits == 1
    cleared = runner.invoke(main, ["run", "--cache-clear", "scenarios"], catch_exceptions=False)
    assert cleared.output == first.output
    cache = ScenarioCache(["scenarios"])
    assert cache._entries().keys() == {os.path.join("scenarios", "flow_b.yaml"), os.path.join("scenarios", "wait.yaml")}
    cache.close()
    ScenarioCache.clear()
    assert not list((tmp_path / ".flowsim_cache" / "scenarios").glob("*.pickle"))


def test_the_shipped_corpus_is_kept_whole(tmp_path):
    """Every shipped scenario (they all have start:) round-trips through the cache."""
    corpus = Path(__file__).parents[2] / "scenarios"
    cache = ScenarioCache([str(corpus)], directory=tmp_path)
    assert run_paths([str(corpus)], echo=lambda line: None, cache=cache) == 0
    again = ScenarioCache([str(corpus)], directory=tmp_path)
    assert run_paths([str(corpus)], echo=lambda line: None, cache=again) == 0
    assert again.misses == 0 and again.hits == cache.misses > 40


def test_old_cache_files_are_pruned(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_module, "MAX_FILES", 2)
    (tmp_path / "s").mkdir()
    for i in range(4):
        path = tmp_path / "s" / f"{i}.yaml"
        path.write_text(HEADER + "  - advance: 1h\n")
        cache = ScenarioCache([str(path)], directory=tmp_path / "cache")
        run_paths([str(path)], echo=lambda line: None, cache=cache)
        os.utime(cache.file, ns=(i * 10**9, i * 10**9))
    assert len(list((tmp_path / "cache" / "scenarios").glob("*.pickle"))) == 2


def test_data_folder_runs_the_same_with_and_without_the_cache(tmp_path):
    plain: list[str] = []
    assert run_paths([str(DATA)], echo=plain.append) == 0
    for _ in range(2):
        lines: list[str] = []
        run_paths([str(DATA)], echo=lines.append, cache=ScenarioCache([str(DATA)], directory=tmp_path))
        assert lines == plain


def test_gc_is_left_as_it_was(corpus, tmp_path):
    """The cache's scenarios are frozen (kept from the collector) while the run lasts, then unfrozen."""
    import gc

    run(corpus, tmp_path / "cache")
    gc.unfreeze()
    cache = ScenarioCache([str(corpus)], directory=tmp_path / "cache")
    cache.load(str(corpus / "wait.yaml"))
    assert gc.get_freeze_count() > 0 and gc.isenabled()
    cache.close()
    assert gc.get_freeze_count() == 0
    run(corpus, tmp_path / "cache")
    assert gc.get_freeze_count() == 0 and gc.isenabled()



def test_an_action_registered_at_run_time_changes_the_fingerprint(monkeypatch):
    """actions.register (for extensions) changes what the schema accepts without a file changing."""
    from flowsim.engine import ACTION_ARGS
    from flowsim.scenario.cache import fingerprint

    before = fingerprint()
    monkeypatch.setitem(ACTION_ARGS, "wave", ())
    assert fingerprint() != before
