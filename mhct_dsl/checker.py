"""Name resolution and consistency: parsed files in, a `model.RuleSet` out, or every problem at once.

The checker never stops at the first problem: it walks everything, records a `Diagnostic` for each
fault, and raises one `RuleError` at the end. A local rule set is checked against its base: its
``amend cluster`` blocks replace whole entries (an attribute, a column, the grid, the transitions)
of the base's clusters or add, replace or remove one criterion of a column and change a column's
quantifier; each change is recorded (`model.Amendment`) with what it replaced. It may declare new
facts and events but not redefine the base's.
"""

from __future__ import annotations

import collections
import datetime as dt

import attrs

from . import dates
from . import model as m
from . import nodes as n
from . import schema
from .diagnostics import Diagnostic, RuleError, did_you_mean, in_line_order, one_of
from .lint.codes import CODES as LINT_CODES

PAIRS = {("7", "8")}
MAX_CLUSTER = 99
# Limits that keep evaluation well inside Python's recursion limit and the calendar: a condition
# nests at most MAX_CONDITION_DEPTH deep; a duration is at most 100 years in its unit.
MAX_CONDITION_DEPTH = 32
MAX_DURATION = {"day": 36525, "week": 5218, "month": 1200, "year": 100}


class _Checker:
    def __init__(self, files: list[n.RuleFile], base: m.RuleSet | None):
        self.files = files
        self.base = base
        self.diagnostics: list[Diagnostic] = []

    def error(self, code: str, message: str, span, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, hint))

    # ---- entry point ------------------------------------------------------------------------

    def run(self, fingerprint: str) -> m.RuleSet | None:
        decls = collections.defaultdict(list)
        for rule_file in self.files:
            for decl in rule_file.declarations:
                decls[type(decl)].append(decl)

        header = self._header(decls[n.RuleSetDecl])
        if header is None:
            return None  # without a header nothing else can be judged (national or local?)
        local = header is not None and header.extends is not None
        if local and self.base is None:
            local = False  # the loader could not load the base; it has reported why
        scales = self._scales(decls[n.ScaleDecl], local)
        facts = self._terms(decls[n.FactDecl], "fact", self.base.facts if self.base else {})
        events = self._terms(decls[n.EventDecl], "event", self.base.events if self.base else {})
        teams = self._terms(decls[n.TeamDecl], "team", self.base.teams if self.base else {})
        self.scales, self.facts, self.events, self.teams = scales, facts, events, teams

        clusters = self._clusters(decls[n.ClusterDecl], local)
        for amend in decls[n.AmendDecl]:
            self._amend(amend, clusters, local)
        tree = self._tree(decls[n.DecisionTreeDecl], clusters, local)
        clusters = self._place_in_tree(clusters, tree)
        for cluster in clusters.values():
            self._cluster_semantics(cluster, clusters)
        if header is None or self.diagnostics:
            return None
        texts = _texts(header.entries)
        return m.RuleSet(
            name=header.name,
            version=texts.get("version", ""),
            header={**texts, **{e.key: e.date for e in header.entries if isinstance(e, n.DateAttr)}},
            scales=scales,
            facts=facts,
            events=events,
            tree=tree,
            clusters=dict(sorted(clusters.items())),
            fingerprint=fingerprint,
            header_entries=tuple(
                attrs.evolve(e, source=e.source or header.source or n.Source("booklet"))
                for e in header.entries if isinstance(e, (n.TextAttr, n.DateAttr))),
            extends=header.extends,
            base=self.base,
            teams=teams,
        )

    # ---- header -----------------------------------------------------------------------------

    def _header(self, headers: list[n.RuleSetDecl]) -> n.RuleSetDecl | None:
        if not headers:
            first = next((d for f in self.files for d in f.declarations), None)
            if isinstance(first, n.AmendDecl):
                self.error("missing-ruleset", "`amend` needs a local rule set header", first.span,
                           'start the file with: ruleset "Name" extends national source local '
                           '"reference" { version "..." }')
            else:
                self.error("missing-ruleset", "no `ruleset` header in these rule files",
                           getattr(first, "span", None),
                           'start one file with: ruleset "Name" { version "..." }')
            return None
        for extra in headers[1:]:
            self.error("duplicate-definition", "a second `ruleset` header", extra.span,
                       f"the header is already declared at {_where(headers[0])}")
        header = headers[0]
        self._entries(header.entries, schema.RULESET, header)
        if "version" not in _texts(header.entries):
            self.error("missing-entry", f'ruleset "{header.name}" has no `version`', header.span,
                       'add: version "..."')
        self._source(header.source)
        return header

    # ---- scales -----------------------------------------------------------------------------

    def _scales(self, decls: list[n.ScaleDecl], local: bool) -> dict[str, m.Scale]:
        if local:
            for decl in decls:
                self.error("misplaced-entry", "a local rule set cannot redefine MHCT scales",
                           decl.span, "scales come from the national rule set it extends")
            return dict(self.base.scales)
        scales: dict[str, m.Scale] = {}
        for decl in decls:
            if decl.id not in m.SCALE_IDS:
                self.error("unknown-scale", f"there is no MHCT scale `{decl.id}`", decl.span,
                           "scales are 1-13 and A-E")
                continue
            if decl.id in scales:
                self.error("duplicate-definition", f"scale {decl.id} is declared twice", decl.span)
                continue
            self._entries(decl.entries, schema.SCALE, decl)
            self._source(decl.source)
            scales[decl.id] = self._scale(decl)
        missing = [s for s in m.SCALE_IDS if s not in scales]
        if decls and missing:
            self.error("missing-entry", "scales not declared: " + ", ".join(missing),
                       decls[0].span, "a national rule set declares all 18 MHCT scales")
        if not decls:
            self.error("missing-entry", "no MHCT scales are declared", None,
                       "a national rule set declares all 18 MHCT scales (1-13, A-E)")
        return dict(sorted(scales.items(), key=lambda kv: m.SCALE_IDS.index(kv[0])))

    def _scale(self, decl: n.ScaleDecl) -> m.Scale:
        expected_part = "current" if decl.id in m.CURRENT_SCALES else "historical"
        words = {e.key: e for e in decl.entries if isinstance(e, n.WordAttr)}
        part = words.get("part")
        if part is None:
            self.error("missing-entry", f"scale {decl.id} has no `part`", decl.span,
                       f"add: part {expected_part}")
        elif part.word in ("current", "historical") and part.word != expected_part:
            self.error("invalid-value", f"scale {decl.id} is a {expected_part} scale, not "
                       f"{part.word}", part.span, "scales 1-13 are current, A-E historical")
        ratings: dict[int, str] = {}
        problem_types: dict[str, str] = {}
        for entry in decl.entries:
            if isinstance(entry, n.Rating):
                if entry.value not in (*m.RATINGS, m.NOT_KNOWN):
                    self.error("rating-out-of-range", f"rating {entry.value} is not an MHCT rating",
                               entry.span, "ratings are 0-4, and 9 for not known")
                elif entry.value in ratings:
                    self.error("duplicate-entry", f"rating {entry.value} is worded twice",
                               entry.span)
                ratings[entry.value] = entry.text
            elif isinstance(entry, n.ProblemType):
                if decl.id != "8":
                    self.error("misplaced-entry", "only scale 8 has problem types", entry.span)
                elif entry.letter not in "ABCDEFGHIJ":
                    self.error("invalid-value", f"problem type {entry.letter} is not A-J",
                               entry.span)
                elif entry.letter in problem_types:
                    self.error("duplicate-entry", f"problem type {entry.letter} twice", entry.span)
                problem_types[entry.letter] = entry.text
        missing = [str(r) for r in m.RATINGS if r not in ratings]
        if missing:
            self.error("missing-entry", f"scale {decl.id} does not word rating(s) "
                       + ", ".join(missing), decl.span, 'add: rating N "..."')
        texts = collections.defaultdict(list)
        for entry in decl.entries:
            if isinstance(entry, n.TextAttr):
                texts[entry.key].append(entry.text)
        return m.Scale(
            decl.id, decl.title, part.word if part else expected_part, dict(sorted(ratings.items())),
            tuple(texts["include"]), tuple(texts["exclude"]), tuple(texts["note"]),
            problem_types, decl.source or n.Source("booklet"),
        )

    # ---- facts and events -------------------------------------------------------------------

    def _terms(self, decls, what: str, inherited: dict[str, m.Term]) -> dict[str, m.Term]:
        terms = dict(inherited)
        for decl in decls:
            if decl.name in terms:
                where = "the base rule set" if decl.name in inherited else "this rule set"
                self.error("duplicate-definition", f"{what} `{decl.name}` is already declared "
                           f"in {where}", decl.span)
                continue
            self._text(decl.wording, decl.span)
            self._source(decl.source)
            terms[decl.name] = m.Term(decl.name, decl.wording, decl.source or n.Source("booklet"),
                                      local=self.base is not None)
        return terms

    # ---- clusters ---------------------------------------------------------------------------

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
                           decl.span, f"first declared at {_where(seen[decl.number])}")
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
        return _cluster_from_entries(decl.number, decl.name, kind, decl.entries,
                                     decl.source or n.Source("booklet"))

    def _amend(self, amend: n.AmendDecl, clusters: dict[int, m.Cluster], local: bool) -> None:
        if not local:
            self.error("misplaced-entry", "`amend` belongs in a local rule set", amend.span,
                       "declare the local rule set with: ruleset \"...\" extends national { ... }")
            return
        if amend.number not in clusters:
            self.error("unknown-cluster", f"the base rule set has no cluster {amend.number} to "
                       "amend", amend.span, "its clusters are " + _numbers(clusters))
            return
        self._entries(amend.entries, schema.AMEND, amend)
        self._source(amend.source)
        base = clusters[amend.number]
        source = amend.source or n.Source("local")
        changed, notes, amendments = {}, [], []  # amendments: (position in the block, record)
        for position, entry in enumerate(amend.entries):
            key = schema.entry_key(entry)
            if isinstance(entry, (n.CriterionChange, n.QuantifierChange)):
                continue
            if getattr(entry, "source", None) is None and amend.source is None:
                self.error("missing-reason", "a local amendment needs the commissioner's "
                           "reference", entry.span,
                           'end the entry with: source local "your reference" (or give one to '
                           f'the whole block: amend cluster {amend.number} source local "...")')
                continue
            if key in ("note", "accept"):  # added to the base's, not replacing them
                notes.append(attrs.evolve(entry, source=entry.source or source))
                amendments.append((position, m.Amendment(key, "add", notes[-1].source,
                                                          after=notes[-1])))
                continue
            if key in schema.FORBIDDEN_FOR_SPECIAL and base.kind != "standard":
                self.error("misplaced-entry", f"a {base.kind} cluster has no `{key}`", entry.span)
            if getattr(entry, "source", None) is None:
                entry = attrs.evolve(entry, source=source)
            changed[key] = entry
            amendments.append((position, m.Amendment(key, "replace", entry.source,
                                                      before=_entry_of(base, key), after=entry)))
        for kind in m.COLUMN_ORDER:
            column, column_changes = self._column_changes(amend, base, kind, changed)
            if column is not None:
                changed[kind] = column
                amendments.extend(column_changes)
        merged = _cluster_from_entries(
            base.number, base.name, base.kind, _replace_entries(base, changed) + notes,
            base.source)
        clusters[amend.number] = attrs.evolve(
            merged, group=base.group, branch=base.branch,
            amended=base.amended | frozenset(changed)
            | frozenset(schema.entry_key(e) for e in notes),
            amendments=base.amendments + tuple(record for _, record in sorted(
                amendments, key=lambda pair: pair[0])),
        )

    def _column_changes(self, amend: n.AmendDecl, base: m.Cluster, kind: str, replaced: dict):
        """Apply one column's criterion and quantifier changes to the base column: the new column
        and the `Amendment` records with their positions in the block, or (None, []) when there
        are none or they are faulty."""
        changes = [(i, e) for i, e in enumerate(amend.entries)
                   if isinstance(e, (n.CriterionChange, n.QuantifierChange)) and e.column == kind]
        if not changes:
            return None, []
        column = base.columns.get(kind)
        first = changes[0][1]
        if kind in replaced:
            self.error("conflicting-amendment", f"`{kind}` is replaced whole in this amendment, "
                       "so it cannot also be changed criterion by criterion", first.span,
                       f"either replace the column (`{kind} all {{ ... }}`) or change single "
                       f"criteria (`{kind} add`, `{kind} replace N`, `{kind} remove N`)")
            return None, []
        if column is None or column.quantifier == "n/a":
            what = "has no such column" if column is None else f"has `{kind} n/a`"
            self.error("conflicting-amendment", f"cluster {base.number} {what}: there are no "
                       "criteria to change", first.span,
                       f"replace the column whole: {kind} all {{ \"wording\" condition ... }}")
            return None, []
        slots, added = list(column.criteria), []  # slots: the base criteria by number
        quantifier, records, ok = column.quantifier, [], True
        for position, change in changes:
            source = change.source or amend.source
            if source is None or source.kind != "local":
                self.error("missing-reason", "a local amendment needs the commissioner's "
                           "reference", change.span,
                           'end the change with: source local "your reference" (or give one to '
                           f'the whole block: amend cluster {amend.number} source local "...")')
                ok = False
                continue
            if isinstance(change, n.QuantifierChange) and change.quantifier == "n/a":
                self.error("invalid-value", "`quantifier n/a` cannot make a column N/A",
                           change.span, f"replace the column whole instead: {kind} n/a")
                ok = False
                continue
            if isinstance(change, n.QuantifierChange):
                records.append((position, m.Amendment(kind, "quantifier", source,
                                                      before=quantifier, after=change.quantifier)))
                quantifier = change.quantifier
                continue
            new = None
            if change.criterion is not None:
                new = attrs.evolve(change.criterion, source=change.criterion.source or source)
            if change.action == "add":
                added.append(new)
                records.append((position, m.Amendment(kind, "add", source, after=new)))
                continue
            if change.index is None:
                self.error("unknown-criterion", f"`{kind} {change.action}` needs the number of "
                           f"the criterion it {change.action}s", change.span,
                           f"write `{kind} {change.action} N`; " + _criteria_hint(column))
                ok = False
                continue
            if not 1 <= change.index <= len(column.criteria):
                self.error("unknown-criterion", f"the base `{kind}` column of cluster "
                           f"{base.number} has no criterion {change.index}", change.span,
                           _criteria_hint(column))
                ok = False
                continue
            before = column.criteria[change.index - 1]
            slots[change.index - 1] = new
            records.append((position, m.Amendment(kind, change.action, source, before=before,
                                                  after=new, index=change.index)))
        if not ok:
            return None, []
        merged = attrs.evolve(column, quantifier=quantifier,
                              criteria=[c for c in slots + added if c is not None],
                              source=column.source or base.source, span=changes[-1][1].span)
        return merged, records

    # ---- decision tree ----------------------------------------------------------------------

    def _tree(self, trees, clusters, local: bool) -> n.DecisionTreeDecl | None:
        if local:
            for tree in trees:
                self.error("misplaced-entry", "a local rule set cannot redefine the decision tree",
                           tree.span)
            return self.base.tree
        if not trees:
            self.error("missing-entry", "no `decision_tree` is declared", None,
                       "declare the booklet's Appendix 2: decision_tree \"...\" { group ... }")
            return None
        for extra in trees[1:]:
            self.error("duplicate-definition", "a second `decision_tree`", extra.span)
        tree = trees[0]
        self._source(tree.source)
        names: dict[str, object] = {}
        placed: dict[int, n.Branch] = {}
        for group in tree.groups:
            self._unique(names, group.name, group, "group")
            self._source(group.source)
            for branch in group.branches:
                self._unique(names, branch.name, branch, "branch")
                self._source(branch.source)
                undeclared = [str(c) for c in branch.clusters if c not in clusters]
                if undeclared:
                    self.error("unknown-cluster", f"branch `{branch.name}` names undeclared "
                               f"cluster(s) {', '.join(undeclared)}", branch.span)
                for number in branch.clusters:
                    if number not in clusters:
                        continue
                    if clusters[number].kind != "standard":
                        self.error("invalid-value", f"cluster {number} is a "
                                   f"{clusters[number].kind} cluster; it has no place in the "
                                   "decision tree", branch.span)
                    elif number in placed:
                        self.error("duplicate-entry", f"cluster {number} is in two branches",
                                   branch.span, f"also in `{placed[number].name}`")
                    placed[number] = branch
        for number, cluster in clusters.items():
            if cluster.kind == "standard" and number not in placed:
                self.error("missing-entry", f"cluster {number} is not in the decision tree",
                           tree.span, f"add it to a branch: clusters ..., {number}")
        return tree

    def _place_in_tree(self, clusters, tree) -> dict[int, m.Cluster]:
        if tree is None:
            return clusters
        where = {number: (group.name, branch.name)
                 for group in tree.groups for branch in group.branches
                 for number in branch.clusters}
        return {
            number: attrs.evolve(cluster, group=where.get(number, (None, None))[0],
                                 branch=where.get(number, (None, None))[1])
            for number, cluster in clusters.items()
        }

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
                               f"the other is at {_where(covered[scale])}")
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

    def _duration(self, duration: n.Duration) -> None:
        if duration.amount <= 0:
            self.error("invalid-value", "a duration must be longer than zero", duration.span)
        elif duration.amount > MAX_DURATION.get(duration.unit, 0):
            self.error("duration-too-long", f"{duration.amount} {duration.unit}s is longer than "
                       "100 years", duration.span,
                       f"at most {MAX_DURATION.get(duration.unit)} {duration.unit}s")

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
                                   move.span, f"also at {_where(targets[number])}")
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

    def _condition(self, cond, cluster: m.Cluster, clusters, depth: int = 1) -> None:
        if depth > MAX_CONDITION_DEPTH:
            self.error("too-deep", f"conditions nested more than {MAX_CONDITION_DEPTH} levels "
                       "deep", cond.span, "split the condition, or name its parts with facts")
        elif isinstance(cond, n.Not):
            self._condition(cond.operand, cluster, clusters, depth + 1)
        elif isinstance(cond, (n.AllOf, n.AnyOf)):
            for operand in cond.operands:
                self._condition(operand, cluster, clusters, depth + 1)
        elif isinstance(cond, (n.ScaleIs, n.ScaleRemained)):
            self._scale_id(cond.scale, cond.span)
            self._comparison(cond.comparison)
            if isinstance(cond, n.ScaleRemained):
                self._duration(cond.duration)
        elif isinstance(cond, n.ScaleStable):
            self._scale_id(cond.scale, cond.span)
            self._duration(cond.duration)
        elif isinstance(cond, n.FactIs):
            if cond.name not in self.facts:
                self.error("unknown-fact", f"fact `{cond.name}` is not declared", cond.span,
                           did_you_mean(cond.name, self.facts)
                           or f'declare it: fact {cond.name} "booklet wording"')
        elif isinstance(cond, n.EventWithin):
            self._duration(cond.duration)
            if cond.name not in self.events:
                self.error("unknown-event", f"event `{cond.name}` is not declared", cond.span,
                           did_you_mean(cond.name, self.events)
                           or f'declare it: event {cond.name} "booklet wording"')
        elif isinstance(cond, n.Tenure):
            self._duration(cond.duration)
            if cond.team is not None and cond.team not in self.teams:
                self.error("unknown-team", f"team `{cond.team}` is not declared", cond.span,
                           did_you_mean(cond.team, self.teams)
                           or f'declare it: team {cond.team} "booklet wording"')
        elif isinstance(cond, n.FitsClusters):
            if cond.consistently is not None:
                self._duration(cond.consistently)
            for number in cond.clusters:
                if number not in clusters:
                    self.error("unknown-cluster", f"cluster {number} is not declared", cond.span)
                elif clusters[number].grid is None:
                    self.error("invalid-value", f"cluster {number} has no grid to fit",
                               cond.span)
        elif isinstance(cond, n.FitsTransition):
            if cond.consistently is not None:
                self._duration(cond.consistently)
            direction = "up" if cond.direction == "step_up" else "down"
            if cluster.transitions is not None and not cluster.targets(direction):
                self.error("no-transition-targets", f"`fits {cond.direction}`: cluster "
                           f"{cluster.number} has no likely or possible {direction} transitions",
                           cond.span, f"list them in transitions: {direction} likely ...")

    # ---- small checks -----------------------------------------------------------------------

    def _entries(self, entries, block: schema.BlockSchema, owner) -> None:
        seen: dict[str, object] = {}
        for entry in entries:
            key = schema.entry_key(entry)
            if isinstance(entry, (n.TextAttr, n.WordAttr, n.DateAttr)):
                allowed = {n.TextAttr: block.text_keys, n.WordAttr: frozenset(block.word_keys),
                           n.DateAttr: block.date_keys}[type(entry)]
                if key not in allowed:
                    self._unknown_attribute(entry, block)
                    continue
                if isinstance(entry, n.WordAttr) and entry.word not in block.word_keys[key]:
                    self.error("invalid-value", f"`{key} {entry.word}` is not allowed", entry.span,
                               one_of(sorted(block.word_keys[key])))
                if isinstance(entry, n.TextAttr):
                    self._text(entry.text, entry.span)
            elif type(entry) not in block.nodes:
                self.error("misplaced-entry", f"`{schema.entry_key(entry)}` is not allowed in a "
                           f"{block.name}", entry.span, _placement_hint(type(entry)))
                continue
            self._source(getattr(entry, "source", None))
            if isinstance(entry, (n.Rating, n.ProblemType)):
                continue  # checked with their scale
            if key in seen and key not in block.repeatable:
                self.error("duplicate-entry", f"`{key}` is given twice in this {block.name}",
                           entry.span, f"the first is at {_where(seen[key])}")
            seen.setdefault(key, entry)

    def _unknown_attribute(self, entry, block: schema.BlockSchema) -> None:
        elsewhere = [s.name for s in (schema.RULESET, schema.SCALE, schema.CLUSTER)
                     if entry.key in s.keys()]
        if elsewhere:
            self.error("misplaced-entry", f"`{entry.key}` is not allowed in a {block.name}",
                       entry.span, f"`{entry.key}` belongs in a {elsewhere[0]}")
        else:
            self.error("unknown-attribute", f"`{entry.key}` is not a {block.name} attribute",
                       entry.span, did_you_mean(entry.key, block.keys())
                       or one_of(sorted(block.keys())))

    def _source(self, source: n.Source | None) -> None:
        if source is not None and source.kind != "booklet" and not (source.note or "").strip():
            what = "a reason" if source.kind == "reconstructed" else "a reference"
            self.error("missing-reason", f"`source {source.kind}` needs {what}", source.span,
                       f'write: source {source.kind} "..."')

    def _text(self, text: str, span) -> None:
        if not text.strip():
            self.error("empty-text", "empty text", span, "omit the entry, or give its wording")

    def _scale_id(self, scale: str, span) -> bool:
        if scale in m.SCALE_IDS:
            return True
        self.error("unknown-scale", f"there is no MHCT scale `{scale}`", span,
                   "scales are 1-13 and A-E")
        return False

    def _rating_range(self, low: int, high: int, span) -> bool:
        if low not in m.RATINGS or high not in m.RATINGS:
            bad = low if low not in m.RATINGS else high
            self.error("rating-out-of-range", f"rating {bad} is outside 0-4", span,
                       "MHCT ratings are 0-4 (9, not known, is never in a range)")
            return False
        if high < low:
            self.error("inverted-range", f"range {low}..{high} is inverted", span,
                       f"write {high}..{low}")
            return False
        return True

    def _comparison(self, comparison: n.Comparison) -> None:
        if comparison.op == "in":
            if self._rating_range(comparison.value, comparison.high, comparison.span) and (
                comparison.value == comparison.high
            ):
                self.error("empty-range", f"range {comparison.value}..{comparison.high} holds one "
                           "rating", comparison.span, f"write `= {comparison.value}`")
            return
        if comparison.value not in m.RATINGS:
            self.error("rating-out-of-range", f"rating {comparison.value} is outside 0-4",
                       comparison.span, "MHCT ratings are 0-4")
        elif (comparison.op, comparison.value) in (("<", 0), (">", 4)):
            self.error("empty-range", f"no rating is {comparison.op} {comparison.value}",
                       comparison.span, "MHCT ratings are 0-4")

    def _unique(self, names: dict, name: str, node, what: str) -> None:
        if name in names:
            self.error("duplicate-definition", f"{what} `{name}` is declared twice", node.span,
                       f"first declared at {_where(names[name])}")
        names[name] = node


# ---- helpers ------------------------------------------------------------------------------------


def _where(node) -> str:
    span = getattr(node, "span", None)
    return f"{span.path}:{span.line}" if span else "another place"


def _numbers(numbers) -> str:
    return ", ".join(str(number) for number in sorted(numbers))


def _texts(entries) -> dict[str, str]:
    return {e.key: e.text for e in entries if isinstance(e, n.TextAttr) and e.key != "note"}


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


def _placement_hint(kind: type) -> str:
    if kind in (n.CriterionChange, n.QuantifierChange):
        return ("changes to one criterion or a quantifier belong in a local rule set's "
                "`amend cluster N source local \"reference\" { ... }`; here, edit the column")
    homes = [s.name for s in (schema.SCALE, schema.CLUSTER) if kind in s.nodes]
    return f"`{schema.NODE_NAMES[kind]}` belongs in a {' or '.join(homes)}" if homes else ""


def _cluster_from_entries(number, name, kind, entries, source) -> m.Cluster:
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


def _criteria_hint(column: n.Column) -> str:
    def short(text: str) -> str:
        return text if len(text) <= 40 else text[:39] + "…"

    listed = "; ".join(f"{i} “{short(c.wording)}”" for i, c in enumerate(column.criteria, 1))
    return f"its criteria are numbered from 1: {listed}"


def _entry_of(cluster: m.Cluster, key: str):
    """The base entry an amendment replaces (None when the key is new to the cluster)."""
    if key in cluster.texts:
        return cluster.texts[key]
    if key in cluster.columns:
        return cluster.columns[key]
    return getattr(cluster, key, None) if key in ("episode", "review", "grid",
                                                  "transitions") else None


def _replace_entries(cluster: m.Cluster, changed: dict) -> list:
    """The base cluster's entries with each amended key replaced (or added)."""
    current = {**cluster.texts}
    for key, node in (("episode", cluster.episode), ("review", cluster.review),
                      ("grid", cluster.grid), ("transitions", cluster.transitions)):
        if node is not None:
            current[key] = node
    current.update(cluster.columns)
    current.update(changed)
    return list(current.values()) + list(cluster.notes) + list(cluster.accepts)


def check(files: list[n.RuleFile], fingerprint: str, base: m.RuleSet | None = None,
          sources: dict[str, str] | None = None) -> m.RuleSet:
    """Check parsed rule files (one rule set) and build the model; raise `RuleError` if faulty."""
    checker = _Checker(files, base)
    ruleset = checker.run(fingerprint)
    if checker.diagnostics or ruleset is None:
        raise RuleError(in_line_order(checker.diagnostics, [f.path for f in files]), sources)
    return ruleset
