"""The checked rule set as plain JSON data (schema in docs/export.md).

For developers embedding the rules in other systems and for auditors: every item carries its
effective provenance (its own ``source``, else the one it inherits from its cluster or block) and
where it is written (``at``: file and line). Conditions are exported both as a tree and as the
canonical one-line text.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import attrs

from . import model as m
from . import nodes as n
from .formatter import format_condition

SCHEMA = "mhct-dsl/ruleset/1"


def export_json(ruleset: m.RuleSet) -> str:
    return json.dumps(export(ruleset), ensure_ascii=False, indent=2) + "\n"


def export(ruleset: m.RuleSet) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "ruleset": {
            **ruleset.receipt(),
            "extends": ruleset.extends,
            "base": ruleset.base.receipt() if ruleset.base else None,
            "header": {k: v.isoformat() if isinstance(v, dt.date) else v
                       for k, v in ruleset.header.items()},
            "header_entries": [
                {"key": e.key,
                 "value": e.date.isoformat() if isinstance(e, n.DateAttr) else e.text,
                 "source": source(e.source)}
                for e in ruleset.header_entries],
        },
        "scales": [_scale(scale) for scale in ruleset.scales.values()],
        "facts": [_term(term) for term in ruleset.facts.values()],
        "events": [_term(term) for term in ruleset.events.values()],
        "teams": [_term(term) for term in ruleset.teams.values()],
        "decision_tree": _tree(ruleset.tree),
        "clusters": [_cluster(cluster) for cluster in ruleset.clusters.values()],
    }


def source(item_source: n.Source | None, inherited: n.Source | None = None) -> dict | None:
    effective = item_source or inherited
    if effective is None:
        return None
    return {"kind": effective.kind, "note": effective.note}


def _at(node) -> str | None:
    span = getattr(node, "span", None)
    return f"{span.path}:{span.line}" if span else None


def _scale(scale: m.Scale) -> dict:
    return {
        "id": scale.id, "title": scale.title, "part": scale.part,
        "ratings": {str(k): v for k, v in scale.ratings.items()},
        "include": list(scale.include), "exclude": list(scale.exclude), "notes": list(scale.notes),
        "problem_types": scale.problem_types, "source": source(scale.source),
    }


def _term(term: m.Term) -> dict:
    return {"name": term.name, "wording": term.wording, "source": source(term.source),
            "local": term.local}


def _tree(tree: n.DecisionTreeDecl | None) -> dict | None:
    if tree is None:
        return None
    return {
        "title": tree.title, "source": source(tree.source),
        "groups": [
            {"name": g.name, "title": g.title, "source": source(g.source, tree.source),
             "branches": [{"name": b.name, "title": b.title, "clusters": list(b.clusters),
                           "source": source(b.source, g.source or tree.source)}
                          for b in g.branches]}
            for g in tree.groups
        ],
    }


def duration(d: n.Duration) -> dict:
    return {"amount": d.amount, "unit": d.unit}


def _cluster(c: m.Cluster) -> dict:
    inherit = c.source
    return {
        "number": c.number, "name": c.name, "kind": c.kind, "group": c.group, "branch": c.branch,
        "source": source(c.source),
        "texts": {k: {"text": t.text, "source": source(t.source, inherit), "at": _at(t)}
                  for k, t in c.texts.items()},
        "notes": [{"text": t.text, "source": source(t.source, inherit)} for t in c.notes],
        "episode": None if c.episode is None else {
            "low": c.episode.low, "high": c.episode.high, "open_ended": c.episode.open_ended,
            "unit": c.episode.unit, "source": source(c.episode.source, inherit)},
        "review": None if c.review is None else {
            "every": duration(c.review.every),
            "mhct_within": None if c.review.mhct_within is None else duration(c.review.mhct_within),
            "source": source(c.review.source, inherit)},
        "grid": None if c.grid is None else {
            "source": source(c.grid.source, inherit),
            "rows": [{"scales": list(r.scales), "reading": r.reading if len(r.scales) > 1 else None,
                      "class": m.row_class(r),
                      "bands": [{"colour": b.colour, "low": b.low, "high": b.high}
                                for b in r.bands],
                      "source": source(r.source, c.grid.source or inherit), "at": _at(r)}
                     for r in c.grid.rows]},
        "columns": {kind: _column(col, inherit) for kind, col in c.columns.items()},
        "transitions": None if c.transitions is None else _transitions(c.transitions, inherit),
        "amended": sorted(c.amended),
        "amendments": [_amendment(a) for a in c.amendments],
    }


def _amendment(a: m.Amendment) -> dict:
    return {"entry": a.entry, "action": a.action, "index": a.index, "source": source(a.source),
            "before": _amended_value(a.before), "after": _amended_value(a.after)}


def _amended_value(node) -> object:
    """What an amendment replaced or put in, in brief: a criterion's wording and condition, a
    duration, a quantifier or text; a whole block by where it is written."""
    if node is None or isinstance(node, str):
        return node
    if isinstance(node, n.Criterion):
        return {"wording": node.wording, "condition_text": format_condition(node.condition),
                "at": _at(node)}
    if isinstance(node, n.Review):
        return {"every": duration(node.every), "at": _at(node)}
    if isinstance(node, n.Episode):
        return {"low": node.low, "high": node.high, "open_ended": node.open_ended,
                "unit": node.unit, "at": _at(node)}
    if isinstance(node, n.TextAttr):
        return {"text": node.text, "at": _at(node)}
    return {"at": _at(node)}


def _column(column: n.Column, inherit: n.Source) -> dict:
    column_source = column.source or inherit
    return {
        "quantifier": column.quantifier, "source": source(column_source),
        "criteria": [{"wording": cr.wording, "condition": condition(cr.condition),
                      "condition_text": format_condition(cr.condition),
                      "source": source(cr.source, column_source), "at": _at(cr)}
                     for cr in column.criteria],
    }


def _transitions(t: n.Transitions, inherit: n.Source) -> dict:
    block = t.source or inherit
    moves, discharge = [], None
    for move in t.moves:
        if isinstance(move, n.DischargeMove):
            discharge = {"likelihood": move.likelihood, "source": source(move.source, block)}
            continue
        for likelihood, clusters in move.groups:
            moves.append({"direction": move.direction, "likelihood": likelihood,
                          "clusters": list(clusters), "source": source(move.source, block)})
    return {"source": source(block), "moves": moves, "discharge": discharge}


_CONDITION_TYPES = {
    n.Not: "not", n.AllOf: "all", n.AnyOf: "any", n.ScaleIs: "scale",
    n.ScaleRemained: "scale_remained", n.ScaleStable: "scale_stable", n.FactIs: "fact",
    n.EventWithin: "event_within", n.Tenure: "tenure", n.FitsClusters: "fits_clusters",
    n.FitsTransition: "fits_transition",
}


def condition(cond) -> dict:
    """A condition as a JSON tree: ``{"type": ..., fields...}``, nested for not/all/any."""
    out: dict = {"type": _CONDITION_TYPES[type(cond)]}
    for field in attrs.fields(type(cond)):
        if field.name == "span":
            continue
        value = getattr(cond, field.name)
        if isinstance(value, n.Duration):
            value = duration(value)
        elif isinstance(value, n.Comparison):
            value = {"op": value.op, "value": value.value, "high": value.high}
        elif field.name == "operand":
            value = condition(value)
        elif field.name == "operands":
            value = [condition(v) for v in value]
        elif isinstance(value, tuple):
            value = list(value)
        out[field.name] = value
    return out
