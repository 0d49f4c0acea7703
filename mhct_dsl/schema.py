"""Which entries each block of a rule file may hold, and which it must.

Blocks share one entry syntax (so a misplaced entry still parses); this table is what the checker
holds them to. A commissioner who writes ``desciption`` in a cluster is told it is not a cluster
attribute and offered ``description``.
"""

from __future__ import annotations

import attrs

from . import nodes as n


@attrs.frozen
class BlockSchema:
    """The entries one kind of block accepts: text/word/date keys (repeatable ones) and node
    kinds."""

    name: str
    text_keys: frozenset[str] = frozenset()
    repeatable: frozenset[str] = frozenset()
    word_keys: dict[str, frozenset[str]] = attrs.Factory(dict)
    date_keys: frozenset[str] = frozenset()
    nodes: frozenset[type] = frozenset()

    def keys(self) -> frozenset[str]:
        return self.text_keys | frozenset(self.word_keys) | self.date_keys


CLUSTER_TEXTS = frozenset({
    "description", "likely_diagnosis", "unlikely_diagnosis", "impairment", "risk", "course",
    "nice_guidance", "note",
})
CLUSTER_KINDS = frozenset({"variance", "blank"})
_CLUSTER_NODES = frozenset({n.Episode, n.Review, n.Grid, n.Column, n.Transitions, n.Accept})

RULESET = BlockSchema(
    "ruleset",
    text_keys=frozenset({"version", "gateway", "publisher", "title", "note"}),
    repeatable=frozenset({"note"}),
    date_keys=frozenset({"effective"}),
)
SCALE = BlockSchema(
    "scale",
    text_keys=frozenset({"include", "exclude", "note"}),
    repeatable=frozenset({"include", "exclude", "note"}),
    word_keys={"part": frozenset({"current", "historical"})},
    nodes=frozenset({n.Rating, n.ProblemType}),
)
CLUSTER = BlockSchema(
    "cluster",
    text_keys=CLUSTER_TEXTS,
    repeatable=frozenset({"note", "accept"}),
    word_keys={"kind": CLUSTER_KINDS},
    nodes=_CLUSTER_NODES,
)
AMEND = BlockSchema(
    "amend",
    text_keys=CLUSTER_TEXTS,
    repeatable=frozenset({"note", "accept"} | {f"{c} {a}" for c in ("step_up", "discharge",
                                                                     "step_down")
                                                for a in ("add", "replace", "remove")}),
    nodes=_CLUSTER_NODES | {n.CriterionChange, n.QuantifierChange},
)

# What a cluster must state, by kind ("standard" = neither variance nor blank).
REQUIRED = {
    "standard": ("description", "episode", "review", "grid", "step_up", "discharge", "step_down",
                 "transitions"),
    "variance": ("description", "review"),
    "blank": (),
}
# Entries a variance or blank cluster may not have: nothing is allocated to them by profile.
FORBIDDEN_FOR_SPECIAL = ("grid", "step_up", "discharge", "step_down", "transitions")

ATTRIBUTE_NAMES = frozenset().union(*(s.keys() for s in (RULESET, SCALE, CLUSTER, AMEND)))

NODE_NAMES = {
    n.Rating: "rating", n.ProblemType: "problem_type", n.Episode: "episode", n.Review: "review",
    n.Grid: "grid", n.Column: "column", n.Transitions: "transitions", n.Accept: "accept",
    n.CriterionChange: "criterion change", n.QuantifierChange: "quantifier change",
}


def entry_key(entry) -> str:
    """The key an entry is known by: its attribute name, column kind, or node name."""
    if isinstance(entry, (n.TextAttr, n.WordAttr, n.DateAttr)):
        return entry.key
    if isinstance(entry, n.Column):
        return entry.kind
    if isinstance(entry, n.CriterionChange):  # replace/remove name one criterion: at most once
        if entry.index is None:
            return f"{entry.column} {entry.action}"
        return f"{entry.column} criterion {entry.index}"
    if isinstance(entry, n.QuantifierChange):
        return f"{entry.column} quantifier"
    return NODE_NAMES[type(entry)]
