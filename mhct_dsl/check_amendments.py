"""The checker's amendments: a local rule set's ``amend cluster`` blocks replace whole entries of
the base's clusters (an attribute, a column, the grid, the transitions), add notes and accepts, or
add, replace or remove one criterion of a column and change a column's quantifier. Each change
needs the commissioner's reference and is recorded (`model.Amendment`) with what it replaced."""

from __future__ import annotations

import attrs

from . import model as m
from . import nodes as n
from . import schema
from .check_base import CheckerBase
from .check_clusters import cluster_from_entries


class AmendmentChecks(CheckerBase):
    """``amend cluster`` blocks, applied to the clusters in place."""

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
        merged = cluster_from_entries(
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
        are none or the column cannot take them. A faulty change is reported and left out; the
        others are applied, so that their criteria are checked in the same run."""
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
        quantifier, records = column.quantifier, []
        for position, change in changes:
            source = change.source or amend.source
            if source is None or source.kind != "local":
                self.error("missing-reason", "a local amendment needs the commissioner's "
                           "reference", change.span,
                           'end the change with: source local "your reference" (or give one to '
                           f'the whole block: amend cluster {amend.number} source local "...")')
                continue
            if isinstance(change, n.QuantifierChange) and change.quantifier == "n/a":
                self.error("invalid-value", "`quantifier n/a` cannot make a column N/A",
                           change.span, f"replace the column whole instead: {kind} n/a")
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
                continue
            if not 1 <= change.index <= len(column.criteria):
                self.error("unknown-criterion", f"the base `{kind}` column of cluster "
                           f"{base.number} has no criterion {change.index}", change.span,
                           _criteria_hint(column))
                continue
            before = column.criteria[change.index - 1]
            slots[change.index - 1] = new
            records.append((position, m.Amendment(kind, change.action, source, before=before,
                                                  after=new, index=change.index)))
        merged = attrs.evolve(column, quantifier=quantifier,
                              criteria=[c for c in slots + added if c is not None],
                              source=column.source or base.source, span=changes[-1][1].span)
        return merged, records



def _numbers(numbers) -> str:
    return ", ".join(str(number) for number in sorted(numbers))


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
