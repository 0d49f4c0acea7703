"""Find, read, parse and check a rule set: a directory of ``.mhr`` files (or one file).

`load_ruleset()` with no argument loads the bundled national rule set. A local rule set's header
names its base (``extends national`` or ``extends "relative/dir"``), which is loaded first. The
fingerprint is a SHA-256 over the files' relative paths and bytes (and the base's fingerprint), so
a decision receipt pins the exact rules that produced it.

Rule files are data from people who are not programmers, so they never reach outside the
directory tree the user named (a file names its directory): ``extends`` takes ``national`` or a
relative path that stays inside that tree once ``..`` and symbolic links are resolved, and only
``.mhr`` files are ever read, so no byte of another file can appear in a message. A rule file that
is a symbolic link out of the tree is an error, not read. A chain of ``extends`` that comes back
to a rule set already being loaded is reported once, as a cycle.
"""

from __future__ import annotations

import hashlib
import os
import re
from importlib import resources
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING

import attrs

from .diagnostics import Diagnostic, RuleError
from .nodes_common import Span

if TYPE_CHECKING:  # the AST and model load with the rules, not with this module
    from . import nodes as n
    from .model import RuleSet

MAX_FILES = 500
MAX_DEPTH = 8


def bundled_rules_path() -> Path:
    """The national rules shipped with the package (``rules/`` in a source checkout)."""
    packaged = resources.files("mhct_dsl") / "_data" / "rules"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "rules"


_HEADER = re.compile(r"^ruleset\b", re.MULTILINE)


def _declares_ruleset(directory: Path) -> bool:
    return any(has_header(file) for file in directory.glob("*.mhr"))


def nested_rulesets(path: Path) -> list[Path]:
    """Directories below ``path`` that hold a rule set of their own (a file there declares a
    ``ruleset`` header), outermost only: ``rules/2012-13`` inside ``rules``. They are not part of
    the rule set at ``path``."""
    if not path.is_dir():
        return []
    found: list[Path] = []
    for directory in sorted(d for d in path.rglob("*") if d.is_dir()):
        if not any(outer in directory.parents for outer in found) and _declares_ruleset(directory):
            found.append(directory)
    return found


def tree_of(path: Path) -> Path:
    """The directory tree a named rule set may not leave: the directory, or a file's directory."""
    return (path if path.is_dir() else path.parent).resolve()


def rule_files(path: Path, nested: bool = False) -> list[Path]:
    """The ``.mhr`` files of a rule set, in a stable order; with ``nested``, also those of the
    rule sets in its subdirectories (for formatting a whole tree). A link out of the tree is an
    error."""
    if path.is_file():
        if path.suffix != ".mhr":
            raise RuleError([Diagnostic("no-rules", f"{path}: not a .mhr rule file", None)])
        return [path]
    if not path.is_dir():
        raise RuleError([Diagnostic("no-rules", f"{path}: no such file or directory", None)])
    inner = [] if nested else nested_rulesets(path)
    files = sorted(p for p in path.rglob("*.mhr")
                   if p.is_file() and not any(d in p.parents for d in inner))
    tree = tree_of(path)
    outside = [p for p in files if not p.resolve().is_relative_to(tree)]
    if outside:
        raise RuleError([Diagnostic("invalid-path", f"{p}: a link to a file outside {path}; it "
                                    "is not read", None, "copy the file into the rule set")
                         for p in outside])
    if not files:
        raise RuleError([Diagnostic("no-rules", f"{path}: no .mhr rule files here", None)])
    if len(files) > MAX_FILES:
        raise RuleError([Diagnostic("no-rules", f"{path}: more than {MAX_FILES} rule files", None)])
    return files


def display_path(file: Path) -> str:
    """How a file is named in messages: a path a person (or an editor) can open from the working
    directory, relative to it when the file is below it, else absolute. (Exports and traces use
    the path within the rule set instead, the same on every machine.)"""
    resolved = file.resolve()
    try:
        return str(resolved.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(resolved)


@attrs.frozen
class SourceFile:
    """A rule file's text, its path within the rule set (fingerprinted) and its display name."""

    within: str
    display: str
    text: str


def read_sources(path: Path) -> list[SourceFile]:
    """Every rule file under ``path``, in `rule_files` order."""
    base = path if path.is_dir() else path.parent
    sources, problems = [], []
    for file in rule_files(path):
        display = display_path(file)
        try:
            data = file.read_bytes()
        except OSError as error:
            raise RuleError([Diagnostic("unreadable", f"{file}: cannot read: {error.strerror}",
                                        None)]) from None
        text, problem = decode(data, display)
        if problem is not None:
            problems.append(problem)
        sources.append(SourceFile(file.relative_to(base).as_posix(), display, text))
    if problems:
        raise RuleError(problems, {source.display: source.text for source in sources})
    return sources


def decode(data: bytes, display: str) -> tuple[str, Diagnostic | None]:
    """A rule file's text (UTF-8, a leading byte-order mark dropped) and, if it is not UTF-8,
    a diagnostic at the line and column of the first bad byte (the text then shows it as U+FFFD)."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff"), None
    except UnicodeDecodeError as error:
        text = data.decode("utf-8", "replace").removeprefix("\ufeff")
        before = data[:error.start].decode("utf-8", "replace").removeprefix("\ufeff")
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        span = Span(display, line, column, line, column + 1)
        return text, Diagnostic("invalid-encoding", f"byte 0x{data[error.start]:02x} is not "
                                "UTF-8 text", span, "save the file as UTF-8")


def parse_sources(sources: dict[str, str], origin: str = "") -> list[n.RuleFile]:
    """Parse every file, collecting the syntax errors of all of them before failing; spans carry
    ``origin`` (`origin`)."""
    from .parser import parse_text  # the parser (Lark) is loaded only when something is parsed

    parsed, diagnostics = [], []
    for name, text in sources.items():
        try:
            parsed.append(parse_text(text, name, origin))
        except RuleError as error:
            diagnostics.extend(error.diagnostics)
    if diagnostics:
        raise RuleError(diagnostics, sources)
    return parsed


def fingerprint(sources: list[SourceFile], base: RuleSet | None) -> str:
    """SHA-256 over each file's path within the rule set and its text, and the base's print."""
    digest = hashlib.sha256()
    if base is not None:
        digest.update(base.fingerprint.encode())
    for source in sorted(sources, key=lambda source: source.within):
        digest.update(source.within.encode() + b"\0" + source.text.encode("utf-8") + b"\0")
    return "sha256:" + digest.hexdigest()


def origin(sources: list[SourceFile]) -> str:
    """What a rule set's spans carry as `Span.origin`: the digest of its own files (for a set
    without a base, its fingerprint)."""
    return fingerprint(sources, None)


def load_ruleset(path: str | Path | None = None) -> RuleSet:
    """Load and check a rule set; raise `RuleError` carrying every diagnostic if it is faulty.

    Spans name files by their path within the rule set (``clusters/cluster-07.mhr``), so traces
    and exports do not depend on the working directory; diagnostics show the display path. A rule
    set comes from the checked-rules cache when it holds it (`rulecache`)."""
    from .rulecache import cached

    root = Path(path) if path is not None else bundled_rules_path()
    read, around = _cache_sources(root)
    return cached(read, lambda: _load(root, tree_of(root), (), read), around)


def _cache_sources(root: Path) -> tuple[list[SourceFile], list[SourceFile]]:
    """The rule set's files and, for a set other than the national one, the national files (a
    local set's cache key covers the rules it may extend)."""
    national = bundled_rules_path()
    read = read_sources(root)
    return read, read_sources(national) if root.resolve() != national.resolve() else []


def cached_ruleset(path: Path) -> RuleSet | None:
    """The checked rule set at ``path`` if the checked-rules cache holds it (nothing parsed)."""
    from .rulecache import peek

    try:
        return peek(*_cache_sources(path))
    except RuleError:
        return None


def _load(root: Path, tree: Path, chain: tuple[Path, ...], read: list[SourceFile] | None = None,
          above: frozenset[str] = frozenset(), extends: str = "") -> RuleSet:
    """The rule set at ``root``; as a base, ``extends`` is how the set above names it and
    ``above`` the paths of the files of the sets above (`span_path`)."""
    from .checker import check

    read = read if read is not None else read_sources(root)
    named = {source.within: span_path(source.within, extends, above) for source in read}
    sources = {named[source.within]: source.text for source in read}
    try:
        files = parse_sources(sources, origin(read))
        base = _load_base(files, root, sources, tree, (*chain, root.resolve()),
                          above.union(named))
        return check(files, fingerprint(read, base), base, sources)
    except RuleError as error:
        if root.is_file() and any(d.code == "missing-ruleset" for d in error.diagnostics):
            error = RuleError([_part_of_a_set(d, root) for d in error.diagnostics],
                              error.sources)
        raise _displayed(error, {named[source.within]: source.display for source in read}
                         ) from None


def span_path(within: str, extends: str, above: frozenset[str]) -> str:
    """How spans, and so traces, exports and diffs, name a rule file: by its path within its set;
    a base's file whose path is also a path in a set that extends it is named ``EXTENDS:PATH``
    after the set above's ``extends`` (``national:ruleset.mhr``), so the two cannot be mistaken
    for each other."""
    return f"{extends}:{within}" if within in above else within


def _displayed(error: RuleError, shown: dict[str, str]) -> RuleError:
    """``error`` with this rule set's file names as a person finds them from the working
    directory (a base's diagnostics are already shown so)."""
    diagnostics = [
        attrs.evolve(d, span=d.span._replace(path=shown[d.span.path]))
        if d.span is not None and d.span.path in shown else d
        for d in error.diagnostics]
    sources = {shown.get(name, name): text for name, text in error.sources.items()}
    return RuleError(diagnostics, sources)


def _part_of_a_set(diagnostic: Diagnostic, file: Path) -> Diagnostic:
    """A lone file of a rule set has no header: point at the directory that has one."""
    if diagnostic.code != "missing-ruleset":
        return diagnostic
    for directory in list(file.resolve().parents)[:3]:
        if any(has_header(candidate) for candidate in sorted(directory.glob("*.mhr"))):
            shown = os.path.relpath(directory)
            return attrs.evolve(diagnostic, message=f"{file} is one file of a rule set, which has "
                                "no `ruleset` header of its own", span=None,
                                hint=f"check the whole rule set: mhct check {shown}")
    return diagnostic


def has_header(file: Path) -> bool:
    """Whether ``file`` declares a ``ruleset`` header (read as text; unreadable counts as no)."""
    try:
        return _HEADER.search(file.read_text(encoding="utf-8")) is not None
    except (OSError, UnicodeDecodeError):
        return False


def source_files(ruleset: RuleSet, path: str | Path | None = None) -> dict[tuple[str, str],
                                                                           SourceFile]:
    """The files of the rule set loaded from ``path`` (default: the bundled rules) and of its
    bases, by the (`Span.origin`, `Span.path`) of their spans: where a span lies on disk, and its
    text for the caret. The files are read again; one changed since ``ruleset`` was loaded is
    left out (its digest no longer matches), as is a base that can no longer be read."""
    found: dict[tuple[str, str], SourceFile] = {}
    root: Path | None = Path(path) if path is not None else bundled_rules_path()
    level: RuleSet | None = ruleset
    above, extends = frozenset[str](), ""
    while level is not None and root is not None:
        try:
            read = read_sources(root)
        except RuleError:
            break
        found.update({(origin(read), span_path(source.within, extends, above)): source
                      for source in read})
        above = above.union(source.within for source in read)
        extends = level.extends or ""
        root = _base_target(level.extends, root) if level.extends is not None else None
        level = level.base
    return found


def _base_target(extends: str, root: Path) -> Path:
    """The path ``extends`` names, from the rule set at ``root`` (not yet validated)."""
    if extends == "national":
        return bundled_rules_path()
    return (root if root.is_dir() else root.parent) / extends


def _base_path(header: n.RuleSetDecl, root: Path, tree: Path, sources) -> Path:
    """Where ``extends`` points: the bundled rules, or a rule set inside ``tree``."""
    target = _base_target(header.extends, root)
    if header.extends == "national":
        return target
    written = header.extends
    problem = None
    if PurePosixPath(written).is_absolute() or PureWindowsPath(written).anchor:
        problem = "is an absolute path"
    elif not target.resolve().is_relative_to(tree):
        problem = "leaves the directory tree of the rule set named"
    elif target.is_file() and target.suffix != ".mhr":
        problem = "is not a .mhr rule file"
    if problem is not None:
        raise RuleError([Diagnostic(
            "invalid-base", f"`extends \"{written}\"` {problem}", header.span,
            f"extend `national`, or a rule set directory or .mhr file inside {tree.name}/ "
            "(copy the base there)")], sources)
    return target


def _load_base(files: list[n.RuleFile], root: Path, sources, tree: Path,
               chain: tuple[Path, ...], above: frozenset[str]) -> RuleSet | None:
    from . import nodes as n

    header = next((d for f in files for d in f.declarations if isinstance(d, n.RuleSetDecl)), None)
    if header is None or header.extends is None:
        return None
    if len(chain) > MAX_DEPTH:
        raise RuleError([Diagnostic("invalid-base", "rule sets extend each other too deeply "
                                    f"(more than {MAX_DEPTH} levels)", header.span)], sources)
    target = _base_path(header, root, tree, sources)
    if target.resolve() in chain:
        cycle = " -> ".join(p.name for p in (*chain, target.resolve()))
        raise RuleError([Diagnostic("extends-cycle", f"`extends` makes a cycle: {cycle}",
                                    header.span, "a rule set cannot be its own base")], sources)
    try:
        return _load(target, tree if header.extends != "national" else tree_of(target), chain,
                     above=above, extends=header.extends)
    except RuleError as error:
        if any(d.code == "extends-cycle" for d in error.diagnostics):
            raise
        lead = Diagnostic("invalid-base", f"the base rule set `{header.extends}` cannot be "
                          "loaded", header.span, f"it resolves to {target}")
        raise RuleError([lead, *error.diagnostics], {**sources, **error.sources}) from None
