"""What every syntax node shares: its `Span`, the `Source` a person may cite, a `Duration`, and the
``span`` and ``comments`` fields (see `mhct_dsl.nodes`)."""

from __future__ import annotations

from typing import NamedTuple

import attrs


class Span(NamedTuple):
    """Where a node came from: file path (within its rule set), 1-based line/column of its start
    and end, and ``origin``: which rule set the file belongs to (`loader.origin`, a digest of that
    set's files; empty for text parsed on its own), so a local set's spans and its base's can be
    told apart when their paths are the same."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    origin: str = ""


def span_field() -> attrs.Attribute:
    return attrs.field(default=None, eq=False, repr=False, kw_only=True)


def comments_field() -> attrs.Attribute:
    return attrs.field(default=(), kw_only=True, converter=tuple)


@attrs.frozen
class Source:
    """Provenance: ``kind`` is booklet, reconstructed or local; ``note`` cites page or reason."""

    kind: str
    note: str | None = None
    span: Span | None = span_field()


@attrs.frozen
class Duration:
    """A calendar length: ``amount`` of ``unit`` (day, week, month, year)."""

    amount: int
    unit: str
    span: Span | None = span_field()
