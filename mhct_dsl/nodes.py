"""The syntax tree of an ``.mhr`` rule file: frozen attrs classes, one per construct.

Every node carries a ``span`` (excluded from equality, so tests compare trees without positions)
and nodes that a person can annotate carry ``comments`` (the ``#`` lines just above them), which the
formatter writes back. Nothing here knows about Lark or about evaluation.

The nodes live in three modules, all re-exported here: `nodes_common` (span, source, duration),
`nodes_conditions` (a criterion's condition) and this one (the entries of blocks, the declarations,
a file).
"""

from __future__ import annotations

import datetime as dt
from typing import Union

import attrs

from .nodes_common import Duration, Source, Span  # re-exported, as are the conditions
from .nodes_common import comments_field as _comments
from .nodes_common import span_field as _span
from .nodes_conditions import (
    AllOf, AnyOf, Comparison, Condition, EventWithin, FactIs, FitsClusters, FitsTransition, Not,
    ScaleIs, ScaleRemained, ScaleStable, Tenure,
)


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
    """``episode LOW[..HIGH|+] UNIT``: indicative episode of care; ``open_ended`` for
    '3 years +'."""

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
    """A care-transition column: ``kind`` step_up/discharge/step_down, ``quantifier``
    one/any/all/n/a."""

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
