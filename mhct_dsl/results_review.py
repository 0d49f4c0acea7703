"""Review results (`ReviewResult`): a care review's decision with the trace of every criterion, the
columns and the transition targets it looked at (shape: `mhct_dsl.results`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import attrs

from . import logic
from .formatter import format_condition
from .logic import Truth
from .results_allocation import AllocationResult, Candidate
from .results_common import TRACE_SCHEMA, Outcome, Unknown, iso, source_json

if TYPE_CHECKING:
    from .model import RuleSet

DECISIONS = ("step_up", "discharge", "step_down", "remain", "needs_assessment")


@attrs.frozen
class CriterionTrace:
    """One criterion of a care-transition column evaluated: wording, formal condition, value, why."""

    column: str
    quantifier: str
    index: int
    wording: str
    outcome: Outcome
    source: Any = None
    span: Any = attrs.field(default=None, eq=False, repr=False)
    decisive: bool = True

    @property
    def value(self) -> Truth:
        return self.outcome.value

    def to_json(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "quantifier": self.quantifier,
            "index": self.index,
            "wording": self.wording,
            "condition": format_condition(self.outcome.condition),
            "value": logic.to_json(self.outcome.value),
            "evidence": [e.to_json() for e in self.outcome.evidence],
            "explanation": self.outcome.explanation,
            "unknowns": [u.to_json() for u in self.outcome.unknowns],
            "source": source_json(self.source, self.span),
            "decisive": self.decisive,
            "parts": [p.to_json() for p in self.outcome.parts],
        }


@attrs.frozen
class ColumnTrace:
    """A column's overall value; ``status`` evaluated / not_applicable / absent."""

    column: str
    quantifier: str | None
    value: Truth
    status: str
    decisive: bool

    def to_json(self) -> dict[str, Any]:
        return {"column": self.column, "quantifier": self.quantifier,
                "value": None if self.status != "evaluated" else logic.to_json(self.value),
                "status": self.status, "decisive": self.decisive}


@attrs.frozen
class TargetFit:
    """A step-up/step-down target cluster (or, at a variance review, allocation's suggestion),
    its likelihood, how the latest ratings fit it, and its own review interval and the review it
    would be due for (the latest MHCT's date plus that interval)."""

    cluster: int
    likelihood: str
    fit: str
    review_every: str | None = None
    next_review_due: dt.date | None = None

    def to_json(self) -> dict[str, Any]:
        return {"cluster": self.cluster, "likelihood": self.likelihood, "fit": self.fit,
                "review_every": self.review_every,
                "next_review_due": iso(self.next_review_due)}


@attrs.frozen
class BlockingCriterion:
    """An unknown criterion of the column the decision hinges on, with its unknowns."""

    column: str
    index: int
    wording: str
    unknowns: tuple[Unknown, ...]

    def to_json(self) -> dict[str, Any]:
        return {"column": self.column, "index": self.index, "wording": self.wording,
                "unknowns": [u.to_json() for u in self.unknowns]}

    @property
    def label(self) -> str:
        """``discharge 3``, or ``review step 2`` for a step of the review process (a new MHCT)."""
        step = self.column == "assessment"
        return f"review step {self.index}" if step else f"{self.column} {self.index}"

DECISION_TEXT = {
    "step_up": "step-up criteria met: re-cluster using the latest MHCT ratings",
    "discharge": "discharge criteria met: explore discharge from in-scope mental health "
                 "services back to GP-led (primary) care",
    "step_down": "step-down criteria met: re-cluster using the MHCT ratings",
    "remain": "the existing cluster allocation remains valid",
    "needs_assessment": "further assessment required: the criteria below cannot be decided",
    "recluster": "variance review: re-cluster using the latest MHCT ratings",
}
# Review flag: the decision is remain although the latest ratings miss the current cluster's red
# rows (the booklet's "must be rated"): the allocation itself needs checking.
RED_ROWS_FAIL = "remain_while_red_rows_fail"


@attrs.frozen
class ReviewResult:
    """A care review (booklet "6 steps") for a record's current cluster, with the full trace."""

    id: str | None
    ruleset: dict[str, str]
    current_cluster: int
    cluster_name: str
    as_of: dt.date
    decision: str
    criteria: tuple[CriterionTrace, ...]
    columns: tuple[ColumnTrace, ...]
    suggested_clusters: tuple[int, ...] = ()
    targets: tuple[TargetFit, ...] = ()
    blocking_unknowns: tuple[BlockingCriterion, ...] = ()
    next_review_due: dt.date | None = None
    note: str = ""
    current_fit: Candidate | None = None
    flags: tuple[str, ...] = ()
    allocation: AllocationResult | None = None

    @property
    def review_overdue(self) -> bool | None:
        if self.next_review_due is None:
            return None
        return self.as_of > self.next_review_due

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "ruleset": dict(self.ruleset),
            "trace_schema": TRACE_SCHEMA,
            "current_cluster": self.current_cluster,
            "decision": self.decision,
            "criteria": [c.to_json() for c in self.criteria],
            "suggested_clusters": list(self.suggested_clusters),
            "blocking_unknowns": [b.to_json() for b in self.blocking_unknowns],
            "next_review_due": iso(self.next_review_due),
            "as_of": self.as_of.isoformat(),
            "review_overdue": self.review_overdue,
            "note": self.note,
            "columns": [c.to_json() for c in self.columns],
            "targets": [t.to_json() for t in self.targets],
            "current_fit": None if self.current_fit is None else {
                "fit": self.current_fit.fit,
                "red_rules_met": logic.to_json(self.current_fit.truth),
                "red_missed": list(self.current_fit.red.missed),
                "red_unknown": list(self.current_fit.red.unknown)},
            "flags": list(self.flags),
            "allocation": None if self.allocation is None else self.allocation.to_json(),
        }

    def explain(self, width: int | None = None, ruleset: RuleSet | None = None) -> str:
        """The decision and its criteria as text for a person (``mhct review --explain``),
        wrapped to ``width`` (default 80); ``ruleset`` words fact names as the booklet does."""
        from .explain import in_words, render, ruleset_line, short, wordings

        words = wordings(ruleset)
        lines = [
            ruleset_line(self.ruleset),
            f"{self.id or '(no id)'}: cluster {self.current_cluster} {self.cluster_name}, "
            f"as of {self.as_of.isoformat()}",
            f"decision: {self.decision} ({self.note or DECISION_TEXT.get(self.decision, '')})",
        ]
        if self.suggested_clusters:
            lines.append("suggested clusters: " + ", ".join(map(str, self.suggested_clusters)))
        for target in self.targets:
            if target.cluster in self.suggested_clusters and target.review_every is not None:
                lines.append(f"cluster {target.cluster}: review every {target.review_every}, "
                             f"next due {iso(target.next_review_due)}")
        if self.current_fit is not None:
            lines.append(f"current cluster fit: {self.current_fit.note()}")
        if self.next_review_due is not None:
            overdue = " (overdue)" if self.review_overdue else ""
            cluster = ruleset.clusters.get(self.current_cluster) if ruleset is not None else None
            review = cluster.review if cluster is not None else None
            local = review is not None and getattr(review.source, "kind", None) == "local"
            where = f" [local interval: {review.source.note}]" if local else ""
            lines.append(f"next review due: {self.next_review_due.isoformat()}{overdue}{where}")
        for column in self.columns:
            if column.status != "evaluated":
                lines.append(f"{column.column}: {column.status.replace('_', ' ')}")
        for block in self.blocking_unknowns:
            lines.append(f"needs assessment: {block.label}: "
                         + in_words(short([str(u) for u in block.unknowns]), words))
        rows = []
        for c in self.criteria:
            value = logic.word(c.value) + ("" if c.decisive else "*")
            found = short([part for e in c.outcome.evidence for part in e.note.split("; ")]) \
                or c.outcome.finding
            meet = "" if c.value is True else f"; {c.outcome.requirement}"
            local = getattr(c.source, "kind", None) == "local"
            rows.append((f"{c.column} {c.index}", value, ("[local] " if local else "") + c.wording,
                         in_words(found + meet, words)))
        foot = ["* evaluated for information: the decision was made by an earlier column"] \
            if any(not c.decisive for c in self.criteria) else []
        references: dict[str, list[str]] = {}
        for c in self.criteria:
            if getattr(c.source, "kind", None) == "local":
                references.setdefault(c.source.note or "", []).append(f"{c.column} {c.index}")
        foot += [f"[local] a local criterion, not the booklet's ({', '.join(labels)}): "
                 f"{reference}" for reference, labels in references.items()]
        return render(lines, ("criterion", "value", "booklet wording", "found; what would meet it"),
                      rows, foot, width=width, ratios=(0, 0, 1, 1))
