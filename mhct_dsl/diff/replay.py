"""Outcome replay: the same records through two rule sets, and every decision that changes.

Each record is allocated (its latest assessment; the record's own group if it names one) and, if
it has a current cluster, reviewed (as of its latest assessment) under both rule sets. A decision
changes when the suggested cluster or allocation outcome (while the group is not settled: any
group's best cluster), the review decision or its suggested clusters, or the next review date
differ. Each change names what is responsible: the clusters
whose fit changed and their grid rows whose class or result changed, or the criteria whose value
changed and the diff's changes to that cluster's columns. Records whose decisions do not change
are counted, not listed; records that cannot be read or evaluated are counted as failed.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from .. import logic
from ..allocation import allocate
from ..batch import read_records
from ..model import RuleSet
from ..records import Record, RecordError
from ..review import review
from .compare import Change


def _responsible(changes: list[Change], cluster: int | None, kinds: tuple[str, ...]) -> list[str]:
    section = f"cluster {cluster}"
    return [f"{section} {c.label} {c.change}" for c in changes
            if c.section == section and c.kind in kinds]


def _allocation(old_rs: RuleSet, new_rs: RuleSet, record: Record, changes: list[Change]
                ) -> dict[str, Any] | None:
    old, new = allocate(old_rs, record), allocate(new_rs, record)
    if _suggestion(old) == _suggestion(new):
        return None
    old_c = {c.cluster: c for c in old.candidates}
    new_c = {c.cluster: c for c in new.candidates}
    because = []
    for cluster in sorted(set(old_c) | set(new_c)):
        before, after = old_c.get(cluster), new_c.get(cluster)
        if getattr(before, "fit", None) != getattr(after, "fit", None):
            because.append(f"cluster {cluster} fit {getattr(before, 'fit', 'absent')} → "
                           f"{getattr(after, 'fit', 'absent')}")
            because += _rows(cluster, before, after)
    return {"kind": "allocation", "old": _suggestion(old), "new": _suggestion(new),
            "because": because}


def _suggestion(result) -> str:
    """The allocation decision: the suggested cluster and outcome or, while the decision tree's
    group is not settled, the best cluster of each group."""
    if result.outcome != "group_needed":
        return f"{result.suggested} ({result.outcome})"
    return "group needed: " + ", ".join(
        f"{group} {'none' if best is None else f'{best.cluster} ({best.fit})'}"
        for group, best in result.by_group.items())


_MET = {True: "met", False: "missed", None: "unknown"}


def _rows(cluster: int, before, after) -> list[str]:
    """The red and orange grid rows whose class or result for this assessment differs: the rows
    responsible (yellow rows never decide a fit)."""
    def checks(candidate):
        rows = candidate.rows if candidate is not None else ()
        return {row.label: f"{row.colour} {_MET[row.value]}" for row in rows
                if row.colour != "yellow"}

    old, new = checks(before), checks(after)
    return [f"cluster {cluster} grid row {label}: {old.get(label, 'absent')} → "
            f"{new.get(label, 'absent')}"
            for label in dict.fromkeys([*old, *new]) if old.get(label) != new.get(label)]


def _criteria(result) -> dict[tuple[str, str], str]:
    return {(c.column, c.wording): logic.word(c.value) for c in result.criteria}


def _review(old_rs: RuleSet, new_rs: RuleSet, record: Record, changes: list[Change]
            ) -> list[dict[str, Any]]:
    old, new = review(old_rs, record), review(new_rs, record)
    out = []
    if (old.decision, old.suggested_clusters) != (new.decision, new.suggested_clusters):
        old_c, new_c = _criteria(old), _criteria(new)
        because = [f"{column} \"{wording}\": {old_c.get((column, wording), 'absent')} → "
                   f"{new_c.get((column, wording), 'absent')}"
                   for column, wording in dict.fromkeys([*old_c, *new_c])
                   if old_c.get((column, wording)) != new_c.get((column, wording))]
        because += _responsible(changes, record.current_cluster,
                                ("criterion", "column", "transition"))
        out.append({"kind": "review", "old": _decision(old), "new": _decision(new),
                    "because": because})
    if old.next_review_due != new.next_review_due:
        out.append({"kind": "review_due", "old": _iso(old.next_review_due),
                    "new": _iso(new.next_review_due),
                    "because": _responsible(changes, record.current_cluster, ("review",))})
    return out


def _decision(result) -> str:
    suggested = ", ".join(map(str, result.suggested_clusters))
    return result.decision + (f" (clusters {suggested})" if suggested else "")


def _iso(date) -> str | None:
    return None if date is None else date.isoformat()


def replay(old_rs: RuleSet, new_rs: RuleSet, source, changes: list[Change]) -> dict[str, Any]:
    """Run ``source`` (a path, ``-`` or a text stream of CSV, JSON or JSON-lines records)
    through both rule sets; the ``replay`` object of docs/diff.md."""
    total = failed = 0
    changed: list[dict[str, Any]] = []
    by_kind: Counter = Counter()
    for _, record in read_records(source, new_rs):
        total += 1
        if isinstance(record, RecordError):
            failed += 1
            continue
        try:
            decisions = []
            allocation = _allocation(old_rs, new_rs, record, changes)
            if allocation is not None:
                decisions.append(allocation)
            if record.current_cluster is not None:
                decisions += _review(old_rs, new_rs, record, changes)
        except RecordError:
            failed += 1
            continue
        if decisions:
            changed.append({"id": record.id, "decisions": decisions})
            by_kind.update(d["kind"] for d in decisions)
    return {"summary": {"records": total, "changed": len(changed), "failed": failed,
                        "by_kind": dict(sorted(by_kind.items()))},
            "changed": changed}


def replay_text(result: dict[str, Any]) -> str:
    summary = result["summary"]
    lines = ["", f"replay: {summary['records']} records in, {summary['changed']} changed, "
             f"{summary['failed']} failed"
             + "".join(f", {k} {v}" for k, v in summary["by_kind"].items())]
    for record in result["changed"]:
        for decision in record["decisions"]:
            lines.append(f"  {record['id']}: {decision['kind']} {decision['old']} → "
                         f"{decision['new']}")
            lines.extend(f"      because {reason}" for reason in decision["because"])
    return "\n".join(lines) + "\n"
