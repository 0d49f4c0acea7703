"""``mhct review --jobs N``'s worker processes, and the little the writing process does for them.

Every µs the parent process spends is taken from the workers on a machine with as many CPUs as
workers, so it hands out chunks, not their contents, and leaves the writing to the workers:

- a chunk of a JSON-lines file that is a regular file goes out as its byte range and the number
  of its first line; the worker reads the bytes itself (``os.pread`` on the file the parent opened
  before the workers started, which they inherit). Other input is sent whole, as it is read;
- when the output is a file descriptor taking UTF-8 (``mhct review > file``, ``| next``), each
  worker writes its rendered chunks to it in input order, from a thread of its own while it
  renders the next: the thread waits its turn (every chunk before it written, `_Turn`), writes
  what goes before the chunk (`Reviewer.lead`, from how many records are out) and the chunk,
  passes the turn on, and tells the parent only how many records it wrote, how many failed and
  their ids and locations, for the summary and the repeated-ids warning. Otherwise (a Python file
  object, ``StringIO``, another encoding) the rendered chunk goes back to the parent, which
  writes it.

At most ``2 × jobs`` chunks are out at once, so memory is bounded by the chunk size. A worker that
dies, or fails, stops the run with an error the caller reports (`RuntimeError`); one whose write
failed (``| head``: `BrokenPipeError`; a full disk) with `OutputFailed`, which carries the worker's
`OSError`, so the caller can tell it from a failure to read the input. Workers ignore Ctrl-C: the
parent stops them. A parent ended by SIGTERM or SIGHUP stops them too; one killed outright takes
them with it (Linux: they ask to be killed when it ends), so none is left holding the output.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import queue
import signal
import sys
import threading
from multiprocessing.connection import wait
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from .review_batch import Done, Reviewer

__all__ = ["spread", "OutputFailed"]


class OutputFailed(Exception):
    """A worker could not write to the output: `error` is its `OSError` (``BrokenPipeError`` when
    the reader has gone). Nothing more can be written there."""

    def __init__(self, error: OSError):
        super().__init__(str(error))
        self.error = error


class _Turn:
    """Whose turn it is to write: the index of the next chunk to go out and how many records are
    out already, shared by the workers. A worker holds `changed` from its turn until it has
    written and reported its chunk, so what the parent was told is what is out whenever it can
    take `changed` itself."""

    def __init__(self, context):
        self.changed = context.Condition()
        self.state = context.RawArray("q", 2)

    def wait(self, index: int) -> int:
        """Take `changed` at chunk ``index``'s turn; how many records are out before it."""
        self.changed.acquire()
        self.changed.wait_for(lambda: self.state[0] == index)
        return self.state[1]

    def passed(self, count: int) -> None:
        """Pass the turn on, after a chunk of ``count`` records, and let go of `changed`."""
        self.state[0] += 1
        self.state[1] += count
        self.changed.notify_all()
        self.changed.release()


def _read(fd: int, offset: int, length: int) -> bytes:
    parts = []
    while length > 0:
        part = os.pread(fd, length, offset)
        if not part:  # the file was cut short while being read: what is left is the chunk
            break
        parts.append(part)
        offset += len(part)
        length -= len(part)
    return b"".join(parts)


def _write(fd: int, *parts: bytes) -> None:
    """``parts`` written in one system call where the system takes them whole (`os.writev`), so a
    worker that ends meanwhile (another of its threads failing) leaves no chunk without its text;
    what a short write left, after."""
    written = os.writev(fd, parts)
    for part in parts:
        view = memoryview(part)[written:]
        written = max(0, written - len(part))
        while view:
            view = view[os.write(fd, view):]


def _serve(reviewer: Reviewer, tasks, reports, unused, lock, turn: _Turn | None,
           fd: int | None, parent: int) -> None:
    """A worker: review and render chunks until told to stop (None). With ``turn``, a thread of
    its own writes each chunk to ``fd`` at its turn while the next is rendered (one more waits
    at most), so waiting for a slower worker, or for a slow reader of a pipe, costs no rendering
    time; else the chunks go back to the parent. Any failure is reported, never raised."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for number in _ENDING:  # the parent's handlers (`_ended`) are not a worker's
        signal.signal(number, signal.SIG_DFL)
    unused.close()  # the parent's end of the reports pipe
    _ends_with(parent)
    gc.freeze()  # what it inherited (the rule sets) is kept out of the collector's walks

    def report(message: tuple) -> None:
        with lock:
            reports.send(message)

    try:
        rendered: queue.Queue | None = None
        if turn is not None:
            rendered = queue.Queue(1)
            # Not a daemon: a worker that fails ends only once no write of it is midway.
            writer = threading.Thread(target=_write_in_turn,
                                      args=(reviewer, rendered, turn, fd, report))
            writer.start()
        while (task := tasks.get()) is not None:
            index, kind, data = task
            if kind == "range":
                first, (source, offset, length) = data
                kind, data = "bytes", (first, _read(source, offset, length), None)
            done = reviewer.chunk(kind, data)
            if rendered is None:
                report((index, done))
            else:
                rendered.put((index, done))
        if rendered is not None:
            rendered.put(None)
            writer.join()
    except BaseException as error:  # told to the parent, which stops the run
        _failed(report, error)


def _ends_with(parent: int) -> None:
    """This process killed when its parent ends, whatever it is waiting for (Linux's
    PR_SET_PDEATHSIG; elsewhere nothing)."""
    prctl = getattr(ctypes.CDLL(None), "prctl", None)
    if prctl is not None:
        prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it ended before that
        os._exit(1)


_ENDING = (signal.SIGTERM, signal.SIGHUP)


def _ended(number: int, frame) -> None:
    """The parent's handler of SIGTERM and SIGHUP while it has workers: the run's ``finally``
    stops them, then the process ends as the signal would (128 + its number)."""
    raise SystemExit(128 + number)


def _write_in_turn(reviewer: Reviewer, rendered: queue.Queue, turn: _Turn, fd: int,
                   report) -> None:
    """A worker's writing thread: each rendered chunk written to ``fd`` at its turn, and
    reported."""
    try:
        while (item := rendered.get()) is not None:
            index, (text, count, bad, seen) = item
            written = turn.wait(index)
            try:
                if count:
                    try:
                        _write(fd, reviewer.lead(written).encode("utf-8"), text)
                    except OSError as error:  # the output, not this worker, failed: say so as is
                        _failed(report, error, output=True)
                        return
                report((index, (None, count, bad, seen)))
            finally:
                turn.passed(count)
    except BaseException as error:
        _failed(report, error)


def _failed(report, error: BaseException, output: bool = False) -> None:
    try:
        report((None, (True, error) if output else (False, f"{type(error).__name__}: {error}")))
    except OSError:  # the parent has gone: there is no one to tell
        pass


def _sendable(index: int, kind: str, data) -> tuple:
    """A task as it goes to a worker: a chunk of a regular file as its byte range."""
    if kind == "bytes" and data[2] is not None:
        first, chunk, (source, offset) = data
        return index, "range", (first, (source, offset, len(chunk)))
    return index, kind, data


class _Reports:
    """The workers' reports, handed on in input order."""

    def __init__(self, reader):
        self.reader = reader
        self.received = self.next = 0
        self.early: dict[int, Done] = {}  # chunks back before one that goes out ahead of them

    def take(self) -> Iterator[Done]:
        """Read one report: the chunks now due, in order; a worker's failure raised."""
        index, done = self.reader.recv()
        if index is None:
            output, said = done
            if output:
                raise OutputFailed(said)
            raise RuntimeError(f"a worker process failed ({said})")
        self.received += 1
        self.early[index] = done
        while self.next in self.early:
            yield self.early.pop(self.next)
            self.next += 1

    def settled(self, turn: _Turn | None) -> Iterator[Done]:
        """After a worker died or failed: what the others have written and reported, the turn
        taken from them first, so that none is midway through a chunk."""
        for _ in range(100):  # 5 s at most: the dead worker may have been holding the turn
            if turn is None or turn.changed.acquire(timeout=0.05):
                break
            yield from self._drained()
        yield from self._drained()

    def _drained(self) -> Iterator[Done]:
        """Every report waiting, another worker's failure among them passed over (the first
        failure is the one raised)."""
        while self.reader.poll():
            try:
                yield from self.take()
            except (RuntimeError, OutputFailed):
                pass


def spread(chunks: Iterator[tuple[str, object]], reviewer: Reviewer, jobs: int,
           fd: int | None) -> Iterator[Done]:
    """Each chunk reviewed and rendered by one of ``jobs`` forked workers, in input order; with
    ``fd``, already written there (the text in each `Done` is None). The first chunk is read
    before the workers start, so they inherit the open input."""
    first = next(chunks, None)
    if first is None:
        return
    context = multiprocessing.get_context("fork")
    tasks = context.Queue()
    tasks.cancel_join_thread()  # never wait at exit for a task no worker will take
    reader, reports = context.Pipe(duplex=False)
    lock = context.Lock()
    turn = _Turn(context) if fd is not None else None
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()  # a worker flushes its copies when it ends: they must be empty
    ending = threading.current_thread() is threading.main_thread()  # where handlers can be set
    handlers = {number: signal.signal(number, _ended) for number in _ENDING} if ending else {}
    workers: list = []
    back = _Reports(reader)
    finished = False
    unread: Exception | None = None  # the input failed midway: raised after the chunks before
    try:
        for _ in range(jobs):
            worker = context.Process(target=_serve, daemon=True, args=(
                reviewer, tasks, reports, reader, lock, turn, fd, os.getpid()))
            worker.start()
            workers.append(worker)
        reports.close()
        sent = 0
        pending: object = first
        while True:
            while pending is not None and sent - back.received < 2 * jobs:
                tasks.put(_sendable(sent, *pending))
                sent += 1
                try:
                    pending = next(chunks, None)
                except Exception as error:
                    unread, pending = error, None
            if back.received == sent:
                break
            try:
                ready = wait([reader, *(worker.sentinel for worker in workers)])
                if reader not in ready:
                    dead = next(worker for worker in workers if worker.sentinel in ready)
                    dead.join()  # its sentinel is ready as it exits, its exit code soon after
                    raise RuntimeError(f"a worker process stopped (exit code {dead.exitcode})")
                yield from back.take()
            except Exception:
                yield from back.settled(turn)
                raise
        finished = True
        if unread is not None:
            raise unread
    finally:
        for worker in workers:
            if finished:
                tasks.put(None)
            else:
                worker.terminate()
        for worker in workers:
            worker.join()
        tasks.close()
        reader.close()
        reports.close()
        for number, handler in handlers.items():
            signal.signal(number, handler)
