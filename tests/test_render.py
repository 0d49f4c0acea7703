"""The rendered booklet: committed pages current, valid HTML, escaped rule text, same bytes twice.

``generated_docs/`` is the golden rendering of the national rule set: regenerate it with
``make docs``.
"""

from __future__ import annotations

import re
from pathlib import Path

import html5lib
import pytest

from mhct_dsl import load_ruleset
from mhct_dsl.cli import main
from mhct_dsl.render import render_pages

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated_docs"


@pytest.fixture(scope="module")
def national_pages() -> dict[str, bytes]:
    return render_pages(load_ruleset())


def test_generated_docs_are_the_current_rendering(national_pages):
    committed = {p.name: p.read_bytes() for p in GENERATED.glob("*.html")}
    stale = sorted(name for name in national_pages.keys() | committed.keys()
                   if national_pages.get(name) != committed.get(name))
    assert not stale, f"generated_docs/ is stale ({', '.join(stale[:5])}...): run `make docs`"


def test_rendering_is_deterministic(national_pages):
    assert render_pages(load_ruleset()) == national_pages


def test_every_page_is_valid_html5(national_pages):
    parser = html5lib.HTMLParser(strict=True)
    for name, page in national_pages.items():
        try:
            parser.parse(page)
        except html5lib.html5parser.ParseError as error:  # pragma: no cover - the failure path
            pytest.fail(f"{name}: {error}")


def test_every_page_is_offline_and_names_its_rules(national_pages):
    rules = load_ruleset()
    for name, page in national_pages.items():
        text = page.decode("utf-8")
        assert not re.search(r"""(src|href)="(https?:)?//""", text), name
        assert "@import" not in text and "<link" not in text, name
        assert text.count(rules.fingerprint) >= 2, name  # print footer and page footer
        assert f"{rules.name} · {rules.version}" in text, name


def test_the_pages_a_reader_needs_are_there(national_pages):
    expected = {"index.html", "process.html", "scales.html", "rating-sheet.html",
                "decision-tree.html", "booklet.html"}
    expected |= {f"cluster-{n:02d}.html" for n in range(22)}
    expected |= {f"about-cluster-{n:02d}.html" for n in range(22)}
    assert set(national_pages) == expected


def test_a_cluster_page_shows_grid_letters_columns_and_provenance(national_pages):
    page = national_pages["cluster-11.html"].decode("utf-8")
    assert page.count('<td class="cell red" title="red">R</td>') == 6  # scales 6, 10: red 0..2
    assert "(All of the following criteria are met)" in page
    assert "(The following criterion is met)" in page
    assert "(N/A)" in page
    assert page.count('class="badge reconstructed"') >= 19  # grid, 18 rows, transitions
    assert '<span class="k">no</span> <span class="k">event</span>' in page  # highlighted
    assert "discharge · most likely" in page


def test_scales_page_has_every_rating_wording(national_pages):
    page = national_pages["scales.html"].decode("utf-8")
    for scale in load_ruleset().scales.values():
        for wording in scale.ratings.values():
            assert _escaped(wording) in page, wording


def _escaped(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&#34;").replace("'", "&#39;"))


HOSTILE = '''\
ruleset "Evil </style><script>alert(1)</script>" extends national source local "x" {
    version "1 <script>alert(2)</script>"
}
amend cluster 11 source local "ref <script>alert(3)</script>" {
    description "<script>alert(4)</script> & \\"quoted\\""
    discharge all {
        "<script>alert(5)</script>" scale 12 in 0..1
    }
}
'''


def test_rule_text_is_escaped(tmp_path):
    (tmp_path / "evil.mhr").write_text(HOSTILE, encoding="utf-8")
    pages = render_pages(load_ruleset(tmp_path))
    for name, page in pages.items():
        text = page.decode("utf-8")
        assert "<script" not in text, name
        assert text.count("</style>") == 1, name
    cluster = pages["cluster-11.html"].decode("utf-8")
    for n in (1, 2, 3, 4, 5):
        assert f"alert({n})" in cluster
    assert "&lt;script&gt;alert(4)&lt;/script&gt; &amp; &#34;quoted&#34;" in cluster
    assert "\\3c /style\\3e " in cluster  # the @page footer's CSS string


def test_cli_render_writes_pages_and_removes_stale_ones(tmp_path, capsys):
    (tmp_path / "cluster-99.html").write_text("old", encoding="utf-8")
    assert main(["render", "--out", str(tmp_path)]) == 0
    assert not (tmp_path / "cluster-99.html").exists()
    assert (tmp_path / "index.html").read_bytes() == (GENERATED / "index.html").read_bytes()
    assert "50 pages" in capsys.readouterr().out


def test_pdf_without_chromium_is_a_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MHCT_CHROMIUM", "no-such-browser-here")
    code = main(["render", "--out", str(tmp_path / "pages"), "--pdf", str(tmp_path / "b.pdf")])
    assert code == 2
    assert "MHCT_CHROMIUM names 'no-such-browser-here'" in capsys.readouterr().err
    assert not (tmp_path / "pages").exists()


def test_pdf_without_any_browser_says_how_to_install_one(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MHCT_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["render", "--out", str(tmp_path / "p"), "--pdf", str(tmp_path / "b.pdf")]) == 2
    assert "apt-get install chromium" in capsys.readouterr().err



def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_text_colours_meet_wcag_aa_contrast():
    css = (ROOT / "mhct_dsl" / "render" / "templates" / "style.css").read_text("utf-8")
    var = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})", css))
    white, code_bg = "#ffffff", "#f6f6f6"
    pairs = {  # text colour on the background it is shown on
        "ink": (var["ink"], white), "muted": (var["muted"], white), "link": (var["link"], white),
        "table head": (var["ink"], "#eeeeee"), "red cell": (white, var["red"]),
        "orange cell": (var["ink"], var["orange"]), "yellow cell": (var["ink"], var["yellow"]),
        "reconstructed": (var["recon"], white), "local": (var["local"], var["local-bg"]),
        "muted on local": (var["muted"], var["local-bg"]),
    }
    tokens = re.findall(r"\.mhr \.(\w+)(?:, \.mhr \.\w+)? \{ color: (#[0-9a-f]{3,6});", css)
    assert len(tokens) >= 10
    for token, colour in tokens:
        pairs[f"token {token}"] = ("#" + "".join(c * 2 for c in colour[1:])
                                   if len(colour) == 4 else colour, code_bg)
    for name, (text, background) in pairs.items():
        assert _contrast(text, background) >= 4.5, name
