"""The syntax tree of an ``.mhr`` rule file: frozen attrs classes, one per construct.

Every node carries a ``span`` (excluded from equality, so tests compare trees without positions)
and nodes that a person can annotate carry ``comments`` (the ``#`` lines just above them), which the
formatter writes back. Nothing here knows about Lark or about evaluation.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple, Union

import attrs


class Span(NamedTuple):
    """Where a node came from: file path, 1-based line/column of its start and end."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int


def _span() -> attrs.Attribute:
    return attrs.field(default=None, eq=False, repr=False, kw_only=True)


def _comments() -> attrs.Attribute:
    return attrs.field(default=(), kw_only=True, converter=tuple)


@attrs.frozen
class Source:
    """Provenance: ``kind`` is booklet, reconstructed or local; ``note`` cites page or reason."""

    kind: str
    note: str | None = None
    span: Span | None = _span()


@attrs.frozen
class Duration:
    """A calendar length: ``amount`` of ``unit`` (day, week, month, year)."""

    amount: int
    unit: str
    span: Span | None = _span()


# ---- conditions -----------------------------------------------------------------------------


@attrs.frozen
class Comparison:
    """``op`` is one of = <= >= < > or ``in`` (then ``value``..``high``)."""

    op: str
    value: int
    high: int | None = None
    span: Span | None = _span()

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
    span: Span | None = _span()


@attrs.frozen
class AllOf:
    """``all { operands }``: Kleene conjunction."""

    operands: tuple[Condition, ...] = attrs.field(converter=tuple)
    span: Span | None = _span()


@attrs.frozen
class AnyOf:
    """``any { operands }``: Kleene disjunction."""

    operands: tuple[Condition, ...] = attrs.field(converter=tuple)
    span: Span | None = _span()


@attrs.frozen
class ScaleIs:
    """``scale S <comparison>`` on the current (latest) assessment."""

    scale: str
    comparison: Comparison
    span: Span | None = _span()


@attrs.frozen
class ScaleRemained:
    """``scale S remained <comparison> for D``: every rating in the window satisfies it."""

    scale: str
    comparison: Comparison
    duration: Duration
    span: Span | None = _span()


@attrs.frozen
class ScaleStable:
    """``scale S stable for D``: every rating in the window is the same."""

    scale: str
    duration: Duration
    span: Span | None = _span()


@attrs.frozen
class FactIs:
    """``fact NAME``: a clinician-asserted fact holds."""

    name: str
    span: Span | None = _span()


@attrs.frozen
class EventWithin:
    """``event NAME within D`` (``absent=False``) or ``no event NAME within D`` (``absent=True``)."""

    name: str
    duration: Duration
    absent: bool
    span: Span | None = _span()


@attrs.frozen
class Tenure:
    """``in_service >= D``, ``in_cluster >= D`` or ``with_team NAME >= D`` (scope ``with_team``):
    time since the record's start date for it."""

    scope: str
    duration: Duration
    span: Span | None = _span()
    team: str | None = attrs.field(default=None, kw_only=True)


@attrs.frozen
class FitsClusters:
    """``fits cluster N, M [consistently for D]``: the ratings fit any of the named clusters."""

    clusters: tuple[int, ...] = attrs.field(converter=tuple)
    consistently: Duration | None = None
    span: Span | None = _span()


@attrs.frozen
class FitsTransition:
    """``fits step_up|step_down [consistently for D]``: fits a likely/possible target cluster."""

    direction: str
    consistently: Duration | None = None
    span: Span | None = _span()


Condition = Union[
    Not, AllOf, AnyOf, ScaleIs, ScaleRemained, ScaleStable, FactIs, EventWithin, Tenure,
    FitsClusters, FitsTransition,
]

# ---- entries of blocks ---------------------------------------------------------------------


@attrs.frozen
class TextAttr:
    """``key "text"``: a prose attribute (description, risk, version, include ...)."""

    key: str
    text: str
    source: Source | None = None
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


@attrs.frozen
class WordAttr:
    """``key word``: a symbolic attribute (``part current``, ``kind variance``)."""

    key: str
    word: str
    source: Source | None = None
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


@attrs.frozen
class DateAttr:
    """``key YYYY-MM-DD``: a dated attribute (``effective 2013-04-01``)."""

    key: str
    date: dt.date
    source: Source | None = None
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


@attrs.frozen
class Rating:
    """``rating N "wording"``: the meaning of one rating of a scale."""

    value: int
    text: str
    source: Source | None = None
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


@attrs.frozen
class ProblemType:
    """``problem_type X "wording"``: one of scale 8's problem types A-J."""

    letter: str
    text: str
    source: Source | None = None
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


@attrs.frozen
class Episode:
    """``episode LOW[..HIGH|+] UNIT``: indicative episode of care; ``open_ended`` for '3 years +'."""

    low: int
    high: int | None
    open_ended: bool
    unit: str
    source: Source | None = None
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


@attrs.frozen
class Review:
    """``review every D [mhct within M]``: the maximum interval between cluster reviews, and how
    old the latest MHCT may be at a review (None: the interval itself)."""

    every: Duration
    source: Source | None = None
    mhct_within: Duration | None = attrs.field(default=None, kw_only=True)
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


@attrs.frozen
class Band:
    """One coloured run of ratings on a grid row: ``colour low[..high]``."""

    colour: str
    low: int
    high: int
    span: Span | None = _span()


@attrs.frozen
class GridRow:
    """``scales bands [source]``; ``scales`` has two ids for a pair row, read ``either`` (``7|8``)
    or ``max`` (``max(7,8)``, the higher rating); no bands = ``none``."""

    scales: tuple[str, ...] = attrs.field(converter=tuple)
    bands: tuple[Band, ...] = attrs.field(converter=tuple)
    source: Source | None = None
    reading: str = "either"
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()

    @property
    def label(self) -> str:
        """The scales as written: ``6``, ``7|8`` (either reading) or ``max(7,8)`` (max reading)."""
        if self.reading == "max" and len(self.scales) > 1:
            return f"max({','.join(self.scales)})"
        return "|".join(self.scales)


@attrs.frozen(cache_hash=True)  # the interpreter caches compiled grids by grid
class Grid:
    """``grid [source] { rows }``: a cluster's colour-coded rating profile."""

    rows: tuple[GridRow, ...] = attrs.field(converter=tuple)
    source: Source | None = None
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


@attrs.frozen
class Criterion:
    """``"booklet wording" condition [source]``."""

    wording: str
    condition: Condition
    source: Source | None = None
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


@attrs.frozen
class Column:
    """A care-transition column: ``kind`` step_up/discharge/step_down, ``quantifier`` one/any/all/n/a."""

    kind: str
    quantifier: str
    criteria: tuple[Criterion, ...] = attrs.field(converter=tuple)
    source: Source | None = None
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


@attrs.frozen
class CriterionChange:
    """In an ``amend`` block, one criterion of a base column: ``COLUMN add CRITERION``,
    ``COLUMN replace N CRITERION`` or ``COLUMN remove N [source]`` (N counts from 1 in the base
    column's order). ``source`` is the change's own: the criterion's for add and replace."""

    column: str
    action: str
    index: int | None
    criterion: Criterion | None
    source: Source | None = None
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


@attrs.frozen
class QuantifierChange:
    """In an ``amend`` block: ``COLUMN quantifier one|any|all [source]``."""

    column: str
    quantifier: str
    source: Source | None = None
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


@attrs.frozen
class Move:
    """``direction likelihood clusters ...``: e.g. ``down likely 11..13 rare 1..7``."""

    direction: str
    groups: tuple[tuple[str, tuple[int, ...]], ...] = attrs.field(converter=tuple)
    source: Source | None = None
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


@attrs.frozen
class DischargeMove:
    """``discharge likelihood``: how likely discharge from in-scope services is."""

    likelihood: str
    source: Source | None = None
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


@attrs.frozen
class Transitions:
    """``transitions [source] { moves }``."""

    moves: tuple[Move | DischargeMove, ...] = attrs.field(converter=tuple)
    source: Source | None = None
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


@attrs.frozen
class Accept:
    """``accept CODE [clusters] "reason" [source]``: a `mhct lint` finding accepted, with why."""

    code: str
    clusters: tuple[int, ...] = attrs.field(converter=tuple)
    reason: str = ""
    source: Source | None = None
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


Entry = Union[
    TextAttr, WordAttr, DateAttr, Rating, ProblemType, Episode, Review, Grid, Column,
    CriterionChange, QuantifierChange, Transitions, Accept,
]

# ---- declarations --------------------------------------------------------------------------


@attrs.frozen
class RuleSetDecl:
    """``ruleset "name" [extends national|"path"] [source] { entries }``."""

    name: str
    extends: str | None
    entries: tuple[Entry, ...] = attrs.field(converter=tuple)
    source: Source | None = None
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


@attrs.frozen
class ScaleDecl:
    """``scale ID "title" [source] { entries }``."""

    id: str
    title: str
    entries: tuple[Entry, ...] = attrs.field(converter=tuple)
    source: Source | None = None
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


@attrs.frozen
class FactDecl:
    """``fact NAME "booklet wording" [source]``."""

    name: str
    wording: str
    source: Source | None = None
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


@attrs.frozen
class TeamDecl:
    """``team NAME "booklet wording" [source]``: a team whose start date a record may give."""

    name: str
    wording: str
    source: Source | None = None
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


@attrs.frozen
class EventDecl:
    """``event NAME "booklet wording" [source]``."""

    name: str
    wording: str
    source: Source | None = None
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


@attrs.frozen
class Branch:
    """``branch NAME "title" clusters LIST [source]``: a leaf of the decision tree."""

    name: str
    title: str
    clusters: tuple[int, ...] = attrs.field(converter=tuple)
    source: Source | None = None
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


@attrs.frozen
class Group:
    """``group NAME "title" [source] { branches }``: the decision tree's first question."""

    name: str
    title: str
    branches: tuple[Branch, ...] = attrs.field(converter=tuple)
    source: Source | None = None
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


@attrs.frozen
class DecisionTreeDecl:
    """``decision_tree "title" [source] { groups }``."""

    title: str
    groups: tuple[Group, ...] = attrs.field(converter=tuple)
    source: Source | None = None
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


@attrs.frozen
class ClusterDecl:
    """``cluster N "name" [source] { entries }``."""

    number: int
    name: str
    entries: tuple[Entry, ...] = attrs.field(converter=tuple)
    source: Source | None = None
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


@attrs.frozen
class AmendDecl:
    """``amend cluster N [source] { entries }``: a local rule set replaces these entries."""

    number: int
    entries: tuple[Entry, ...] = attrs.field(converter=tuple)
    source: Source | None = None
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


Declaration = Union[
    RuleSetDecl, ScaleDecl, FactDecl, EventDecl, TeamDecl, DecisionTreeDecl, ClusterDecl, AmendDecl
]


@attrs.frozen
class RuleFile:
    """One parsed ``.mhr`` file: its declarations and any comments after the last one."""

    path: str
    declarations: tuple[Declaration, ...] = attrs.field(converter=tuple)
    trailing_comments: tuple[str, ...] = attrs.field(default=(), converter=tuple)
