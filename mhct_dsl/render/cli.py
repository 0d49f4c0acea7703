"""``mhct render``: pages into a directory, optionally the whole booklet as one PDF."""

from __future__ import annotations

from pathlib import Path

from .. import model as m
from . import write_pages
from .pdf import PdfError, find_chromium, print_pdf


def run_render(ruleset: m.RuleSet, out: str, pdf: str | None, stdout, stderr) -> int:
    if pdf is not None:
        try:
            find_chromium()  # fail before writing anything
        except PdfError as error:
            print(f"mhct render: {error}", file=stderr)
            return 2
    written = write_pages(ruleset, Path(out))
    print(f"{out}: {len(written)} pages — {ruleset.name} {ruleset.version}, "
          f"{ruleset.fingerprint[:19]}", file=stdout)
    if pdf is not None:
        try:
            print_pdf(Path(out) / "booklet.html", Path(pdf))
        except PdfError as error:
            print(f"mhct render: {error}", file=stderr)
            return 2
        print(f"{pdf}: the whole booklet as PDF", file=stdout)
    return 0
