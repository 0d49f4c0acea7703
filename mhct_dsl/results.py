"""Results of allocation and review: frozen attrs classes with stable JSON and readable text.

``to_json()`` gives the shapes of DESIGN.md ("Result shapes"), keys always present and always in
the order below, so outputs diff cleanly and an audit can rely on them. Truth values are
``true``/``false``/``"unknown"``; dates are ISO strings; ``trace_schema`` versions the trace.

Allocation (`AllocationResult.to_json`)::

    {"id", "ruleset": {"name", "version", "fingerprint"}, "trace_schema": "1",
     "candidates": [Candidate...], "suggested": N | null, "blocking_unknowns": [...],
     "group": settled group | null, "group_source", "by_group": {group: {"cluster", "fit"} | null},
     "outcome", "date", "recorded_cluster", "recorded_fit", "recorded_adheres"}

    Candidate: {"cluster", "name", "group", "branch", "fit", "possible",
                "red": {"met", "missed", "unknown"}, "orange": {...}, "yellow": {...},
                "orange_mismatches"}

Review (`ReviewResult.to_json`)::

    {"id", "ruleset", "trace_schema": "1", "current_cluster", "decision", "criteria": [...],
     "suggested_clusters": [...], "blocking_unknowns": [...], "next_review_due", "as_of",
     "review_overdue", "note", "columns": [...], "targets": [...]}

    criterion: {"column", "quantifier", "index", "wording", "condition", "value", "evidence",
                "explanation", "unknowns", "source", "decisive", "parts"}

``index`` counts criteria within a column from 1, in booklet order (as the ``explain()`` tables
and the rule examples of ``mhct test`` do; input positions in record errors, such as
``assessments[2]``, count from 0 like JSON paths).

An unreadable record: ``{"id", "error": {"field", "message", "line" | "row" | "index"}}``.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import TYPE_CHECKING, Any

import attrs

from . import logic
from .formatter import format_condition
from .logic import Truth

if TYPE_CHECKING:
    from .model import RuleSet

__all__ = [
    "TRACE_SCHEMA", "Evidence", "Unknown", "Outcome", "RowCheck", "ColourSummary", "Candidate",
    "BlockingCandidate", "GroupBest", "AllocationResult", "scale_unknown", "CriterionTrace", "ColumnTrace", "TargetFit",
    "BlockingCriterion", "ReviewResult", "ErrorResult", "FITS", "DECISIONS",
]

TRACE_SCHEMA = "1"
FITS = ("fits", "weaker", "unknown", "no")
DECISIONS = ("step_up", "discharge", "step_down", "remain", "needs_assessment")


def _iso(date: dt.date | None) -> str | None:
    return None if date is None else date.isoformat()


def _known_date(date: dt.date | None) -> dt.date | None:
    """An undated assessment (ratings given without a date) carries ``date.min``: no date."""
    return None if date == dt.date.min else date


# ---- shared pieces -------------------------------------------------------------------------------


@attrs.frozen
class Evidence:
    """One observation a value rests on: ``kind`` rating/fact/event/date/fit/history."""

    kind: str
    name: str
    value: Any = None
    date: dt.date | None = None
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "value": self.value,
                "date": _iso(self.date), "note": self.note}


@attrs.frozen
class Unknown:
    """Something not known that keeps a value unknown: ``kind`` scale/fact/events/history/date/cluster."""

    kind: str
    name: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "name": self.name, "reason": self.reason}

    def __str__(self) -> str:
        if self.kind in ("history", "assessment"):  # the reason names what is missing
            return self.reason
        label = f"scale {self.name}" if self.kind == "scale" else f"{self.kind} {self.name}"
        return f"{label}: {self.reason}"


@attrs.frozen
class Outcome:
    """A condition's value with its trace.

    ``finding`` says what was found ("scale 7 is 2 on 2013-03-01"), ``requirement`` what would
    meet the condition ("needs 1 or less"); ``unknowns`` are only those that keep an *unknown*
    value unknown (empty when the value is known); ``parts`` are the outcomes of ``all``/``any``/
    ``not`` operands.
    """

    value: Truth
    condition: Any
    finding: str
    requirement: str
    evidence: tuple[Evidence, ...] = attrs.field(default=(), converter=tuple)
    unknowns: tuple[Unknown, ...] = attrs.field(default=(), converter=tuple)
    parts: tuple["Outcome", ...] = attrs.field(default=(), converter=tuple)

    @property
    def explanation(self) -> str:
        """One line: what was found; what would meet it (``scale 7 is 2; needs 1 or less``)."""
        return f"{self.finding}; {self.requirement}"

    def to_json(self) -> dict[str, Any]:
        return {
            "condition": format_condition(self.condition),
            "value": logic.to_json(self.value),
            "explanation": self.explanation,
            "evidence": [e.to_json() for e in self.evidence],
            "parts": [p.to_json() for p in self.parts],
        }


def _source_json(source, span) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": getattr(source, "kind", None), "note": getattr(source, "note", None)}
    out["file"] = getattr(span, "path", None)
    out["line"] = getattr(span, "line", None)
    return out


# ---- allocation ----------------------------------------------------------------------------------


@attrs.frozen
class RowCheck:
    """One grid row checked: its scales, class colour, the bands of that colour, the ratings seen."""

    scales: tuple[str, ...]
    colour: str
    expected: tuple[tuple[int, int], ...]
    ratings: tuple[int | None, ...]
    value: Truth
    label: str = attrs.field(
        default=attrs.Factory(lambda self: "|".join(self.scales), takes_self=True))

    def unknowns(self, date: dt.date | None = None) -> tuple[Unknown, ...]:
        if self.value is not None:
            return ()
        return tuple(scale_unknown(scale, raw, date)
                     for scale, raw in zip(self.scales, self.ratings) if raw is None or raw == 9)


def scale_unknown(scale: str, raw: int | None, date: dt.date | None = None) -> Unknown:
    """An unknown rating: "rated 9 (not known)" or "not rated", with the assessment's date."""
    when = "" if date is None or date == dt.date.min else f" on {date.isoformat()}"
    return Unknown("scale", scale, ("rated 9 (not known)" if raw == 9 else "not rated") + when)


@attrs.frozen
class ColourSummary:
    """Row labels of one colour class: met, missed (known and outside), unknown."""

    met: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()

    def to_json(self) -> dict[str, list[str]]:
        return {"met": list(self.met), "missed": list(self.missed), "unknown": list(self.unknown)}


@attrs.frozen
class Candidate:
    """One cluster's fit to an assessment (booklet Step 3) with its row checks; ``possible``
    lists the labels some filling of the unknown ratings could give (one when ``fit`` is definite)."""

    cluster: int
    name: str
    group: str | None
    branch: str | None
    fit: str
    red: ColourSummary
    orange: ColourSummary
    yellow: ColourSummary
    row_checks: Any = attrs.field(default=tuple, eq=False, repr=False)
    possible: tuple[str, ...] = attrs.field(
        default=attrs.Factory(lambda self: (self.fit,), takes_self=True))

    @property
    def rows(self) -> tuple[RowCheck, ...]:
        """Every checked grid row in grid order (built on demand: allocation only needs the
        summaries, explanations need the rows)."""
        return tuple(self.row_checks())

    @property
    def orange_mismatches(self) -> int:
        return len(self.orange.missed)

    @property
    def truth(self) -> Truth:
        """The red check (every red row met) as a truth value: Kleene AND of the red rows."""
        return False if self.red.missed else None if self.red.unknown else True

    def note(self) -> str:
        """``cluster 14: no (red missed 6)``: the fit and the rows behind it."""
        details = []
        if self.red.missed:
            details.append("red missed " + ", ".join(self.red.missed))
        if self.red.unknown:
            details.append("red unknown " + ", ".join(self.red.unknown))
        if self.fit in ("weaker", "unknown") and self.orange.missed:
            details.append("orange missed " + ", ".join(self.orange.missed))
        if self.fit == "unknown" and self.orange.unknown:
            details.append("orange unknown " + ", ".join(self.orange.unknown))
        return f"cluster {self.cluster}: {self.fit}" + (f" ({'; '.join(details)})" if details else "")

    def to_json(self) -> dict[str, Any]:
        return {
            "cluster": self.cluster, "name": self.name, "group": self.group,
            "branch": self.branch, "fit": self.fit, "possible": list(self.possible),
            "red": self.red.to_json(),
            "orange": self.orange.to_json(), "yellow": self.yellow.to_json(),
            "orange_mismatches": self.orange_mismatches,
        }


@attrs.frozen
class BlockingCandidate:
    """A candidate whose unknown rows could change the answer: those rows and the unknown ratings
    behind them (``cluster`` None: unknown ratings that could mean no rated needs)."""

    cluster: int | None
    rows: tuple[str, ...]
    unknowns: tuple[Unknown, ...]

    def to_json(self) -> dict[str, Any]:
        return {"cluster": self.cluster, "rows": list(self.rows),
                "unknowns": [u.to_json() for u in self.unknowns]}


@attrs.frozen
class GroupBest:
    """A decision-tree group's best candidate (not definitely ``no``): cluster and fit label."""

    cluster: int
    fit: str

    def to_json(self) -> dict[str, Any]:
        return {"cluster": self.cluster, "fit": self.fit}


OUTCOME_TEXT = {
    "fits": "fits the suggested cluster's red and orange ratings",
    "weaker": "a weaker fit: red ratings match, some orange ratings do not",
    "variance": "no cluster of any group can fit: variance (cluster 0)",
    "further_assessment_required": "further assessment required: unknown ratings decide it",
    "no_fit_in_group": "no cluster of the group fits; clusters of another group could",
    "no_rated_needs": "no rated needs: every rating is 0",
    "group_needed": "decision-tree group needed (Step 2): clusters of more than one group could fit",
}


@attrs.frozen
class AllocationResult:
    """Ranked candidates for one assessment, the suggestion, and what blocks one if none."""

    id: str | None
    ruleset: dict[str, str]
    candidates: tuple[Candidate, ...]
    suggested: int | None
    outcome: str
    blocking_unknowns: tuple[BlockingCandidate, ...] = ()
    group: str | None = None
    date: dt.date | None = attrs.field(default=None, converter=_known_date)
    recorded_cluster: int | None = None
    recorded_fit: str | None = None
    recorded_adheres: Truth = None
    group_source: str | None = None
    by_group: dict[str, GroupBest | None] = attrs.field(factory=dict)

    def candidate(self, cluster: int) -> Candidate | None:
        return next((c for c in self.candidates if c.cluster == cluster), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "ruleset": dict(self.ruleset),
            "trace_schema": TRACE_SCHEMA,
            "candidates": [c.to_json() for c in self.candidates],
            "suggested": self.suggested,
            "blocking_unknowns": [b.to_json() for b in self.blocking_unknowns],
            "group": self.group,
            "group_source": self.group_source,
            "by_group": {g: None if b is None else b.to_json() for g, b in self.by_group.items()},
            "outcome": self.outcome,
            "date": _iso(self.date),
            "recorded_cluster": self.recorded_cluster,
            "recorded_fit": self.recorded_fit,
            "recorded_adheres": (None if self.recorded_cluster is None
                                 else logic.to_json(self.recorded_adheres)),
        }

    def explain(self, width: int | None = None, ruleset: RuleSet | None = None) -> str:
        """The candidates, best first, as text for a person (``mhct allocate --explain``),
        wrapped to ``width`` (default 80); ``ruleset`` words fact names as the booklet does."""
        from .explain import in_words, render, ruleset_line, short, wordings

        words = wordings(ruleset)
        head = f"{self.id or '(no id)'}: suggested "
        head += "none" if self.suggested is None else f"cluster {self.suggested}"
        head += f" ({OUTCOME_TEXT.get(self.outcome, self.outcome)})"
        lines = [ruleset_line(self.ruleset), head]
        if self.recorded_cluster is not None:
            lines.append(f"recorded cluster {self.recorded_cluster}: {self.recorded_fit}; "
                         f"red rules met: {logic.word(self.recorded_adheres)}")
        if self.group is not None:
            lines.append(f"group: {self.group} (from {self.group_source.replace('_', ' ')})")
        if self.by_group:
            lines.append("best per group: " + "; ".join(
                f"{g} {'none' if b is None else f'{b.cluster} ({b.fit})'}"
                for g, b in self.by_group.items()))
        for block in self.blocking_unknowns:
            who = "no rated needs unless" if block.cluster is None else \
                f"cluster {block.cluster} needs"
            lines.append(f"  {who}: " + in_words(short([str(u) for u in block.unknowns]), words))
        rows = [(f"{c.cluster} {c.name}", " or ".join(c.possible), " ".join(c.red.missed) or "-",
                 " ".join(c.red.unknown) or "-", " ".join(c.orange.missed) or "-")
                for c in self.candidates]
        return render(lines, ("cluster", "fit", "red missed", "red unknown", "orange missed"),
                      rows, width=width, ratios=(3, 0, 1, 1, 1))


# ---- review --------------------------------------------------------------------------------------


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
            "source": _source_json(self.source, self.span),
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
                "next_review_due": _iso(self.next_review_due)}


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
            "next_review_due": _iso(self.next_review_due),
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
                             f"next due {_iso(target.next_review_due)}")
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


# ---- errors --------------------------------------------------------------------------------------


@attrs.frozen
class ErrorResult:
    """A record that could not be read or evaluated; stands in its place in the output."""

    id: str | None
    field: str
    message: str
    location: dict[str, int] = attrs.field(factory=dict)

    @classmethod
    def from_error(cls, error, **location: int) -> ErrorResult:
        """From a `records.RecordError` (or anything with record_id/field/message)."""
        merged = {**location, **getattr(error, "location", {})}
        return cls(getattr(error, "record_id", None), getattr(error, "field", ""),
                   getattr(error, "message", str(error)), merged)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "error": {"field": self.field, "message": self.message,
                                         **self.location}}

    def explain(self, width: int | None = None, ruleset: RuleSet | None = None) -> str:
        where = ", ".join(f"{k} {v}" for k, v in self.location.items())
        field = f" {self.field}:" if self.field else ""
        text = f"{self.id or '(no id)'}: ERROR{field} {self.message}" + (f" ({where})" if where else "")
        return textwrap.fill(text, width or 80, break_long_words=False, break_on_hyphens=False)
