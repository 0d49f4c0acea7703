"""The checked rule set: what the interpreter, exporter, renderer and diff work from.

The checker builds these from the syntax tree once every name resolves; a local rule set's
amendments are already applied. Conditions, grids, columns and transitions are the syntax nodes
themselves (frozen, with spans and provenance), so a trace can always point back at the source.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from .memo import IdentityMemo
from .nodes import (
    Accept,
    Column,
    DateAttr,
    DecisionTreeDecl,
    Episode,
    Grid,
    GridRow,
    Review,
    Source,
    TextAttr,
    Transitions,
)

CURRENT_SCALES = tuple(str(n) for n in range(1, 14))
HISTORICAL_SCALES = ("A", "B", "C", "D", "E")
SCALE_IDS = CURRENT_SCALES + HISTORICAL_SCALES
RATINGS = range(0, 5)
NOT_KNOWN = 9
COLUMN_ORDER = ("step_up", "discharge", "step_down")
COLOURS = ("red", "orange", "yellow")
LIKELIHOODS = ("likely", "possible", "rare")
DIRECTIONS = ("up", "same", "down")


def row_class(row: GridRow) -> str | None:
    """A grid row's class: its strongest colour (red > orange > yellow), which is what the row
    demands of a rating; None for a ``none`` row."""
    colours = {band.colour for band in row.bands}
    return next((colour for colour in COLOURS if colour in colours), None)


class _ReadOnlyDict(dict):
    """A dict that refuses changes once built (still a dict for JSON and ``attrs.asdict``)."""

    def _refuse(self, *args, **kwargs):
        raise TypeError("a loaded rule set is immutable")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self):
        # Pickled (the checked-rules cache) as its items, rebuilt without item assignment.
        return type(self), (dict(self),)


def _read_only(mapping) -> Mapping:
    """A read-only copy: a loaded rule set cannot be changed by the code that uses it."""
    return _ReadOnlyDict(mapping)


@attrs.frozen
class Scale:
    """An MHCT scale: id 1-13 or A-E, title, part (current/historical), wording of each rating."""

    id: str
    title: str
    part: str
    ratings: Mapping[int, str] = attrs.field(converter=_read_only)
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    notes: tuple[str, ...]
    problem_types: Mapping[str, str] = attrs.field(converter=_read_only)
    source: Source


@attrs.frozen
class Term:
    """A declared fact or event: its name, the booklet's wording, provenance, whether local."""

    name: str
    wording: str
    source: Source
    local: bool = False


@attrs.frozen
class Amendment:
    """One local change to a cluster as an auditor reads it: which entry, what was done, the
    commissioner's reference, and the national content it replaced (None for an addition).

    ``action`` is ``add``, ``replace`` or ``remove`` (one criterion when ``index``, the base
    column's 1-based criterion number, is given; else the whole entry) or ``quantifier``.
    """

    entry: str
    action: str
    source: Source
    before: object = None
    after: object = None
    index: int | None = None


_TARGETS = IdentityMemo(4096)


@attrs.frozen
class Cluster:
    """A care cluster with every attribute resolved; ``amended`` names entries a local set
    changed."""

    number: int
    name: str
    kind: str
    group: str | None
    branch: str | None
    texts: Mapping[str, TextAttr] = attrs.field(converter=_read_only)
    episode: Episode | None
    review: Review | None
    grid: Grid | None
    columns: Mapping[str, Column] = attrs.field(converter=_read_only)
    transitions: Transitions | None
    source: Source
    notes: tuple[TextAttr, ...] = ()
    amended: frozenset[str] = frozenset()
    amendments: tuple[Amendment, ...] = ()
    accepts: tuple[Accept, ...] = ()

    def targets(self, direction: str, likelihoods=("likely", "possible")) -> tuple[int, ...]:
        """Clusters this one moves to in ``direction`` with one of ``likelihoods``, in file order
        (remembered per transitions object)."""
        if self.transitions is None:
            return ()
        likelihoods = tuple(likelihoods)
        return _TARGETS.get((id(self.transitions), direction, likelihoods), (self.transitions,),
                            lambda: self._targets(direction, likelihoods))

    def _targets(self, direction: str, likelihoods) -> tuple[int, ...]:
        found: list[int] = []
        for move in self.transitions.moves:
            if getattr(move, "direction", None) != direction:
                continue
            for likelihood, clusters in move.groups:
                if likelihood in likelihoods:
                    found.extend(n for n in clusters if n not in found)
        return tuple(found)


@attrs.frozen(repr=False)
class RuleSet:
    """A complete, checked rule set (national, or local with its base applied).

    ``header`` maps each single-valued header key to its value; ``header_entries`` keeps every
    header entry (notes included) with its provenance.
    """

    name: str
    version: str
    header: Mapping[str, object] = attrs.field(converter=_read_only)
    scales: Mapping[str, Scale] = attrs.field(converter=_read_only)
    facts: Mapping[str, Term] = attrs.field(converter=_read_only)
    events: Mapping[str, Term] = attrs.field(converter=_read_only)
    tree: DecisionTreeDecl | None
    clusters: Mapping[int, Cluster] = attrs.field(converter=_read_only)
    fingerprint: str
    header_entries: tuple[TextAttr | DateAttr, ...] = ()
    extends: str | None = None
    teams: Mapping[str, Term] = attrs.field(factory=dict, converter=_read_only)
    base: RuleSet | None = attrs.field(default=None, repr=False)

    def __repr__(self) -> str:
        # The default repr would print every cluster's grids and criteria (hundreds of kB).
        return (f"<RuleSet {self.name!r} {self.version!r} {len(self.clusters)} clusters "
                f"{self.fingerprint[:19]}>")

    def receipt(self) -> dict[str, str]:
        """The identity of the rules that made a decision: name, version, content fingerprint."""
        return {"name": self.name, "version": self.version, "fingerprint": self.fingerprint}
