"""The syntax of a condition (what a criterion's wording is formalised as): comparisons, ``not``,
``all``/``any``, scales, facts, events, tenure and fits. Their evaluation is `mhct_dsl.conditions`;
the nodes are re-exported by `mhct_dsl.nodes`."""

from __future__ import annotations

from typing import Union

import attrs

from .nodes_common import Duration, Span, span_field


@attrs.frozen
class Comparison:
    """``op`` is one of = <= >= < > or ``in`` (then ``value``..``high``)."""

    op: str
    value: int
    high: int | None = None
    span: Span | None = span_field()

    def holds(self, rating: int) -> bool:
        if self.op == "in":
            return self.value <= rating <= self.high
        return {
            "=": rating == self.value,
            "<=": rating <= self.value,
            ">=": rating >= self.value,
            "<": rating < self.value,
            ">": rating > self.value,
        }[self.op]

    def describe(self) -> str:
        """The comparison in plain words: '1 or less', '0-1', 'exactly 0'."""
        if self.op == "in":
            return f"{self.value}-{self.high}"
        return {
            "=": f"exactly {self.value}",
            "<=": f"{self.value} or less",
            ">=": f"{self.value} or more",
            "<": f"less than {self.value}",
            ">": f"more than {self.value}",
        }[self.op]


@attrs.frozen
class Not:
    """``not operand``."""

    operand: Condition
    span: Span | None = span_field()


@attrs.frozen
class AllOf:
    """``all { operands }``: Kleene conjunction."""

    operands: tuple[Condition, ...] = attrs.field(converter=tuple)
    span: Span | None = span_field()


@attrs.frozen
class AnyOf:
    """``any { operands }``: Kleene disjunction."""

    operands: tuple[Condition, ...] = attrs.field(converter=tuple)
    span: Span | None = span_field()


@attrs.frozen
class ScaleIs:
    """``scale S <comparison>`` on the current (latest) assessment."""

    scale: str
    comparison: Comparison
    span: Span | None = span_field()


@attrs.frozen
class ScaleRemained:
    """``scale S remained <comparison> for D``: every rating in the window satisfies it."""

    scale: str
    comparison: Comparison
    duration: Duration
    span: Span | None = span_field()


@attrs.frozen
class ScaleStable:
    """``scale S stable for D``: every rating in the window is the same."""

    scale: str
    duration: Duration
    span: Span | None = span_field()


@attrs.frozen
class FactIs:
    """``fact NAME``: a clinician-asserted fact holds."""

    name: str
    span: Span | None = span_field()


@attrs.frozen
class EventWithin:
    """``event NAME within D`` (``absent=False``) or ``no event NAME within D``
    (``absent=True``)."""

    name: str
    duration: Duration
    absent: bool
    span: Span | None = span_field()


@attrs.frozen
class Tenure:
    """``in_service >= D``, ``in_cluster >= D`` or ``with_team NAME >= D`` (scope ``with_team``):
    time since the record's start date for it."""

    scope: str
    duration: Duration
    span: Span | None = span_field()
    team: str | None = attrs.field(default=None, kw_only=True)


@attrs.frozen
class FitsClusters:
    """``fits cluster N, M [consistently for D]``: the ratings fit any of the named clusters."""

    clusters: tuple[int, ...] = attrs.field(converter=tuple)
    consistently: Duration | None = None
    span: Span | None = span_field()


@attrs.frozen
class FitsTransition:
    """``fits step_up|step_down [consistently for D]``: fits a likely/possible target cluster."""

    direction: str
    consistently: Duration | None = None
    span: Span | None = span_field()


Condition = Union[
    Not, AllOf, AnyOf, ScaleIs, ScaleRemained, ScaleStable, FactIs, EventWithin, Tenure,
    FitsClusters, FitsTransition,
]
