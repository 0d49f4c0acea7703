"""``mhct diff``: what changed between two rule sets in clinical terms, and for whom.

`diff_rulesets` compares two checked rule sets item by item (`items`, `compare`); `load_side`
reads a side from a directory, a file or a git revision; `replay` runs records through both;
`coverage` compares `mhct lint`'s coverage of the two; `output` writes JSON (docs/diff.md), text or
HTML.
"""

from __future__ import annotations

import sys
from typing import IO

from .compare import Change, diff_rulesets
from .coverage import coverage_changes
from .output import to_html, to_json, to_text
from .replay import replay, replay_text
from .sides import load_side

__all__ = ["Change", "diff_rulesets", "load_side", "replay", "run_diff"]


def run_diff(old_spec: str, new_spec: str, fmt: str = "text", records: str | None = None,
             exit_code: bool = False, out: IO[str] | None = None) -> int:
    """The ``mhct diff`` command: write the diff of two rule sets to ``out``."""
    import json

    out = out if out is not None else sys.stdout
    old, new = load_side(old_spec), load_side(new_spec)
    changes = diff_rulesets(old.ruleset, new.ruleset)
    coverage = coverage_changes(old.ruleset, new.ruleset)
    replayed = None if records is None else replay(old.ruleset, new.ruleset, records, changes)
    sides = (old.label, old.ruleset), (new.label, new.ruleset)
    if fmt == "json":
        out.write(json.dumps(to_json(*sides, changes, coverage, replayed), ensure_ascii=False,
                             indent=2) + "\n")
    elif fmt == "html":
        out.write(to_html(*sides, changes, coverage, replayed))
    else:
        out.write(to_text(*sides, changes, coverage, colour=out.isatty()))
        if replayed is not None:
            out.write(replay_text(replayed))
    return 1 if exit_code and changes else 0
