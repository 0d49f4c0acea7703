"""Syntax errors as diagnostics a person can act on, several per run where the parser can go on.

Only a file that failed to parse comes here (with `parser.py`, the one other module that sees
Lark). It is parsed again by pure Lark, whose interactive parser can say exactly which tokens the
block at hand accepts (lark-cython's cannot), with error recovery:

- a token that a `}` would make acceptable means that `}` is missing: reported at the innermost
  `{` still open there (the one to close), naming the token; the `}` is assumed and parsing goes
  on;
- any other unexpected token or character is reported and skipped; further errors on the same
  line are not reported (they are usually echoes of the first);
- at most `MAX_ERRORS` are reported, in line order (each needs a parse; a file over
  `RECOVERY_LIMIT` characters reports only its first error).

Hints list only what the block accepts at that point: a misspelt keyword gets "did you mean".
"""

from __future__ import annotations

import functools
import re

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from . import nodes as n
from .diagnostics import Diagnostic, did_you_mean
from .model import COLUMN_ORDER
from .schema import AMEND, ATTRIBUTE_NAMES, CLUSTER, NODE_NAMES, RULESET, SCALE

MAX_ERRORS = 20
RECOVERY_LIMIT = 200_000  # characters: a larger file is re-parsed once, for its first error


def syntax_errors(text: str, path: str) -> list[Diagnostic]:
    """Every syntax error the parser can find in ``text`` (at least one: ``text`` failed)."""
    found: list[Diagnostic] = []
    closes: set[int] = set()  # offsets of tokens before which a missing `}` is assumed
    seen: set[tuple[int, str]] = set()

    def assume_brace(error: UnexpectedInput) -> bool:
        if isinstance(error, UnexpectedToken) and error.token.start_pos in closes:
            error.interactive_parser.feed_token(_brace(error.token))
            error.interactive_parser.feed_token(error.token)
            return True
        return False

    remaining = text  # the text with each reported fault's statement blanked out
    last_line = 0
    budget = MAX_ERRORS if len(text) <= RECOVERY_LIMIT else 1
    while len(found) < budget:
        try:
            _pure_lark().parse(remaining, on_error=assume_brace)
            break
        except UnexpectedInput as error:
            where = (getattr(error, "pos_in_stream", None) or 0, type(error).__name__)
            if where in seen:
                break
            seen.add(where)
            diagnostic, close = _diagnose(error, remaining, path, closes)
            line = _stopped_at(error, remaining)
            if line > last_line:
                found.append(diagnostic)
                last_line = line
            if close:
                closes.add(error.token.start_pos)
            elif isinstance(error, UnexpectedToken) and error.token.type == "$END":
                break
            else:
                remaining = _blank(remaining, error)
    return _one_per_line(found)


def _stopped_at(error: UnexpectedInput, text: str) -> int:
    """The line where the parser stopped (the end of the file: its last line with text)."""
    if isinstance(error, UnexpectedToken) and error.token.type == "$END":
        return len(text.rstrip().split("\n"))
    return max(error.line, 1)


def _one_per_line(found: list[Diagnostic]) -> list[Diagnostic]:
    """In line order, the first of each line: a missing `}` is placed at its `{`, which can be
    above the errors found before it."""
    by_line: dict[int, Diagnostic] = {}
    for diagnostic in found:
        by_line.setdefault(diagnostic.span.line if diagnostic.span else 0, diagnostic)
    return [by_line[line] for line in sorted(by_line)]


def _blank(text: str, error: UnexpectedInput) -> str:
    """``text`` without the statement at fault, positions kept (it becomes spaces): the error's
    line and, when that line opens a block, the block. An unexpected `}` blames the line before
    (a statement left incomplete), so the `}` itself is kept."""
    position = getattr(error, "pos_in_stream", None) or 0
    if isinstance(error, UnexpectedToken) and error.token.type == "RBRACE":
        end = text.rfind("\n", 0, position)
        previous = text[:end].rstrip()
        start = previous.rfind("\n") + 1
    else:
        start = text.rfind("\n", 0, position) + 1
        end = text.find("\n", position)
        end = len(text) if end < 0 else end
        depth = 0
        for match in _BRACE_OR_SKIPPED.finditer(text, start):
            if match.start() >= end and depth <= 0:
                break
            if match.group() == "{":
                depth += 1
            elif match.group() == "}":
                depth -= 1
                if depth == 0 and match.start() >= end:
                    end = match.end()
                    break
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


@functools.cache
def _pure_lark() -> Lark:
    from .parser import grammar_text

    return Lark(grammar_text(), parser="lalr", keep_all_tokens=True, maybe_placeholders=True)


def _brace(token: Token) -> Token:
    return Token.new_borrow_pos("RBRACE", "}", token)


def _diagnose(error: UnexpectedInput, text: str, path: str, closes: list[int]
              ) -> tuple[Diagnostic, bool]:
    """The diagnostic for one error, and whether a missing `}` is assumed to recover."""
    line, column = max(error.line, 1), max(error.column, 1)
    if isinstance(error, UnexpectedCharacters):
        char = text[error.pos_in_stream] if error.pos_in_stream < len(text) else ""
        span = n.Span(path, line, column, line, column + 1)
        if char == '"':
            return Diagnostic("unterminated-string", "unterminated string", span,
                              'a string ends with `"` on the same line; join long text with '
                              'adjacent strings: "first part " "second part"'), False
        return Diagnostic("unexpected-character", f"unexpected character {char!r}", span,
                          _expected_hint(error.allowed)), False
    assert isinstance(error, UnexpectedToken)
    token = error.token
    if token.type == "$END":
        last = text.rstrip().split("\n")
        span = n.Span(path, len(last), len(last[-1]) + 1, len(last), len(last[-1]) + 2)
        opened = _open_blocks(text, len(text), closes)
        if opened:
            return _missing_brace(path, opened, text, "the end of the file"), False
        return Diagnostic("unexpected-eof", "unexpected end of file", span,
                          _expected_hint(_accepted(error))), False
    span = n.Span(path, line, column, token.end_line or line,
                  token.end_column or column + len(str(token)))
    misspelt = _misspelt_keyword(text, line, column, path)
    if misspelt is not None:
        return misspelt, False
    opened = _open_blocks(text, token.start_pos, closes)
    if opened and _accepts_after_brace(error):
        return _missing_brace(path, opened, text, f"{_describe(token)} at {line}:{column}"), True
    return Diagnostic("unexpected-token", f"unexpected {_describe(token)}", span,
                      _block_hint(text, opened, _accepted(error))), False


def _accepted(error: UnexpectedToken) -> set[str]:
    """The terminals the parser accepts where it stopped (exact, unlike LALR's lookahead set)."""
    try:
        return set(error.interactive_parser.accepts())
    except Exception:  # an interactive parser that cannot tell: fall back on Lark's set
        return set(error.expected)


def _accepts_after_brace(error: UnexpectedToken) -> bool:
    parser = error.interactive_parser.copy()
    try:
        parser.feed_token(_brace(error.token))
        parser.feed_token(error.token)
    except UnexpectedInput:
        return False
    return True


_BRACE_OR_SKIPPED = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"?|#[^\n]*|[{}]')


def _open_blocks(text: str, end: int, closes: list[int]) -> list[int]:
    """Offsets of the `{` still open at ``end`` (innermost last), counting assumed `}`s."""
    stack: list[int] = []
    pending = sorted(closes)
    for match in _BRACE_OR_SKIPPED.finditer(text, 0, end):
        while pending and pending[0] <= match.start():
            pending.pop(0)
            if stack:
                stack.pop()
        if match.group() == "{":
            stack.append(match.start())
        elif match.group() == "}" and stack:
            stack.pop()
    for _ in (p for p in pending if p <= end):
        if stack:
            stack.pop()
    return stack


def _missing_brace(path: str, opened: list[int], text: str, before: str) -> Diagnostic:
    """Placed at the innermost `{` still open (the one to close), naming what came first."""
    brace = opened[-1]
    line = text.count("\n", 0, brace) + 1
    line_start = text.rfind("\n", 0, brace) + 1
    column = brace - line_start + 1
    words = text[line_start:brace].split()
    # the block's keyword: the line's first word (`step_up one {`), else the last before the
    # `{` (a criterion's `"wording" all {`)
    block = next((w for w in (words[:1] + words[-1:]) if not w.startswith('"')), None)
    what = f"`{block}` block" if block else "block"
    return Diagnostic("missing-brace", f"missing `}}`: this `{{` is not closed before {before}",
                      n.Span(path, line, column, line, column + 1),
                      f"add `}}` where the {what} opened here ends")


# ---- wording -------------------------------------------------------------------------------------

_READABLE = {
    "STRING": "a quoted string", "INT": "a number", "NAME": "a name", "LETTER": "a scale letter",
    "DATE": "a date (YYYY-MM-DD)", "UNIT": "a unit (days, weeks, months, years)",
    "COMPARATOR": "a comparison (=, <=, >=, <, >)", "LBRACE": "`{`", "RBRACE": "`}`",
    "COMMA": "`,`", "VBAR": "`|`", "PLUS": "`+`", "$END": "end of file",
}


def _readable(terminal: str) -> str:
    if terminal in _READABLE:
        return _READABLE[terminal]
    for t in _pure_lark().terminals:
        if t.name == terminal and t.pattern.type == "str":
            return f"`{t.pattern.value}`"
    return terminal.lower()


def _expected_hint(expected) -> str | None:
    names = sorted({_readable(t) for t in expected if not t.startswith("__ANON")})
    if not names:
        return None
    if len(names) > 8:
        names = names[:8] + ["..."]
    return "expected " + (names[0] if len(names) == 1 else "one of " + ", ".join(names))


_BLOCKS = {schema.name: schema for schema in (RULESET, SCALE, CLUSTER, AMEND)}


def _block_hint(text: str, opened: list[int], accepted: set[str]) -> str | None:
    """The expected tokens; where a block's entries are expected, only that block's entries."""
    head = text[text.rfind("\n", 0, opened[-1]) + 1:opened[-1]].split() if opened else []
    block = _BLOCKS.get(head[0]) if head else None
    entry_words = {_readable(t).strip("`") for t in accepted} & _ENTRY_WORDS
    if block is None or not entry_words:
        return _expected_hint(accepted)
    entries = set(block.keys()) | {name for kind in block.nodes for name in _node_names(kind)}
    return f"expected `}}` or an entry of a `{block.name}` block: " + \
        ", ".join(f"`{entry}`" for entry in sorted(entries))


def _node_names(kind: type) -> tuple[str, ...]:
    return COLUMN_ORDER if kind is n.Column else (NODE_NAMES[kind],)


SUGGEST_WORDS = 8  # "did you mean" looks at this many words before a syntax error
SUGGEST_LENGTH = 40  # ... each at most this long
_ENTRY_WORDS = frozenset(name for kind in NODE_NAMES for name in _node_names(kind))


def _misspelt_keyword(text: str, line: int, column: int, path: str) -> Diagnostic | None:
    """The commonest syntax error is a misspelt keyword: look at the words before the error."""
    from .parser import keywords

    lines = text.split("\n")  # as Lark counts lines: a form feed or U+2028 is no line break
    full = lines[line - 1] if line <= len(lines) else ""
    word = re.match(r"[a-z0-9_]*", full[column - 1:])
    source_line = full[:(word.end() if word else 0) + column - 1]
    code = re.sub(r'"(\\.|[^"\\])*"?', lambda m: " " * len(m.group()), source_line)
    words = list(re.finditer(r"[a-z][a-z0-9_]*", code.split("#", 1)[0]))
    for match in words[-SUGGEST_WORDS:]:  # bounded: a 2 MB line must not cost minutes
        word_text = match.group()
        if word_text in keywords() or word_text in ATTRIBUTE_NAMES or \
                len(word_text) > SUGGEST_LENGTH:
            continue
        suggestion = did_you_mean(word_text, keywords())
        if suggestion:
            start = match.start() + 1
            span = n.Span(path, line, start, line, start + len(word_text))
            return Diagnostic("unknown-keyword", f"`{word_text}` is not a keyword", span,
                              suggestion)
    return None


def _describe(token: Token) -> str:
    if token.type == "STRING":
        return "string " + (token.value if len(token.value) < 40 else token.value[:37] + '..."')
    if token.type in ("INT", "NAME", "LETTER", "DATE", "UNIT"):
        return f"{_readable(token.type).removeprefix('a ').removeprefix('an ')} `{token.value}`"
    return f"`{token.value}`"
