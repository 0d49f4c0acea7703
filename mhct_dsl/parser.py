"""Text to syntax tree: ``grammar/mhr.lark`` (LALR) and a builder that makes `nodes`.

Lark is confined to this module and `parse_errors` (which turns a failed parse into diagnostics).
Parsing is two steps: Lark's ``parse()`` keeping every token, then a direct walk (`_Build`) that
gives each node a `Span` from the first and last token under it and drops the anonymous tokens
(keywords, braces) before calling the rule's builder: what Lark's ``propagate_positions`` plus a
``Transformer`` would do, at well under half the cost.
Comments are ignored by the grammar and found by a small scan; each is attached to the next
commentable node (or kept as the file's trailing comments), which lets the formatter keep them. A
file that fails to parse goes to `parse_errors.syntax_errors` for its diagnostics.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from importlib import resources
from pathlib import Path

import attrs
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from . import nodes as n
from .diagnostics import Diagnostic, RuleError
from .parse_errors import syntax_errors

MAX_SOURCE_BYTES = 2_000_000
# Bounds that keep every later stage (checker, formatter, evaluation) within Python's recursion
# limit and memory: nesting of the syntax tree, digits of a number, numbers in a list or range.
MAX_NESTING = 100
MAX_DIGITS = 9
MAX_LIST = 100


def grammar_text() -> str:
    """The grammar, from the installed package data or, in a source checkout, ``grammar/``."""
    packaged = resources.files("mhct_dsl") / "_data" / "grammar" / "mhr.lark"
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parent.parent / "grammar" / "mhr.lark").read_text("utf-8")


@functools.cache
def _lark() -> Lark:
    # All tokens are kept so that spans come from the tokens themselves (cheaper than Lark's
    # propagate_positions); `_Build` drops the anonymous ones, as Lark would. lark-cython, the
    # Lark author's compiled LALR parser and lexer, parses ~1.5x faster where it is installed.
    try:
        import lark_cython
    except ImportError:
        plugins = {}
    else:
        plugins = {"_plugins": lark_cython.plugins}
    return Lark(grammar_text(), parser="lalr", keep_all_tokens=True, maybe_placeholders=True,
                **plugins)


@functools.cache
def _anonymous_terminals() -> frozenset[str]:
    """Terminals written as literals in rules (keywords, braces): syntax, not content."""
    text = grammar_text()
    named = set(re.findall(r"^([A-Z_][A-Z0-9_]*)(?:\.\d+)?\s*:", text, re.MULTILINE))
    return frozenset(t.name for t in _lark().terminals if t.name not in named)


@functools.cache
def keywords() -> frozenset[str]:
    """Every word the grammar reserves (a NAME may not spell one)."""
    return frozenset(
        t.pattern.value
        for t in _lark().terminals
        if t.pattern.type == "str" and t.pattern.value.replace("_", "").isalpha()
    )


def parse_text(text: str, path: str = "<string>", origin: str = "") -> n.RuleFile:
    """Parse one rule file's text; raise `RuleError` with located diagnostics if it is not valid.
    ``origin`` is carried by every node's span (`Span.origin`)."""
    text = text.removeprefix("\ufeff")  # a byte-order mark, as some editors save UTF-8
    if len(text) > MAX_SOURCE_BYTES:
        raise RuleError(
            [Diagnostic("file-too-large", f"rule file is larger than {MAX_SOURCE_BYTES} characters",
                        n.Span(path, 1, 1, 1, 1))],
            {path: text},
        )
    try:
        tree = _lark().parse(text)
    except UnexpectedInput:
        raise RuleError(syntax_errors(text, path), {path: text}) from None
    try:
        return _Build(path, _comments(text), origin).build(tree)
    except RuleError as error:
        raise RuleError(error.diagnostics, {path: text}) from None


# ---- syntax errors ------------------------------------------------------------------------------


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


def _calendar_hint(text: str) -> str:
    """Why a well-formed YYYY-MM-DD is no date: the month, or how many days the month has."""
    year, month, day = (int(part) for part in text.split("-"))
    if not 1 <= month <= 12:
        return f"the month is {month:02d}; months run from 01 to 12"
    if year == 0:
        return "years start at 0001"
    days = calendar.monthrange(year, month)[1]
    month_year = f"{_MONTHS[month - 1]} {year}"
    return f"days start at 01; {month_year} has {days} days" if day == 0 else \
        f"{month_year} has {days} days"


def _first(tree: Tree) -> Token:
    """The first token of a subtree (every subtree the builder visits has one)."""
    node = tree
    while isinstance(node, Tree):
        node = next(child for child in node.children if child is not None)
    return node


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


def _unit(word: str) -> str:
    return word.removesuffix("s")


# Rules whose nodes keep the comments written above them.
_COMMENTABLE = frozenset({
    "ruleset", "scale", "fact", "event", "team", "cluster", "amend", "decision_tree", "group",
    "branch", "text_attr", "word_attr", "date_attr", "rating", "problem_type", "episode", "review",
    "grid", "grid_row", "column", "criterion", "add_criterion", "replace_criterion",
    "remove_criterion", "quantifier_change", "transitions", "move", "discharge_move", "accept",
})


class _Build:
    """Builds `nodes` from the parse tree: one method per rule, called with the node's span and
    its children (already built, anonymous tokens dropped).

    Comments are handed out on the way down, in document order: each goes to the first
    commentable node that starts after it; those left over trail the file.
    """

    def __init__(self, path: str, comments: list[tuple[int, int, str]], origin: str = ""):
        self.path = path
        self.origin = origin
        self.anonymous = _anonymous_terminals()
        self.pending = list(reversed(comments))
        self.depth = 0

    def build(self, tree: Tree) -> n.RuleFile:
        rule_file = self._walk(tree)[0]
        trailing = tuple(text for _, _, text in reversed(self.pending))
        return attrs.evolve(rule_file, trailing_comments=trailing) if trailing else rule_file

    def _claim(self, tree: Tree) -> tuple[str, ...]:
        node = tree
        while isinstance(node, Tree):
            node = next((c for c in node.children if c is not None), None)
        if node is None:
            return ()
        start, claimed = (node.line, node.column), []
        while self.pending and self.pending[-1][:2] < start:
            claimed.append(self.pending.pop()[2])
        return tuple(claimed)

    def _walk(self, tree: Tree):
        """(built value, first token, last token) of a subtree (tokens None if it has none)."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            self._fail("too-deep", f"nested more than {MAX_NESTING} levels deep", _first(tree),
                       "split the condition, or name its parts with facts")
        try:
            return self._walk_inner(tree)
        finally:
            self.depth -= 1

    def _fail(self, code: str, message: str, token: Token, hint: str) -> None:
        raise RuleError([Diagnostic(code, message, _token_span(token, self.path), hint)])

    def _walk_inner(self, tree: Tree):
        rule = getattr(tree.data, "value", tree.data)  # a plain str: Token's __eq__ is slow
        comments = self._claim(tree) if self.pending and rule in _COMMENTABLE else ()
        args, first, last = [], None, None
        for child in tree.children:
            if child is None:
                args.append(None)
            elif type(child) is Tree:
                value, child_first, child_last = self._walk(child)
                args.append(value)
                if child_first is not None:
                    first = first or child_first
                    last = child_last
            else:
                first = first or child
                last = child
                if child.type not in self.anonymous:  # builders get plain text, dates a token
                    if child.type == "INT" and len(child.value) > MAX_DIGITS:
                        self._fail("number-too-large", f"a number of {len(child.value)} digits",
                                   child, f"numbers here have at most {MAX_DIGITS} digits")
                    args.append(child if child.type == "DATE" else child.value)
        span = None if first is None else n.Span(
            self.path, first.line, first.column, last.end_line, last.end_column, self.origin)
        value = getattr(self, rule)(span, *args)
        if comments:
            value = attrs.evolve(value, comments=comments)
        return value, first, last

    # shared pieces
    def text(self, span, *strings):
        return "".join(_unescape(s) for s in strings)

    def source(self, span, kind, note):
        return n.Source(str(kind), note, span=span)

    def duration(self, span, amount, unit):
        return n.Duration(int(amount), _unit(unit), span=span)

    def int_item(self, span, low, high=None):
        if high is None:
            return [int(low)]
        if int(high) < int(low):
            raise RuleError([Diagnostic("inverted-range", f"range {low}..{high} is inverted", span,
                                        f"write {high}..{low}")])
        if int(high) - int(low) >= MAX_LIST:
            raise RuleError([Diagnostic("list-too-long", f"range {low}..{high} holds more than "
                                        f"{MAX_LIST} numbers", span, "cluster numbers are 0-99")])
        return list(range(int(low), int(high) + 1))

    def int_list(self, span, *items):
        values = tuple(value for item in items for value in item)
        if len(values) > MAX_LIST:
            raise RuleError([Diagnostic("list-too-long", f"a list of more than {MAX_LIST} numbers",
                                        span, "cluster numbers are 0-99")])
        return values

    def scale_set(self, span, *ids):
        return "either", tuple(map(str, ids))

    def max_scale_set(self, span, *ids):
        return "max", tuple(map(str, ids))

    # declarations
    def start(self, span, *declarations):
        return n.RuleFile(self.path, declarations)

    def ruleset(self, span, name, extends, source, *entries):
        return n.RuleSetDecl(name, extends, entries, source, span=span)

    def extends(self, span, target):
        return target

    def scale(self, span, scale_id, title, source, *entries):
        return n.ScaleDecl(str(scale_id), title, entries, source, span=span)

    def fact(self, span, name, wording, source):
        return n.FactDecl(str(name), wording, source, span=span)

    def event(self, span, name, wording, source):
        return n.EventDecl(str(name), wording, source, span=span)

    def team(self, span, name, wording, source):
        return n.TeamDecl(str(name), wording, source, span=span)

    def cluster(self, span, number, name, source, *entries):
        return n.ClusterDecl(int(number), name, entries, source, span=span)

    def amend(self, span, number, source, *entries):
        return n.AmendDecl(int(number), entries, source, span=span)

    def decision_tree(self, span, title, source, *groups):
        return n.DecisionTreeDecl(title, groups, source, span=span)

    def group(self, span, name, title, source, *branches):
        return n.Group(str(name), title, branches, source, span=span)

    def branch(self, span, name, title, clusters, source):
        return n.Branch(str(name), title, clusters, source, span=span)

    # entries
    def text_attr(self, span, key, text, source):
        return n.TextAttr(str(key), text, source, span=span)

    def word_attr(self, span, key, word, source):
        return n.WordAttr(str(key), str(word), source, span=span)

    def date_attr(self, span, key, date, source):
        try:
            value = dt.date.fromisoformat(date.value)
        except ValueError:
            raise RuleError([Diagnostic("invalid-date", f"`{date.value}` is not a calendar date",
                                        _token_span(date, self.path),
                                        _calendar_hint(date.value))]) from None
        return n.DateAttr(str(key), value, source, span=span)

    def rating(self, span, value, text, source):
        return n.Rating(int(value), text, source, span=span)

    def problem_type(self, span, letter, text, source):
        return n.ProblemType(str(letter), text, source, span=span)

    def episode(self, span, low, *rest):
        *high_or_plus, unit, source = rest
        open_ended = high_or_plus == ["+"]
        high = int(high_or_plus[0]) if high_or_plus and not open_ended else None
        return n.Episode(int(low), high, open_ended, _unit(unit), source, span=span)

    def review(self, span, every, mhct_within, source):
        return n.Review(every, source, mhct_within=mhct_within, span=span)

    def fresh_mhct(self, span, duration):
        return duration

    def accept(self, span, code, clusters, reason, source):
        return n.Accept(str(code), clusters or (), reason, source, span=span)

    def grid(self, span, source, *rows):
        return n.Grid(rows, source, span=span)

    def grid_row(self, span, scale_set, *rest):
        reading, scales = scale_set
        *bands, source = rest
        bands = [] if bands == ["none"] else bands
        return n.GridRow(scales, bands, source, reading, span=span)

    def rating_range(self, span, low, high=None):
        return (int(low), int(high) if high is not None else int(low))

    def _band(self, colour, span, rating_range):
        low, high = rating_range
        return n.Band(colour, low, high, span=span)

    def red(self, span, rating_range):
        return self._band("red", span, rating_range)

    def orange(self, span, rating_range):
        return self._band("orange", span, rating_range)

    def yellow(self, span, rating_range):
        return self._band("yellow", span, rating_range)

    def column(self, span, kind, quantifier, source, *criteria):
        return n.Column(str(kind), str(quantifier), criteria, source, span=span)

    def criterion(self, span, wording, source, condition):
        return n.Criterion(wording, condition, source, span=span)

    def add_criterion(self, span, kind, criterion):
        return n.CriterionChange(str(kind), "add", None, criterion, criterion.source, span=span)

    def replace_criterion(self, span, kind, index, criterion):
        return n.CriterionChange(str(kind), "replace", None if index is None else int(index),
                                 criterion, criterion.source, span=span)

    def remove_criterion(self, span, kind, index, source):
        return n.CriterionChange(str(kind), "remove", None if index is None else int(index), None,
                                 source, span=span)

    def quantifier_change(self, span, kind, quantifier, source):
        return n.QuantifierChange(str(kind), str(quantifier), source, span=span)

    def transitions(self, span, source, *moves):
        return n.Transitions(moves, source, span=span)

    def move(self, span, direction, *rest):
        *groups, source = rest
        return n.Move(str(direction), groups, source, span=span)

    def likelihood_group(self, span, likelihood, clusters):
        return (str(likelihood), clusters)

    def discharge_move(self, span, _keyword, likelihood, source):
        return n.DischargeMove(str(likelihood), source, span=span)

    # conditions
    def comparison(self, span, first, second):
        if not first.isdigit():  # a comparator, not the low end of `in LOW..HIGH`
            return n.Comparison(str(first), int(second), span=span)
        return n.Comparison("in", int(first), int(second), span=span)

    def not_condition(self, span, operand):
        return n.Not(operand, span=span)

    def all_condition(self, span, _keyword, *operands):
        return n.AllOf(operands, span=span)

    def any_condition(self, span, _keyword, *operands):
        return n.AnyOf(operands, span=span)

    def scale_condition(self, span, scale_id, comparison):
        return n.ScaleIs(str(scale_id), comparison, span=span)

    def remained_condition(self, span, scale_id, comparison, duration):
        return n.ScaleRemained(str(scale_id), comparison, duration, span=span)

    def stable_condition(self, span, scale_id, duration):
        return n.ScaleStable(str(scale_id), duration, span=span)

    def fact_condition(self, span, name):
        return n.FactIs(str(name), span=span)

    def event_condition(self, span, name, duration):
        return n.EventWithin(str(name), duration, absent=False, span=span)

    def no_event_condition(self, span, name, duration):
        return n.EventWithin(str(name), duration, absent=True, span=span)

    def tenure_condition(self, span, scope, duration):
        return n.Tenure(str(scope), duration, span=span)

    def team_condition(self, span, name, duration):
        return n.Tenure("with_team", duration, span=span, team=str(name))

    def consistently(self, span, duration):
        return duration

    def fits_cluster_condition(self, span, clusters, consistently):
        return n.FitsClusters(clusters, consistently, span=span)

    def fits_target_condition(self, span, direction, consistently):
        return n.FitsTransition(str(direction), consistently, span=span)


# ---- comments -----------------------------------------------------------------------------------


_STRING_OR_COMMENT = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"?|#[^\n]*')


def _comments(text: str) -> list[tuple[int, int, str]]:
    """(line, column, text) of every ``#`` comment (a ``#`` inside a string is not one)."""
    if "#" not in text:
        return []
    found, line, line_start, scanned = [], 1, 0, 0
    for match in _STRING_OR_COMMENT.finditer(text):
        if match.group().startswith("#"):
            start = match.start()
            line += text.count("\n", scanned, start)
            line_start, scanned = text.rfind("\n", 0, start) + 1, start
            found.append((line, start - line_start + 1, match.group().rstrip()))
    return found
