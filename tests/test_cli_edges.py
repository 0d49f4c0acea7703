"""The everyday CLI's rough edges: --version, defaults in --help, broken pipes, missing inputs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mhct_dsl import __version__
from mhct_dsl.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def test_version(capsys):
    try:
        main(["--version"])
    except SystemExit as exit:
        assert exit.code == 0
    assert capsys.readouterr().out.strip() == f"mhct {__version__}"


def test_help_shows_defaults(capsys):
    try:
        main(["allocate", "--help"])
    except SystemExit:
        pass
    out = " ".join(capsys.readouterr().out.split())
    assert "output format (default: json)" in out
    assert "(default: None)" not in out


def test_a_missing_input_file_is_a_usage_error_not_an_error_record(tmp_path, capsys):
    missing = tmp_path / "nowhere.csv"
    assert main(["allocate", str(missing)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"mhct: cannot read input {missing}: No such file or directory\n"
    assert main(["review", str(missing)]) == 2


def test_a_closed_pipe_ends_quietly(tmp_path):
    rows = (EXAMPLES / "assessments.csv").read_text().splitlines()
    big = tmp_path / "big.csv"
    big.write_text("\n".join([rows[0]] + [rows[1].replace("NP-101", f"R{i}")
                                          for i in range(3000)]) + "\n")
    process = subprocess.Popen([sys.executable, "-m", "mhct_dsl.cli", "allocate", "--format",
                                "jsonl", str(big)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    first = process.stdout.readline()
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(timeout=120) in (0, 141)
    assert first.startswith(b'{"id": "R0"')
    assert err == ""


def test_check_counts_care_clusters_as_the_booklet_does(capsys):
    assert main(["check"]) == 0
    assert "20 care clusters plus variance (0) and blank (9), 18 scales" in capsys.readouterr().out


def test_checking_one_file_of_a_rule_set_points_at_the_directory(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["check", "rules/clusters/cluster-03.mhr"]) == 1
    assert capsys.readouterr().err == (
        "error: rules/clusters/cluster-03.mhr is one file of a rule set, which has no `ruleset` "
        "header of its own\nhint: check the whole rule set: mhct check rules\n"
        "rules/clusters/cluster-03.mhr: 1 error\n")
