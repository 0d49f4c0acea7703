#!/usr/bin/env bash
# Screenshots of the rendered booklet for a person to look at: the index, a cluster page, a
# service-user page (headless Chromium) and the first cluster page of the PDF (pdftoppm).
# Needs Debian's chromium and poppler-utils: apt-get install -y chromium poppler-utils
# Usage: scripts/screenshots.sh [OUT_DIR] [RULES_DIR]   (default OUT_DIR: screenshots/)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-screenshots}"
rules=(); [ -n "${2:-}" ] && rules=(--rules "$2")
mkdir -p "$out"
pages="$(mktemp -d)"; profile="$(mktemp -d)"
trap 'rm -rf "$pages" "$profile"' EXIT
.venv/bin/mhct render "${rules[@]}" --out "$pages" --pdf "$out/booklet.pdf"
shot() {  # shot PAGE PNG HEIGHT
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
        --window-size=1100,"$3" --screenshot="$(realpath "$out")/$2" "file://$pages/$1" 2>/dev/null || true
    test -s "$out/$2"
}
shot index.html index.png 1400
shot cluster-11.html cluster-11.png 2600
shot about-cluster-11.html about-cluster-11.png 1900
shot decision-tree.html decision-tree.png 1000
# The PDF page holding cluster 11's care transition protocol.
pdftotext -layout "$out/booklet.pdf" "$pages/booklet.txt"
page="$(awk -v RS='\f' '/Care cluster 11:/ {print NR; exit}' "$pages/booklet.txt")"
pdftoppm -png -r 70 -f "$page" -l "$((page + 1))" "$out/booklet.pdf" "$out/pdf-cluster-11"
ls -1 "$out"
