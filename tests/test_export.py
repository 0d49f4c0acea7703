"""`mhct export`: the whole rule set as JSON, every item with its effective provenance."""

from __future__ import annotations

import json
from pathlib import Path

from mhct_dsl.cli import main
from mhct_dsl.export import export
from mhct_dsl.loader import load_ruleset

HERE = Path(__file__).parent


def test_export_local_marks_amendments_and_local_provenance():
    data = export(load_ruleset(HERE / "fixtures" / "local"))
    assert data["schema"] == "mhct-dsl/ruleset/1"
    assert data["ruleset"]["base"]["name"] == "Test booklet"
    two = next(c for c in data["clusters"] if c["number"] == 2)
    assert two["amended"] == ["discharge", "note", "review"]
    assert two["review"] == {"every": {"amount": 8, "unit": "week"},
                             "mhct_within": {"amount": 4, "unit": "week"},
                             "source": {"kind": "local", "note": "Board paper 2014/07, item 4"}}
    fact = two["columns"]["discharge"]["criteria"][1]
    assert fact["condition"] == {"type": "fact", "name": "completed_course"}
    assert fact["condition_text"] == "fact completed_course"
    one = next(c for c in data["clusters"] if c["number"] == 1)
    assert one["columns"]["discharge"]["criteria"][1]["condition"] == {
        "type": "not", "operand": {"type": "fact", "name": "detained_mha"}}
    assert one["grid"]["rows"][6]["class"] == "red"


def test_export_bundled_rules_every_item_has_provenance(capsys):
    assert main(["export"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["number"] for c in data["clusters"]] == list(range(22))

    def walk(value, path):
        if isinstance(value, dict):
            if "wording" in value or "bands" in value or "likelihood" in value:
                source = value.get("source")
                assert isinstance(source, dict), f"{path} has no provenance"
                assert source["kind"] in ("booklet", "reconstructed"), f"{path}: {source}"
                assert isinstance(source["note"], str) and source["note"].strip(), \
                    f"{path}: provenance without a note"
            for key, item in value.items():
                walk(item, f"{path}.{key}")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, f"{path}[{i}]")

    walk(data["clusters"], "clusters")
    eleven = data["clusters"][11]
    assert {row["source"]["kind"] for row in eleven["grid"]["rows"]} == {"reconstructed"}
    criterion = eleven["columns"]["discharge"]["criteria"][0]
    assert criterion["source"]["kind"] == "booklet"
    assert criterion["source"]["note"] == "Appendix 3, Care Cluster 11"


def test_export_says_how_a_pair_row_reads():
    data = export(load_ruleset())
    one = next(c for c in data["clusters"] if c["number"] == 1)
    pair = next(row for row in one["grid"]["rows"] if row["scales"] == ["7", "8"])
    single = next(row for row in one["grid"]["rows"] if row["scales"] == ["6"])
    assert (pair["reading"], pair["source"]["kind"], single["reading"]) == ("max", "reconstructed", None)
