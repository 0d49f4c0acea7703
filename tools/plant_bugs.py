"""Mutation check: plant plausible bugs one at a time and see whether the test suite catches each.

    .venv/bin/python tools/plant_bugs.py            # every mutant in MUTANTS
    .venv/bin/python tools/plant_bugs.py 3 7        # only these (numbered from 1)

Each mutant replaces one exact piece of source text. The file is restored afterwards whatever
happens, so run it on a clean working tree. A mutant is *caught* when `pytest -x` or `mhct test`
fails with it in place; *survived* when both pass; *stale* when its text is no longer in the file
(the code moved on: update the list). Exit status 1 if any mutant survived.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# (file, old text, new text, what the bug is)
MUTANTS: list[tuple[str, str, str, str]] = [
    ("mhct_dsl/logic.py",
     "        if value is False:\n            return False\n        if value is None:\n"
     "            unknown = True\n    return None if unknown else True",
     "        if value is None:\n            return None\n        if value is False:\n"
     "            return False\n    return True",
     "Kleene AND: unknown dominates false"),
    ("mhct_dsl/logic.py", 'if quantifier in ("any", "one"):\n        return any_of(values)',
     'if quantifier in ("any", "one"):\n        return all_of(values)',
     "an `any` column read as `all`"),
    ("mhct_dsl/dates.py", "day = min(date.day, calendar.monthrange(year, month)[1])",
     "day = min(date.day, 28)", "month ends clamp to the 28th"),
    ("mhct_dsl/rows.py", "low = max(known, default=min(RATINGS))",
     "low = min(known, default=min(RATINGS))", "max(7,8) reads the lower rating"),
    ("mhct_dsl/rows.py", "if any(r in allowed for r in known):",
     "if all(r in allowed for r in known):", "7|8 needs both ratings in band"),
    ("mhct_dsl/rows.py", "return tails[low] if unknown else low in allowed",
     "return None if unknown else low in allowed",
     "max(7,8) with one unknown is always unknown"),
    ("mhct_dsl/ranking.py", "        if t.orange_missed or t.orange_unknown:\n",
     "        if t.orange_missed:\n", "an unknown orange row cannot weaken (old unsound label)"),
    ("mhct_dsl/ranking.py", "return (int(no_fit), orange_misses, -red_met, -orange_met, cluster)",
     "return (int(no_fit), orange_misses, -red_met, cluster, -orange_met)",
     "rank key without 'more orange rows met'"),
    ("mhct_dsl/ranking.py", "t.orange_missed + t.orange_unknown,\n                t.red_met",
     "t.orange_missed,\n                t.red_met", "worst case ignores unknown orange rows"),
    ("mhct_dsl/allocation.py", "if all(c.red.missed for c in candidates):",
     "if all(c.red.missed for c in candidates if c.cluster in (members or ())):",
     "variance decided inside the group"),
    ("mhct_dsl/context.py", "        if assessment.date <= start:\n",
     "        if assessment.date < start:\n", "an assessment on the window start is not in force"),
    ("mhct_dsl/conditions.py", "value = since <= threshold", "value = since < threshold",
     "tenure needs a day more"),
    ("mhct_dsl/records.py", "(self.ongoing or (self.end or self.date) >= start)",
     "(self.ongoing or self.date >= start)", "an event's end is ignored (one-day events)"),
    ("mhct_dsl/conditions.py", "for p, c in zip(known, known[1:]) if p[1] != c[1]",
     "for p, c in zip(known[:1], known[-1:]) if p[1] != c[1]",
     "stable compares only the first and last ratings"),
    ("mhct_dsl/model.py", 'COLUMN_ORDER = ("step_up", "discharge", "step_down")',
     'COLUMN_ORDER = ("discharge", "step_up", "step_down")', "discharge considered before step-up"),
    ("mhct_dsl/check_base.py", 'in (("<", 0), (">", 4)):', 'in (("<", 0),):',
     "no diagnostic for `scale S > 4`"),
    ("mhct_dsl/rows.py", "table[NOT_KNOWN] = table[None] = slot(colour, tails[0])",
     "table[NOT_KNOWN] = table[None] = slot(colour, False)",
     "a row's lookup table reads an unknown rating as missed"),
    ("mhct_dsl/review_json.py", "False: \"false\", None: '\"unknown\"'}",
     "False: \"false\", None: \"false\"}", "the review JSON writes unknown as false"),
    ("mhct_dsl/formatter.py", "if len(indent) + len(single) <= WIDTH or",
     "if len(indent) + len(single) < WIDTH or", "one-line limit off by one"),
    ("mhct_dsl/stepfit.py", "orange_misses, cluster != current, red_met",
     "orange_misses, cluster == current, red_met",
     "a step target wins ties against the current cluster"),
    ("mhct_dsl/review.py", "if latest.date >= dates.window_start(when, limit):",
     "if latest.date >= dates.window_start(when, limit) or True:",
     "a stale MHCT is never noticed"),
    ("mhct_dsl/batch.py", 'FORMULA_START = ("=", "+", "-", "@", "\\t", "\\r")',
     'FORMULA_START = ("=", "+", "-", "\\t", "\\r")', "CSV cells starting with @ not defused"),
    ("mhct_dsl/records.py", 'ASCII_INT = re.compile(r"[0-9]{1,9}")',
     'ASCII_INT = re.compile(r"\\d{1,9}")', "non-ASCII digits read as ratings"),
    ("mhct_dsl/tallies.py", "slot(colour, row_value(scales,",
     "slot(colour, True is row_value(scales,", "the tally tables count an unknown row as missed"),
    ("mhct_dsl/tallies.py", "for scales, table in self.joint:",
     "for scales, table in self.joint[:0]:", "the tallies leave out the 7|8 rows (joint table)"),
    ("mhct_dsl/stream_cells.py", "return np.where(ends - starts > 1, 255, code).astype(np.uint8)",
     "return code.astype(np.uint8)", "Bounds reads a 2-character rating cell as its first"),
    ("mhct_dsl/compiled/run.py", "        key = (segment, bits)\n", "        key = bits\n",
     "blocking_unknowns spells a segment's scales from another segment's (memo key)"),
    ("mhct_dsl/compiled/run.py", "if not clusters or clusters[-1] is not names[c]:",
     "if not clusters:", "blocking_unknowns names only the first cluster a scale blocks"),
    ("mhct_dsl/editions.py", "parts += [file.name.encode(), file.read_bytes()]",
     "parts += [file.name.encode()]", "the editions' dates kept when a header's text changes"),
    ("mhct_dsl/rulecache.py", "digest = hashlib.sha256(_code_digest())\n    for part in parts:",
     "digest = hashlib.sha256()\n    for part in parts:",
     "a remembered value kept when mhct's code changes"),
    ("mhct_dsl/stream.py", "[first.removeprefix(BOM)]", "[first.lstrip(BOM)]",
     "the compiled path drops every byte-order mark at the start"),
    ("mhct_dsl/readers.py", "rows = csv_lines(text.removeprefix(BOM))",
     "rows = csv_lines(text.lstrip(BOM))", "read_csv drops every byte-order mark at the start"),
    ("mhct_dsl/review_plan.py", "stay = number != current", "stay = number == current",
     "the review plan ranks a step target before the current cluster among equals"),
    ("mhct_dsl/review_plan.py", "orange_missed + orange_unknown, stay",
     "orange_missed, stay", "the review plan's worst case ignores unknown orange rows"),
    ("mhct_dsl/review_plan.py", "                elif place == 2:\n",
     "                elif place == 5:\n", "current_fit's red_unknown read from the orange rows"),
    ("mhct_dsl/review_plan.py", "if counts is None or stale_blocker(cluster, latest, when) is not None:",
     "if counts is None:", "the review plan writes a stale MHCT's review itself (no step 2)"),
    ("mhct_dsl/review_plan.py", "return iso.join(texts[fit])",
     "return run.day.join(texts[fit])", "a target's next review is the latest MHCT's date"),
    ("mhct_dsl/review_plan.py", "        for contender in contenders:\n",
     "        for contender in contenders[:1]:\n",
     "an undecided step reading names only the best contender's unknown ratings"),
    ("mhct_dsl/review_plan.py", "in zip(column.blocking, found) if v is None)",
     "in zip(column.blocking, found) if v is not True)",
     "blocking_unknowns lists the deciding column's false criteria too"),
    ("mhct_dsl/plan_criteria.py",
     "return lambda run: None if run.record.events is None else _INTERPRET",
     "return lambda run: None", "a template written for a record with an event history"),
    ("mhct_dsl/plan_criteria.py", "key = (win.covered, tuple(a.ratings.get(scale)",
     "key = (True, tuple(a.ratings.get(scale)",
     "a window template ignores whether the history covers the window"),
    ("mhct_dsl/review_plan.py",
     "return key, () if fit.value is not None else self.plan.unknown_ratings(ratings, ranked[1])",
     "return key, ()", "a windowed step's template ignores an undecided reading's unknowns"),
    ("mhct_dsl/review_plan.py", "for c in decided.names])", "for c in decided.names][:0])",
     "a step met by `fits cluster N` suggests none of the clusters it names"),
    ("mhct_dsl/review_batch.py", "    if first == 1:\n        lines[0] = lines[0].removeprefix(BOM)",
     "    if first >= 1:\n        lines[0] = lines[0].removeprefix(BOM)",
     "a chunk of JSON lines drops a byte-order mark at its start, not only the file's"),
    ("mhct_dsl/review_pipe.py", "        self.state[1] += count\n", "",
     "workers writing in turn think no record is out yet (json's [ before every chunk)"),
    ("mhct_dsl/review_pipe.py", "                if count:\n                    try:\n",
     "                if True:\n                    try:\n",
     "a worker writing in turn writes a lead for a chunk of no record (json's [ twice)"),
    ("mhct_dsl/review_pipe.py", "if turn is None or turn.changed.acquire(timeout=0.05):",
     "if True:", "after a failure the parent does not wait for a chunk being written (torn)"),
    ("mhct_dsl/records_usual.py", "(type(current) is not int or current < 0)",
     "(type(current) is not int)", "the short path reads a negative current cluster"),
]


def run(args: list[str]) -> bool:
    """True when the command passes."""
    done = subprocess.run(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return done.returncode == 0


def suite_passes() -> bool:
    pytest = [PYTHON, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
    return run(pytest) and run([str(Path(PYTHON).parent / "mhct"), "test"])


def main(argv: list[str]) -> int:
    chosen = [int(a) for a in argv] or list(range(1, len(MUTANTS) + 1))
    survived = caught = stale = 0
    for number in chosen:
        name, old, new, what = MUTANTS[number - 1]
        path = ROOT / name
        original = path.read_text("utf-8")
        if original.count(old) != 1:
            stale += 1
            print(f"{number:2}  stale     {what} ({name}: text not found once)")
            continue
        start = time.perf_counter()
        try:
            path.write_text(original.replace(old, new), "utf-8")
            passes = suite_passes()
        finally:
            path.write_text(original, "utf-8")
        caught += not passes
        survived += passes
        verdict = "SURVIVED" if passes else "caught"
        print(f"{number:2}  {verdict:9} {what} ({time.perf_counter() - start:.0f} s)", flush=True)
    print(f"mutants: {caught} caught, {survived} survived, {stale} stale")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
