"""A checked rule set as a flat list of comparable items, each with an identity, in booklet order.

An item is what an auditor reads as one thing: a grid row, a criterion, a column's quantifier, a
scale's rating wording, one transition target. Its ``value`` is the node reduced to plain data by
`plain` (every attrs field except spans and comments, so layout, order and comments never count).
Fields this module does not name are still items (`_generic`), so syntax added later is compared
without new code here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any

import attrs

from .. import model as m
from .. import nodes as n
from ..formatter import format_condition, format_duration, quote


def plain(value: Any) -> Any:
    """JSON-ready data for a node or model value: attrs classes become ``{"type": ..., field: ...}``
    without ``span``/``comments`` (nor any field left out of equality), dates ISO strings."""
    if attrs.has(type(value)):
        out: dict[str, Any] = {"type": type(value).__name__}
        for field in attrs.fields(type(value)):
            if field.eq and field.name not in ("comments", "span"):
                out[field.name] = plain(getattr(value, field.name))
        return out
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (frozenset, set)):
        return sorted(plain(v) for v in value)
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@attrs.frozen
class Item:
    """One comparable thing. ``key`` is its identity; ``pair`` groups items that may be read as
    one changed item when their keys differ (a criterion whose wording changed, a re-worded
    note); ``match`` is what pairs them first (a criterion's condition). ``parts`` names the
    pieces of ``text`` a person reads apart (a criterion's wording and condition)."""

    section: str
    kind: str
    label: str
    key: tuple
    value: Any
    text: str
    at: str | None
    order: tuple
    pair: tuple | None = None
    match: Any = None
    source: str = ""
    parts: tuple[tuple[str, str], ...] = ()

    @property
    def shown(self) -> str:
        """The text with its provenance, as a person reads it."""
        return self.text + (f"  [{self.source}]" if self.source else "")


def _at(node) -> str | None:
    span = getattr(node, "span", None)
    return f"{span.path}:{span.line}" if span else None


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def source_text(source: n.Source | None) -> str:
    """A provenance as the rule file writes it (the note a string literal, quotes escaped)."""
    if source is None:
        return ""
    return f"source {source.kind}" + (f" {quote(source.note)}" if source.note else "")


def _with_source(text: str, source: n.Source | None) -> tuple[str, str]:
    return text, source_text(source)


def band_text(row: n.GridRow) -> str:
    if not row.bands:
        return "none"
    return "  ".join(f"{b.colour} {b.low}" + (f"..{b.high}" if b.high != b.low else "")
                     for b in row.bands)


def _episode_text(episode: n.Episode) -> str:
    if episode.open_ended:
        span = f"{episode.low}+"
    elif episode.high is not None:
        span = f"{episode.low}..{episode.high}"
    else:
        span = str(episode.low)
    return f"{span} {episode.unit}"


def _review_text(review: n.Review) -> str:
    fresh = review.mhct_within
    return f"every {format_duration(review.every)}" + (
        f", MHCT within {format_duration(fresh)}" if fresh is not None else "")


class _Collector:
    def __init__(self) -> None:
        self.items: list[Item] = []

    def add(self, section, kind, label, key, node, text, order, *, value=None, pair=None,
            match=None, parts=()) -> None:
        text, source = text if isinstance(text, tuple) else (text, "")
        self.items.append(Item(section, kind, label, key, plain(node) if value is None else value,
                               text, _at(node), order, pair, match, source, parts))

    def bag(self, section, kind, label, key, values, order) -> None:
        """Items of a list whose order does not matter: identity is the value (and how many
        times it occurs), any two that differ in one place pair up as a change."""
        seen: Counter = Counter()
        for index, node in enumerate(values):
            value = plain(node)
            seen[_json(value)] += 1
            text = _text(node)
            self.add(section, kind, label, (*key, _json(value), seen[_json(value)]), node, text,
                     (*order, index), value=value, pair=key)

    def generic(self, section, kind_prefix, key, name, value, order) -> None:
        """A field this module has no special reading for: dicts by key, lists as bags."""
        label = name.replace("_", " ")
        if isinstance(value, dict):
            for index, (k, v) in enumerate(value.items()):
                self.add(section, kind_prefix or name, f"{label} {k}", (*key, name, str(k)), v,
                         _text(v), (*order, index))
        elif isinstance(value, (tuple, list, frozenset, set)):
            self.bag(section, kind_prefix or name, label, (*key, name), list(value), order)
        elif value is not None:  # an unset field is absent: setting it is an addition
            self.add(section, kind_prefix or name, label, (*key, name), value, _text(value),
                     order)


def _text(value: Any) -> str | tuple[str, str]:
    if isinstance(value, n.TextAttr):
        return _with_source(value.text, value.source)
    if isinstance(value, n.Source):
        return source_text(value)
    if isinstance(value, (str, int)) or value is None:
        return "" if value is None else str(value)
    return _json(plain(value))


SECTION_ORDER = ("ruleset", "scale", "fact", "event", "decision tree", "cluster")


def items(ruleset: m.RuleSet) -> list[Item]:
    """Every item of ``ruleset`` in booklet order."""
    out = _Collector()
    _header(out, ruleset)
    for index, scale in enumerate(ruleset.scales.values()):
        _scale(out, scale, index)
    for section, terms in (("fact", ruleset.facts), ("event", ruleset.events)):
        for term in sorted(terms.values(), key=lambda term: term.name):
            out.add(section, section, term.name, (section, term.name), term,
                    _with_source(term.wording, term.source),
                    (SECTION_ORDER.index(section), term.name))
    _tree(out, ruleset.tree)
    for cluster in ruleset.clusters.values():
        _cluster(out, cluster)
    return out.items


_RULESET_FIELDS = {"name", "version", "header", "header_entries", "scales", "facts", "events",
                   "tree", "clusters", "fingerprint", "base"}


def header_entries(ruleset: m.RuleSet) -> list:
    """The header as it applies: a local set's own entries replace its base's of the same key,
    its notes follow the base's."""
    if ruleset.base is None:
        return list(ruleset.header_entries)
    own = {entry.key for entry in ruleset.header_entries if entry.key != "note"}
    return [entry for entry in header_entries(ruleset.base)
            if entry.key == "note" or entry.key not in own] + list(ruleset.header_entries)


def _header(out: _Collector, ruleset: m.RuleSet) -> None:
    order = (0,)
    out.add("ruleset", "ruleset", "name", ("ruleset", "name"), ruleset.name, ruleset.name, order)
    by_key: dict[str, list] = {}
    for entry in header_entries(ruleset):
        by_key.setdefault(entry.key, []).append(entry)
    for index, (key, entries) in enumerate(by_key.items()):
        if len(entries) == 1 and key != "note":
            entry = entries[0]
            value = entry.date.isoformat() if isinstance(entry, n.DateAttr) else entry.text
            out.add("ruleset", "ruleset", key, ("ruleset", "entry", key), entry,
                    _with_source(value, entry.source), (*order, 1, index))
        else:
            out.bag("ruleset", "ruleset", key, ("ruleset", "entry", key), entries,
                    (*order, 1, index))
    for field in attrs.fields(type(ruleset)):
        if field.name not in _RULESET_FIELDS:
            out.generic("ruleset", "ruleset", ("ruleset",), field.name,
                        getattr(ruleset, field.name), (*order, 2, field.name))


def _scale(out: _Collector, scale: m.Scale, index: int) -> None:
    section = f"scale {scale.id}"
    order = (1, index)
    for field in attrs.fields(type(scale)):
        if field.name == "id":
            continue
        out.generic(section, "scale", ("scale", scale.id), field.name,
                    getattr(scale, field.name), (*order, field.name))


def _tree(out: _Collector, tree: n.DecisionTreeDecl | None) -> None:
    section, order = "decision tree", (4,)
    if tree is None:
        return
    out.add(section, "decision_tree", "title", ("tree", "title"),
            attrs.evolve(tree, groups=()), _with_source(tree.title, tree.source), order)
    for g_index, group in enumerate(tree.groups):
        out.add(section, "decision_tree", f"group {group.name}", ("tree", group.name),
                attrs.evolve(group, branches=()), _with_source(group.title, group.source),
                (*order, g_index))
        for b_index, branch in enumerate(group.branches):
            out.add(section, "decision_tree", f"branch {group.name}/{branch.name}",
                    ("tree", group.name, branch.name), attrs.evolve(branch, clusters=sorted(
                        branch.clusters)),
                    _with_source(f"{branch.title}: clusters "
                                 f"{', '.join(map(str, sorted(branch.clusters)))}",
                                 branch.source),
                    (*order, g_index, b_index))


# Compared item by item below; ``amended`` and ``amendments`` only record which of these a local
# set changed, so they are not compared again.
_CLUSTER_FIELDS = {"number", "texts", "notes", "episode", "review", "grid", "columns",
                   "transitions", "amended", "amendments"}


def _inherit(node, source: n.Source | None):
    """``node`` with the provenance it has in effect: its own, else its block's."""
    if node is None or node.source is not None:
        return node
    return attrs.evolve(node, source=source)


def _provenance(cluster: m.Cluster) -> m.Cluster:
    """The cluster with every entry's effective provenance written in, so that a source made
    explicit (or left to be inherited) is not a change."""
    own = cluster.source
    grid = _inherit(cluster.grid, own)
    if grid is not None:
        grid = attrs.evolve(grid, rows=[_inherit(row, grid.source) for row in grid.rows])
    columns = {}
    for kind, column in cluster.columns.items():
        column = _inherit(column, own)
        columns[kind] = attrs.evolve(column, criteria=[_inherit(c, column.source)
                                                       for c in column.criteria])
    transitions = _inherit(cluster.transitions, own)
    if transitions is not None:
        transitions = attrs.evolve(transitions, moves=[_inherit(move, transitions.source)
                                                       for move in transitions.moves])
    return attrs.evolve(
        cluster, texts={k: _inherit(t, own) for k, t in cluster.texts.items()},
        notes=[_inherit(t, own) for t in cluster.notes], episode=_inherit(cluster.episode, own),
        review=_inherit(cluster.review, own), grid=grid, columns=columns,
        transitions=transitions)


def _cluster(out: _Collector, cluster: m.Cluster) -> None:
    section, key = f"cluster {cluster.number}", ("cluster", cluster.number)
    cluster = _provenance(cluster)

    def order(rank: int, *rest) -> tuple:
        return (5, cluster.number, rank, *rest)

    for field in attrs.fields(type(cluster)):
        if field.name not in _CLUSTER_FIELDS:
            out.generic(section, "cluster", key, field.name, getattr(cluster, field.name),
                        order(0, field.name))
    for index, (name, text) in enumerate(cluster.texts.items()):
        out.add(section, "description", name.replace("_", " "), (*key, "text", name), text,
                _with_source(text.text, text.source), order(1, index))
    out.bag(section, "note", "note", (*key, "notes"), cluster.notes, order(2))
    if cluster.episode is not None:
        out.add(section, "episode", "episode", (*key, "episode"), cluster.episode,
                _with_source(_episode_text(cluster.episode), cluster.episode.source), order(3))
    if cluster.review is not None:
        out.add(section, "review", "review interval", (*key, "review"), cluster.review,
                _with_source(_review_text(cluster.review), cluster.review.source), order(4))
    if cluster.grid is not None:
        _grid(out, section, key, cluster.grid, order(5))
    for c_index, column in enumerate(cluster.columns.values()):
        _column(out, section, key, column, order(6, c_index))
    if cluster.transitions is not None:
        _transitions(out, section, key, cluster.transitions, order(7))


def _grid(out: _Collector, section: str, key: tuple, grid: n.Grid, order: tuple) -> None:
    out.add(section, "grid", "grid", (*key, "grid"), attrs.evolve(grid, rows=()),
            source_text(grid.source), order)
    for index, row in enumerate(grid.rows):
        name = "|".join(row.scales)
        out.add(section, "grid_row", f"grid row {row.label}", (*key, "grid", name), row,
                _with_source(band_text(row), row.source), (*order, index))


def _column(out: _Collector, section: str, key: tuple, column: n.Column, order: tuple) -> None:
    ckey = (*key, "column", column.kind)
    out.add(section, "column", f"{column.kind} quantifier", ckey,
            attrs.evolve(column, criteria=()), _with_source(column.quantifier, column.source),
            order)
    seen: Counter = Counter()
    for index, criterion in enumerate(column.criteria):
        seen[criterion.wording] += 1
        wording, condition = quote(criterion.wording), format_condition(criterion.condition)
        out.add(section, "criterion", f"{column.kind} criterion",
                (*ckey, "criterion", criterion.wording, seen[criterion.wording]), criterion,
                _with_source(f"{wording}  {condition}", criterion.source),
                (*order, index), pair=ckey, match=plain(criterion.condition),
                parts=(("wording", wording), ("condition", condition)))


def _transitions(out: _Collector, section: str, key: tuple, transitions: n.Transitions,
                 order: tuple) -> None:
    tkey = (*key, "transitions")
    out.add(section, "transitions", "transitions", tkey, attrs.evolve(transitions, moves=()),
            source_text(transitions.source), order)
    for index, move in enumerate(transitions.moves):
        if isinstance(move, n.Move):
            for likelihood, clusters in move.groups:
                for target in clusters:
                    value = {"direction": move.direction, "likelihood": likelihood,
                             "source": plain(move.source)}
                    out.add(section, "transition", f"transition to {target}",
                            (*tkey, move.direction, target), move, _with_source(
                                f"{move.direction} {likelihood}", move.source),
                            (*order, 0, target), value=value, pair=tkey, match=target)
        else:
            out.add(section, "transition", "discharge", (*tkey, "discharge"), move,
                    _with_source(f"discharge {move.likelihood}", move.source),
                    (*order, 1, index))
