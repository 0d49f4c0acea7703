"""The ``mhct`` command: check, fmt, allocate, review, audit, sql, export, render, diff, lint
and test.

This module is the edge: every failure becomes a message and an exit status here, never a Python
traceback (set ``MHCT_DEBUG=1`` to see one for a bug report). Exit status: 0 success, 1 rule-file
errors, failed records, unformatted files or failing rule tests, 2 usage or I/O errors, 70 an
internal error.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from pathlib import Path

from .diagnostics import RuleError
from .loader import bundled_rules_path, load_ruleset, nested_rulesets, rule_files, source_files


def _check(args) -> int:
    given = args.rules or [str(bundled_rules_path())]
    paths = [str(p) for path in given for p in (Path(path), *nested_rulesets(Path(path)))]
    failed = False
    for path in paths:
        try:
            ruleset = load_ruleset(path)
        except RuleError as error:
            print(error.render(), file=sys.stderr)
            count = len(error.diagnostics)
            print(f"{path}: {count} error{'s' if count != 1 else ''}", file=sys.stderr)
            failed = True
            continue
        print(f"{path}: ok — {ruleset.name} {ruleset.version}, {_cluster_count(ruleset)}, "
              f"{len(ruleset.scales)} scales, {ruleset.fingerprint[:19]}")
    return 1 if failed else 0


def _cluster_count(ruleset) -> str:
    """``20 care clusters plus variance (0) and blank (9)``: the booklet's numbering, honestly."""
    care = [c for c in ruleset.clusters.values() if c.kind == "standard"]
    special = [f"{c.kind} ({c.number})" for c in ruleset.clusters.values() if c.kind != "standard"]
    return f"{len(care)} care clusters" + (f" plus {' and '.join(special)}" if special else "")


def _readable_input(path: str) -> str:
    """The INPUT argument, opened once here so that a missing file is a usage error (exit 2)."""
    if path != "-":
        try:
            with open(path, "rb"):
                pass
        except OSError as error:
            raise OSError(f"cannot read input {path}: {error.strerror or error}") from None
    return path


def _fmt(args) -> int:
    paths = args.files or [str(bundled_rules_path())]
    unformatted, errors, count = [], 0, 0
    for path in paths:
        try:
            files = rule_files(Path(path), nested=True)
        except RuleError as error:  # say so, and go on with the other paths
            print(error.render(), file=sys.stderr)
            errors += 1
            continue
        for file in files:
            count += 1
            try:
                if _fmt_file(file, args.check):
                    unformatted.append(file)
            except RuleError as error:
                print(error.render(), file=sys.stderr)
                errors += 1
            except OSError as error:
                print(f"mhct: {file}: {error.strerror or error}", file=sys.stderr)
                errors += 1
    verb = "would reformat" if args.check else "reformatted"
    for file in unformatted:
        print(f"{verb} {file}", file=sys.stderr)
    print(f"{count} file(s): {len(unformatted)} {verb}, {errors} with errors", file=sys.stderr)
    return 1 if errors or (args.check and unformatted) else 0


def _fmt_file(file: Path, check: bool) -> bool:
    """Whether ``file`` is not in canonical form; rewritten atomically unless ``check``."""
    from .formatter import format_file
    from .loader import decode
    from .parser import parse_text
    from .safefile import write_atomically

    data = file.read_bytes()
    text, problem = decode(data, str(file))
    if problem is not None:
        raise RuleError([problem], {str(file): text})
    canonical = format_file(parse_text(text, str(file)))
    if canonical.encode("utf-8") == data:
        return False
    if not check:
        write_atomically(file, canonical)
    return True


class _UsageError(Exception):
    """A bad argument argparse cannot judge (it takes the rules or the file system): reported as
    argparse reports one (the command's usage and ``mhct CMD: error: argument ...``, exit 2)."""


def _named_rules(args, argument: str = "--rules") -> str | None:
    """The rule set named on the command line (None: the bundled one); naming nothing that
    exists is a usage error. (A rule set with errors is not: its diagnostics exit 1.)"""
    if args.rules is not None and not Path(args.rules).exists():
        raise _UsageError(f"argument {argument}: {args.rules}: no such file or directory")
    return args.rules


def _rules(args):
    """``--rules`` loaded, or the national editions: each record gets the one in force."""
    if args.rules is not None:
        return load_ruleset(_named_rules(args)), None
    from .editions import Editions

    editions = Editions()
    return editions.latest(), editions


def _allocate(args) -> int:
    from .allocation import group_clusters
    from .batch import run_allocate
    from .records import RecordError

    ruleset, editions = _rules(args)
    if args.group is not None:
        try:
            group_clusters(ruleset, args.group)
        except RecordError as error:
            raise _UsageError(f"argument --group: {error.message}") from None
    return run_allocate(ruleset, _readable_input(args.input), args.format or "json", sys.stdout,
                        sys.stderr, group=args.group, explain=args.explain, width=_width(),
                        choose=editions and editions.for_allocation,
                        compiled=not _small(args.input))


SMALL_INPUT = 8 * 1024
"""Bytes: a CSV input file smaller than this (about a hundred rows) is allocated by the
interpreter, which writes the same CSV sooner than the compiled path starts (NumPy, tables)."""


def _small(path: str) -> bool:
    try:
        return path != "-" and os.path.getsize(path) < SMALL_INPUT
    except OSError:
        return False


def _review(args) -> int:
    from .batch import run_review

    ruleset, editions = _rules(args)
    return run_review(ruleset, _readable_input(args.input), args.format or "json", sys.stdout,
                      sys.stderr, as_of=args.as_of, explain=args.explain, width=_width(),
                      choose=editions and editions.for_review, jobs=args.jobs)


def _date(text: str):
    """An argument that must be a date YYYY-MM-DD."""
    from .dates import parse_date

    try:
        return parse_date(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


_TABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}")


def _table(text: str) -> str:
    """An argument that must be an SQL table name, written into the query as it is."""
    if not _TABLE.fullmatch(text):
        raise argparse.ArgumentTypeError(f"not a table name: {text!r} (letters, digits and _, "
                                         "not starting with a digit; qualified as schema.table)")
    return text


def _directory(text: str) -> str:
    """An argument naming a directory to write into (made if missing)."""
    if Path(text).exists() and not Path(text).is_dir():
        raise argparse.ArgumentTypeError(f"{text} exists and is not a directory")
    return text


def _positive(text: str) -> int:
    """An argument that must be a whole number of at least 1."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return int(text)


def _width() -> int:
    """The terminal's width for ``--explain`` (``COLUMNS`` if set; 80 when not a terminal)."""
    return shutil.get_terminal_size((80, 24)).columns


def _audit(args) -> int:
    from .audit import run_audit

    ruleset, editions = _rules(args)
    return run_audit(ruleset, _readable_input(args.input), args.format, args.engine, sys.stdout,
                     sys.stderr, editions)


def _sql(args) -> int:
    from .compiled.run import compiled_for
    from .sql import allocation_sql

    sys.stdout.write(allocation_sql(compiled_for(load_ruleset(_named_rules(args))), args.dialect,
                                    args.table))
    return 0


def _export(args) -> int:
    from .export import export_json

    ruleset = load_ruleset(_named_rules(args))
    sys.stdout.write(export_json(ruleset))
    return 0


def _schema(args) -> int:
    from .json_schemas import schema_text

    sys.stdout.write(schema_text(args.name))
    return 0


def _lint(args) -> int:
    from .lint import lint
    from .lint.report import render_json, render_text

    ruleset = load_ruleset(_named_rules(args, "rules"))
    report = lint(ruleset)
    render = render_json if args.format == "json" else render_text
    text = render(report, source_files(ruleset, args.rules))
    sys.stdout.write(text)
    return 1 if args.strict and report.open else 0


def _test(args) -> int:
    from .ruletests import run_rule_tests

    return run_rule_tests(_named_rules(args, "rules"), sys.stdout, sys.stderr)


def _render(args) -> int:
    from .render.cli import run_render

    return run_render(load_ruleset(_named_rules(args)), args.out, args.pdf, sys.stdout,
                      sys.stderr)


class _HelpFormatter(argparse.HelpFormatter):
    """Shows an option's default in ``--help`` unless its help already says it."""

    def _get_help_string(self, action):
        help = action.help or ""
        if action.option_strings and action.default not in (None, False, argparse.SUPPRESS) \
                and "default" not in help:
            help += " (default: %(default)s)"
        return help


class _Parser(argparse.ArgumentParser):
    def __init__(self, **kwargs):
        super().__init__(formatter_class=_HelpFormatter, **kwargs)


def _diff(args) -> int:
    from .diff import run_diff

    records = None if args.replay is None else _readable_input(args.replay)
    return run_diff(args.old, args.new, args.format, records, args.exit_code)


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="mhct", description="The Mental Health Clustering Booklet as rules-as-data.")
    parser.add_argument("--version", action="version", version=f"mhct {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=_Parser)

    check = commands.add_parser("check", help="validate rule files (exit 1 on any error)")
    check.add_argument("rules", nargs="*", help="rule set directories or files (default: bundled)")
    check.set_defaults(run=_check)

    fmt = commands.add_parser("fmt", help="rewrite rule files in canonical form")
    fmt.add_argument("--check", action="store_true", help="only report files that would change")
    fmt.add_argument("files", nargs="*", help="files or directories (default: bundled rules)")
    fmt.set_defaults(run=_fmt)

    def rules_option(command, default="the bundled national rules"):
        command.add_argument("--rules", default=None,
                             help=f"rule set directory (default: {default})")

    allocate = commands.add_parser("allocate", help="rank cluster fits for each assessment")
    rules_option(allocate, "the bundled national booklet in force on each assessment's date")
    allocate.add_argument("--format", choices=("json", "jsonl", "csv"),
                          help="output format (default: json)")
    allocate.add_argument("--explain", action="store_true",
                          help="print each allocation's candidates as text for a person")
    allocate.add_argument("--group", metavar="GROUP",
                          help="decision-tree group or branch (Step 2) for records without their "
                               "own 'group'; a record whose group differs is an error")
    allocate.add_argument("input", help="CSV, JSON or JSON-lines records ('-' for stdin)")
    allocate.set_defaults(run=_allocate)

    review = commands.add_parser("review", help="care-review decision for each record")
    rules_option(review, "the bundled national booklet in force on each record's as-of date")
    review.add_argument("--as-of", type=_date,
                        help="review date YYYY-MM-DD (default: latest assessment)")
    review.add_argument("--format", choices=("json", "jsonl", "csv"),
                        help="output format (default: json)")
    review.add_argument("--explain", action="store_true",
                        help="print each decision and its criteria as text for a person")
    review.add_argument("--jobs", type=_positive, metavar="N",
                        help="worker processes (default: the CPUs for an input file of 4 MiB "
                        "or more, else 1); the output is the same for any N")
    review.add_argument("input", help="JSON or JSON-lines records, or CSV with a row per dated "
                        "assessment (docs/api.md) ('-' for stdin)")
    review.set_defaults(run=_review)

    audit = commands.add_parser("audit", help="red-rule adherence of recorded clusters")
    rules_option(audit, "the bundled national booklet in force on each record's date; "
                        "--engine duckdb: the one in force on all of them")
    audit.add_argument("--engine", choices=("default", "duckdb"), default="default",
                       help="default: the compiled path, streaming; duckdb: SQL in-process "
                            "(CSV or Parquet)")
    audit.add_argument("--format", choices=("json", "csv"), default="json")
    audit.add_argument("input", help="records with recorded_cluster ('-' for stdin)")
    audit.set_defaults(run=_audit)

    sql = commands.add_parser("sql", help="the allocation and adherence as one SQL query")
    rules_option(sql)
    sql.add_argument("--dialect", choices=("duckdb", "spark"), default="duckdb")
    sql.add_argument("--table", type=_table, default="ratings",
                     help="the input table, optionally schema.table (default: ratings)")
    sql.set_defaults(run=_sql)

    export = commands.add_parser("export", help="write the whole rule set as JSON")
    rules_option(export)
    export.add_argument("--format", choices=("json",), default="json", help="output format")
    export.set_defaults(run=_export)

    render = commands.add_parser("render", help="write the booklet as HTML pages (and a PDF)")
    rules_option(render)
    render.add_argument("--out", type=_directory, default="booklet", help="output directory")
    render.add_argument("--pdf", metavar="FILE",
                        help="also print the whole booklet to FILE (needs headless Chromium)")
    render.set_defaults(run=_render)

    diff = commands.add_parser("diff", help="semantic changes between two rule sets")
    diff.add_argument("old", help="rule set directory or file, or REV:PATH from git")
    diff.add_argument("new", help="rule set directory or file, or REV:PATH from git")
    diff.add_argument("--format", choices=("text", "json", "html"), default="text")
    diff.add_argument("--replay", metavar="RECORDS",
                      help="CSV, JSON or JSON-lines records: list the decisions that change")
    diff.add_argument("--exit-code", action="store_true", help="exit 1 when there are changes")
    diff.set_defaults(run=_diff)

    schema = commands.add_parser("schema", help="print the JSON Schema of a format (docs/api.md)")
    schema.add_argument("name", choices=("record", "allocation", "review", "diff"))
    schema.set_defaults(run=_schema)

    lint = commands.add_parser("lint", help="exact analysis: coverage, overlaps, contradictions")
    lint.add_argument("rules", nargs="?", default=None, help="rule set directory")
    lint.add_argument("--format", choices=("text", "json"), default="text")
    lint.add_argument("--strict", action="store_true",
                      help="exit 1 on any warning not accepted in the rule files")
    lint.set_defaults(run=_lint)

    test = commands.add_parser("test", help="run the example records kept beside the rules")
    test.add_argument("rules", nargs="?", default=None, help="rule set directory")
    test.set_defaults(run=_test)
    for command in commands.choices.values():
        command.set_defaults(usage=command)
    return parser


def _said(error: Exception) -> str:
    """An error as a person reads it: ``PATH: No such file or directory``, not ``[Errno 2] ...``."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror if error.filename is None else f"{error.filename}: {error.strerror}"
    return str(error)


def _unwritable_dropped() -> None:
    """What standard output still holds, dropped when it cannot be written (a full disk), so
    Python does not fail again writing it at exit."""
    try:
        sys.stdout.flush()
    except OSError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "explain", False) and args.format is not None:
        parser.error(f"{args.command} --explain prints text for a person; it does not combine "
                     "with --format")
    try:
        code = args.run(args)
        sys.stdout.flush()  # here, so that a failure is said as any other, not at exit (120)
        return code
    except _UsageError as error:
        args.usage.error(str(error))
    except RuleError as error:
        print(error.render(), file=sys.stderr)
        return 1
    except BrokenPipeError:  # `mhct ... | head`: the reader has gone; stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except (OSError, ValueError) as error:
        print(f"mhct: {_said(error)}", file=sys.stderr)
        _unwritable_dropped()
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # the edge: a bug must still not dump a traceback on a user
        if os.environ.get("MHCT_DEBUG"):
            raise
        print(f"mhct: internal error: {type(error).__name__}: {error}\n"
              "Please report it; run with MHCT_DEBUG=1 for the details.", file=sys.stderr)
        return 70


if __name__ == "__main__":
    sys.exit(main())
