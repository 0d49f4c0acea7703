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

The shared pieces are in `results_common`, the allocation results in `results_allocation`, the
review results in `results_review`; this module re-exports them and holds `ErrorResult`.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import attrs

# Re-exported: the interpreter, the CLI and the schemas import these from here.
from .results_allocation import (
    FITS, OUTCOME_TEXT, AllocationResult, BlockingCandidate, Candidate, ColourSummary, GroupBest,
    RowCheck, Tally, scale_unknown,
)
from .results_common import TRACE_SCHEMA, Evidence, Outcome, Unknown
from .results_review import (
    DECISION_TEXT, DECISIONS, RED_ROWS_FAIL, BlockingCriterion, ColumnTrace, CriterionTrace,
    ReviewResult, TargetFit,
)

if TYPE_CHECKING:
    from .model import RuleSet

__all__ = [
    "TRACE_SCHEMA", "Evidence", "Unknown", "Outcome", "RowCheck", "ColourSummary", "Candidate",
    "Tally", "BlockingCandidate", "GroupBest", "AllocationResult", "scale_unknown",
    "CriterionTrace", "ColumnTrace", "TargetFit", "BlockingCriterion", "ReviewResult",
    "ErrorResult", "FITS", "DECISIONS",
]


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
