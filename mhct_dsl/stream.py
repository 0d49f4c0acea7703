"""Streaming batch input for the compiled path: CSV and JSON-lines in chunks, in bounded memory.

`read_chunks` reads a file (or ``-``, or a text stream) a chunk of records at a time and yields
`Chunk`s (`stream_chunk`): the readable records as arrays for `compiled.evaluate`, and every
unreadable record as an `ErrorResult` in its place, so output keeps input order and a bad row never
stops the run. Memory stays bounded by the chunk size for CSV and JSON-lines; a ``.json`` document
(one array) has to be read whole, as before.

The format is the file's extension, else its first line that is not blank. CSV is read a block of
rows at a time, column by column (`stream_csv`, its cells found by `stream_cells`); JSON-lines
records are validated by `records.parse_record` one line at a time. `Progress` (`progress`) is
given the file's binary stream and size to draw how far the reading has got.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import sys
from typing import IO, Iterator

from .compiled.tables import Compiled
from .model import RuleSet
from .progress import Progress
from .readers import BOM, read_json
from .records import RecordError
from .stream_chunk import Chunk, ChunkBuilder, items_chunks
from .stream_csv import csv_chunks

__all__ = ["Chunk", "read_chunks", "Progress", "CHUNK_SIZE"]

CHUNK_SIZE = 32768


def _open(source) -> tuple[IO[str], IO[bytes] | None, int | None, str | None]:
    """(text stream, underlying binary stream for progress, size in bytes, extension)."""
    if hasattr(source, "read"):
        name = getattr(source, "name", None)
        ext = os.path.splitext(name)[1].lower() if isinstance(name, str) else None
        return source, None, None, ext
    if str(source) == "-":
        binary = sys.stdin.buffer
        return (io.TextIOWrapper(binary, encoding="utf-8", errors="surrogateescape", newline=""),
                None, None, None)
    path = os.fspath(source)
    binary = open(path, "rb")
    size = os.fstat(binary.fileno()).st_size
    # bytes that are not UTF-8 survive as surrogates and fail only their own row or line
    text = io.TextIOWrapper(binary, encoding="utf-8", errors="surrogateescape", newline="")
    return text, binary, size, os.path.splitext(path)[1].lower()


def _kind(ext: str | None, first: str) -> str:
    if ext in (".jsonl", ".ndjson"):
        return "jsonl"
    if ext in (".json", ".csv"):
        return ext[1:]
    stripped = first.lstrip()
    if stripped.startswith("["):
        return "json"
    if stripped.startswith("{"):
        try:
            json.loads(first)
        except ValueError:
            return "json"
        return "jsonl"
    return "csv"


def read_chunks(source, ruleset: RuleSet, compiled: Compiled, group: str | None = None,
                size: int = CHUNK_SIZE, progress: Progress | None = None) -> Iterator[Chunk]:
    """Chunks of at most ``size`` records from ``source`` (path, ``-`` or text stream); never
    raises for bad content (an unreadable file is one error record)."""
    try:
        text, binary, total, ext = _open(source)
    except OSError as error:
        yield _unreadable(error, ruleset, compiled, group)
        return
    if progress is not None:
        progress.start(binary, total)
    try:
        lines = iter(text)
        first = next(lines, "")  # a byte-order mark is dropped at the very start only
        lines = itertools.chain([first.removeprefix(BOM)] if first else [], lines)
        head = []
        for line in lines:  # skip to the first non-blank line to decide the format
            head.append(line)
            if line.strip():
                break
        if not any(line.strip() for line in head):
            return
        lines = itertools.chain(head, lines)
        kind = _kind(ext, head[-1])
        if kind == "csv":
            yield from csv_chunks(lines, ruleset, compiled, group, size)
        elif kind == "jsonl":
            yield from _jsonl_chunks(lines, ruleset, compiled, group, size)
        else:
            yield from items_chunks(read_json("".join(lines), ruleset), ruleset, compiled,
                                    group, size)
    except UnicodeDecodeError as error:
        yield _unreadable(error, ruleset, compiled, group)
    finally:
        if binary is not None:
            binary.close()


def _unreadable(error: Exception, ruleset, compiled, group) -> Chunk:
    """The one chunk of an input that cannot be read: its error record."""
    builder = ChunkBuilder(compiled, ruleset, group)
    builder.error(RecordError(None, "input", f"cannot read input: {error}"), {})
    return builder.chunk()


def _jsonl_chunks(lines, ruleset, compiled, group, size) -> Iterator[Chunk]:
    """Chunks from JSON-lines, each record located by its line number."""
    def items():
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield from (({"line": number}, item) for _, item in read_json(
                    line, ruleset, jsonl=True))
    yield from items_chunks(items(), ruleset, compiled, group, size)
