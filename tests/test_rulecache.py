"""The checked-rules cache: used when valid, rebuilt (never unpickled) when anything is off."""

import os

import pytest

from mhct_dsl import rulecache
from mhct_dsl.loader import bundled_rules_path, load_ruleset, read_sources


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("MHCT_NO_CACHE", raising=False)
    return tmp_path / "mhct-dsl"


def _sources():
    return read_sources(bundled_rules_path())


def _refuse():
    raise AssertionError("rebuilt although a valid entry was cached")


def test_a_second_load_comes_from_the_cache_and_equals_the_first(cache_home):
    first = load_ruleset()
    assert oct(cache_home.stat().st_mode & 0o777) == "0o700"
    again = rulecache.cached(_sources(), _refuse)
    assert again.fingerprint == first.fingerprint
    assert again.clusters == first.clusters


def _entry(cache_home):
    (entry,) = cache_home.glob("rules-*.pickle")
    return entry


def test_a_tampered_entry_is_rebuilt_not_unpickled(cache_home):
    load_ruleset()
    entry = _entry(cache_home)
    entry.write_bytes(entry.read_bytes() + b"tampered")
    built = []
    rulecache.cached(_sources(), lambda: built.append(1) or load_ruleset(bundled_rules_path()))
    assert built == [1]


def test_an_entry_others_may_write_is_ignored(cache_home):
    load_ruleset()
    os.chmod(cache_home, 0o777)
    built = []
    rulecache.cached(_sources(), lambda: built.append(1) or load_ruleset(bundled_rules_path()))
    assert built == [1]


def test_changed_rule_text_misses_the_cache(cache_home):
    load_ruleset()
    sources = _sources()
    changed = [type(s)(s.within, s.display, s.text + "\n# changed\n") if i == 0 else s
               for i, s in enumerate(sources)]
    built = []
    rulecache.cached(changed, lambda: built.append(1) or load_ruleset(bundled_rules_path()))
    assert built == [1]


def test_a_local_set_over_the_national_rules_is_cached_with_them(cache_home):
    local = bundled_rules_path() / "local"
    first = load_ruleset(local)
    again = rulecache.cached(read_sources(local), _refuse, _sources())
    assert again.fingerprint == first.fingerprint and again.base is not None


def test_a_remembered_value_is_json_and_rebuilt_when_its_files_or_entry_change(cache_home):
    built = []

    def build(value):
        return lambda: built.append(value) or value

    assert rulecache.remembered("kind", [b"a", b"b"], build(["x", 1])) == ["x", 1]
    assert rulecache.remembered("kind", [b"a", b"b"], _refuse) == ["x", 1]
    (entry,) = cache_home.glob("kind-*.json")
    assert b'["x", 1]' in entry.read_bytes()  # JSON, never a pickle
    assert rulecache.remembered("kind", [b"a", b"c"], build(["y"])) == ["y"]  # other files
    assert rulecache.remembered("kind", [b"ab"], build(["z"])) == ["z"]  # parts kept apart
    entry.write_bytes(entry.read_bytes().replace(b'"x"', b'"w"'))  # hash no longer matches
    assert rulecache.remembered("kind", [b"a", b"b"], build(["x", 1])) == ["x", 1]
    os.chmod(cache_home, 0o777)
    assert rulecache.remembered("kind", [b"a", b"b"], build(["v"])) == ["v"]
    assert built == [["x", 1], ["y"], ["z"], ["x", 1], ["v"]]


def test_a_remembered_value_is_rebuilt_when_mhcts_code_changes(cache_home, monkeypatch):
    assert rulecache.remembered("kind", [b"a"], lambda: ["old"]) == ["old"]
    assert rulecache.remembered("kind", [b"a"], _refuse) == ["old"]
    monkeypatch.setattr(rulecache, "_code_digest", lambda: b"another version of mhct")
    assert rulecache.remembered("kind", [b"a"], lambda: ["new"]) == ["new"]
