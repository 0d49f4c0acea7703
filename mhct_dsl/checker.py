"""Name resolution and consistency: parsed files in, a `model.RuleSet` out, or every problem at
once.

The checker never stops at the first problem: it walks everything, records a `Diagnostic` for each
fault, and raises one `RuleError` at the end. A local rule set is checked against its base: its
``amend cluster`` blocks replace whole entries (an attribute, a column, the grid, the transitions)
of the base's clusters or add, replace or remove one criterion of a column and change a column's
quantifier; each change is recorded (`model.Amendment`) with what it replaced. It may declare new
facts and events but not redefine the base's.

This module checks the header and the vocabulary (facts, events, teams) and runs the blocks in
order; each block's checks are a mixin in its own module: `check_scales`, `check_clusters` (with
`check_conditions`), `check_amendments`, `check_tree`, all on `check_base` (diagnostics and the
small checks they share).
"""

from __future__ import annotations

import collections

import attrs

from . import model as m
from . import nodes as n
from . import schema
from .check_amendments import AmendmentChecks
from .check_base import where
from .check_clusters import ClusterChecks
from .check_scales import ScaleChecks
from .check_tree import TreeChecks
from .diagnostics import RuleError, in_line_order


class _Checker(ScaleChecks, ClusterChecks, AmendmentChecks, TreeChecks):
    """One rule set's check: the header and the vocabulary here, each block by its own checks."""

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
            header={**texts,
                    **{e.key: e.date for e in header.entries if isinstance(e, n.DateAttr)}},
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
                       f"the header is already declared at {where(headers[0])}")
        header = headers[0]
        self._entries(header.entries, schema.RULESET, header)
        if "version" not in _texts(header.entries):
            self.error("missing-entry", f'ruleset "{header.name}" has no `version`', header.span,
                       'add: version "..."')
        self._source(header.source)
        return header


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


def _texts(entries) -> dict[str, str]:
    return {e.key: e.text for e in entries if isinstance(e, n.TextAttr) and e.key != "note"}


def check(files: list[n.RuleFile], fingerprint: str, base: m.RuleSet | None = None,
          sources: dict[str, str] | None = None) -> m.RuleSet:
    """Check parsed rule files (one rule set) and build the model; raise `RuleError` if faulty."""
    checker = _Checker(files, base)
    ruleset = checker.run(fingerprint)
    if checker.diagnostics or ruleset is None:
        raise RuleError(in_line_order(checker.diagnostics, [f.path for f in files]), sources)
    return ruleset
