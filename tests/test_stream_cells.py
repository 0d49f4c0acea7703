"""The compiled path finds a CSV block's cells as `readers.csv_row` finds them line by line: the
byte fast path (`Bounds`) on every block of plain lines and never otherwise than `csv_row`, the
line path (`line_cells`) on any block; and a rating cell's code is what the record format says
(0-4, 9 not known, empty not rated, anything else not plain: the row goes to the full reader)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mhct_dsl.compiled.tables import UNKNOWN_9, UNRATED
from mhct_dsl.readers import csv_row
from mhct_dsl.stream_cells import Bounds, line_cells, rating_codes

WIDTH = 4
PLAIN = st.text(alphabet="0123459 x-", max_size=3)
# a quote, a comma, a letter that is not ASCII, a byte that was not UTF-8 (surrogateescape)
ANY = st.text(alphabet='0123459 x",\xe9\udcff', max_size=3)
ENDS = ("\n", "\r\n", "\r", "")


def code(cell: str) -> int:
    return {"": UNRATED, "9": UNKNOWN_9, "0": 0, "1": 1, "2": 2, "3": 3, "4": 4}.get(cell, 255)


def as_lines(rows: list[tuple[list[str], str]]) -> list[str]:
    """Lines as a file yields them: only the last may lack a line ending."""
    return [",".join(cells) + (end or "\n" if k < len(rows) - 1 else end)
            for k, (cells, end) in enumerate(rows)]


anything = st.lists(st.tuples(st.lists(ANY, min_size=1, max_size=6), st.sampled_from(ENDS)),
                    min_size=1, max_size=8).map(as_lines)


SPOILERS = ("comma moved", "other end", "lone CR", "no end", "quoted", "not ASCII")


@st.composite
def spoilt(draw, how: str) -> list[str]:
    """A block of plain lines with one thing changed (``how``) that makes it not plain."""
    rows = draw(st.lists(st.lists(PLAIN, min_size=WIDTH, max_size=WIDTH), min_size=2,
                         max_size=6))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [",".join(cells) + end for cells in rows]
    k, j = draw(st.permutations(range(len(lines))))[:2]
    if how == "comma moved":  # as many commas, one line a cell short and one a cell over
        lines[k], lines[j] = lines[k].replace(",", "", 1), "," + lines[j]
    elif how in ("other end", "lone CR"):
        lines[k] = lines[k].rstrip("\r\n") + ("\r" if how == "lone CR" else
                                              "\r\n" if end == "\n" else "\n")
    elif how == "no end":
        lines[-1] = lines[-1].rstrip("\r\n")
    else:
        lines[k] = ('"x"' if how == "quoted" else "\xe9") + lines[k]
    return lines


blocks = st.one_of(anything, *map(spoilt, SPOILERS))


@given(st.lists(st.lists(PLAIN, min_size=WIDTH, max_size=WIDTH), min_size=1, max_size=8),
       st.sampled_from(["\n", "\r\n"]))
def test_a_block_of_plain_lines_is_read_on_the_bytes_as_its_cells(rows, end):
    lines = [",".join(cells) + end for cells in rows]
    bounds = Bounds.of("".join(lines), len(lines), WIDTH)
    assert bounds is not None
    for j in range(WIDTH):
        assert bounds.texts(j) == [cells[j] for cells in rows]
        assert bounds.texts(j) == [csv_row(line.rstrip("\r\n"))[j] for line in lines]
    assert bounds.codes(list(range(WIDTH))).tolist() == [[code(c) for c in cells]
                                                         for cells in rows]


@given(anything)
def test_the_byte_path_takes_a_block_only_as_csv_row_reads_it(lines):
    bounds = Bounds.of("".join(lines), len(lines), WIDTH)
    rows = [csv_row(line.rstrip("\r\n")) for line in lines]
    # declining is always safe (the test above holds that plain blocks are taken)
    assert bounds is None or (
        all(isinstance(cells, list) and len(cells) == WIDTH for cells in rows)
        and [bounds.texts(j) for j in range(WIDTH)] == [list(c) for c in zip(*rows)])


@pytest.mark.parametrize("how", SPOILERS)
@given(data=st.data())
def test_a_block_that_is_not_quite_plain_is_left_to_the_line_path(how, data):
    lines = data.draw(spoilt(how))
    assert Bounds.of("".join(lines), len(lines), WIDTH) is None


@given(blocks)
def test_the_line_path_reads_any_block_as_csv_row(lines):
    def blank_as_none(rows):  # [] and [""] are both a blank line: no record
        return [[] if cells == [""] else cells for cells in rows]

    got = line_cells("".join(lines), lines)
    # an unquoted blank line gives [""] where csv_row gives []; a line `""` gives [""] on both
    assert blank_as_none(got) == blank_as_none([csv_row(line.rstrip("\r\n")) for line in lines])
    assert line_cells('""\n', ['""\n']) == [[""]] == [csv_row('""')]


@given(st.lists(ANY, min_size=1, max_size=8))
def test_a_column_of_rating_cells_is_coded_cell_by_cell(cells):
    assert rating_codes(tuple(cells)).tolist() == [code(c) for c in cells]
