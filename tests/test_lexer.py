"""The ``.mhr`` Pygments lexer: registered by entry point, lexes every rule file without errors."""

from __future__ import annotations

from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Error, Keyword, Name, String

from mhct_dsl.lexer import MhrLexer
from mhct_dsl.loader import bundled_rules_path, rule_files


def test_registered_with_pygments_by_name_and_file_name():
    assert isinstance(get_lexer_by_name("mhr"), MhrLexer)
    assert isinstance(get_lexer_for_filename("cluster-11.mhr"), MhrLexer)


def test_every_bundled_rule_file_lexes_without_error_tokens():
    for path in rule_files(bundled_rules_path()):
        text = path.read_text("utf-8")
        tokens = list(MhrLexer().get_tokens(text))
        assert [v for t, v in tokens if t in Error] == [], path
        assert "".join(v for _, v in tokens) == text  # Pygments keeps every character


def test_tokens_tell_keywords_columns_provenance_and_text_apart():
    source = 'discharge all { "Scores 0-1" source local "Board 7" scale 12 in 0..1 }\n'
    tokens = [(t, v) for t, v in MhrLexer().get_tokens(source) if v.strip()]
    assert tokens[:2] == [(Name.Builtin, "discharge"), (Keyword, "all")]
    assert (Keyword.Pseudo, "source") in tokens and (Keyword.Pseudo, "local") in tokens
    assert (String.Double, "Scores 0-1") in tokens
