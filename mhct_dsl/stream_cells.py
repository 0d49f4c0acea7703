"""A block of CSV lines' cells and rating codes, found the way `readers.csv_row` finds them.

Two ways, both giving what `csv_row` gives line by line (the allocate goldens hold them to it):

- `Bounds`, the byte fast path: a block of plain lines (ASCII, no quote, every line ending in
  ``\\n`` or every one in ``\\r\\n``, each with the header's number of cells) has every cell found
  at once as byte offsets between its commas; ratings are coded on the bytes and only the
  columns read as text are ever sliced.
- `line_cells` for any other block: lines without a quote or an undecodable byte are split at
  their commas, the rest go through `csv_row` one line at a time, so an unclosed quote or a byte
  that was not UTF-8 fails only its own row. `rating_codes` codes a column of those cells.

A rating's code is ``0``-``4``, `UNKNOWN_9` or `UNRATED` (empty); 255 marks a cell that is not
plainly one of these, and its row goes to the full reader.
"""

from __future__ import annotations

import numpy as np

from .compiled.tables import UNKNOWN_9, UNRATED
from .readers import UNDECODABLE, csv_row

__all__ = ["Bounds", "line_cells", "rating_codes"]

# A rating cell's code by its one character (code point 0: an empty cell); 255: not plain.
_CELL_CODE = np.full(128, 255, dtype=np.uint8)
_CELL_CODE[0] = UNRATED
_CELL_CODE[[ord(str(v)) for v in range(5)]] = range(5)
_CELL_CODE[ord("9")] = UNKNOWN_9


def line_cells(text: str, lines: list[str]) -> list[list[str] | str]:
    """Each line's cells or why it cannot be read, as `readers.csv_row` reads it (``text``: the
    lines joined). Lines without a quote or a byte that was not UTF-8 are split at their commas,
    which is what `csv_row` does with them."""
    clean = UNDECODABLE.search(text) is None
    if clean and '"' not in text:  # a blank line gives [""] (csv_row: []): both no record
        return [line.rstrip("\r\n").split(",") for line in lines]
    return [csv_row(line.rstrip("\r\n"), clean) for line in lines]


def rating_codes(cells: tuple[str, ...]) -> np.ndarray:
    """Codes of a column of rating cells, 255 where a cell is not exactly 0-4, 9 or empty."""
    joined = np.frombuffer(",".join(cells).encode("utf-8", "replace"), dtype=np.uint8)
    commas = np.flatnonzero(joined == ord(","))
    if len(commas) == len(cells) - 1:  # no cell holds a comma: cells are the runs between them
        starts = np.concatenate([[0], commas + 1])
        lengths = np.concatenate([commas, [len(joined)]]) - starts
        first = joined[np.minimum(starts, max(len(joined) - 1, 0))] if len(joined) else starts
        code = np.where(lengths == 0, UNRATED, _CELL_CODE[np.minimum(first, 127)])
        return np.where(lengths > 1, 255, code).astype(np.uint8)
    return np.array([_CELL_CODE[ord(c)] if len(c) == 1 and ord(c) < 128 else
                     UNRATED if not c else 255 for c in cells], dtype=np.uint8)


class Bounds:
    """The cells of a block of plain lines, found at once as byte offsets: ASCII text without a
    quote, every line ending in ``\\n`` (or every one in ``\\r\\n``) and holding the header's number
    of cells, so its cells are exactly the runs between its commas (as `csv_row` splits them).
    `of` gives None for any other block."""

    def __init__(self, text: str, starts: np.ndarray, ends: np.ndarray, data: np.ndarray):
        self.text, self.starts, self.ends, self.data = text, starts, ends, data

    @classmethod
    def of(cls, text: str, lines: int, width: int) -> Bounds | None:
        if not text.isascii() or '"' in text:
            return None
        data = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
        offset = np.int32 if len(data) < 2 ** 31 else np.int64
        breaks = np.flatnonzero(data == ord("\n")).astype(offset)
        if len(breaks) != lines or breaks[-1] != len(data) - 1:
            return None
        returns = np.flatnonzero(data == ord("\r")).astype(offset)
        if len(returns) and (len(returns) != lines or (returns != breaks - 1).any()):
            return None
        line_ends = returns if len(returns) else breaks
        commas = np.flatnonzero(data == ord(",")).astype(offset)
        if len(commas) != lines * (width - 1):
            return None
        commas = commas.reshape(lines, width - 1)
        line_starts = np.concatenate([np.zeros(1, offset), breaks[:-1] + 1])
        # each line's share of the commas lies within it, so each line has width - 1 of them
        if (commas[:, 0] < line_starts).any() or (commas[:, -1] >= line_ends).any():
            return None
        return cls(text, np.concatenate([line_starts[:, None], commas + 1], axis=1),
                   np.concatenate([commas, line_ends[:, None]], axis=1), data)

    def texts(self, column: int) -> list[str]:
        return [self.text[a:b] for a, b in zip(self.starts[:, column].tolist(),
                                               self.ends[:, column].tolist())]

    def codes(self, columns: list[int]) -> np.ndarray:
        """As `rating_codes`, for each column: 255 where a cell is not exactly 0-4, 9 or
        empty."""
        starts, ends = self.starts[:, columns], self.ends[:, columns]
        first = self.data[np.minimum(starts, len(self.data) - 1)]
        code = np.where(ends == starts, UNRATED, _CELL_CODE[first])
        return np.where(ends - starts > 1, 255, code).astype(np.uint8)
