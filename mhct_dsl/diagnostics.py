"""Located, actionable messages about rule files, and the one exception type that carries them.

A diagnostic prints as ``path:line:col: error: message``, then the source line with a caret under
the offending span, then an optional ``hint:`` line. Every problem found in rule files reaches the
user this way; `RuleError` is the only exception the parser, checker and loader raise for bad input.

Lines are counted at ``\n`` only, as the parser counts them (a form feed or U+2028 is not a line
break), and columns in characters. The source line is shown with tabs expanded to 4-column stops
and control characters escaped (``\x0c``), and the caret is placed by the same expansion; a long
line is shown as a window around the caret.
"""

from __future__ import annotations

import difflib
import re

import attrs

from .nodes_common import Span


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
        lines = [escape_controls(
            f"{span.path}:{span.line}:{span.column}: {self.severity}: {self.message}")]
        text = sources.get(span.path)
        if text is not None:
            source_lines = text.split("\n")
            if 0 < span.line <= len(source_lines):
                line = source_lines[span.line - 1].removesuffix("\r")
                end = span.end_column - 1 if span.end_line == span.line else len(line)
                lines.extend(_source_and_caret(line, span.column - 1, end))
        if self.hint:
            lines.append(escape_controls(f"hint: {self.hint}"))
        return "\n".join(lines)


WINDOW = 160
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")


def escape_controls(text: str) -> str:
    """Control characters (terminal escapes, bidi overrides, line separators, tabs; not ``\\n``)
    as visible escapes, so that text from a file or record cannot drive the terminal."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _source_and_caret(line: str, start: int, end: int) -> list[str]:
    """The source line as shown (a window of it if long) and the caret line under ``start..end``
    (character offsets)."""
    start = min(max(start, 0), len(line))
    low = max(0, start - WINDOW // 3)
    high = min(len(line), low + WINDOW)
    end = min(max(end, start + 1), high + 1)
    width, shown, columns = 0, [], []
    for char in line[low:high]:
        columns.append(width)
        piece = " " * (4 - width % 4) if char == "\t" else escape_controls(char)
        shown.append(piece)
        width += len(piece)
    columns.append(width)
    before = "..." if low else ""
    after = "..." if high < len(line) else ""
    first = columns[start - low]
    last = columns[end - low] if end <= high else width + 1
    return [f"    {before}{''.join(shown)}{after}",
            "    " + " " * (len(before) + first) + "^" * max(1, last - first)]


class RuleError(Exception):
    """Rule files that cannot be used: carries every diagnostic found and the texts they point
    at."""

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
