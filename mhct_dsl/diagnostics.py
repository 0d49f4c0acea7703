"""Located, actionable messages about rule files, and the one exception type that carries them.

A diagnostic prints as ``path:line:col: error: message``, then the source line with a caret under
the offending span, then an optional ``hint:`` line. Every problem found in rule files reaches the
user this way; `RuleError` is the only exception the parser, checker and loader raise for bad input.
"""

from __future__ import annotations

import difflib

import attrs

from .nodes import Span


@attrs.frozen
class Diagnostic:
    """One problem: ``code`` names its kind (stable, for tests and tools), ``span`` its place."""

    code: str
    message: str
    span: Span | None
    hint: str | None = None
    severity: str = "error"

    def render(self, sources: dict[str, str]) -> str:
        """The diagnostic as text, with the source line and a caret when the text is known."""
        if self.span is None:
            return f"error: {self.message}" + (f"\nhint: {self.hint}" if self.hint else "")
        span = self.span
        lines = [f"{span.path}:{span.line}:{span.column}: {self.severity}: {self.message}"]
        text = sources.get(span.path)
        if text is not None:
            source_lines = text.splitlines()
            if 0 < span.line <= len(source_lines):
                line = source_lines[span.line - 1].expandtabs(4)
                end = span.end_column if span.end_line == span.line else len(line) + 1
                width = max(1, min(end, len(line) + 1) - span.column)
                lines.append(f"    {line}")
                lines.append("    " + " " * (span.column - 1) + "^" * width)
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)


class RuleError(Exception):
    """Rule files that cannot be used: carries every diagnostic found and the texts they point at."""

    def __init__(self, diagnostics: list[Diagnostic], sources: dict[str, str] | None = None):
        self.diagnostics = list(diagnostics)
        self.sources = dict(sources or {})
        super().__init__(self.render())

    def render(self) -> str:
        return "\n".join(d.render(self.sources) for d in self.diagnostics)


def in_line_order(diagnostics: list[Diagnostic], paths: list[str]) -> list[Diagnostic]:
    """Diagnostics file by file (in ``paths`` order), then by line and column; those without a
    place (about the rule set as a whole) first. Stable: one place keeps the order found."""
    order = {path: index for index, path in enumerate(paths)}

    def key(diagnostic: Diagnostic) -> tuple[int, int, int]:
        span = diagnostic.span
        if span is None:
            return (-1, 0, 0)
        return (order.get(span.path, len(order)), span.line, span.column)

    return sorted(diagnostics, key=key)


def did_you_mean(word: str, choices) -> str | None:
    """A hint naming the closest of ``choices`` to ``word``, or None when nothing is close."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None


def one_of(choices) -> str:
    """``expected one of `a`, `b`, `c``` for a hint."""
    return "expected one of " + ", ".join(f"`{c}`" for c in choices)
