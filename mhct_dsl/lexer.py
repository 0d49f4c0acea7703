"""A Pygments lexer for ``.mhr`` rule files (registered as the ``mhr`` Pygments lexer).

The booklet pages highlight formal conditions with it, and any Pygments-based tool (an editor, a
documentation build, ``pygmentize -l mhr``) can use it. It follows ``grammar/mhr.lark``'s tokens:
keywords, provenance kinds, colours and likelihoods are told apart so that a reader sees at a
glance what is booklet text, what is logic and where a rule says where it came from.
"""

from __future__ import annotations

from pygments.lexer import RegexLexer, words
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Text

DECLARATIONS = ("ruleset", "extends", "scale", "fact", "event", "cluster", "amend",
                "decision_tree", "group", "branch", "clusters", "grid", "transitions", "rating",
                "problem_type", "episode", "review", "every", "team", "mhct")
LOGIC = ("not", "all", "any", "one", "remained", "stable", "for", "within", "no", "in", "fits",
         "consistently", "n/a", "max")
AMENDMENTS = ("add", "replace", "remove", "quantifier")
COLUMNS = ("step_up", "step_down", "discharge", "in_service", "in_cluster", "with_team")
BANDS = ("red", "orange", "yellow", "none", "up", "same", "down", "likely", "possible", "rare")
PROVENANCE = ("source", "booklet", "reconstructed", "local", "national")


class MhrLexer(RegexLexer):
    """Lexer for the mhct-dsl rule language (``.mhr``)."""

    name = "MHR"
    aliases = ["mhr", "mhct"]
    filenames = ["*.mhr"]
    mimetypes = ["text/x-mhr"]

    tokens = {
        "root": [
            (r"\s+", Text),
            (r"#[^\n]*", Comment.Single),
            (r'"', String.Double, "string"),
            (words(PROVENANCE, suffix=r"\b"), Keyword.Pseudo),
            (words(AMENDMENTS, suffix=r"\b"), Keyword.Reserved),
            (words(COLUMNS, suffix=r"\b"), Name.Builtin),
            (words(BANDS, suffix=r"\b"), Name.Constant),
            (r"n/a\b", Keyword),
            (words(LOGIC + DECLARATIONS, suffix=r"\b"), Keyword),
            (r"(days?|weeks?|months?|years?)\b", Keyword.Type),
            (r"\d{4}-\d{2}-\d{2}", Number.Other),
            (r"\d+", Number.Integer),
            (r"<=|>=|=|<|>|\.\.|\+|\|", Operator),
            (r"[{}(),]", Punctuation),
            (r"[A-Z]\b", Number.Integer),
            (r"[a-z][a-z0-9_]*", Name.Variable),
            (r".", Text),
        ],
        "string": [
            (r'[^"\\\n]+', String.Double),
            (r"\\.", String.Escape),
            (r'"', String.Double, "#pop"),
            (r"\n", Text, "#pop"),
        ],
    }
