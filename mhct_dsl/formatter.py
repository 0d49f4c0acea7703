"""Syntax tree to canonical ``.mhr`` text: the one layout `mhct fmt` writes.

The formatter works from the AST alone (never from the original text), so its output depends only on
what a file means plus its comments: ``format_file(parse(format_file(ast)))`` is the same text, and
``parse(format_file(ast)) == ast`` for every tree the grammar can express.

Layout, in brief: 4-space indentation; one item a line; one blank line between declarations and
before each column, ``grid`` and ``transitions`` block and each commented item (unless it opens its
block); comments on their own lines just above the node that owns them. Text that would pass column
100 is split at spaces into adjacent string literals (the parser joins them again), each
continuation aligned under the first quote. A source clause follows the item's last piece when it
fits there whole, else it starts a continuation line one level deeper. ``all``/``any`` stay on one
line while the line fits, else one operand a line, the closing ``}`` at the condition's indentation
(so also for ``not all``).

`format_condition` gives the one-line form of a condition, for traces and explanations.
"""

from __future__ import annotations

import re
from typing import Iterable

from . import nodes as n

WIDTH = 100
INDENT = "    "

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t"}
_ESCAPE_RE = re.compile(r'[\\"\n\t]')


class _Text:
    """A string that may be split into adjacent literals when its line is too long."""

    __slots__ = ("value",)

    def __init__(self, value: str):
        self.value = value


class _Words:
    """Code (no string literals) that may break at its spaces onto continuation lines one level
    deeper when its line is too long: cluster lists, long conditions."""

    __slots__ = ("value",)

    def __init__(self, value: str):
        self.value = value


# ---- public API -------------------------------------------------------------------------------


def format_file(rule_file: n.RuleFile) -> str:
    """The canonical text of a whole rule file, ending in exactly one newline (empty file: "")."""
    out = _Lines()
    for index, declaration in enumerate(rule_file.declarations):
        if index:
            out.blank()
        _declaration(out, declaration)
    if rule_file.trailing_comments:
        if rule_file.declarations:
            out.blank()
        out.comments(rule_file.trailing_comments, "")
    return out.text()


def format_condition(cond: n.Condition) -> str:
    """A condition on one line, as the grammar writes it: ``all { scale 7 <= 1  fact x }``."""
    if isinstance(cond, n.Not):
        return "not " + format_condition(cond.operand)
    if isinstance(cond, (n.AllOf, n.AnyOf)):
        keyword = "all" if isinstance(cond, n.AllOf) else "any"
        return f"{keyword} {{ " + "  ".join(format_condition(op) for op in cond.operands) + " }"
    if isinstance(cond, n.ScaleIs):
        return f"scale {cond.scale} {_comparison(cond.comparison)}"
    if isinstance(cond, n.ScaleRemained):
        return (f"scale {cond.scale} remained {_comparison(cond.comparison)} "
                f"for {format_duration(cond.duration)}")
    if isinstance(cond, n.ScaleStable):
        return f"scale {cond.scale} stable for {format_duration(cond.duration)}"
    if isinstance(cond, n.FactIs):
        return f"fact {cond.name}"
    if isinstance(cond, n.EventWithin):
        prefix = "no event" if cond.absent else "event"
        return f"{prefix} {cond.name} within {format_duration(cond.duration)}"
    if isinstance(cond, n.Tenure):
        scope = cond.scope if cond.team is None else f"{cond.scope} {cond.team}"
        return f"{scope} >= {format_duration(cond.duration)}"
    if isinstance(cond, n.FitsClusters):
        return f"fits cluster {format_int_list(cond.clusters)}" + _consistently(cond.consistently)
    if isinstance(cond, n.FitsTransition):
        return f"fits {cond.direction}" + _consistently(cond.consistently)
    raise TypeError(f"not a condition: {cond!r}")


def format_duration(duration: n.Duration) -> str:
    """``12 months``, ``1 year``: the unit is plural unless the amount is exactly 1."""
    return f"{duration.amount} {_unit(duration.unit, duration.amount)}"


def format_int_list(values: Iterable[int]) -> str:
    """Cluster numbers in order; runs of 3+ consecutive ascending numbers as ``a..b``."""
    values = list(values)
    items, i = [], 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[j] + 1:
            j += 1
        if j - i >= 2:
            items.append(f"{values[i]}..{values[j]}")
            i = j + 1
        else:
            items.append(str(values[i]))
            i += 1
    return ", ".join(items)


def quote(text: str) -> str:
    """One string literal: backslash, double quote, newline and tab escaped."""
    return '"' + _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group()], text) + '"'


# ---- small pieces -------------------------------------------------------------------------------


def _unit(unit: str, amount: int) -> str:
    return unit if amount == 1 else unit + "s"


def _comparison(comparison: n.Comparison) -> str:
    if comparison.op == "in":
        return f"in {comparison.value}..{comparison.high}"
    return f"{comparison.op} {comparison.value}"


def _consistently(duration: n.Duration | None) -> str:
    return "" if duration is None else f" consistently for {format_duration(duration)}"


def _source(source: n.Source | None) -> list:
    """`` source kind "note"`` as layout parts (the note may wrap)."""
    if source is None:
        return []
    if source.note is None:
        return [f" source {source.kind}"]
    return [f" source {source.kind} ", _Text(source.note)]


def _episode(episode: n.Episode) -> str:
    if episode.open_ended:
        span, last = f"{episode.low}+", None
    elif episode.high is not None:
        span, last = f"{episode.low}..{episode.high}", episode.high
    else:
        span, last = str(episode.low), episode.low
    # "1 year", "0..1 year", but "1+ years" (one year or more).
    unit = episode.unit if last == 1 else episode.unit + "s"
    return f"episode {span} {unit}"


# ---- line layout --------------------------------------------------------------------------------


class _Lines:
    """Accumulates output lines; ``blank`` never doubles up or opens the file."""

    def __init__(self):
        self.lines: list[str] = []

    def add(self, indent: str, head: list, source: n.Source | None = None,
            brace: bool = False) -> None:
        self.lines.extend(_item(indent, head, source, brace))

    def raw(self, line: str) -> None:
        self.lines.append(line)

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def comments(self, comments: Iterable[str], indent: str) -> None:
        """Comments above an item; a commented item starts a section, so a blank line precedes
        it unless it opens its block."""
        comments = list(comments)
        if comments and self.lines and not self.lines[-1].endswith("{"):
            self.blank()
        for comment in comments:
            self.lines.append(indent + comment)

    def text(self) -> str:
        if not self.lines:
            return ""
        return "\n".join(line.rstrip(" ") for line in self.lines) + "\n"


def _width(parts: list) -> int:
    return sum(len(quote(p.value)) if isinstance(p, _Text) else
               len(p.value) if isinstance(p, _Words) else len(p) for p in parts)


def _layout(indent: str, parts: list) -> list[str]:
    """Lay ``parts`` out from ``indent``, splitting any text that would pass column ``WIDTH``."""
    lines: list[str] = []
    current = indent
    for index, part in enumerate(parts):
        if isinstance(part, _Words):
            tail = _width(parts[index + 1:])
            for word in _TOKEN_RE.findall(part.value):
                if len(current) + len(word.rstrip(" ")) + tail > WIDTH and current.strip():
                    lines.append(current.rstrip(" "))
                    current = indent + INDENT
                current += word
            continue
        if not isinstance(part, _Text):
            current += part
            continue
        literal = quote(part.value)
        tail = _width(parts[index + 1:])
        if len(current) + len(literal) + tail <= WIDTH:
            current += literal
            continue
        column = len(current)
        pieces = _split(part.value, WIDTH - column, tail)
        current += quote(pieces[0])
        for piece in pieces[1:]:
            lines.append(current)
            current = " " * column + quote(piece)
    lines.append(current)
    return lines


_TOKEN_RE = re.compile(r"[^ ]* +|[^ ]+")


def _item(indent: str, head: list, source: n.Source | None, brace: bool) -> list[str]:
    """One item: ``head``, then its source clause, then `` {`` for a block header.

    On one line if it fits. Otherwise the head's text wraps, and the source clause follows the last
    piece if it fits there whole, else it starts a line of its own one level deeper (its note
    wrapping under its own first quote).
    """
    end = [" {"] if brace else []
    clause = _source(source)
    if len(indent) + _width(head + clause + end) <= WIDTH:
        return [indent + _flat(head + clause + end)]
    lines = _layout(indent, head + ([] if clause else end))
    if not clause:
        return lines
    if len(lines[-1]) + _width(clause + end) <= WIDTH:
        lines[-1] += _flat(clause + end)
        return lines
    return lines + _layout(indent + INDENT, [clause[0].lstrip(" "), *clause[1:], *end])


def _flat(parts: list) -> str:
    return "".join(quote(p.value) if isinstance(p, _Text) else
                   p.value if isinstance(p, _Words) else p for p in parts)


def _split(text: str, room: int, tail: int) -> list[str]:
    """Split ``text`` after spaces into pieces whose literals fit ``room`` (the last with ``tail``).

    A piece that cannot fit (one long word) stands alone; text without spaces stays whole.
    """
    tokens = _TOKEN_RE.findall(text)
    if len(tokens) <= 1:
        return [text]
    pieces: list[list[str]] = [[]]
    for token in tokens:
        candidate = pieces[-1] + [token]
        if pieces[-1] and len(quote("".join(candidate))) > room:
            pieces.append([token])
        else:
            pieces[-1] = candidate
    # The last piece shares its line with the tail (`` {``): if they overflow together, its last
    # word moves to a line of its own.
    last = pieces[-1]
    if len(last) > 1 and len(quote("".join(last))) + tail > room:
        pieces[-1:] = [last[:-1], last[-1:]]
    return ["".join(piece) for piece in pieces]


# ---- declarations -------------------------------------------------------------------------------


def _declaration(out: _Lines, decl) -> None:
    out.comments(decl.comments, "")
    if isinstance(decl, n.RuleSetDecl):
        header = ["ruleset ", _Text(decl.name)]
        if decl.extends == "national":
            header.append(" extends national")
        elif decl.extends is not None:
            header += [" extends ", _Text(decl.extends)]
        _block(out, "", header, decl.source, decl.entries, _entry)
    elif isinstance(decl, n.ScaleDecl):
        header = [f"scale {decl.id} ", _Text(decl.title)]
        _block(out, "", header, decl.source, decl.entries, _entry)
    elif isinstance(decl, n.ClusterDecl):
        header = [f"cluster {decl.number} ", _Text(decl.name)]
        _block(out, "", header, decl.source, decl.entries, _entry)
    elif isinstance(decl, n.AmendDecl):
        _block(out, "", [f"amend cluster {decl.number}"], decl.source, decl.entries, _entry)
    elif isinstance(decl, n.FactDecl):
        out.add("", [f"fact {decl.name} ", _Text(decl.wording)], decl.source)
    elif isinstance(decl, n.EventDecl):
        out.add("", [f"event {decl.name} ", _Text(decl.wording)], decl.source)
    elif isinstance(decl, n.TeamDecl):
        out.add("", [f"team {decl.name} ", _Text(decl.wording)], decl.source)
    elif isinstance(decl, n.DecisionTreeDecl):
        header = ["decision_tree ", _Text(decl.title)]
        _block(out, "", header, decl.source, decl.groups, _group)
    else:
        raise TypeError(f"not a declaration: {decl!r}")


def _block(out: _Lines, indent: str, header: list, source, items, write_item) -> None:
    """``header [source] {``, then each item one level deeper, then ``}``."""
    out.add(indent, header, source, brace=True)
    inner = indent + INDENT
    for index, item in enumerate(items):
        write_item(out, item, inner, first=index == 0)
    out.raw(indent + "}")


def _group(out: _Lines, group: n.Group, indent: str, first: bool) -> None:
    out.comments(group.comments, indent)
    header = [f"group {group.name} ", _Text(group.title)]
    _block(out, indent, header, group.source, group.branches, _branch)


def _branch(out: _Lines, branch: n.Branch, indent: str, first: bool) -> None:
    out.comments(branch.comments, indent)
    out.add(indent, [f"branch {branch.name} ", _Text(branch.title),
                     _Words(f" clusters {format_int_list(branch.clusters)}")], branch.source)


# ---- entries ------------------------------------------------------------------------------------


def _entry(out: _Lines, entry, indent: str, first: bool) -> None:
    if isinstance(entry, (n.Column, n.Grid, n.Transitions)) and not first:
        out.blank()
    out.comments(entry.comments, indent)
    source = entry.source
    if isinstance(entry, n.TextAttr):
        out.add(indent, [f"{entry.key} ", _Text(entry.text)], source)
    elif isinstance(entry, n.WordAttr):
        out.add(indent, [f"{entry.key} {entry.word}"], source)
    elif isinstance(entry, n.DateAttr):
        out.add(indent, [f"{entry.key} {entry.date.isoformat()}"], source)
    elif isinstance(entry, n.Rating):
        out.add(indent, [f"rating {entry.value} ", _Text(entry.text)], source)
    elif isinstance(entry, n.ProblemType):
        out.add(indent, [f"problem_type {entry.letter} ", _Text(entry.text)], source)
    elif isinstance(entry, n.Episode):
        out.add(indent, [_episode(entry)], source)
    elif isinstance(entry, n.Review):
        fresh = ("" if entry.mhct_within is None
                 else f" mhct within {format_duration(entry.mhct_within)}")
        out.add(indent, [f"review every {format_duration(entry.every)}{fresh}"], source)
    elif isinstance(entry, n.Grid):
        _block(out, indent, ["grid"], source, entry.rows, _grid_row)
    elif isinstance(entry, n.Column):
        if entry.quantifier == "n/a":
            out.add(indent, [f"{entry.kind} n/a"], source)
        else:
            _block(out, indent, [f"{entry.kind} {entry.quantifier}"], source, entry.criteria,
                   _criterion)
    elif isinstance(entry, n.CriterionChange):
        head = f"{entry.column} {entry.action}" + ("" if entry.index is None else f" {entry.index}")
        if entry.criterion is None:
            out.add(indent, [head], source)
        else:
            out.add(indent, [head + " ", _Text(entry.criterion.wording)], entry.criterion.source)
            _condition(out, entry.criterion.condition, indent + INDENT)
    elif isinstance(entry, n.QuantifierChange):
        out.add(indent, [f"{entry.column} quantifier {entry.quantifier}"], source)
    elif isinstance(entry, n.Transitions):
        _block(out, indent, ["transitions"], source, entry.moves, _move)
    elif isinstance(entry, n.Accept):
        clusters = f" {format_int_list(entry.clusters)}" if entry.clusters else ""
        out.add(indent, [f"accept {entry.code}{clusters} ", _Text(entry.reason)], source)
    else:
        raise TypeError(f"not an entry: {entry!r}")


def _grid_row(out: _Lines, row: n.GridRow, indent: str, first: bool) -> None:
    out.comments(row.comments, indent)
    scales = row.label
    bands = "  ".join(_band(band) for band in row.bands) if row.bands else "none"
    # Two spaces before the source clause, as between bands.
    out.add(indent, [f"{scales:<4} {bands}" + (" " if row.source is not None else "")],
            row.source)


def _band(band: n.Band) -> str:
    if band.low == band.high:
        return f"{band.colour} {band.low}"
    return f"{band.colour} {band.low}..{band.high}"


def _move(out: _Lines, move, indent: str, first: bool) -> None:
    out.comments(move.comments, indent)
    if isinstance(move, n.DischargeMove):
        out.add(indent, [f"discharge {move.likelihood}"], move.source)
        return
    groups = " ".join(f"{likelihood} {format_int_list(clusters)}"
                      for likelihood, clusters in move.groups)
    out.add(indent, [_Words(f"{move.direction} {groups}")], move.source)


def _criterion(out: _Lines, criterion: n.Criterion, indent: str, first: bool) -> None:
    out.comments(criterion.comments, indent)
    out.add(indent, [_Text(criterion.wording)], criterion.source)
    _condition(out, criterion.condition, indent + INDENT)


def _condition(out: _Lines, cond, indent: str) -> None:
    """A condition at ``indent``: one line if it fits, else ``all``/``any`` one operand a line."""
    single = format_condition(cond)
    nots, inner = "", cond
    while isinstance(inner, n.Not):
        nots, inner = nots + "not ", inner.operand
    if len(indent) + len(single) <= WIDTH or not isinstance(inner, (n.AllOf, n.AnyOf)):
        out.add(indent, [_Words(single)])
        return
    keyword = "all" if isinstance(inner, n.AllOf) else "any"
    out.raw(f"{indent}{nots}{keyword} {{")
    for operand in inner.operands:
        _condition(out, operand, indent + INDENT)
    out.add(indent, ["}"])
