"""`mhct lint` output: text for a person (diagnostics with witnesses, a coverage table) and JSON
in the stable shape documented in docs/lint.md."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

from ..diagnostics import Diagnostic
from ..formatter import format_int_list
from ..model import SCALE_IDS
from . import Report
from .checks import Finding
from .coverage import Coverage, Share
from .solver import Witness
from .space import TOTAL

SHARES = ("none", "one", "several", "ties")
READING_NAMES = {"max": "max(7,8)", "either": "7|8 (either)"}
FORMAT_VERSION = 1


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


def render_text(report: Report, sources: dict[str, str]) -> str:
    """Open findings as located warnings, then the coverage table and a summary line."""
    lines = []
    for finding in report.open:
        hint = _accept_hint(finding)
        diagnostic = Diagnostic(finding.code, f"{finding.message} [{finding.code}]",
                                finding.span, None, severity="warning")
        lines.append(diagnostic.render(sources))
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


def _finding_json(finding: Finding) -> dict:
    span = finding.span
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


def to_json(report: Report) -> dict:
    """The report in the documented JSON shape (docs/lint.md)."""
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
        "findings": [_finding_json(f) for f in report.findings],
        "undecided": list(report.undecided),
        "summary": {"open": len(report.open),
                    "accepted": len(report.findings) - len(report.open),
                    "undecided": len(report.undecided)},
    }


def render_json(report: Report) -> str:
    return json.dumps(to_json(report), indent=2, ensure_ascii=False) + "\n"


def source_texts(report: Report) -> dict[str, str]:
    """The text of each rule file a finding points at, where it can be read (for the caret)."""
    texts = {}
    for finding in report.open:
        path = finding.span.path if finding.span else None
        if path and path not in texts:
            try:
                texts[path] = Path(path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
    return texts
