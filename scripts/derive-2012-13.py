"""Re-derive rules/2012-13 from the national rules after they change (run from the repository root).

The 2012/13 booklet is the 2013/14 rule set with the items of the 2013/14 booklet's "Brief note
re. changes made for 2013/14" reverted where the note says enough (docs/diff.md). This script
copies rules/*.mhr and rules/clusters/, applies exactly those reversions, writes one header note per
item of the change note, keeps rules/2012-13/tests/, and formats the result. Then
`mhct diff rules/2012-13 rules` must show only those changes (tests/test_diff.py checks it).
"""

import pathlib
import re
import shutil
import subprocess
import sys

RULES = pathlib.Path("rules")
OUT = RULES / "2012-13"
NOTE = "Brief note re. changes made for 2013/14"

# Each item of the change note, and what this rule set does about it.
ITEMS = [
    ("Changes have been made to the overall layout and formatting of the booklet.",
     "not reverted: layout is not part of the rules"),
    ("Updates and revisions made to the introductory sections.",
     "not reverted: the 2012/13 introduction is not in the text copy, so these notes keep the "
     "2013/14 wording"),
    ("Minor re-wording to scale 13 of the MHCT to improve clarity.",
     "not reverted: the 2012/13 wording of scale 13 is not in the text copy, so scales.mhr keeps "
     "the 2013/14 wording"),
    ("Inclusion of unlikely diagnoses and likely NICE Guidance to each cluster profile.",
     "reverted: no cluster has unlikely_diagnosis or nice_guidance"),
    ("Re-wording of the explanatory note explaining how to treat scales 7&8 when assessing ‘fit’ "
     "for each cluster’s scoring profile.",
     "not reverted: the 2012/13 wording is not in the text copy; the 7 and 8 pair rows keep the "
     "2013/14 reading"),
    ("Inclusion of ratings for scale 1 on MHCT for completeness.",
     "reverted: every cluster's scale 1 row is `none`"),
    ("Change of status for scale 13 on cluster 7.",
     "reverted, direction assumed: cluster 7's scale 13 row is red 3..4 (defining, as in cluster "
     "6); the note does not say what the status was"),
    ("Revisions to frequency of review for some clusters to align more closely with accepted "
     "clinical practice.",
     "not reverted: the note does not say which clusters or what the earlier intervals were"),
    ("Simplification of Care Transition Protocols from 4 levels of likelihood rating to 3 (most "
     "likely, possible and rare).",
     "not reverted: the four earlier levels are not named in the text copy and the language has "
     "three"),
    ("Amendments to possible transitions for each cluster based on wider clinical consensus and a "
     "growing data set.", "not reverted: the note does not say which transitions changed"),
]

SCALE_1 = ('        1    none source reconstructed "2012/13: no scale 1 ratings (2013/14 change: '
           "'Inclusion of ratings for scale 1 on MHCT for completeness')\"\n")
SCALE_13_ON_7 = ('        13   red 3..4 source reconstructed "2012/13: defining (red), as for '
                 "cluster 6's strongly held beliefs; the 2013/14 note records a 'Change of status "
                 "for scale 13 on cluster 7' without saying which way, and the 2013/14 rules read "
                 'it as no longer defining"\n')
HEADER_COMMENT = '''# Rule-set header: the national Mental Health Clustering Booklet for 2012/13, RECONSTRUCTED.
# No copy of the 2012/13 booklet is available to this project. This rule set is the 2013/14 one
# (rules/) with the changes listed in the 2013/14 booklet's "Brief note re. changes made for
# 2013/14" reverted where the note says enough to do so; each item, reverted or not, is a note
# below, and every reverted rule carries `source reconstructed "2012/13: ..."`.
# Re-derive it with scripts/derive-2012-13.py when the national rules change.'''


def row(scale: str) -> str:
    """A grid row of ``scale`` with its continuation lines (indented deeper than the row)."""
    return rf"^        {scale} +[^\n]*\n(?:            [^\n]*\n)*"


def replace(pattern, replacement, text, count_expected, what):
    text, count = re.subn(pattern, replacement, text, flags=re.M)
    if count != count_expected:
        sys.exit(f"derive-2012-13: expected {count_expected} {what}, found {count}")
    return text


def quoted(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


def main() -> None:
    kept = {p.name: p.read_bytes() for p in (OUT / "tests").glob("*.json")}
    shutil.rmtree(OUT)
    shutil.copytree(RULES / "clusters", OUT / "clusters")
    for file in RULES.glob("*.mhr"):
        shutil.copy(file, OUT / file.name)
    (OUT / "tests").mkdir()
    for name, data in kept.items():
        (OUT / "tests" / name).write_bytes(data)

    for file in sorted((OUT / "clusters").glob("cluster-*.mhr")):
        text = file.read_text("utf-8")
        if "grid" not in text:
            continue  # variance and blank clusters
        text = replace(r'^    (unlikely_diagnosis|nice_guidance) "[^\n]*\n(?:        +"[^\n]*\n)*',
                       "", text, 2, f"unlikely_diagnosis and nice_guidance in {file}")
        text = replace(row("1"), SCALE_1, text, 1, f"scale 1 row in {file}")
        if file.name == "cluster-07.mhr":
            text = replace(row("13"), SCALE_13_ON_7, text, 1, "scale 13 row in cluster 7")
        file.write_text(text, "utf-8")

    header = OUT / "ruleset.mhr"
    text = header.read_text("utf-8")
    start = text.index("    # What changed in the 2013/14 edition")
    notes = ["    # How this 2012/13 rule set was reconstructed: one note per item of the 2013/14 "
             "booklet's", f'    # "{NOTE}", saying whether it was reverted here.']
    for item, what in ITEMS:
        notes.append("    note " + quoted(f"2013/14 change: {item} {what[0].upper()}{what[1:]}."))
        notes.append(f"        source reconstructed {quoted(NOTE)}")
    text = text[:start] + "\n".join(notes) + "\n" + text[text.rindex("}"):]
    text = replace(r"^# Rule-set header: [^\n]*", HEADER_COMMENT, text, 1, "header comment")
    text = replace(r'ruleset "Mental Health Clustering Booklet" source booklet "cover page" \{\n'
                   r'    version "V3.0 \(2013/14\)" [^\n]*\n',
                   'ruleset "Mental Health Clustering Booklet"\n'
                   '    source reconstructed "2012/13 edition reconstructed from the 2013/14 '
                   'booklet" {\n    version "2012/13 (reconstructed)"\n'
                   '        source reconstructed "the 2012/13 booklet\'s version number is not in '
                   'the 2013/14 text copy"\n', text, 1, "header and version")
    text = replace(r"    effective 2013-04-01\n(?:        [^\n]*\n)(?:\s+\"[^\n]*\n)*",
                   '    effective 2012-04-01\n        source reconstructed "the NHS financial '
                   'year 2012/13 starts 1 April 2012"\n', text, 1, "effective date")
    header.write_text(text, "utf-8")
    subprocess.run([sys.executable, "-m", "mhct_dsl.cli", "fmt", str(OUT)], check=True)


if __name__ == "__main__":
    main()
