"""The checker's clusters: each ``cluster`` declaration against the schema of its kind (standard or
special), built into a `model.Cluster`; then, once amendments and the tree are applied, each
cluster's contents: grid, episode, review, transitions, columns (their criteria's conditions) and
``accept`` entries."""

from __future__ import annotations

import datetime as dt

from . import dates
from . import model as m
from . import nodes as n
from . import schema
from .check_base import where
from .check_conditions import ConditionChecks
from .diagnostics import did_you_mean, one_of
from .lint.codes import CODES as LINT_CODES

PAIRS = {("7", "8")}
MAX_CLUSTER = 99


class ClusterChecks(ConditionChecks):
    """The ``cluster`` declarations and, for every cluster of the rule set, its contents."""

    def _clusters(self, decls: list[n.ClusterDecl], local: bool) -> dict[int, m.Cluster]:
        clusters = dict(self.base.clusters) if local else {}
        seen: dict[int, n.ClusterDecl] = {}
        for decl in decls:
            if local:
                self.error("misplaced-entry", f"a local rule set cannot declare cluster "
                           f"{decl.number}", decl.span,
                           f"amend it instead: amend cluster {decl.number} {{ ... }}")
                continue
            if decl.number > MAX_CLUSTER:
                self.error("unknown-cluster", f"cluster number {decl.number} is out of range",
                           decl.span, f"clusters are numbered 0-{MAX_CLUSTER}")
                continue
            if decl.number in seen:
                self.error("duplicate-cluster", f"cluster {decl.number} is declared twice",
                           decl.span, f"first declared at {where(seen[decl.number])}")
                continue
            seen[decl.number] = decl
            self._entries(decl.entries, schema.CLUSTER, decl)
            self._source(decl.source)
            clusters[decl.number] = self._cluster(decl)
        return clusters

    def _cluster(self, decl: n.ClusterDecl) -> m.Cluster:
        kinds = [e.word for e in decl.entries if isinstance(e, n.WordAttr) and e.key == "kind"]
        kind = kinds[0] if kinds and kinds[0] in schema.CLUSTER_KINDS else "standard"
        keys = {schema.entry_key(e) for e in decl.entries}
        for required in schema.REQUIRED[kind]:
            if required not in keys:
                self.error("missing-entry", f"cluster {decl.number} has no `{required}`",
                           decl.span, _required_hint(required))
        if kind != "standard":
            for entry in decl.entries:
                if schema.entry_key(entry) in schema.FORBIDDEN_FOR_SPECIAL:
                    self.error("misplaced-entry", f"a {kind} cluster has no "
                               f"`{schema.entry_key(entry)}`", entry.span,
                               f"nobody is allocated to a {kind} cluster by profile")
        return cluster_from_entries(decl.number, decl.name, kind, decl.entries,
                                     decl.source or n.Source("booklet"))

    # ---- cluster contents -------------------------------------------------------------------

    def _cluster_semantics(self, cluster: m.Cluster, clusters: dict[int, m.Cluster]) -> None:
        if cluster.grid is not None:
            self._grid(cluster.grid)
        if cluster.episode is not None:
            self._episode(cluster.episode)
        if cluster.review is not None:
            self._review(cluster.review)
        if cluster.transitions is not None:
            self._transitions(cluster, clusters)
        for column in cluster.columns.values():
            self._column(column, cluster, clusters)
        for accept in cluster.accepts:
            self._accept(accept, clusters)

    def _accept(self, accept: n.Accept, clusters) -> None:
        self._text(accept.reason, accept.span)
        if accept.code not in LINT_CODES:
            self.error("unknown-lint-code", f"`{accept.code}` is not a lint finding", accept.span,
                       did_you_mean(accept.code, LINT_CODES) or one_of(sorted(LINT_CODES)))
        for number in accept.clusters:
            if number not in clusters:
                self.error("unknown-cluster", f"cluster {number} is not declared", accept.span)

    def _grid(self, grid: n.Grid) -> None:
        self._source(grid.source)
        covered: dict[str, n.GridRow] = {}
        for row in grid.rows:
            self._source(row.source)
            known = [s for s in row.scales if self._scale_id(s, row.span)]
            if len(row.scales) > 1 and tuple(row.scales) not in PAIRS:
                self.error("invalid-pair", f"scales {row.label} cannot share a row",
                           row.span, "only scales 7 and 8 may share a row (`max(7,8)` or `7|8`)")
            for scale in known:
                if scale in covered:
                    self.error("duplicate-entry", f"scale {scale} has two grid rows", row.span,
                               f"the other is at {where(covered[scale])}")
                covered[scale] = row
            coloured: dict[int, str] = {}
            for band in row.bands:
                if not self._rating_range(band.low, band.high, band.span):
                    continue
                for rating in range(band.low, band.high + 1):
                    if rating in coloured:
                        self.error("overlapping-bands", f"rating {rating} of scale "
                                   f"{row.label} is both {coloured[rating]} and "
                                   f"{band.colour}", band.span, "each rating has one colour")
                        break
                    coloured[rating] = band.colour
        missing = [s for s in m.SCALE_IDS if s not in covered]
        if missing:
            self.error("incomplete-grid", "the grid has no row for scale(s) " + ", ".join(missing),
                       grid.span, "give every scale a row; write `none` for an uncoloured row")

    def _episode(self, episode: n.Episode) -> None:
        self._source(episode.source)
        if episode.low <= 0 or (episode.high is not None and episode.high <= episode.low):
            high = f"..{episode.high}" if episode.high is not None else ""
            self.error("inverted-range", f"episode {episode.low}{high} {episode.unit}s is not a "
                       "valid length", episode.span, "write LOW..HIGH with 0 < LOW < HIGH")
        else:
            self._duration(n.Duration(max(episode.low, episode.high or 0), episode.unit,
                                      span=episode.span))

    def _review(self, review: n.Review) -> None:
        self._duration(review.every)
        fresh = review.mhct_within
        if fresh is None:
            return
        self._duration(fresh)
        reference = dt.date(2001, 1, 1)
        if dates.add(reference, fresh) > dates.add(reference, review.every):
            self.error("invalid-value", "`mhct within` is longer than the review interval",
                       fresh.span, "a review's MHCT may be at most one review interval old")

    def _transitions(self, cluster: m.Cluster, clusters: dict[int, m.Cluster]) -> None:
        transitions = cluster.transitions
        self._source(transitions.source)
        targets: dict[int, n.Move] = {}
        discharges = 0
        for move in transitions.moves:
            self._source(move.source)
            if isinstance(move, n.DischargeMove):
                discharges += 1
                if discharges > 1:
                    self.error("duplicate-entry", "discharge likelihood is given twice",
                               move.span)
                continue
            for _likelihood, numbers in move.groups:
                for number in numbers:
                    if number == cluster.number:
                        self.error("invalid-value", f"cluster {number} cannot move to itself",
                                   move.span, "the current cluster is not a transition target")
                    elif number not in clusters:
                        self.error("unknown-cluster", f"transition to cluster {number}, which "
                                   "is not declared", move.span)
                    elif number in targets:
                        self.error("duplicate-entry", f"cluster {number} is a target twice",
                                   move.span, f"also at {where(targets[number])}")
                    targets[number] = move
        if discharges == 0:
            self.error("missing-entry", f"cluster {cluster.number}'s transitions do not say how "
                       "likely discharge is", transitions.span, "add: discharge possible")

    def _column(self, column: n.Column, cluster: m.Cluster, clusters) -> None:
        self._source(column.source)
        count = len(column.criteria)
        if column.quantifier == "one" and count != 1:
            self.error("quantifier-mismatch", f"`{column.kind} one` must hold exactly one "
                       f"criterion, not {count}", column.span,
                       "the booklet's header 'The following criterion is met' means one; use "
                       "`any` or `all` for several")
        elif column.quantifier in ("any", "all") and count == 0:
            self.error("quantifier-mismatch", f"`{column.kind} {column.quantifier}` has no "
                       "criteria", column.span, f"write `{column.kind} n/a` if the column is N/A")
        for criterion in column.criteria:
            self._text(criterion.wording, criterion.span)
            self._source(criterion.source)
            self._condition(criterion.condition, cluster, clusters)



def _required_hint(key: str) -> str:
    return {
        "episode": "add: episode LOW..HIGH weeks|months|years (as the protocol page says)",
        "review": "add: review every N weeks|months|years",
        "grid": "add: grid { 1 yellow 0..2 ... }",
        "transitions": "add: transitions { up likely ...  discharge possible }",
        "step_up": "add: step_up one|any|all { ... } or step_up n/a",
        "discharge": "add: discharge all { ... } or discharge n/a",
        "step_down": "add: step_down one|any|all { ... } or step_down n/a",
    }.get(key, f'add: {key} "..."')


def cluster_from_entries(number, name, kind, entries, source) -> m.Cluster:
    texts, columns, notes, accepts = {}, {}, [], []
    singles = {n.Episode: None, n.Review: None, n.Grid: None, n.Transitions: None}
    for entry in entries:
        if isinstance(entry, n.TextAttr) and entry.key == "note":
            notes.append(entry)
        elif isinstance(entry, n.Accept):
            accepts.append(entry)
        elif isinstance(entry, n.TextAttr):
            texts.setdefault(entry.key, entry)
        elif isinstance(entry, n.Column):
            columns.setdefault(entry.kind, entry)
        elif type(entry) in singles and singles[type(entry)] is None:
            singles[type(entry)] = entry
    return m.Cluster(
        number=number, name=name, kind=kind, group=None, branch=None, texts=texts,
        episode=singles[n.Episode], review=singles[n.Review], grid=singles[n.Grid],
        columns={k: columns[k] for k in m.COLUMN_ORDER if k in columns},
        transitions=singles[n.Transitions], source=source, notes=tuple(notes),
        accepts=tuple(accepts),
    )
