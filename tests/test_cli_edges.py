"""The everyday CLI's rough edges: --version, defaults in --help, broken pipes, missing inputs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

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


LOCAL = '''\
ruleset "Trust booklet" extends national source local "trust ref 1" {
    version "L1"
}

amend cluster 10 source local "discharge ref 7" {
    discharge all {
        "Not currently detained under the Mental Health Act."
            not fact detained_mha
    }
}
'''
CASE = {"name": "local discharge", "review": {
    "id": "L-1", "current_cluster": 10, "cluster_since": "2011-06-01",
    "in_service_since": "2010-05-12", "facts": {"detained_mha": False}, "events": [],
    "assessments": [{"date": "2014-03-01", "ratings": {
        "1": 0, "2": 0, "3": 0, "4": 0, "5": 0, "6": 1, "7": 1, "8": 1, "9": 1, "10": 0, "11": 0,
        "12": 1, "13": 0, "A": 0, "B": 0, "C": 0, "D": 0, "E": 0}}]},
    "expect": {"decision": "discharge"}}


def test_a_fresh_local_set_without_examples_points_at_the_docs(tmp_path, capsys):
    (tmp_path / "local.mhr").write_text(LOCAL)
    assert main(["test", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"no rule tests in {tmp_path / 'tests'}: add example records with their expected "
        "outcomes as JSON files there (format: docs/rule-tests.md)\n")


def test_a_local_set_answers_only_for_the_columns_it_amends(tmp_path, capsys):
    import json

    (tmp_path / "local.mhr").write_text(LOCAL)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "local.json").write_text(json.dumps({"cases": [CASE]}))
    assert main(["test", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "rule tests: 1 passed, 0 failed\n"
    (tmp_path / "tests" / "local.json").write_text(json.dumps({"cases": [
        {**CASE, "expect": {"decision": "discharge", "current_cluster": 10}, "review": {
            **CASE["review"], "facts": {"detained_mha": True}}}]}))
    assert main(["test", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "columns no example decides: cluster 10 discharge\n" in out


@pytest.mark.parametrize("command, chosen_by", [
    ("allocate", "(default: the bundled national booklet in force on each assessment's date)"),
    ("review", "(default: the bundled national booklet in force on each record's as-of date)"),
    ("render", "(default: the bundled national rules)"),
])
def test_rules_help_says_which_booklet_is_used_without_it(capsys, command, chosen_by):
    # without --rules, allocate and review choose the edition per record (editions.py)
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert chosen_by in " ".join(capsys.readouterr().out.split())


def test_a_diagnostic_names_a_file_that_opens_from_the_working_directory(tmp_path, capsys,
                                                                         monkeypatch):
    bad = tmp_path / "qabad"
    bad.mkdir()
    (bad / "ruleset.mhr").write_text('ruleset "Bad" source local "t" {\n    version 7\n}\n',
                                     "utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the rule set is not below the working directory: absolute
    assert main(["check", str(bad)]) == 1
    shown = capsys.readouterr().err.split(":")[0]
    assert shown == str((bad / "ruleset.mhr").resolve()) and Path(shown).is_file()
    monkeypatch.chdir(tmp_path)  # below it: relative
    assert main(["check", "qabad"]) == 1
    assert capsys.readouterr().err.startswith("qabad/ruleset.mhr:2:")


def _usage_error(argv, capsys) -> str:
    """What ``mhct ARGV`` prints for a bad argument: argparse's exit 2, usage, nothing on stdout."""
    with pytest.raises(SystemExit) as exit:
        main(argv)
    out, err = capsys.readouterr()
    assert (exit.value.code, out) == (2, "")
    assert err.startswith(f"usage: mhct {argv[0]} ")
    return err.splitlines()[-1]


def test_an_unknown_group_is_a_usage_error_naming_the_known_ones(capsys):
    assert _usage_error(["allocate", "--group", "nope", str(EXAMPLES / "assessments.csv")],
                        capsys) == (
        "mhct allocate: error: argument --group: unknown decision-tree group 'nope'; known: "
        "non_psychotic, psychotic, organic, mild_to_severe, very_severe_complex, first_episode, "
        "ongoing_recurrent, psychotic_crisis, very_severe_engagement, cognitive_impairment")


@pytest.mark.parametrize("group, ok", [("psychotic", 3), ("first_episode", 0)])
def test_a_known_group_or_branch_is_accepted(group, ok, capsys):
    # the example rows carry their own groups: those of another group are error records
    assert main(["allocate", "--group", group, str(EXAMPLES / "assessments.csv")]) == 1
    assert capsys.readouterr().err == f"records in: 12, ok: {ok}, failed: {12 - ok}\n"


def test_a_bad_as_of_date_is_a_usage_error(capsys):
    assert _usage_error(["review", "--as-of", "2013-13-01", str(EXAMPLES / "records.jsonl")],
                        capsys) == "mhct review: error: argument --as-of: not a calendar date: " \
                                   "'2013-13-01'"


@pytest.mark.parametrize("engine", ["default", "duckdb"])
def test_audit_of_a_missing_input_file_is_a_usage_error(engine, tmp_path, capsys):
    missing = tmp_path / "nowhere.csv"
    assert main(["audit", "--engine", engine, str(missing)]) == 2
    assert capsys.readouterr() == ("", f"mhct: cannot read input {missing}: No such file or "
                                   "directory\n")


def test_sql_table_must_be_a_table_name(capsys):
    assert _usage_error(["sql", "--table", "x; drop table y"], capsys) == (
        "mhct sql: error: argument --table: not a table name: 'x; drop table y' (letters, digits "
        "and _, not starting with a digit; qualified as schema.table)")
    assert main(["sql", "--table", "main.ratings_2013"]) == 0
    assert "FROM main.ratings_2013" in capsys.readouterr().out


def test_render_out_must_not_be_a_file(tmp_path, capsys):
    file = tmp_path / "booklet"
    file.write_text("mine")
    assert _usage_error(["render", "--out", str(file)], capsys) == (
        f"mhct render: error: argument --out: {file} exists and is not a directory")
    assert file.read_text() == "mine"


@pytest.mark.parametrize("argv", [
    ["allocate", "--rules", "{m}", str(EXAMPLES / "assessments.csv")],
    ["review", "--rules", "{m}", str(EXAMPLES / "records.jsonl")],
    ["audit", "--rules", "{m}", str(EXAMPLES / "assessments.csv")],
    ["sql", "--rules", "{m}"], ["export", "--rules", "{m}"], ["render", "--rules", "{m}"],
    ["lint", "{m}"], ["test", "{m}"]])
def test_naming_rules_that_do_not_exist_is_a_usage_error(argv, tmp_path, capsys):
    missing = str(tmp_path / "nowhere")
    argument = "--rules" if "--rules" in argv else "rules"
    assert _usage_error([a.format(m=missing) for a in argv], capsys) == (
        f"mhct {argv[0]}: error: argument {argument}: {missing}: no such file or directory")


def test_a_file_system_error_names_the_path_without_errno(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("mine")
    out = blocker / "booklet"
    assert main(["render", "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"mhct: {out}: Not a directory\n"
