"""`mhct review` writes the same bytes as before the compiled review tables and the direct
writer: SHA-256 digests of every output line (JSON-lines) or of the whole output (CSV,
``--explain``) over 608 seeded records (`tools/review_golden.py`: synthetic, richer histories with
facts and events, the examples), written by the code before those changes. The expected values are
those committed digests, never computed by the code under test."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import review_golden  # noqa: E402


@pytest.mark.parametrize("name", sorted(review_golden.RUNS))
def test_review_output_is_byte_identical_to_the_recorded_digests(name):
    args, per_line = review_golden.RUNS[name]
    code, text = review_golden.run(args)
    expected = (review_golden.GOLDEN / f"{name}.sha256").read_text().splitlines()
    actual = f"exit {code}\n{review_golden.digests(text, per_line)}".splitlines()
    assert len(actual) == len(expected)
    differing = [i for i, (a, e) in enumerate(zip(actual, expected)) if a != e]
    lines = text.splitlines()
    assert not differing, f"{len(differing)} lines differ; the first: " + (
        lines[differing[0] - 1][:300] if per_line and differing[0] else "(exit code or whole output)")
