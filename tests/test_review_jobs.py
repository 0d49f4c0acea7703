"""``mhct review`` streamed in chunks and over worker processes: the same bytes as one process
reading the whole input, bad records included, in input order."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from pathlib import Path

import pytest

import mhct_dsl
from mhct_dsl import review_batch
from mhct_dsl.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import synthetic  # noqa: E402

RULES = mhct_dsl.load_ruleset()
BAD = [b"{broken", b'{"id": "bad-rating", "current_cluster": 3, "assessments": [{"date": '
       b'"2013-01-07", "ratings": {"1": 7}}]}', b'{"id": "not-utf8-\xff", "assessments": []}',
       b"   ", b'{"id": "twice", "id": "twice", "assessments": []}', b"[1, 2]"]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    """300 seeded synthetic review records with bad lines, blank lines and a repeated id mixed in."""
    lines = [json.dumps(r).encode() for r in synthetic.review_records(300, 16)]
    for i, bad in enumerate(BAD):
        lines.insert(17 + 41 * i, bad)
    lines.insert(200, lines[3])  # the same record again: both results kept, a warning
    path = tmp_path_factory.mktemp("review") / "records.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b"\n".join(lines) + b"\n")
    return path


def review(source, fmt="jsonl", **options) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = review_batch.run(RULES, source, fmt, out, err, None, False, None, None, **options)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_two_workers_write_what_one_process_writes(seeded, fmt):
    one = review(seeded, fmt, jobs=1, size=16)
    two = review(seeded, fmt, jobs=2, size=16)
    assert two == one
    assert one[0] == 1 and "records in: 306, ok: 301, failed: 5\n" in one[2]
    assert "given more than once: 'SYN-0000003' (line 4, line 201)" in one[2]


def test_streamed_lines_read_as_the_whole_text(seeded):
    """A ``.jsonl`` file is read a chunk of lines at a time; the same text as one stream is read
    whole (`batch.read_records`): the results are the same."""
    whole = io.TextIOWrapper(io.BytesIO(seeded.read_bytes()), encoding="utf-8",
                             errors="surrogateescape")
    assert review(seeded, jobs=1, size=7) == review(whole, jobs=1)


def test_bad_records_keep_their_place_and_say_what_is_wrong(seeded):
    _, out, _ = review(seeded, jobs=2, size=16)
    results = [json.loads(line) for line in out.splitlines()]
    errors = [(i, r["error"]["line"]) for i, r in enumerate(results) if "error" in r]
    assert errors == [(17, 18), (58, 59), (99, 100), (180, 182), (222, 224)]  # one blank line
    assert "rating" in results[58]["error"]["message"]
    assert "not UTF-8" in results[99]["error"]["message"]
    assert [r["id"] for r in results[:3]] == ["SYN-0000000", "SYN-0000001", "SYN-0000002"]


def test_review_csv_over_workers(tmp_path):
    """A review CSV (rows of one record anywhere in the file) reviewed over two workers."""
    header = ["id", "date", "current_cluster", *synthetic.SCALES]
    rows = [[f"P{i % 40}", f"2013-{1 + i // 40:02d}-01", "3", *["1"] * 18] for i in range(120)]
    rows[50][5] = "x"
    path = tmp_path / "reviews.csv"
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    one, two = review(path, "csv", jobs=1, size=4), review(path, "csv", jobs=2, size=4)
    assert two == one
    assert "records in: 40, ok: 39, failed: 1\n" in one[2]


def test_cli_jobs(seeded, capsys):
    assert main(["review", "--jobs", "2", "--format", "jsonl", str(seeded)]) == 1
    two = capsys.readouterr()
    assert main(["review", "--jobs", "1", "--format", "jsonl", str(seeded)]) == 1
    one = capsys.readouterr()
    assert (two.out, two.err) == (one.out, one.err)
    with pytest.raises(SystemExit):
        main(["review", "--jobs", "0", str(seeded)])
    assert "--jobs: must be a whole number of at least 1" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_utf8_stdout_gets_the_same_bytes(seeded, fmt, monkeypatch):
    """Standard output in UTF-8 gets the workers' UTF-8 directly: the same bytes as a text stream
    gets text, with the lead, the header and the closing bracket in their places."""
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="\n")
    monkeypatch.setattr(sys, "stdout", stdout)
    assert review_batch._utf8_buffer(stdout) is stdout.buffer
    err = io.StringIO()
    code = review_batch.run(RULES, seeded, fmt, stdout, err, None, False, None, None, jobs=2,
                            size=16)
    stdout.flush()
    one_code, one_out, one_err = review(seeded, fmt, jobs=1)
    assert (code, stdout.buffer.getvalue(), err.getvalue()) == (
        one_code, one_out.encode("utf-8"), one_err)


def test_default_jobs(seeded, tmp_path):
    assert review_batch.default_jobs(seeded) == 1  # small: not worth starting workers
    large = tmp_path / "large.jsonl"
    large.write_bytes(b" " * review_batch.LARGE)
    assert review_batch.default_jobs(large) == len(os.sched_getaffinity(0))
    assert review_batch.default_jobs("-") == 1
