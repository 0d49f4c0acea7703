"""Write the `mhct allocate --format csv` byte-equality digests (tests/test_allocate_golden.py).

    .venv/bin/python tools/allocate_golden.py

The input (`write_input`, rebuilt by the test, never committed): 20,000 seeded synthetic rows
(`benchmarks/synthetic.py`, seed 7) with an awkward line (`AWKWARD`: quotes, commas and line
breaks in cells, an unclosed quote, short and long rows, unreadable ratings, dates, groups and
clusters, blank and whitespace lines, bytes that are not UTF-8, CRLF, repeated ids) after every
97th row; the small input (under `cli.SMALL_INPUT`, so the CLI allocates it with the
interpreter): its first 30 rows, then every awkward line; the plain input: its first 3,000 rows
with the awkward lines shaped like plain ones (ASCII, no quote, 23 cells) among them, so that
whole chunks are read on the plain path (`stream_cells.Bounds`), and the same with CRLF line
ends. For each run in `RUNS`, ``tests/golden/allocate/NAME.sha256`` holds the exit status and
the SHA-256 of standard error and of standard output, whole and per block of 1,000 lines (to say
where they differ). ``input.sha256`` is the input's digest, so a changed generator is told from a
changed output. The committed digests were written by the code before the cold-start and CSV
speed work of issue 16 (e93c2e5); rerun this only for an intended, documented change of the
output.
"""

from __future__ import annotations

import functools
import hashlib
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

import synthetic  # noqa: E402

GOLDEN = ROOT / "tests" / "golden" / "allocate"
N, SEED, EVERY, BLOCK = 20_000, 7, 97, 1000
# name -> (mhct allocate arguments before the input, records per chunk (None: the default),
# the input's kind)
RUNS = {
    "national": (["--format", "csv"], None, "full"),
    "national-chunks": (["--format", "csv"], 1_009, "full"),
    "rules": (["--format", "csv", "--rules", str(ROOT / "rules")], None, "full"),
    "local-group": (["--format", "csv", "--rules", str(ROOT / "rules" / "local"),
                     "--group", "psychotic"], 4_099, "full"),
    "small": (["--format", "csv"], None, "small"),
    "small-local-group": (["--format", "csv", "--rules", str(ROOT / "rules" / "local"),
                           "--group", "psychotic"], None, "small"),
    "plain": (["--format", "csv"], 500, "plain"),
    "plain-crlf": (["--format", "csv"], 500, "crlf"),
    "plain-local-group": (["--format", "csv", "--rules", str(ROOT / "rules" / "local"),
                           "--group", "psychotic"], 500, "plain"),
}
KINDS = ("full", "small", "plain", "crlf")
SMALL, PLAIN = 30, 3000
_CELLS = "2013-05-01,2,4,3,0,0,3,0,3,3,1,0,0,0,1,1,1,,3"  # date and ratings
_OK = _CELLS + ",,,"  # the cells after the id


def _tail(scale8: str = "", recorded: str = "", group: str = "") -> str:
    return f"{_CELLS},{scale8},{recorded},{group}"


def _row(first: str, rest: str = _OK) -> bytes:
    return f"{first},{rest}\n".encode("utf-8")


AWKWARD: list[bytes] = [
    _row('Q"1'), _row('"q""2"'), _row('"c,3"'), _row('"a\rb"'), _row('=cmd'), _row("  pad  "),
    _row("é✓"), _row("x" * 201), _row(""), b"\xff\xfeid," + _OK.encode() + b"\n",
    b"CRLF-1," + _OK.encode() + b"\r\n", _row("SYN-0000003"), _row("SYN-0000003"),
    b'"unclosed,' + _OK.encode() + b"\n", b'"two\nlines",' + _OK.encode() + b"\n",
    b"short,2013-05-01,1,2,3\n", _row("long", _OK + ",extra"),
    _row("r5", _OK.replace("2,4,3", "5,4,3", 1)), _row("rsp", _OK.replace(",2,4,", ", 2,4,", 1)),
    _row("rx", _OK.replace(",2,4,", ",x,4,", 1)), _row("r30", _OK.replace(",2,4,", ",3.0,4,", 1)),
    _row("rar", _OK.replace(",2,4,", ",\u0663,4,", 1)),
    _row("d30", _OK.replace("2013-05-01", "2014-02-30")),
    _row("dblank", _OK.replace("2013-05-01", "")),
    _row("dold", _OK.replace("2013-05-01", "2010-01-01")),
    _row("dsp", _OK.replace("2013-05-01", " 2013-05-01")),
    _row("d1213", _OK.replace("2013-05-01", "2013-03-31")),
    b",,,,,,,,,,,,,,,,,,,,,,\n", b"\n", b"   \n", b"\t\n",
    _row("gnope", _tail(group="nope")), _row("gpsy", _tail(group="psychotic")),
    _row("gorg", _tail(group=" organic ")), _row("gnp", _tail(group="non_psychotic")),
    _row("c99", _tail(recorded="99")), _row("c0", _tail(recorded="0")),
    _row("c9", _tail(recorded="9")), _row("c12", _tail(recorded=" 12")),
    _row("cx", _tail(recorded="x")), _row("c7", _tail(recorded="7", group="organic")),
    _row("s8A", _tail(scale8="A")), _row("s8z", _tail(scale8="zzz")),
    _row("all9", "2013-05-01," + ",".join(["9"] * 18) + ",,,"),
    _row("none", "2013-05-01," + ",".join([""] * 18) + ",,,"),
    _row("zeros", "2013-05-01," + ",".join(["0"] * 18) + ",,,"),
]


def _plain(line: bytes) -> bool:
    """An awkward line shaped like a plain one: ASCII, no quote, a ``\n`` and 23 cells."""
    return (line.isascii() and b'"' not in line and line.endswith(b"\n")
            and not line.endswith(b"\r\n") and line.count(b",") == 22)


def write_input(path: Path, kind: str = "full") -> None:
    """A golden input (`KINDS`): synthetic rows with `AWKWARD` lines among them."""
    out = io.StringIO()
    synthetic.write(out, N, SEED, "csv")
    lines = [line.encode("utf-8") for line in out.getvalue().splitlines(keepends=True)]
    if kind == "small":
        path.write_bytes(b"".join(lines[:SMALL + 1] + AWKWARD))
        return
    awkward = AWKWARD if kind == "full" else [line for line in AWKWARD if _plain(line)]
    data = [lines[0]]
    for k, line in enumerate(lines[1:] if kind == "full" else lines[1:PLAIN + 1]):
        data.append(line)
        if k % EVERY == EVERY - 1:
            data.append(awkward[(k // EVERY) % len(awkward)])
    text = b"".join(data)
    path.write_bytes(text.replace(b"\n", b"\r\n") if kind == "crlf" else text)


def run(args: list[str], chunk: int | None, path: Path) -> tuple[int, str, str]:
    """(exit code, standard output, standard error) of ``mhct allocate ARGS PATH`` in this
    process, with ``chunk`` records per chunk."""
    import mhct_dsl.compiled.run as compiled_run
    from mhct_dsl.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr, compiled_run.read_chunks
    sys.stdout, sys.stderr = out, err
    if chunk is not None:
        compiled_run.read_chunks = functools.partial(saved[2], size=chunk)
    try:
        code = main(["allocate", *args, str(path)])
    finally:
        sys.stdout, sys.stderr, compiled_run.read_chunks = saved
    return code, out.getvalue(), err.getvalue()


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def digests(code: int, out: str, err: str) -> list[str]:
    """``exit N``, ``stderr SHA``, ``stdout SHA``, then ``lines FROM SHA`` per block."""
    lines = out.splitlines(keepends=True)
    return [f"exit {code}", f"stderr {_sha(err)}", f"stdout {_sha(out)}"] + [
        f"lines {start + 1} {_sha(''.join(lines[start:start + BLOCK]))}"
        for start in range(0, len(lines), BLOCK)]


def main_() -> int:
    import tempfile

    GOLDEN.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        paths = {kind: Path(folder) / f"allocate-golden-{kind}.csv" for kind in KINDS}
        for kind, path in paths.items():
            write_input(path, kind)
        (GOLDEN / "input.sha256").write_text("".join(
            hashlib.sha256(paths[kind].read_bytes()).hexdigest() + "\n" for kind in KINDS))
        for name, (args, chunk, kind) in RUNS.items():
            (GOLDEN / f"{name}.sha256").write_text(
                "\n".join(digests(*run(args, chunk, paths[kind]))) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main_())
