"""Mutation fuzzing of the bundled rule files: every outcome is a clean load or located errors.

One mutation changes one national rule file (cut, duplicate, swap lines, insert a hostile token:
deep nesting, huge or inverted numbers, control characters, a byte-order mark, Unicode line
breaks...). The whole rule set is then parsed and checked in memory (the other files parsed once).
Allowed outcomes:

- ``ok``: it checks; then its canonical form parses again, and allocating and reviewing a few
  records raises nothing but record errors;
- ``errors``: a `RuleError` whose every diagnostic has a location and renders.

Anything else (another exception, an unlocated diagnostic, a formatted text that does not parse)
is a finding. ``tests/test_fuzz_rules.py`` runs a small seeded batch in the normal suite; run this
file for a longer one::

    .venv/bin/python tests/fuzz_rules.py --count 5000 --seed 1
"""

from __future__ import annotations

import argparse
import collections
import functools
import random
import sys
import time
import traceback

from mhct_dsl.allocation import allocate
from mhct_dsl.checker import check
from mhct_dsl.diagnostics import RuleError
from mhct_dsl.formatter import format_file
from mhct_dsl.loader import bundled_rules_path, parse_sources, read_sources
from mhct_dsl.parser import parse_text
from mhct_dsl.records import RecordError
from mhct_dsl.review import review

TOKENS = [
    "{", "}", "..", ",", "|", "not ", "all {", "any {", "fits cluster 21..1",
    "fits cluster 0..99999",
    "scale 7 in 4..0", "scale 7 >= 9", "0", "-1", "9" * 12, "9" * 5000, "99", "21..1", '"', '""',
    '"\\q"', "#", "\ufeff", "\u2028", "\u0085", "\x0c", "\t", "\r", "\x00", "\x1b[31m", "é",
    "review every 99999 years", "consistently for 0 days", "extends national", 'extends "/etc"',
    'extends "../.."', "amend cluster 3 {", "source local", "source reconstructed", "none",
    "red 3..1", "yellow 0..9", "7|8", "8|7", "n/a", "cluster 200", "event x within 1 day",
    "no event inpatient_or_iht within 1000000 weeks", "in_service >= 100 years", "clster",
    "not " * 200, "all { " * 50, "}" * 50, "\n", "\n\n\n",
]


@functools.cache
def national() -> dict[str, str]:
    return {s.display: s.text for s in read_sources(bundled_rules_path())}


@functools.cache
def parsed_national() -> dict:
    return dict(zip(national(), parse_sources(national())))


def mutate(text: str, rng: random.Random) -> str:
    """``text`` with one to three random edits."""
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(text) + 1)
        kind = rng.randrange(5)
        if kind == 0:  # cut a span
            text = text[:at] + text[at + rng.randint(1, 200):]
        elif kind == 1:  # duplicate a span
            text = text[:at] + text[at:at + rng.randint(1, 400)] + text[at:]
        elif kind == 2:  # swap two lines
            lines = text.split("\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        elif kind == 3:  # replace a number
            digits = [i for i, c in enumerate(text) if c.isdigit()]
            if digits:
                i = rng.choice(digits)
                text = text[:i] + rng.choice(["0", "21", "9" * 12, "4..0", "99"]) + text[i + 1:]
        else:  # insert a hostile token
            text = text[:at] + rng.choice(TOKENS) + text[at:]
    return text


RECORDS = [
    {"id": "f1", "current_cluster": cluster, "cluster_since": "2012-01-01",
     "in_service_since": "2010-01-01", "facts": {}, "events": [],
     "assessments": [{"date": "2013-01-01", "ratings": {"1": 2, "7": 3, "8": 1}},
                     {"date": "2013-06-01", "ratings": {"1": 1, "7": 2, "13": 9}}]}
    for cluster in (1, 3, 11, 17)
]


def _evaluate(ruleset) -> None:
    for record in RECORDS:
        try:
            allocate(ruleset, record["assessments"][-1]["ratings"])
            review(ruleset, record)
        except RecordError:
            pass


def run_one(seed: int) -> str:
    """The outcome of one seeded mutation: ``ok`` or ``errors``; raises AssertionError (with the
    mutated file named) on a finding."""
    rng = random.Random(seed)
    name = rng.choice(sorted(national()))
    text = mutate(national()[name], rng)
    sources = {**national(), name: text}
    try:
        try:
            mutated = parse_text(text, name)
            canonical = format_file(mutated)
            parse_text(canonical, name)  # the formatter never writes what does not parse
            files = [mutated if n == name else f for n, f in parsed_national().items()]
            ruleset = check(files, "fuzz", None, sources)
        except RuleError as error:
            assert error.diagnostics, "a RuleError without diagnostics"
            unlocated = [d.message for d in error.diagnostics if d.span is None]
            assert not unlocated, f"unlocated: {unlocated}"
            error.render()
            return "errors"
        _evaluate(ruleset)
        return "ok"
    except AssertionError as finding:
        raise AssertionError(f"seed {seed}, {name}: {finding}") from None
    except Exception:
        raise AssertionError(f"seed {seed}, {name}:\n{traceback.format_exc()}") from None


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--count", type=int, default=2000)
    options.add_argument("--seed", type=int, default=0, help="first seed (each run is seed + i)")
    args = options.parse_args(argv)
    national(), parsed_national()
    outcomes: collections.Counter[str] = collections.Counter()
    findings = []
    start = time.perf_counter()
    for i in range(args.count):
        try:
            outcomes[run_one(args.seed + i)] += 1
        except AssertionError as finding:
            outcomes["finding"] += 1
            findings.append(str(finding))
    seconds = time.perf_counter() - start
    for finding in findings[:10]:
        print(finding, file=sys.stderr)
    last = args.seed + args.count - 1
    print(f"{args.count} mutations in {seconds:.1f} s (seeds {args.seed}..{last}): "
          + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
