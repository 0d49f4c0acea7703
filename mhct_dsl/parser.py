"""Text to syntax tree: ``grammar/mhr.lark`` (LALR) plus a Transformer that builds `nodes`.

Lark is confined to this module. Parsing is two steps, as Lark recommends: ``parse()`` with
positions propagated, then ``transform()``, so every node gets a `Span`. Comments are ignored by the
grammar and collected here by a small scan; each is attached to the next commentable node (or kept
as the file's trailing comments), which is what lets the formatter preserve them. Lark's syntax
errors become `Diagnostic`s with a location, the tokens that would have been accepted, and a
"did you mean" when a misspelt keyword is the likely cause.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from importlib import resources
from pathlib import Path

import attrs
from lark import Lark, Token, Transformer, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from . import nodes as n
from .diagnostics import Diagnostic, RuleError, did_you_mean
from .schema import ATTRIBUTE_NAMES

MAX_SOURCE_BYTES = 2_000_000


def grammar_text() -> str:
    """The grammar, from the installed package data or, in a source checkout, ``grammar/``."""
    packaged = resources.files("mhct_dsl") / "_data" / "grammar" / "mhr.lark"
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parent.parent / "grammar" / "mhr.lark").read_text("utf-8")


@functools.cache
def _lark() -> Lark:
    return Lark(grammar_text(), parser="lalr", propagate_positions=True, maybe_placeholders=True)


@functools.cache
def keywords() -> frozenset[str]:
    """Every word the grammar reserves (a NAME may not spell one)."""
    return frozenset(
        t.pattern.value
        for t in _lark().terminals
        if t.pattern.type == "str" and t.pattern.value.replace("_", "").isalpha()
    )


def parse_text(text: str, path: str = "<string>") -> n.RuleFile:
    """Parse one rule file's text; raise `RuleError` with located diagnostics if it is not valid."""
    if len(text) > MAX_SOURCE_BYTES:
        raise RuleError(
            [Diagnostic("file-too-large", f"rule file is larger than {MAX_SOURCE_BYTES} characters",
                        n.Span(path, 1, 1, 1, 1))],
            {path: text},
        )
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as error:
        raise RuleError([_syntax_diagnostic(error, text, path)], {path: text}) from None
    try:
        rule_file = _Build(path).transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, RuleError):
            raise RuleError(error.orig_exc.diagnostics, {path: text}) from None
        raise
    return _attach_comments(rule_file, _comments(text))


# ---- syntax errors ------------------------------------------------------------------------------

_READABLE = {
    "STRING": "a quoted string", "INT": "a number", "NAME": "a name", "LETTER": "a scale letter",
    "DATE": "a date (YYYY-MM-DD)", "UNIT": "a unit (days, weeks, months, years)",
    "COMPARATOR": "a comparison (=, <=, >=, <, >)", "LBRACE": "`{`", "RBRACE": "`}`",
    "COMMA": "`,`", "VBAR": "`|`", "PLUS": "`+`", "$END": "end of file",
}


def _readable(terminal: str) -> str:
    if terminal in _READABLE:
        return _READABLE[terminal]
    for t in _lark().terminals:
        if t.name == terminal and t.pattern.type == "str":
            return f"`{t.pattern.value}`"
    return terminal.lower()


def _expected_hint(expected) -> str | None:
    names = sorted({_readable(t) for t in expected if not t.startswith("__ANON")})
    if not names:
        return None
    if len(names) > 8:
        names = names[:8] + ["..."]
    return "expected " + (names[0] if len(names) == 1 else "one of " + ", ".join(names))


def _syntax_diagnostic(error: UnexpectedInput, text: str, path: str) -> Diagnostic:
    line, column = max(error.line, 1), max(error.column, 1)
    if isinstance(error, UnexpectedCharacters):
        char = text[error.pos_in_stream] if error.pos_in_stream < len(text) else ""
        span = n.Span(path, line, column, line, column + 1)
        if char == '"':
            return Diagnostic("unterminated-string", "unterminated string", span,
                              'a string ends with `"` on the same line; join long text with '
                              'adjacent strings: "first part " "second part"')
        return Diagnostic("unexpected-character", f"unexpected character {char!r}", span,
                          _expected_hint(error.allowed))
    if isinstance(error, UnexpectedEOF) or (
        isinstance(error, UnexpectedToken) and error.token.type == "$END"
    ):
        last = text.rstrip().splitlines() or [""]
        span = n.Span(path, len(last), len(last[-1]) + 1, len(last), len(last[-1]) + 2)
        return Diagnostic("unexpected-eof", "unexpected end of file", span,
                          _expected_hint(error.expected) or "a block is not closed with `}`")
    assert isinstance(error, UnexpectedToken)
    token = error.token
    span = n.Span(path, line, column, token.end_line or line,
                  token.end_column or column + len(str(token)))
    misspelt = _misspelt_keyword(text, line, column, path)
    if misspelt is not None:
        return misspelt
    return Diagnostic("unexpected-token", f"unexpected {_describe(token)}", span,
                      _expected_hint(error.expected))


def _misspelt_keyword(text: str, line: int, column: int, path: str) -> Diagnostic | None:
    """The commonest syntax error is a misspelt keyword: look at the words before the error."""
    lines = text.splitlines()
    full = lines[line - 1] if line <= len(lines) else ""
    word_end = re.match(r"[a-z0-9_]*", full[column - 1:]).end() + column - 1
    source_line = full[:word_end]
    code = re.sub(r'"(\\.|[^"\\])*"?', lambda m: " " * len(m.group()), source_line)
    for match in re.finditer(r"[a-z][a-z0-9_]*", code.split("#", 1)[0]):
        word = match.group()
        if word in keywords() or word in ATTRIBUTE_NAMES:
            continue
        suggestion = did_you_mean(word, keywords())
        if suggestion:
            column = match.start() + 1
            span = n.Span(path, line, column, line, column + len(word))
            return Diagnostic("unknown-keyword", f"`{word}` is not a keyword", span, suggestion)
    return None


def _describe(token: Token) -> str:
    if token.type == "STRING":
        return "string " + (token.value if len(token.value) < 40 else token.value[:37] + '..."')
    if token.type in ("INT", "NAME", "LETTER", "DATE", "UNIT"):
        return f"{_readable(token.type).removeprefix('a ').removeprefix('an ')} `{token.value}`"
    return f"`{token.value}`"


def _token_span(token: Token, path: str) -> n.Span:
    return n.Span(path, token.line, token.column, token.end_line, token.end_column)


# ---- tree to nodes ------------------------------------------------------------------------------


_ESCAPE = re.compile(r"\\(.)")
_ESCAPED = {"n": "\n", "t": "\t"}


def _unescape(literal: str) -> str:
    body = literal[1:-1]
    if "\\" not in body:
        return body
    return _ESCAPE.sub(lambda m: _ESCAPED.get(m.group(1), m.group(1)), body)


def _unit(token: Token) -> str:
    return str(token).removesuffix("s")


@v_args(inline=True, meta=True)
class _Build(Transformer):
    """Builds `nodes` from the parse tree; each method gets the node's `meta` for its span."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def _span(self, meta) -> n.Span | None:
        if getattr(meta, "empty", True):
            return None
        return n.Span(self.path, meta.line, meta.column, meta.end_line, meta.end_column)

    # shared pieces
    def text(self, meta, *strings):
        return "".join(_unescape(s) for s in strings)

    def source(self, meta, kind, note):
        return n.Source(kind, note, span=self._span(meta))

    def provenance(self, meta, token):
        return str(token)

    def duration(self, meta, amount, unit):
        return n.Duration(int(amount), _unit(unit), span=self._span(meta))

    def int_item(self, meta, low, high):
        return list(range(int(low), int(high) + 1)) if high is not None else [int(low)]

    def int_list(self, meta, *items):
        return tuple(value for item in items for value in item)

    def scale_id(self, meta, token):
        return str(token)

    def scale_set(self, meta, *ids):
        return tuple(ids)

    column_kind = quantifier = direction = likelihood = transition_target = tenure = provenance

    # declarations
    def start(self, meta, *declarations):
        return n.RuleFile(self.path, declarations)

    def ruleset(self, meta, name, extends, source, *entries):
        return n.RuleSetDecl(name, extends, entries, source, span=self._span(meta))

    def extends(self, meta, target):
        return str(target) if isinstance(target, Token) else target

    def scale(self, meta, scale_id, title, source, *entries):
        return n.ScaleDecl(scale_id, title, entries, source, span=self._span(meta))

    def fact(self, meta, name, wording, source):
        return n.FactDecl(str(name), wording, source, span=self._span(meta))

    def event(self, meta, name, wording, source):
        return n.EventDecl(str(name), wording, source, span=self._span(meta))

    def cluster(self, meta, number, name, source, *entries):
        return n.ClusterDecl(int(number), name, entries, source, span=self._span(meta))

    def amend(self, meta, number, source, *entries):
        return n.AmendDecl(int(number), entries, source, span=self._span(meta))

    def decision_tree(self, meta, title, source, *groups):
        return n.DecisionTreeDecl(title, groups, source, span=self._span(meta))

    def group(self, meta, name, title, source, *branches):
        return n.Group(str(name), title, branches, source, span=self._span(meta))

    def branch(self, meta, name, title, clusters, source):
        return n.Branch(str(name), title, clusters, source, span=self._span(meta))

    # entries
    def text_attr(self, meta, key, text, source):
        return n.TextAttr(str(key), text, source, span=self._span(meta))

    def word_attr(self, meta, key, word, source):
        return n.WordAttr(str(key), str(word), source, span=self._span(meta))

    def date_attr(self, meta, key, date, source):
        try:
            value = dt.date.fromisoformat(str(date))
        except ValueError:
            raise RuleError([Diagnostic("invalid-date", f"`{date}` is not a calendar date",
                                        _token_span(date, self.path),
                                        "write dates as YYYY-MM-DD")]) from None
        return n.DateAttr(str(key), value, source, span=self._span(meta))

    def rating(self, meta, value, text, source):
        return n.Rating(int(value), text, source, span=self._span(meta))

    def problem_type(self, meta, letter, text, source):
        return n.ProblemType(str(letter), text, source, span=self._span(meta))

    def episode(self, meta, low, high_or_plus, unit, source):
        open_ended = isinstance(high_or_plus, Token) and high_or_plus.type == "PLUS"
        high = None if high_or_plus is None or open_ended else int(high_or_plus)
        return n.Episode(int(low), high, open_ended, _unit(unit), source, span=self._span(meta))

    def review(self, meta, every, source):
        return n.Review(every, source, span=self._span(meta))

    def grid(self, meta, source, *rows):
        return n.Grid(rows, source, span=self._span(meta))

    def grid_row(self, meta, scales, *rest):
        *bands, source = rest
        bands = [] if len(bands) == 1 and isinstance(bands[0], Token) else bands
        return n.GridRow(scales, bands, source, span=self._span(meta))

    def rating_range(self, meta, low, high):
        return (int(low), int(high) if high is not None else int(low))

    def _band(self, colour, meta, rating_range):
        low, high = rating_range
        return n.Band(colour, low, high, span=self._span(meta))

    def red(self, meta, rating_range):
        return self._band("red", meta, rating_range)

    def orange(self, meta, rating_range):
        return self._band("orange", meta, rating_range)

    def yellow(self, meta, rating_range):
        return self._band("yellow", meta, rating_range)

    def column(self, meta, kind, quantifier, source, *criteria):
        if isinstance(quantifier, Token):  # `n/a`
            return n.Column(kind, "n/a", (), source, span=self._span(meta))
        return n.Column(kind, quantifier, criteria, source, span=self._span(meta))

    def criterion(self, meta, wording, source, condition):
        return n.Criterion(wording, condition, source, span=self._span(meta))

    def transitions(self, meta, source, *moves):
        return n.Transitions(moves, source, span=self._span(meta))

    def move(self, meta, direction, *rest):
        *groups, source = rest
        return n.Move(direction, groups, source, span=self._span(meta))

    def likelihood_group(self, meta, likelihood, clusters):
        return (likelihood, clusters)

    def discharge_move(self, meta, _keyword, likelihood, source):
        return n.DischargeMove(likelihood, source, span=self._span(meta))

    # conditions
    def comparison(self, meta, first, second):
        if first.type == "COMPARATOR":
            return n.Comparison(str(first), int(second), span=self._span(meta))
        return n.Comparison("in", int(first), int(second), span=self._span(meta))

    def not_condition(self, meta, operand):
        return n.Not(operand, span=self._span(meta))

    def all_condition(self, meta, _keyword, *operands):
        return n.AllOf(operands, span=self._span(meta))

    def any_condition(self, meta, _keyword, *operands):
        return n.AnyOf(operands, span=self._span(meta))

    def scale_condition(self, meta, scale_id, comparison):
        return n.ScaleIs(scale_id, comparison, span=self._span(meta))

    def remained_condition(self, meta, scale_id, comparison, duration):
        return n.ScaleRemained(scale_id, comparison, duration, span=self._span(meta))

    def stable_condition(self, meta, scale_id, duration):
        return n.ScaleStable(scale_id, duration, span=self._span(meta))

    def fact_condition(self, meta, name):
        return n.FactIs(str(name), span=self._span(meta))

    def event_condition(self, meta, name, duration):
        return n.EventWithin(str(name), duration, absent=False, span=self._span(meta))

    def no_event_condition(self, meta, name, duration):
        return n.EventWithin(str(name), duration, absent=True, span=self._span(meta))

    def tenure_condition(self, meta, scope, duration):
        return n.Tenure(scope, duration, span=self._span(meta))

    def consistently(self, meta, duration):
        return duration

    def fits_cluster_condition(self, meta, clusters, consistently):
        return n.FitsClusters(clusters, consistently, span=self._span(meta))

    def fits_target_condition(self, meta, direction, consistently):
        return n.FitsTransition(direction, consistently, span=self._span(meta))


# ---- comments -----------------------------------------------------------------------------------


_STRING_OR_COMMENT = re.compile(r'"(?:\\.|[^"\\\n])*"?|#[^\n]*')


def _comments(text: str) -> list[tuple[int, int, str]]:
    """(line, column, text) of every ``#`` comment (a ``#`` inside a string is not one)."""
    if "#" not in text:
        return []
    found = []
    for match in _STRING_OR_COMMENT.finditer(text):
        if match.group().startswith("#"):
            start = match.start()
            line_start = text.rfind("\n", 0, start) + 1
            found.append((text.count("\n", 0, start) + 1, start - line_start + 1,
                          match.group().rstrip()))
    return found


def _attach_comments(rule_file: n.RuleFile, comments: list[tuple[int, int, str]]) -> n.RuleFile:
    """Give each comment to the first commentable node that starts after it (document order)."""
    if not comments:
        return rule_file
    pending = list(reversed(comments))

    def visit(node):
        if isinstance(node, tuple):
            return tuple(visit(item) for item in node)
        if not attrs.has(type(node)):
            return node
        changes = {}
        if "comments" in attrs.fields_dict(type(node)) and node.span is not None:
            claimed = []
            while pending and pending[-1][:2] < (node.span.line, node.span.column):
                claimed.append(pending.pop()[2])
            if claimed:
                changes["comments"] = node.comments + tuple(claimed)
        for field in attrs.fields(type(node)):
            if field.name in ("span", "comments"):
                continue
            value = getattr(node, field.name)
            if isinstance(value, tuple) or attrs.has(type(value)):
                new = visit(value)
                if new is not value:
                    changes[field.name] = new
        return attrs.evolve(node, **changes) if changes else node

    visited = visit(rule_file)
    trailing = tuple(text for _, _, text in reversed(pending))
    return attrs.evolve(visited, trailing_comments=visited.trailing_comments + trailing)
