"""Hostile rule files (issue 12, findings 7-12): confined, bounded, located, never half-written.

The checker's new diagnostics are pinned by golden files too (too-deep, too-deep-syntax,
duration-too-long, inverted-cluster-range, list-too-long, number-too-large, amend-without-header,
tab-form-feed-and-line-separator, missing-ruleset); these tests cover what needs files, links or
the CLI.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mhct_dsl import parse_errors, safefile
from mhct_dsl.cli import main
from mhct_dsl.diagnostics import RuleError
from mhct_dsl.loader import load_ruleset
from mhct_dsl.parser import parse_text

HERE = Path(__file__).parent
PRELUDE = (HERE / "golden" / "prelude.mhr").read_text()
CANONICAL = (HERE.parent / "rules" / "ruleset.mhr").read_text()  # `make test` keeps it canonical
SECRET = "SECRET-LINE-do-not-echo"


def local(extends: str) -> str:
    return f'ruleset "Local" extends {extends} source local "ref" {{\n    version "1"\n}}\n'


def diagnostics_of(path) -> tuple[list[str], str]:
    with pytest.raises(RuleError) as caught:
        load_ruleset(path)
    return [d.code for d in caught.value.diagnostics], caught.value.render()


@pytest.fixture
def outside(tmp_path) -> Path:
    """A directory beside the rule set's tree holding a rule file and a non-rule file."""
    where = tmp_path / "outside"
    where.mkdir()
    (where / "base.mhr").write_text(f"# {SECRET}\n{PRELUDE}")
    (where / "notes.txt").write_text(f"{SECRET}\n")
    return where


@pytest.fixture
def tree(tmp_path) -> Path:
    where = tmp_path / "tree"
    where.mkdir()
    return where


# ---- 7. extends reads only rule sets inside the named tree --------------------------------------


@pytest.mark.parametrize("target", ['"/etc/passwd"', '"/proc/self/environ"', '"C:\\\\x.mhr"'])
def test_7_absolute_paths_are_refused_unread(tree, target):
    (tree / "local.mhr").write_text(local(target))
    codes, text = diagnostics_of(tree)
    assert codes == ["invalid-base"] and "is an absolute path" in text
    assert "root:" not in text and "PATH=" not in text


def test_7_dotdot_out_of_the_tree_is_refused(tree, outside):
    (tree / "local.mhr").write_text(local('"../outside/base.mhr"'))
    codes, text = diagnostics_of(tree)
    assert codes == ["invalid-base"] and "leaves the directory tree" in text
    assert SECRET not in text


def test_7_a_symlink_out_of_the_tree_is_refused(tree, outside):
    (tree / "base").symlink_to(outside, target_is_directory=True)
    (tree / "local.mhr").write_text(local('"base"'))
    codes, text = diagnostics_of(tree)
    assert codes == ["invalid-base"] and "leaves the directory tree" in text
    assert SECRET not in text


def test_7_a_non_rule_file_in_the_tree_is_never_read(tree):
    (tree / "notes.txt").write_text(f"{SECRET}\n")
    (tree / "local.mhr").write_text(local('"notes.txt"'))
    codes, text = diagnostics_of(tree / "local.mhr")
    assert codes == ["invalid-base"] and "is not a .mhr rule file" in text
    assert SECRET not in text


def test_7_a_rule_file_linked_from_outside_is_not_read(tree, outside):
    (tree / "local.mhr").write_text(PRELUDE)
    (tree / "stolen.mhr").symlink_to(outside / "notes.txt")
    codes, text = diagnostics_of(tree)
    assert codes == ["invalid-path"] and "stolen.mhr: a link to a file outside" in text
    assert SECRET not in text


def test_7_a_base_inside_the_tree_is_loaded(tree):
    (tree / "base").mkdir()
    (tree / "base" / "prelude.mhr").write_text(PRELUDE)
    (tree / "local.mhr").write_text(local('"base/../base"'))
    assert load_ruleset(tree / "local.mhr").base.name == "Test booklet"


def test_7_naming_a_non_rule_file_is_refused_unread(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text(f"{SECRET}\n")
    assert main(["check", str(tmp_path / "notes.txt")]) == 1
    err = capsys.readouterr().err
    assert "not a .mhr rule file" in err and SECRET not in err


# ---- 8. nesting: located, never a RecursionError ------------------------------------------------


@pytest.mark.parametrize("condition", ["not " * 1000 + "fact detained_mha",
                                       "all { " * 10000 + "fact detained_mha" + " }" * 10000])
def test_8_deep_nesting_is_a_located_error(tree, capsys, condition):
    (tree / "r.mhr").write_text(PRELUDE.replace("not fact detained_mha", condition, 1))
    assert main(["check", str(tree)]) == 1
    err = capsys.readouterr().err
    assert "r.mhr:215:" in err and "error: nested more than 100 levels deep" in err


# ---- 9. ranges: inverted is rejected alike wherever it is written -------------------------------


def test_9_inverted_ranges_read_alike_in_fits_and_in_scale_comparisons(tree):
    def first(condition):
        (tree / "r.mhr").write_text(PRELUDE.replace("not fact detained_mha", condition, 1))
        with pytest.raises(RuleError) as caught:
            load_ruleset(tree)
        d = caught.value.diagnostics[0]
        return d.code, d.message, d.hint

    assert first("fits cluster 3..1") == ("inverted-range", "range 3..1 is inverted", "write 1..3")
    assert first("scale 7 in 4..0") == ("inverted-range", "range 4..0 is inverted", "write 0..4")


# ---- 10. fmt: atomic, named, goes on, inside the tree -------------------------------------------


def messy() -> str:
    return PRELUDE.replace("    version", "      version")


def test_10_a_failed_write_leaves_the_file_whole_and_the_others_formatted(tree, capsys,
                                                                          monkeypatch):
    (tree / "a.mhr").write_text(messy())
    (tree / "b.mhr").write_text(messy())
    real_replace = os.replace

    def replace(source, target):
        if Path(target).name == "a.mhr":
            raise OSError(28, "No space left on device")
        real_replace(source, target)
    monkeypatch.setattr(safefile.os, "replace", replace)
    assert main(["fmt", str(tree / "a.mhr"), str(tree / "b.mhr")]) == 1
    err = capsys.readouterr().err
    assert f"mhct: {tree / 'a.mhr'}: No space left on device" in err
    assert "2 file(s): 1 reformatted, 1 with errors" in err
    assert (tree / "a.mhr").read_text() == messy()
    assert (tree / "b.mhr").read_text() != messy()
    assert sorted(p.name for p in tree.iterdir()) == ["a.mhr", "b.mhr"]  # no temporary left


def test_10_fmt_never_writes_through_a_symlink(tree, outside, capsys):
    (outside / "base.mhr").write_text(messy())
    (tree / "inside.mhr").write_text(messy())
    (tree / "link.mhr").symlink_to(tree / "inside.mhr")
    (tree / "out.mhr").symlink_to(outside / "base.mhr")
    assert main(["fmt", str(tree)]) == 1
    assert "a link to a file outside" in capsys.readouterr().err
    assert main(["fmt", str(tree / "link.mhr"), str(tree / "out.mhr")]) == 1
    assert "a symbolic link; not rewritten" in capsys.readouterr().err
    assert (outside / "base.mhr").read_text() == messy()
    assert (tree / "inside.mhr").read_text() == messy() and (tree / "link.mhr").is_symlink()


def test_10_fmt_keeps_the_file_mode(tree):
    (tree / "r.mhr").write_text(messy())
    (tree / "r.mhr").chmod(0o640)
    assert main(["fmt", str(tree / "r.mhr")]) == 0
    assert (tree / "r.mhr").stat().st_mode & 0o777 == 0o640


# ---- 11. a "did you mean" is bounded ------------------------------------------------------------


def test_11_keyword_suggestion_looks_at_a_few_words_only(monkeypatch):
    calls = []
    real = parse_errors.did_you_mean

    def counting(word, choices):
        calls.append(word)
        return real(word, choices)
    monkeypatch.setattr(parse_errors, "did_you_mean", counting)
    text = 'ruleset "x" { version "1" }\ncluster 1 "a" { ' + "descripton abc " * 20000 + "clster }"
    with pytest.raises(RuleError) as caught:
        parse_text(text, "x.mhr")
    assert caught.value.diagnostics[0].message == "`clster` is not a keyword"
    assert len(calls) <= parse_errors.SUGGEST_WORDS
    assert len(caught.value.render().split("\n")[1]) < 200  # the source line is a window


# ---- 12. encodings, cycles ----------------------------------------------------------------------


def test_12_a_byte_order_mark_is_accepted_and_fmt_drops_it(tree, capsys):
    (tree / "r.mhr").write_bytes(b"\xef\xbb\xbf" + PRELUDE.encode())
    assert load_ruleset(tree).name == "Test booklet"
    (tree / "r.mhr").write_bytes(b"\xef\xbb\xbf" + CANONICAL.encode())
    assert main(["fmt", "--check", str(tree)]) == 1
    assert main(["fmt", str(tree)]) == 0
    assert (tree / "r.mhr").read_bytes() == CANONICAL.encode()


def test_12_non_utf8_is_located_and_fmt_goes_on(tree, capsys):
    (tree / "a.mhr").write_bytes(PRELUDE.replace('"T1"', '"T1 \xe9"').encode("latin-1"))
    (tree / "b.mhr").write_text(CANONICAL.replace("\n    version", "\n        version"))
    assert main(["fmt", str(tree)]) == 1
    err = capsys.readouterr().err
    assert "a.mhr:2:17: error: byte 0xe9 is not UTF-8 text" in err
    assert "hint: save the file as UTF-8" in err
    assert (tree / "b.mhr").read_text() == CANONICAL


def test_12_a_cycle_through_a_directory_is_reported_once(tree):
    (tree / "sub").mkdir()
    (tree / "sub" / "r.mhr").write_text(local('"../top.mhr"'))
    (tree / "top.mhr").write_text(local('"sub"'))
    codes, text = diagnostics_of(tree / "top.mhr")
    assert codes == ["extends-cycle"] and text.count("makes a cycle") == 1
    assert "`extends` makes a cycle: top.mhr -> sub -> top.mhr" in text
