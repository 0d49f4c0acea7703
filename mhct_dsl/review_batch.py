"""``mhct review`` over many records: streamed in chunks, optionally over parallel workers.

`run` reads the input a chunk of `CHUNK_SIZE` records at a time, reviews and renders each chunk
(in this process, or with ``jobs`` > 1 over worker processes, each holding the rule sets once,
which read their chunks and write their output themselves where they can: `review_pipe`), and
writes the rendered chunks in input order as they are done, so the output is byte for byte the
same whatever ``jobs`` is. At most two chunks per worker are in flight: memory is bounded by the
chunk size, not the input's size.

A ``.jsonl``/``.ndjson`` file is streamed a chunk of lines at a time (`readers.read_json_lines`,
its records of the usual shape on `records_usual`'s short path); other input (a
``.json`` document, a review CSV whose rows of one record may be anywhere in the file, standard
input, a stream) is read whole first, as `batch.read_records` reads it, then reviewed in chunks.

``jobs=None`` chooses: the machine's CPUs for an input file of at least `LARGE` bytes, else 1.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import itertools
import json
import multiprocessing
import os
import stat
import sys
import types
from typing import IO, Callable, Iterable, Iterator

from .batch import (
    Deciding, RecordIds, escaped_for, formula_safe, internal_error, read_records, result_for,
    summary,
)
from .diagnostics import escape_controls
from .model import RuleSet
from . import review_json, review_plan
from .readers import BOM, read_json_lines
from .records import RecordError
from .results import ErrorResult, ReviewResult
from .review import review
from .review_csv import REVIEW_COLUMNS, read_review_csv, review_row
from .review_pipe import OutputFailed, spread

__all__ = ["run", "CHUNK_SIZE", "LARGE", "default_jobs", "Reviewer", "Done"]

CHUNK_SIZE = 512
LARGE = 4 * 1024 * 1024  # bytes: ~1,000 review records and more are worth the workers' start

# One rendered record: (text, or a review's JSON in UTF-8 for a UTF-8 output (`render`); failed;
# record id for the repeated-ids warning; location).
Rendered = tuple["str | bytes", bool, "str | None", dict]
# One rendered chunk: (its records' text as the output holds them, joined, or that text in UTF-8,
# or None once a worker has written it; how many records; how many failed; the records' ids and
# their locations, two lists, for the repeated-ids warning).
Done = tuple["str | bytes | None", int, int, tuple[list, list]]


def default_jobs(input) -> int:
    """The CPUs this process may use for an input file of `LARGE` bytes or more, else 1."""
    try:
        large = not hasattr(input, "read") and str(input) != "-" and os.path.getsize(input) >= LARGE
    except OSError:
        large = False
    if not large:
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Reviewer:
    """Reviews and renders chunks of read items; one per process."""

    def __init__(self, ruleset: RuleSet, choose: Callable | None, as_of, fmt: str,
                 explain: bool, width: int | None, encoding: str, utf8: bool = False):
        self.ruleset, self.as_of, self.fmt, self.explain, self.width, self.utf8 = (
            ruleset, as_of, fmt, explain, width, utf8)
        self.deciding = Deciding(ruleset, choose)
        self.chunks = 0
        self.out = types.SimpleNamespace(encoding=encoding)  # all `escaped_for` reads of it

    def chunk(self, kind: str, data: list) -> Done:
        """A chunk reviewed and rendered with Python's cyclic garbage collector paused (a review
        makes thousands of short-lived objects, which set it off again and again, each time
        walking the rule sets); it collects after every eighth chunk, so cycles stay bounded.
        The records' text comes joined, so the writing process writes a chunk at once, and in
        UTF-8 with `utf8` (see `_utf8_buffer`)."""
        was = gc.isenabled()
        gc.disable()
        try:
            items = read_json_lines(_numbered(*data[:2]), self.ruleset) if kind == "bytes" else data
            done = [self.one(location, item) for location, item in items]
        finally:
            if was:
                gc.enable()
            self.chunks += 1
            if self.chunks % 8 == 0:
                gc.collect()
        texts = [text for text, _, _, _ in done]
        if self.utf8:  # a review's JSON comes encoded from `render`
            texts = [t if type(t) is bytes else t.encode("utf-8") for t in texts]
        return (self.joined(texts), len(done), sum(bad for _, bad, _, _ in done),
                ([i for _, _, i, _ in done], [where for _, _, _, where in done]))

    def joined(self, texts: list) -> str | bytes:
        """Records' texts (str, or bytes in UTF-8) as the output holds them, without what goes
        before a chunk (`lead`); one join, each record's text copied once."""
        if not texts:
            return b"" if self.utf8 else ""
        between, after = (("\n\n", "\n") if self.explain else (",\n", "") if self.fmt == "json"
                          else ("", "") if self.fmt == "csv" else ("\n", "\n"))
        if isinstance(texts[0], bytes):
            between, after = between.encode(), after.encode()
        return between.join([*texts[:-1], texts[-1] + after])

    def lead(self, written: int) -> str:
        """What goes before a chunk when ``written`` records are out already."""
        if self.explain:
            return "\n" if written else ""
        if self.fmt == "json":
            return ",\n" if written else "[\n"
        return ""

    def one(self, location, item) -> Rendered:
        # JSON output: the compiled review plan writes a review's text (`review_plan`)
        reviewer = review if self.explain or self.fmt == "csv" else review_plan.dumps
        result = result_for(item, location, lambda record: reviewer(
            self.deciding.pick(record, self.as_of), record, self.as_of))
        try:
            text = self.render(result)
        except (UnicodeError, ValueError) as error:  # this result only: say so in its place
            result = ErrorResult(None, "output", f"the result cannot be written: {error}",
                                 dict(location))
            text = self.render(result)
        record_id = getattr(item, "record_id", None) or getattr(item, "id", None)
        return text, isinstance(result, ErrorResult), record_id, location

    def render(self, result) -> str | bytes:
        if self.explain:
            return escaped_for(self.out, escape_controls(result.explain(
                width=self.width, ruleset=self.deciding.of(result))))
        if self.fmt == "csv":
            line = io.StringIO()
            csv.writer(line, lineterminator="\n").writerow(
                [escaped_for(self.out, formula_safe(cell)) for cell in review_row(result)])
            return line.getvalue()
        if isinstance(result, str):  # a review's JSON text (`review_plan`); else in ASCII
            if self.utf8:  # in UTF-8 already (`encoded`): encoding it is the check
                try:
                    return result.encode("utf-8")
                except UnicodeEncodeError:
                    return json.dumps(json.loads(result))
            return result if result == escaped_for(self.out, result) else json.dumps(
                json.loads(result))
        text = (review_json.dumps(result) if isinstance(result, ReviewResult)
                else json.dumps(result.to_json(), ensure_ascii=False))
        return text if text == escaped_for(self.out, text) else json.dumps(result.to_json())


def _chunks(input, ruleset: RuleSet, size: int) -> Iterator[tuple[str, object]]:
    """``("bytes", (number of the first line, the lines' bytes, (file descriptor, offset) when
    the file is a regular file, else None))`` chunks of a JSON-lines file, else ``("items",
    [(location, Record | RecordError)])`` chunks of the whole input as `read_records` reads it."""
    path = None if hasattr(input, "read") or str(input) == "-" else os.fspath(input)
    if path is not None and os.path.splitext(path)[1].lower() in (".jsonl", ".ndjson"):
        try:
            handle = open(path, "rb")
        except OSError as error:
            yield "items", [({}, RecordError(None, "input", f"cannot read input: {error}"))]
            return
        with handle:
            regular = stat.S_ISREG(os.fstat(handle.fileno()).st_mode)
            first, offset = 1, 0
            while lines := list(itertools.islice(handle, size)):
                data = b"".join(lines)
                yield "bytes", (first, data, (handle.fileno(), offset) if regular else None)
                first += len(lines)
                offset += len(data)
        return
    yield from _batches(read_records(input, ruleset, csv_reader=read_review_csv), size)


def _numbered(first: int, data: bytes) -> Iterator[tuple[int, str]]:
    """Numbered lines as `batch.read_records` decodes them (a byte-order mark dropped at the very
    start only, bytes that are not UTF-8 kept as surrogate escapes), without their ``\\n``. The
    chunk is decoded at once: a ``\\n`` is never part of a UTF-8 sequence, so this is what
    decoding each line gives."""
    text = data.decode("utf-8", "surrogateescape")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()  # after the last line's \\n
    if first == 1:
        lines[0] = lines[0].removeprefix(BOM)
    return zip(itertools.count(first), lines)


def _batches(items: Iterable, size: int) -> Iterator[tuple[str, list]]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield "items", batch
            batch = []
    if batch:
        yield "items", batch


def run(ruleset: RuleSet, input, fmt: str, out: IO[str], err: IO[str], as_of, explain: bool,
        choose: Callable | None, width: int | None, jobs: int | None = None,
        size: int = CHUNK_SIZE) -> int:
    """Review every record of ``input``, writing each chunk's results to ``out`` in input order,
    the summary to ``err``; 0 when nothing failed, else 1 (see `batch.run_review`). A failure to
    write the output (`OSError`, `BrokenPipeError` for ``| head``) is raised, and nothing more is
    written; one to read the input midway ends the output with an error record."""
    jobs = default_jobs(input) if jobs is None else max(1, jobs)
    raw = _utf8_buffer(out)
    reviewer = Reviewer(ruleset, choose, as_of, fmt, explain, width,
                         getattr(out, "encoding", None) or "utf-8", raw is not None)
    total = failed = 0
    ids = RecordIds()
    if fmt == "csv" and not explain:
        csv.writer(out, lineterminator="\n").writerow(REVIEW_COLUMNS)
    rendered = _rendered(_chunks(input, ruleset, size), reviewer, jobs, _descriptor(raw))
    try:
        while True:
            try:
                text, count, bad, seen = next(rendered)
            except StopIteration:
                break
            except OutputFailed as failure:  # a worker's write: the output is gone
                raise failure.error from None
            except Exception as error:  # reading failed midway: never a traceback
                out.write(reviewer.lead(total) + reviewer.joined(
                    [reviewer.render(internal_error(None, error, {}))]))
                total += 1
                failed += 1
                break
            # A failure to write here (`| head`, a full disk) ends the run: nothing more is written.
            if count and text is not None:
                out.write(reviewer.lead(total))
                if raw is None:
                    out.write(text)
                else:
                    out.flush()
                    raw.write(text)
            total += count
            failed += bad
            ids.see_all(*seen)
    finally:  # the workers stopped, whatever happened
        rendered.close()
    if fmt == "json" and not explain:
        out.write("[]\n" if total == 0 else "\n]\n")
    err.write(summary(total, failed, ids))
    return 0 if failed == 0 else 1


def _utf8_buffer(out: IO[str]) -> IO[bytes] | None:
    """The binary stream under standard output when it writes UTF-8 and leaves ``\\n`` alone
    (POSIX): chunks then go there as the workers encoded them, and the writing process neither
    decodes nor encodes ~7 KB a record. Not for other text streams: their newline translation
    cannot be read back."""
    if out is not sys.stdout or os.linesep != "\n" or not isinstance(out, io.TextIOWrapper):
        return None
    try:
        return out.buffer if codecs.lookup(out.encoding).name == "utf-8" else None
    except LookupError:
        return None


def _descriptor(raw: IO[bytes] | None) -> int | None:
    """The file descriptor under `_utf8_buffer`'s stream, for workers to write to, else None."""
    try:
        return None if raw is None else raw.fileno()
    except (OSError, ValueError):  # io.UnsupportedOperation: a stream over no file
        return None


def _rendered(chunks: Iterator[tuple[str, object]], reviewer: Reviewer, jobs: int,
              fd: int | None) -> Iterator[Done]:
    """Each chunk reviewed and rendered, in input order: here, or over ``jobs`` workers, which
    inherit the rule sets when forked and write to ``fd`` themselves (`review_pipe`)."""
    if jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield from (reviewer.chunk(kind, data) for kind, data in chunks)
        return
    yield from spread(chunks, reviewer, jobs, fd)
