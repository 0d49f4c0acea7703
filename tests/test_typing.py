"""The package is typed (``py.typed``): ``mypy --strict`` sees real result types, not ``Any``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).parent / "data" / "embedding.py"


def mypy(tmp_path: Path, source: str) -> subprocess.CompletedProcess:
    # Run outside the checkout so mypy sees the installed, typed package (not mhct_dsl/ as source).
    (tmp_path / "example.py").write_text(source, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"),
         "example.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300)


def test_an_embedding_type_checks_strictly_with_typed_results_and_a_misuse_is_caught(tmp_path):
    source = EXAMPLE.read_text(encoding="utf-8") + "\nlabel: str = result.suggested\n"
    result = mypy(tmp_path, source)
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert result.returncode == 1 and len(errors) == 1, result.stdout + result.stderr
    assert 'Incompatible types in assignment (expression has type "int | None"' in errors[0]
    revealed = [line.split("Revealed type is ")[1] for line in result.stdout.splitlines()
                if "Revealed type is" in line]
    assert revealed == ['"int | None"', '"str"', '"str"', '"bool | None"',
                        '"tuple[mhct_dsl.records.Assessment, ...]"']
