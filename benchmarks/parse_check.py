"""How long parsing and checking the bundled rule set takes, against baselines in the same run.

    python benchmarks/parse_check.py [--repeat N] [RULES]

Reports the one-time grammar construction, then per full load of the rule set: Lark's parse alone,
parse + AST transform, and parse + transform + check (what `load_ruleset` does, file reading
included). The baseline is `json.loads` of the same rule set exported as JSON (`mhct export`): the
cost of loading this content from an already-parsed format. Figures are medians of N runs; compare
the ratios, which hold across machines better than the milliseconds. Times are CPU (process) time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mhct_dsl import parser as mhr_parser  # noqa: E402
from mhct_dsl.export import export  # noqa: E402
from mhct_dsl.loader import bundled_rules_path, load_ruleset, read_sources  # noqa: E402


def median_ms(action, repeat: int) -> float:
    """Median CPU time of ``action`` (process time: other processes on the machine don't count)."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        action()
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--repeat", type=int, default=30)
    options.add_argument("rules", nargs="?", default=str(bundled_rules_path()))
    args = options.parse_args()
    root = Path(args.rules)

    start = time.process_time()
    lark = mhr_parser._lark()
    grammar_ms = (time.process_time() - start) * 1000

    sources = {source.display: source.text for source in read_sources(root)}
    exported = json.dumps(export(load_ruleset(root)))
    size = sum(len(text) for text in sources.values())

    baseline = median_ms(lambda: json.loads(exported), args.repeat)
    lark_only = median_ms(lambda: [lark.parse(t) for t in sources.values()], args.repeat)
    parse = median_ms(lambda: [mhr_parser.parse_text(t, n) for n, t in sources.items()],
                      args.repeat)
    full = median_ms(lambda: load_ruleset(root), args.repeat)

    print(f"rule set: {root} ({len(sources)} files, {size:,} characters, "
          f"{len(exported):,} bytes as JSON)")
    print(f"grammar construction (once per process): {grammar_ms:7.1f} ms")
    print(f"{'step':38} {'median ms':>10} {'x json.loads':>13}")
    for label, value in [
        ("baseline: json.loads of the export", baseline),
        ("Lark parse only", lark_only),
        ("parse + AST (parse_text)", parse),
        ("read + parse + check (load_ruleset)", full),
    ]:
        print(f"{label:38} {value:10.2f} {value / baseline:13.1f}")


if __name__ == "__main__":
    main()
