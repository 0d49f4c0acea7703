"""Streaming input for the compiled path: bad rows in place and worded as the interpreter words
them, bounded chunks, CSV and JSON-lines alike, a progress bar only on a terminal."""

import io
import json

import pytest

from evalkit import national_ruleset
from mhct_dsl.audit import run_audit
from mhct_dsl.batch import run_allocate
from mhct_dsl.compiled.run import compiled_for
from mhct_dsl.model import SCALE_IDS
from mhct_dsl.stream import Progress, read_chunks

RULES = national_ruleset()
HEADER = ",".join(("id", "date") + SCALE_IDS + ("scale8_type", "recorded_cluster", "group"))


def row(id="r", date="2014-01-13", recorded="", group="", scale8="", **cells):
    ratings = {s: "1" for s in SCALE_IDS} | {k.lstrip("s"): v for k, v in cells.items()}
    return ",".join([id, date] + [ratings[s] for s in SCALE_IDS] + [scale8, recorded, group])


HOSTILE = "\n".join([
    HEADER,
    row("ok-1", recorded="4", group="non_psychotic"),
    row("spaces", s3=" 3"),
    row("letter", s5="x"),
    row("ten", s6="10"),
    '"a,b",2014-01-13,' + ",".join("2" for _ in SCALE_IDS) + ",,,",
    '"say ""hi""",2014-01-13,' + ",".join("2" for _ in SCALE_IDS) + ",,,",
    row("short").rsplit(",", 3)[0],
    row("bad-date", date="2014-02-30"),
    row("padded-date", date=" 2014-01-13"),
    row("no-group", group="neurotic"),
    row("branch", group="first_episode"),
    row("no-cluster", recorded="42"),
    row("word-cluster", recorded="four"),
    row("blank-cluster", recorded="9"),
    row("variance", recorded="0"),
    row("bad-type", scale8="Z"),
    row("x" * 201),
    row("=cmd()", s7="9", s8=""),
    ",,,,,,,,,,,,,,,,,,,,,,",
    row("", s1="0"),
    row("zeros", **{f"s{s}": "0" for s in SCALE_IDS}),
    row("psychotic", group="psychotic", s6="3"),
]) + "\n"


def _allocate(text, compiled, group=None):
    out, err = io.StringIO(), io.StringIO()
    code = run_allocate(RULES, io.StringIO(text), "csv", out, err, group=group, compiled=compiled)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("group", [None, "psychotic"])
def test_hostile_rows_read_and_fail_exactly_as_the_interpreter_has_them(group):
    compiled = _allocate(HOSTILE, True, group)
    assert compiled == _allocate(HOSTILE, False, group)
    assert compiled[0] == 1 and "failed: 0" not in compiled[2]


def test_an_unclosed_quote_and_bytes_not_utf8_fail_only_their_rows(tmp_path):
    # issue 12 findings 1 and 5 on the compiled path: a quote must close on its row, and a byte
    # that is not UTF-8 fails its row, exactly as the interpreter's reader has them
    data = "\n".join([
        HEADER, row("good-1"), row("quote", s3='"3'), row("good-2"), row("good-3"),
    ]).encode() + b"\nbyte\xff," + row("x").split(",", 1)[1].encode() + b"\n" + \
        row("good-4").encode() + b"\n"
    path = tmp_path / "hostile.csv"
    path.write_bytes(data)
    results = []
    for compiled in (True, False):
        out, err = io.StringIO(), io.StringIO()
        code = run_allocate(RULES, str(path), "csv", out, err, compiled=compiled)
        results.append((code, out.getvalue(), err.getvalue()))
    assert results[0] == results[1]
    lines = results[0][1].splitlines()
    assert [line.split(",", 1)[0] for line in lines[1:]] == [
        "good-1", "quote", "good-2", "good-3", "", "good-4"]
    assert "unclosed quote" in lines[2] and "not UTF-8 text: byte 0xff" in lines[5]
    assert "records in: 6, ok: 4, failed: 2" in results[0][2]


def test_blank_lines_before_the_header_are_skipped_on_both_paths():
    # the header is the first line that is not blank; rows are still the file's lines
    text = "\n \t\n" + "\n".join([HEADER, row("good"), row("letter", s5="x")]) + "\n"
    compiled = _allocate(text, True)
    assert compiled == _allocate(text, False)
    lines = compiled[1].splitlines()
    assert [line.split(",", 1)[0] for line in lines[1:]] == ["good", "letter"]
    assert lines[2].endswith('"5: rating must be 0-4, 9 or blank; got \'x\' (row 5)"')
    headless = "\n\n" + HEADER.replace(",date", "") + "\n" + row("good") + "\n"
    compiled = _allocate(headless, True)
    assert compiled == _allocate(headless, False)
    assert compiled[1].splitlines()[1].endswith(
        '"header: missing column(s): date (leave cells blank for ratings not made, or 9 for not '
        'known) (row 3)"')


def test_repeated_ids_are_named_on_both_paths():
    text = "\n".join([HEADER, row("twice"), row("once"), row("twice"), row("bad", s5="x"),
                      row("bad", s5="x")]) + "\n"
    compiled = _allocate(text, True)
    assert compiled == _allocate(text, False)
    assert compiled[2].endswith("warning: 2 record id(s) given more than once: "
                                "'twice' (row 2, row 4); 'bad' (row 5, row 6)\n")


def test_chunks_are_bounded_and_change_nothing():
    compiled = compiled_for(RULES)
    small = list(read_chunks(io.StringIO(HOSTILE), RULES, compiled, size=4))
    whole = list(read_chunks(io.StringIO(HOSTILE), RULES, compiled, size=1000))
    assert max(len(c.entries) for c in small) == 4
    def in_order(chunks):
        return [c.ids[e] if isinstance(e, int) else ("error", e.id, e.field)
                for c in chunks for e in c.entries]
    assert in_order(small) == in_order(whole)
    assert sum(c.failed for c in small) == sum(c.failed for c in whole) > 5


def _jsonl(text):
    lines = text.strip().splitlines()
    header = lines[0].split(",")
    out = []
    for line in lines[1:]:
        cells = dict(zip(header, line.split(",")))
        record = {"id": cells["id"], "assessments": [{"date": cells["date"], "ratings": {
            s: int(cells[s]) for s in SCALE_IDS if cells[s]}}]}
        if cells["recorded_cluster"]:
            record["recorded_cluster"] = int(cells["recorded_cluster"])
        out.append(json.dumps(record))
    return "\n".join(out) + "\n"


def test_json_lines_and_csv_give_the_same_audit(tmp_path):
    text = "\n".join([HEADER, row("a", recorded="4"), row("b", recorded="0", s6="4"),
                      row("c", recorded="12", s7="9"), row("d")]) + "\n"
    (tmp_path / "in.csv").write_text(text)
    (tmp_path / "in.jsonl").write_text(_jsonl(text))
    audits = []
    for name in ("in.csv", "in.jsonl"):
        out = io.StringIO()
        run_audit(RULES, str(tmp_path / name), "json", "default", out, io.StringIO())
        audits.append(json.loads(out.getvalue()))
    assert audits[0] == audits[1]
    assert [r["id"] for r in audits[0]["records"]] == ["a", "b", "c"]


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_drawn_on_a_terminal_only():
    tty, piped = _Terminal(), io.StringIO()
    for stream in (tty, piped):
        progress = Progress(stream, "allocate")
        progress.update(10, 9, 1)
        progress.update(20, 18, 2, final=True)
    assert "\r" in tty.getvalue() and "20 in · 18 ok · 2 failed" in tty.getvalue()
    assert piped.getvalue() == ""
