"""`mhct lint` output: text for a person (diagnostics with witnesses, a coverage table) and JSON
in the stable shape documented in docs/lint.md.

A finding names its file as `mhct check` does (`loader.display_path`), found through
`loader.source_files` by the span's rule set and path: a local set's finding may lie in a file of
its base."""

from __future__ import annotations

import json
from fractions import Fraction

from ..diagnostics import Diagnostic
from ..formatter import format_int_list
from ..loader import SourceFile
from ..model import SCALE_IDS
from ..nodes import Span
from . import Report
from .checks import Finding
from .coverage import Coverage, Share
from .solver import Witness
from .space import TOTAL

SHARES = ("none", "one", "several", "ties")
READING_NAMES = {"max": "max(7,8)", "either": "7|8 (either)"}
FORMAT_VERSION = 1
Files = dict[tuple[str, str], SourceFile]


def _place(span: Span | None, files: Files) -> tuple[Span | None, dict[str, str]]:
    """``span`` naming its file for a person, and that file's text by that name; ``span``
    unchanged (its path within the rule set) and no text when ``files`` does not hold its file."""
    source = files.get((span.origin, span.path)) if span is not None else None
    if source is None:
        return span, {}
    return span._replace(path=source.display), {source.display: source.text}


def _ratings(ratings: dict[str, int]) -> str:
    return " ".join(f"{s}={ratings[s]}" for s in SCALE_IDS)


def _witness_text(witness: Witness) -> str:
    text = f"witness: {_ratings(witness.ratings)}"
    if witness.atoms:
        text += "; " + ", ".join(f"{k}: {'yes' if v else 'no'}" for k, v in witness.atoms.items())
    return text


def _accept_hint(finding: Finding) -> str | None:
    if finding.code == "unused_accept":
        return "remove the entry, or correct its code or clusters"
    others = f" {format_int_list(finding.others)}" if finding.others else ""
    return (f"if intended, say why in cluster {finding.cluster}: "
            f"accept {finding.code}{others} \"reason\"")


def share_text(share: Share) -> str:
    """A share as the text report prints it: the exact fraction and a percentage."""
    return f"{share.fraction} ({float(share.fraction) * 100:.4g}%)"


def render_text(report: Report, files: Files) -> str:
    """Open findings as located warnings (with the source line and a caret where ``files``, from
    `loader.source_files`, holds the file), then the coverage table and a summary line."""
    lines = []
    for finding in report.open:
        hint = _accept_hint(finding)
        span, text = _place(finding.span, files)
        diagnostic = Diagnostic(finding.code, f"{finding.message} [{finding.code}]",
                                span, None, severity="warning")
        lines.append(diagnostic.render(text))
        if finding.witness is not None:
            lines.append(_witness_text(finding.witness))
        lines.append(f"hint: {hint}")
    if report.undecided:
        lines.append(f"note: {len(report.undecided)} question(s) left undecided within the search "
                     "budget, never reported as warnings (listed by --format json)")
    readings = " and ".join(READING_NAMES[r] for r in report.readings) or "none"
    lines.append(f"coverage of the {TOTAL:,} complete profiles (ratings 0-4, no 9s; "
                 f"pair rows: {readings}):")
    for name, cov in report.coverage.items():
        label = "all clusters" if name == "all" else f"group {name}"
        cells = [f"{share_name} {share_text(share)}"
                 for share_name in SHARES
                 if (share := getattr(cov, share_name)) is not None]
        lines.append(f"  {label}: " + ", ".join(cells))
    accepted = len(report.findings) - len(report.open)
    lines.append(f"{report.ruleset.name} {report.ruleset.version}: {len(report.open)} "
                 f"warning(s), {accepted} accepted, {len(report.undecided)} undecided")
    return "\n".join(lines) + "\n"


def _fraction(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def share_figures(share: Share) -> dict:
    """A share's count (out of the 5^18 profiles), exact fraction ``"p/q"`` and decimal."""
    return {"count": share.count, "fraction": _fraction(share.fraction),
            "decimal": float(share.fraction)}


def _share_json(share: Share | None):
    if share is None:
        return None
    return {**share_figures(share), "witness": share.witness}


def _coverage_json(cov: Coverage) -> dict:
    return {"clusters": list(cov.clusters),
            **{name: _share_json(getattr(cov, name)) for name in SHARES}}


def _finding_json(finding: Finding, files: Files) -> dict:
    span, _ = _place(finding.span, files)
    witness = None
    if finding.witness is not None:
        witness = {"ratings": finding.witness.ratings, "atoms": finding.witness.atoms}
    return {
        "code": finding.code, "message": finding.message,
        "path": span.path if span else None, "line": span.line if span else None,
        "column": span.column if span else None,
        "cluster": finding.cluster, "others": list(finding.others),
        "witness": witness, "accepted": finding.accepted,
    }


def to_json(report: Report, files: Files) -> dict:
    """The report in the documented JSON shape (docs/lint.md); paths as `render_text` gives them."""
    return {
        "format": FORMAT_VERSION,
        "ruleset": report.ruleset.receipt(),
        "profiles": TOTAL,
        "pair_readings": list(report.readings),
        "coverage": {
            "all": _coverage_json(report.coverage["all"]),
            "groups": {name: _coverage_json(cov) for name, cov in report.coverage.items()
                       if name != "all"},
        },
        "findings": [_finding_json(f, files) for f in report.findings],
        "undecided": list(report.undecided),
        "summary": {"open": len(report.open),
                    "accepted": len(report.findings) - len(report.open),
                    "undecided": len(report.undecided)},
    }


def render_json(report: Report, files: Files) -> str:
    return json.dumps(to_json(report, files), indent=2, ensure_ascii=False) + "\n"
