"""What allocation and review results share: the trace of a condition (`Outcome`, with its
`Evidence` and the `Unknown`s that keep it unknown) and the JSON conventions (ISO dates, sources,
``trace_schema``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from . import logic
from .formatter import format_condition
from .logic import Truth

TRACE_SCHEMA = "1"


def iso(date: dt.date | None) -> str | None:
    return None if date is None else date.isoformat()


def known_date(date: dt.date | None) -> dt.date | None:
    """An undated assessment (ratings given without a date) carries ``date.min``: no date."""
    return None if date == dt.date.min else date


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
                "date": iso(self.date), "note": self.note}


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



def source_json(source, span) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": getattr(source, "kind", None), "note": getattr(source, "note", None)}
    out["file"] = getattr(span, "path", None)
    out["line"] = getattr(span, "line", None)
    return out
