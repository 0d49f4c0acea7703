"""Effective dates: without --rules, each record gets the national booklet in force on its date;
paths in JSON output are relative to the rule set's root, whatever the working directory."""

from __future__ import annotations

import json
from pathlib import Path

from mhct_dsl.cli import main
from mhct_dsl.editions import Editions

ROOT = Path(__file__).resolve().parent.parent


def _record(record_id: str, date: str) -> dict:
    ratings = {s: 0 for s in [*map(str, range(1, 14)), *"ABCDE"]}
    return {"id": record_id, "current_cluster": 1, "cluster_since": "2011-01-03",
            "assessments": [{"date": date, "ratings": ratings}]}


def test_every_bundled_national_booklet_is_dated():
    editions = Editions()
    dated = [(effective.isoformat(), path.name) for effective, path in editions.dated]
    assert dated == [("2012-04-01", "2012-13"), ("2013-04-01", "rules")]  # not rules/local
    assert editions._loaded == {}  # dated from the headers alone


def test_the_dates_are_remembered_and_found_again_when_a_header_changes(tmp_path, monkeypatch):
    import shutil

    import mhct_dsl.editions as editions_module

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("MHCT_NO_CACHE", raising=False)
    root = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", root)
    first = Editions(root).dated
    assert [(d.isoformat(), p) for d, p in first] == [
        ("2012-04-01", root / "2012-13"), ("2013-04-01", root)]
    read = []
    monkeypatch.setattr(editions_module, "_header", lambda path: read.append(path))
    assert Editions(root).dated == first and read == []  # from the cache: no header read
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    header = next(f for f in sorted((root / "2012-13").glob("*.mhr"))
                  if "effective 2012-04-01" in f.read_text())
    header.write_text(header.read_text().replace("effective 2012-04-01", "effective 2012-05-01"))
    assert [d.isoformat() for d, _ in Editions(root).dated] == ["2012-05-01", "2013-04-01"]


def test_review_and_allocate_use_the_booklet_in_force(tmp_path, capsys):
    records = tmp_path / "records.jsonl"
    records.write_text("\n".join(json.dumps(_record(i, d)) for i, d in (
        ("before", "2012-03-31"), ("old", "2013-03-31"), ("new", "2013-04-01"))) + "\n")
    assert main(["review", "--format", "jsonl", str(records)]) == 1  # "before" has no booklet
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    by_id = {r["id"]: r for r in results}
    assert by_id["old"]["ruleset"]["version"] == "2012/13 (reconstructed)"
    assert by_id["new"]["ruleset"]["version"] == "V3.0 (2013/14)"
    assert "before the earliest national booklet" in by_id["before"]["error"]["message"]
    assert main(["allocate", "--format", "jsonl", str(records)]) == 1
    versions = [json.loads(line).get("ruleset", {}).get("version")
                for line in capsys.readouterr().out.splitlines()]
    assert versions == [None, "2012/13 (reconstructed)", "V3.0 (2013/14)"]


def test_as_of_chooses_the_booklet(tmp_path, capsys):
    records = tmp_path / "records.json"
    records.write_text(json.dumps([_record("r", "2012-06-01")]))
    assert main(["review", "--as-of", "2013-05-01", str(records)]) == 0
    [result] = json.loads(capsys.readouterr().out)
    assert result["ruleset"]["version"] == "V3.0 (2013/14)"


def test_json_paths_do_not_depend_on_the_working_directory(tmp_path, capsys, monkeypatch):
    outputs, traces = [], []
    for cwd in (ROOT, ROOT / "rules", tmp_path):
        monkeypatch.chdir(cwd)
        assert main(["export", "--rules", str(ROOT / "rules")]) == 0
        outputs.append(capsys.readouterr().out)
        assert main(["review", str(ROOT / "examples" / "records.jsonl")]) == 1  # one bad record
        traces.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] == outputs[2]
    assert traces[0] == traces[1] == traces[2]
    first = json.loads(traces[0])[0]
    assert first["criteria"][0]["source"]["file"] == "clusters/cluster-03.mhr"
    cluster = next(c for c in json.loads(outputs[0])["clusters"] if c["number"] == 7)
    assert cluster["grid"]["rows"][0]["at"].startswith("clusters/cluster-07.mhr:")


def test_check_covers_the_nested_rule_set(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["check", "rules"]) == 0
    out = capsys.readouterr().out
    assert "rules: ok" in out and "rules/2012-13: ok" in out


def _renamed_edition(tmp_path: Path):
    """A copy of the 2012/13 booklet whose cluster 1 name and one fact's wording differ."""
    import shutil

    from mhct_dsl.loader import load_ruleset

    copy = tmp_path / "old"
    shutil.copytree(ROOT / "rules" / "2012-13", copy)
    cluster = copy / "clusters" / "cluster-01.mhr"
    cluster.write_text(cluster.read_text().replace(
        '"Common Mental Health Problems (Low Severity)"', '"Old Name Of Cluster One"', 1))
    vocabulary = copy / "vocabulary.mhr"
    vocabulary.write_text(vocabulary.read_text().replace(
        '"Patient has completed a successful period of "', '"Old wording: completed a period of "',
        1))
    return load_ruleset(copy)


def test_explain_and_csv_names_come_from_the_edition_that_decided(tmp_path):
    import io

    from mhct_dsl.batch import run_allocate, run_review
    from mhct_dsl.loader import load_ruleset

    latest, old = load_ruleset(ROOT / "rules"), _renamed_edition(tmp_path)
    ratings = {s: 0 for s in [*map(str, range(1, 14)), *"ABCDE"]} | {"7": 1, "8": 1}
    record = {"id": "r", "current_cluster": 3, "cluster_since": "2012-05-01", "group":
              "non_psychotic", "facts": {"completed_treatment_residual_comorbidities": True},
              "assessments": [{"date": "2012-06-01", "ratings": ratings}]}
    source = io.StringIO(json.dumps(record))
    out = io.StringIO()
    run_review(latest, source, out=out, err=io.StringIO(), explain=True, width=200,
               choose=lambda record, as_of: old)
    assert "Old wording: completed a period of" in out.getvalue()
    out = io.StringIO()
    run_allocate(latest, io.StringIO(json.dumps(record)), "csv", out=out, err=io.StringIO(),
                 choose=lambda record: old)
    assert out.getvalue().splitlines()[1].split(",")[1:3] == ["1", "Old Name Of Cluster One"]


def test_the_python_recipe_in_api_md_gives_the_cli_answer(tmp_path, capsys):
    # cluster 7 with 13=1 before 2013-04-01: the 2012/13 grid (13 red 3..4) gives another decision
    import mhct_dsl

    ratings = {s: 0 for s in [*map(str, range(1, 14)), *"ABCDE"]} | {
        "7": 3, "8": 2, "9": 2, "10": 2, "11": 2, "12": 2, "13": 1}
    record = {"id": "R7", "current_cluster": 7, "cluster_since": "2012-06-01", "facts": {},
              "events": [], "group": "non_psychotic",
              "assessments": [{"date": "2013-03-01", "ratings": ratings}]}
    path = tmp_path / "r.json"
    path.write_text(json.dumps([record]))
    assert main(["review", str(path)]) == 0
    [cli] = json.loads(capsys.readouterr().out)
    editions = Editions()
    rec = mhct_dsl.parse_record(record)
    decision = mhct_dsl.review(editions.for_review(rec, None), rec, None)
    assert (decision.decision, decision.ruleset) == (cli["decision"], cli["ruleset"])
    assert cli["ruleset"]["version"] == "2012/13 (reconstructed)"
    assert mhct_dsl.review(mhct_dsl.load_ruleset(), rec).decision != cli["decision"]
    assert mhct_dsl.allocate(editions.for_allocation(rec), rec).ruleset == cli["ruleset"]
