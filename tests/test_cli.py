"""The `mhct` command's contract: exit statuses, messages on stderr, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mhct_dsl.cli import main

HERE = Path(__file__).parent
PRELUDE = HERE / "golden" / "prelude.mhr"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mhct_dsl.cli", *args], capture_output=True,
                          text=True, timeout=120)


def test_check_ok_prints_a_summary(capsys):
    assert main(["check", str(PRELUDE)]) == 0
    assert "ok — Test booklet T1, 3 care clusters plus variance (0), 18 scales" in capsys.readouterr().out


def test_check_error_exits_1_with_located_diagnostics(tmp_path, capsys):
    bad = tmp_path / "bad.mhr"
    bad.write_text(PRELUDE.read_text().replace("scale 7 <= 1", "scale 7 <= 7"))
    assert main(["check", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:" in err and "error: rating 7 is outside 0-4" in err and "^" in err
    assert "Traceback" not in err


def test_garbage_input_never_shows_a_traceback(tmp_path):
    (tmp_path / "x.mhr").write_bytes(b"\xff\xfe cluster {{{")
    result = run("check", str(tmp_path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "x.mhr:1:1: error: byte 0xff is not UTF-8 text" in result.stderr


def test_missing_path_is_reported(capsys):
    assert main(["check", "/nonexistent/rules"]) == 1
    assert "no such file or directory" in capsys.readouterr().err


def test_fmt_check_reports_and_fmt_rewrites(tmp_path, capsys):
    messy = tmp_path / "r.mhr"
    messy.write_text(PRELUDE.read_text().replace("    version", "      version"))
    assert main(["fmt", "--check", str(messy)]) == 1
    assert "would reformat" in capsys.readouterr().err
    assert main(["fmt", str(messy)]) == 0
    assert main(["fmt", "--check", str(messy)]) == 0


def test_usage_error_exits_2():
    with pytest.raises(SystemExit) as caught:
        main(["frobnicate"])
    assert caught.value.code == 2
