"""``mhct review`` streamed in chunks and over worker processes: the same bytes as one process
reading the whole input, bad records included, in input order."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

import mhct_dsl
from mhct_dsl import review_batch, review_pipe
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


@pytest.mark.parametrize("fmt,explain", [("jsonl", False), ("json", False), ("csv", False),
                                         ("jsonl", True)])
def test_workers_write_to_standard_output_in_turn(seeded, fmt, explain, tmp_path, monkeypatch):
    """Standard output on a file: the workers write their chunks to it themselves, in input
    order, with the lead, the header and the closing bracket in their places."""
    with open(tmp_path / "out", "w", encoding="utf-8") as stdout:
        monkeypatch.setattr(sys, "stdout", stdout)
        err = io.StringIO()
        code = review_batch.run(RULES, seeded, fmt, stdout, err, None, explain, None, None,
                                jobs=2, size=16)
    one = io.StringIO()
    one_code = review_batch.run(RULES, seeded, fmt, one, io.StringIO(), None, explain, None,
                                None, jobs=1)
    assert (code, (tmp_path / "out").read_bytes()) == (one_code, one.getvalue().encode())
    assert "records in: 306, ok: 301, failed: 5\n" in err.getvalue()
    assert "given more than once: 'SYN-0000003' (line 4, line 201)" in err.getvalue()


AWKWARD = [b'{"id": "a", "assessments": []}\r\n', b"\r\n", b"{broken\r\n", b"\n", b"  \t\n",
           b'{"id": "\xe2\x82", "assessments": []}\n', b'{"id": "\xe2\x82\xac"}\n',
           b'\xef\xbb\xbf{"id": "a byte-order mark past the start is content"}\n']


def _awkward(seeded: Path, tmp_path: Path, before: bytes = b"") -> Path:
    """Good records between the `AWKWARD` lines, after ``before``, the last without its newline."""
    good = seeded.read_bytes().removeprefix(b"\xef\xbb\xbf").splitlines(keepends=True)[:8]
    path = tmp_path / "awkward.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + before + b"".join(line for pair in zip(good, AWKWARD)
                                                          for line in pair)
                     + good[0].rstrip(b"\n"))
    return path


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_awkward_lines_at_every_chunk_boundary(seeded, size, tmp_path):
    """CRLF, blank lines, broken and non-UTF-8 lines, a byte-order mark at the start and one at
    the start of a later line (content: an error), a last line without its newline, in chunks of
    every small size: the same results as the text read whole."""
    path = _awkward(seeded, tmp_path)
    whole = io.TextIOWrapper(io.BytesIO(path.read_bytes()), encoding="utf-8",
                             errors="surrogateescape")
    expected = review(whole, jobs=1)
    assert expected[2].startswith("records in: 14, ok: 9, failed: 5\n")
    assert review(path, jobs=1, size=size) == expected
    assert review(path, jobs=2, size=size) == expected



@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
@pytest.mark.parametrize("input,size", [("awkward", 1), ("awkward", 2), ("blank first", 2),
                                        ("blank", 2), ("empty", 1)])
def test_workers_write_awkward_input_to_standard_output_in_turn(seeded, fmt, input, size,
                                                                tmp_path, monkeypatch):
    """The workers writing for themselves get chunks of no record (blank lines only) and chunks
    of one: they write nothing for the first, and the lead, the header and the closing bracket
    stay in their places; an empty input writes what one process writes."""
    if input == "awkward":
        path = _awkward(seeded, tmp_path)
    elif input == "blank first":
        path = _awkward(seeded, tmp_path, b"\n" * 20)
    else:
        path = tmp_path / "blank.jsonl"
        path.write_bytes(b" \n\n\t\n" * 5 if input == "blank" else b"")
    with open(tmp_path / "out", "w", encoding="utf-8") as stdout:
        monkeypatch.setattr(sys, "stdout", stdout)
        err = io.StringIO()
        code = review_batch.run(RULES, path, fmt, stdout, err, None, False, None, None, jobs=2,
                                size=size)
    one = review(path, fmt, jobs=1)
    assert (code, (tmp_path / "out").read_bytes(), err.getvalue()) == (
        one[0], one[1].encode("utf-8"), one[2])
    assert one[2].startswith("records in: 14, " if "awkward" in input or input == "blank first"
                             else "records in: 0, ")


@given(st.lists(st.binary(max_size=12).map(lambda b: b.replace(b"\n", b"")), min_size=1),
       st.booleans(), st.booleans())
def test_a_chunk_decoded_at_once_is_its_lines_decoded_one_by_one(lines, first, ending):
    """A chunk's lines as a file gives them: each ends at its ``\\n``, but for a file's last line
    when that is not empty."""
    data = b"\n".join(lines) + (b"\n" if ending or not lines[-1] else b"")
    by_line = [(number, raw.decode("utf-8", "surrogateescape"))
               for number, raw in enumerate(lines, start=1 if first else 7)]
    if first:
        by_line[0] = (1, by_line[0][1].removeprefix(review_batch.BOM))
    assert list(review_batch._numbered(1 if first else 7, data)) == by_line


def _mhct(arguments: list[str], unbuffered: bool, **options) -> subprocess.Popen:
    """The command in a child process, with standard output buffered as usual, or not
    (``PYTHONUNBUFFERED``, set in some environments: it hid failures at exit)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    return subprocess.Popen([sys.executable, "-m", "mhct_dsl.cli", *arguments], env=env,
                            stderr=subprocess.PIPE, **options)


@pytest.fixture(scope="module")
def big(seeded) -> Path:
    path = seeded.with_name("big.jsonl")
    path.write_bytes(seeded.read_bytes() * 20)
    return path


@pytest.mark.parametrize("unbuffered", [False, True])
@pytest.mark.parametrize("command", [["review", "--jobs", "2"], ["review", "--jobs", "1"],
                                     ["allocate"]])
def test_output_closed_early_stops_quietly(big, command, unbuffered, tmp_path):
    """``mhct review --jobs 2 FILE | head``: the workers (or the one process) find the pipe
    closed; the command stops with 141 as a shell reports a broken pipe, saying nothing: no
    error record, no summary, no traceback."""
    source = big
    if command == ["allocate"]:
        source = tmp_path / "assessments.csv"
        with open(source, "w", newline="") as handle:
            synthetic.write(handle, 20000, 3, "csv")
    child = _mhct([*command, "--format", "jsonl", str(source)], unbuffered,
                  stdout=subprocess.PIPE)
    assert child.stdout.read(100)
    child.stdout.close()
    assert child.wait(timeout=120) == 141
    assert child.stderr.read() == b""


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
@pytest.mark.parametrize("unbuffered", [False, True])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_full_disk_is_said_once(big, jobs, unbuffered):
    """Output on a full disk: one line says so, exit status 2, nothing else."""
    with open("/dev/full", "w") as full:
        child = _mhct(["review", "--jobs", jobs, "--format", "json", str(big)], unbuffered,
                      stdout=full)
    assert child.wait(timeout=120) == 2
    assert child.stderr.read() == b"mhct: No space left on device\n"


def test_a_fifo_named_jsonl_is_streamed(seeded, tmp_path):
    """A named pipe cannot be read by byte range: its chunks go to the workers whole."""
    fifo = tmp_path / "records.jsonl"
    os.mkfifo(fifo)
    feed = subprocess.Popen(["cp", str(seeded), str(fifo)])  # another process: the workers
    two: list = []                                           # must not hold its end open
    reading = threading.Thread(target=lambda: two.append(review(fifo, jobs=2, size=16)),
                               daemon=True)
    reading.start()
    reading.join(timeout=120)
    assert not reading.is_alive(), "the review of a named pipe never ends"
    assert feed.wait(timeout=60) == 0
    assert two == [review(seeded, jobs=1)]


def _run_to_file(seeded, tmp_path, monkeypatch, stdout: bool):
    """``--format json --jobs 2`` in chunks of 16 into a file (standard output, when ``stdout``,
    which the workers write themselves): (exit code, the results read back, the summary)."""
    path = tmp_path / "out"
    with open(path, "w", encoding="utf-8") as out:
        if stdout:
            monkeypatch.setattr(sys, "stdout", out)
        err = io.StringIO()
        code = review_batch.run(RULES, seeded, "json", out, err, None, False, None, None,
                                jobs=2, size=16)
    return code, json.loads(path.read_text()), err


@pytest.mark.parametrize("stdout", [False, True])
@pytest.mark.parametrize("how", ["dies", "fails"])
def test_a_worker_that_dies_stops_the_run_with_an_error_record(seeded, how, stdout, tmp_path,
                                                               monkeypatch):
    """A worker killed (or failing outside any record) mid-run: the chunks written stay, whole
    and in order (those the other worker had done, as far as they go on from the start), an
    internal error record says what happened after them, the summary counts what is out; no
    hang, no traceback. The worker dies between two of its writes: one killed in the middle of a
    write can leave that chunk cut short (docs/scale.md)."""
    expected = json.loads(review(seeded, "json", jobs=1)[1])
    real, real_write = review_batch.Reviewer.one, review_pipe._write
    writing = threading.Lock()  # held while a worker's writing thread writes

    def write(fd, *parts):
        with writing:
            real_write(fd, *parts)

    def one(self, location, item):
        if location.get("line") == 40:
            if how == "dies":
                with writing:
                    os._exit(9)
            raise MemoryError("no room")
        return real(self, location, item)

    monkeypatch.setattr(review_batch.Reviewer, "one", one)
    monkeypatch.setattr(review_pipe, "_write", write)
    code, results, err = _run_to_file(seeded, tmp_path, monkeypatch, stdout)
    assert code == 1
    assert results[-1]["error"]["field"] == "internal"
    assert ("a worker process stopped (exit code 9)" if how == "dies"
            else "a worker process failed (MemoryError: no room)") in results[-1]["error"]["message"]
    assert results[:-1] == expected[:len(results) - 1]  # whole chunks, in order
    assert len(results) - 1 in (0, 16, 32)  # line 40 is in the third chunk
    assert err.getvalue().startswith(f"records in: {len(results)}, ok: ")


@pytest.mark.parametrize("stdout", [False, True])
@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_input_failing_midway_ends_the_output_with_an_error_record(seeded, fmt, stdout, tmp_path,
                                                                  monkeypatch):
    """The input fails to read at its fifth chunk (a disk error): every chunk before it goes out,
    then one internal error record, as with one process; the summary counts them."""
    real = review_batch._chunks

    def chunks(input, ruleset, size):
        for number, chunk in enumerate(real(input, ruleset, size), start=1):
            if number == 5:
                raise OSError(5, "Input/output error")
            yield chunk

    monkeypatch.setattr(review_batch, "_chunks", chunks)
    runs = []
    for jobs in (1, 2):
        path = tmp_path / f"out-{jobs}"
        with open(path, "w", encoding="utf-8") as out:
            if stdout:
                monkeypatch.setattr(sys, "stdout", out)
            err = io.StringIO()
            code = review_batch.run(RULES, seeded, fmt, out, err, None, False, None, None,
                                    jobs=jobs, size=16)
        runs.append((code, path.read_text("utf-8"), err.getvalue()))
    assert runs[1] == runs[0]
    text = runs[0][1]
    results = json.loads(text) if fmt == "json" else [json.loads(line) for line in text.splitlines()]
    assert len(results) == 65 and runs[0][2].startswith("records in: 65, ok: 62, failed: 3\n")
    assert "Input/output error" in results[-1]["error"]["message"]


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as handle:
        return [int(child) for child in handle.read().split()]


def _gone(pid: int) -> bool:
    """Ended: no such process, or one ended and not yet reaped (its parent's parent's job)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError):
        return True


@pytest.mark.skipif(not os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children"),
                    reason="needs Linux's /proc")
@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGKILL])
def test_workers_end_with_their_parent(big, number):
    """The parent ended (SIGTERM, or killed outright) while its workers wait on a reader that has
    not read: none is left behind holding the output, so the reader sees its end."""
    child = _mhct(["review", "--jobs", "2", "--format", "jsonl", str(big)], False,
                  stdout=subprocess.PIPE)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while len(workers := _children(child.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(workers) == 2
        time.sleep(0.5)  # the pipe fills: the workers wait to write
        child.send_signal(number)
        assert child.wait(timeout=30) == (143 if number == signal.SIGTERM else -number)
        deadline = time.monotonic() + 5
        while not all(_gone(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert all(_gone(pid) for pid in workers)
        data = b"..."
        while data:  # to the end: nothing holds the pipe open
            assert select.select([child.stdout], [], [], 5)[0], "the output never ends"
            data = os.read(child.stdout.fileno(), 1 << 16)
    finally:
        for pid in [child.pid, *workers]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        child.wait(timeout=30)



def test_a_failure_waits_for_the_chunk_being_written(seeded, tmp_path, monkeypatch):
    """A worker fails while another is midway through writing its chunk to standard output: the
    parent takes the turn first, so that chunk goes out whole before the error record."""
    expected = json.loads(review(seeded, "json", jobs=1)[1])
    real_one, real_write = review_batch.Reviewer.one, review_pipe._write

    def one(self, location, item):
        if location.get("line") == 40:
            time.sleep(0.2)  # the first chunk's lead is out by now
            raise MemoryError("no room")
        return real_one(self, location, item)

    def write(fd, *parts):  # the lead, then the chunk a second later
        for number, part in enumerate(parts):
            time.sleep(number)
            real_write(fd, part)

    monkeypatch.setattr(review_batch.Reviewer, "one", one)
    monkeypatch.setattr(review_pipe, "_write", write)
    code, results, err = _run_to_file(seeded, tmp_path, monkeypatch, stdout=True)
    assert code == 1
    assert "a worker process failed (MemoryError: no room)" in results[-1]["error"]["message"]
    assert results[:-1] == expected[:len(results) - 1]
    assert len(results) - 1 in (16, 32)
    assert err.getvalue().startswith(f"records in: {len(results)}, ok: ")



@pytest.mark.parametrize("utf8", [False, True])
def test_no_records_join_to_nothing_of_the_output_kind(utf8):
    """A chunk of no record joins to empty text, in UTF-8 bytes for a UTF-8 output."""
    reviewer = review_batch.Reviewer(RULES, None, None, "json", False, None, "utf-8", utf8)
    assert reviewer.joined([]) == (b"" if utf8 else "")
    assert type(reviewer.joined([])) is (bytes if utf8 else str)


def test_default_jobs(seeded, tmp_path):
    assert review_batch.default_jobs(seeded) == 1  # small: not worth starting workers
    large = tmp_path / "large.jsonl"
    large.write_bytes(b" " * review_batch.LARGE)
    assert review_batch.default_jobs(large) == len(os.sched_getaffinity(0))
    assert review_batch.default_jobs("-") == 1
