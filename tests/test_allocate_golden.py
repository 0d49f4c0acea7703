"""`mhct allocate --format csv` writes the same bytes as before the cold-start and CSV speed work:
SHA-256 digests of standard output (whole and per block of 1,000 lines) and standard error over
20,000 seeded synthetic rows with awkward lines among them (`tools/allocate_golden.py`), under
the national editions, `--rules rules`, and a local rule set with `--group`, in one chunk and in
small ones, a file small enough that the CLI allocates it with the interpreter, and files whose
chunks are read on the plain path (LF and CRLF). The expected values are the committed digests, written by the code before those
changes (e93c2e5), never computed by the code under test."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

from mhct_dsl.cli import SMALL_INPUT

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import allocate_golden  # noqa: E402


@pytest.fixture(scope="module")
def golden_inputs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("allocate")
    expected = (allocate_golden.GOLDEN / "input.sha256").read_text().split()
    paths = {}
    for kind, digest in zip(allocate_golden.KINDS, expected, strict=True):
        paths[kind] = folder / f"allocate-golden-{kind}.csv"
        allocate_golden.write_input(paths[kind], kind)
        assert hashlib.sha256(paths[kind].read_bytes()).hexdigest() == digest, \
            "the golden input changed (benchmarks/synthetic.py or AWKWARD), not the output"
    assert paths["small"].stat().st_size < SMALL_INPUT <= paths["plain"].stat().st_size
    return paths


@pytest.mark.parametrize("name", sorted(allocate_golden.RUNS))
def test_allocate_csv_is_byte_identical_to_the_recorded_digests(name, golden_inputs):
    args, chunk, kind = allocate_golden.RUNS[name]
    code, out, err = allocate_golden.run(args, chunk, golden_inputs[kind])
    expected = (allocate_golden.GOLDEN / f"{name}.sha256").read_text().splitlines()
    actual = allocate_golden.digests(code, out, err)
    differing = [(a, e) for a, e in zip(actual, expected) if a != e]
    assert len(actual) == len(expected) and not differing, \
        f"{len(differing)} digests differ; the first: {differing[:1]}\nstderr: {err[:500]}"
